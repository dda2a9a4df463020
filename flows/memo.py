"""Per-word-type memos: every question about a word type is answered once per process.

The memos are bounded, so that a worker's memory does not grow with the corpus: an archive of
200 MB brings about 180,000 word types and their candidates (a million analyses), more than a
worker should hold. Word frequencies follow Zipf's law, so the least recently asked types
that make room are the rare ones; asked again, they are answered again, the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T", bound=Callable)

WORD_TYPES = 100_000  # answers each memo keeps


def per_word_type(function: T, size: int = WORD_TYPES) -> T:
    return lru_cache(maxsize=size)(function)  # type: ignore[return-value]

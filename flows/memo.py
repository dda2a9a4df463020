"""Per-word-type memos: every question about a word type is answered once per process.

The memos are bounded, so that a worker's memory does not grow with the corpus: an archive of
200 MB brings about 180,000 word types and their candidates (a million analyses), more than a
worker should hold. Word frequencies follow Zipf's law, so the least recently asked types
that make room are the rare ones; asked again, they are answered again, the same way.

A memo can also be given answers made elsewhere (`prime`): the run's word-type decisions,
made once per run across the workers (flows/decisions.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

WORD_TYPES = 100_000  # answers each memo keeps


class WordMemo(dict):
    """A function of one word type with its answers kept: those given by `prime`, and up to
    `size` of those it was asked. Called like the function; a known answer costs one dict
    lookup (the memo is the dict). When full, the older half of the asked answers goes."""

    __call__ = dict.__getitem__

    def __init__(self, function: Callable[[Any], Any], size: int = WORD_TYPES) -> None:
        super().__init__()
        self.function = function
        self.size = size
        self.given = 0

    def __missing__(self, key: Any) -> Any:
        if len(self) >= self.size + self.given:
            for old in list(self)[self.given : self.given + self.size // 2]:
                del self[old]
        value = self[key] = self.function(key)
        return value

    def prime(self, answers: Mapping[Any, Any]) -> None:
        """Answers made elsewhere, in place of those given before (a process corrects one
        shard after another, each with its own word types); they come first and stay."""
        asked = list(self.items())[self.given :]
        self.clear()
        self.update(answers)
        self.given = len(self)
        self.update((key, value) for key, value in asked if key not in self)


def per_word_type(function: Callable[[Any], Any], size: int = WORD_TYPES) -> WordMemo:
    return WordMemo(function, size)

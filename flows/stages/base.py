"""What every stage shares: its context and its registry entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flows.document import Changes
from flows.rules import Rules
from flows.statistics import CorpusStatistics


@dataclass(frozen=True)
class Context:
    """What a stage may know besides its text: the rules and the corpus statistics."""

    rules: Rules
    statistics: CorpusStatistics = CorpusStatistics()


T = TypeVar("T")


def per_corpus(
    cache: dict[tuple[str, str, int], tuple[Any, Any]], context: Context, build: Callable[[], T]
) -> T:
    """One object per rules version and corpus statistics in a process (a shard task's worker
    builds it once). The counts are kept beside it and compared by identity, so a later
    statistics object that reuses a freed id never gets another corpus' object."""
    rules, counts = context.rules, context.statistics.counts
    key = (rules.folder, rules.fingerprint, id(counts))
    cached = cache.get(key)
    if cached is None or cached[0] is not counts:
        if len(cache) >= 4:
            cache.clear()
        cached = cache[key] = (counts, build())
    return cached[1]


StageFunction = Callable[[str, Context], tuple[str, Changes]]


@dataclass(frozen=True)
class Stage:
    name: str
    fix: StageFunction
    does: str  # one line for the report; says plainly what the stage does not do yet

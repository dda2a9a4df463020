"""What every stage shares: its context and its registry entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flows.document import Changes
from flows.rules import Rules
from flows.statistics import CorpusStatistics


@dataclass(frozen=True)
class Context:
    """What a stage may know besides its text: the rules and the corpus statistics."""

    rules: Rules
    statistics: CorpusStatistics = CorpusStatistics()


StageFunction = Callable[[str, Context], tuple[str, Changes]]


@dataclass(frozen=True)
class Stage:
    name: str
    fix: StageFunction
    does: str  # one line for the report; says plainly what the stage does not do yet

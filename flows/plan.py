"""Planning a run: list the corpus, cut it into shards, fingerprint the release.

No Prefect here: `tazala run` plans first and answers "up to date" without starting Prefect's
local API when the release is already published.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.ingest import Input, discover_inputs, read_sources
from flows.release import code_version, release_fingerprint
from flows.rules import Rules, load_rules

WORK_PREFIX = ".work-"


@dataclass(frozen=True)
class Shard:
    number: int  # 1-based, in corpus path order
    inputs: tuple[Input, ...]

    @property
    def size(self) -> int:
        return sum(i.size for i in self.inputs)


@dataclass(frozen=True)
class RunPlan:
    corpus: str
    output: str
    rules: str
    fingerprint: str
    code_version: str
    rules_fingerprint: str
    parameters: dict[str, Any]
    shards: tuple[Shard, ...]

    @property
    def inputs(self) -> list[Input]:
        return [i for shard in self.shards for i in shard.inputs]

    @property
    def work(self) -> Path:
        return Path(self.output) / f"{WORK_PREFIX}{self.fingerprint[:16]}"


def plan_shards(inputs: list[Input], shard_bytes: int) -> tuple[Shard, ...]:
    """Consecutive inputs grouped until a shard holds `shard_bytes`; a larger file is a shard
    of its own. Shards never change the output, only how the work is cut."""
    shards: list[Shard] = []
    current: list[Input] = []
    size = 0
    for item in inputs:
        if current and size + item.size > shard_bytes:
            shards.append(Shard(len(shards) + 1, tuple(current)))
            current, size = [], 0
        current.append(item)
        size += item.size
    if current:
        shards.append(Shard(len(shards) + 1, tuple(current)))
    return tuple(shards)


def pipeline_parameters(rules: Rules, pins: dict[str, str]) -> dict[str, Any]:
    """What decides the output besides inputs and code: stage order, stage parameters and
    the encodings pinned in corpus/sources.toml."""
    return {
        "repair": list(rules.repair),
        "correct": list(rules.correct),
        **rules.parameters,
        "encoding_pins": pins,
    }


def plan_run(corpus: str, output: str, rules_folder: str, shard_mb: float) -> RunPlan:
    rules = load_rules(rules_folder)  # fails before any work when a rules file is broken
    inputs = discover_inputs(Path(corpus))
    parameters = pipeline_parameters(rules, read_sources(Path(corpus)))
    code = code_version()
    fingerprint = release_fingerprint(
        [[i.path, i.sha256] for i in inputs], rules.fingerprint, code, parameters
    )
    shard_bytes = max(1, int(shard_mb * 1024 * 1024))
    return RunPlan(
        corpus,
        output,
        rules_folder,
        fingerprint,
        code,
        rules.fingerprint,
        parameters,
        plan_shards(inputs, shard_bytes),
    )

"""Planning a run: list the corpus, cut it into shards, fingerprint the release.

No Prefect here: `tazala run` plans first and answers "up to date" without starting Prefect's
local API when the release is already published.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any, BinaryIO

from flows.ingest import (
    SIXTEEN_BIT,
    Input,
    InputChanged,
    SkippedInput,
    decode_bytes,
    discover_inputs,
    in_path_order,
    pinned_encoding,
    read_sources,
    unique_id,
)
from flows.release import code_version, release_fingerprint
from flows.rules import Rules, load_rules, rules_files

WORK_PREFIX = ".work-"
PART_MB = 4.0  # default of [ingest] part_mb
BLANK_LINE = re.compile(rb"\n[ \t\r]*\n")
LOOK_AHEAD = 1 << 20  # bytes searched for a paragraph break past a part's end
UNCUT_PARTS = 4  # a file that cannot be cut is read whole up to this many parts' size


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
    # files found but not read (special files, links out of the corpus, unreadable): {path,
    # reason}; files that are read and then fail to decode are skipped by the repair pass
    skipped: tuple[dict[str, str], ...] = ()
    rules_files: dict[str, str] | None = None  # rules file -> sha256 (what `tazala diff` names)

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


def split_large_inputs(
    inputs: list[Input], corpus: Path, rules: Rules, pins: dict[str, str]
) -> tuple[list[Input], list[dict[str, str]]]:
    """Each file larger than [ingest] part_mb cut into parts of about that size at paragraph
    breaks, each part a document (`report.part001`, `report.part002`, ...): a huge file then
    neither fills a worker's memory nor waits for one worker. The cut depends on the file and
    the rules only, never on shards or workers. The file's encoding is decided on its first
    part (or pinned) and used for all of them. A file that cannot be cut is read whole up to
    UNCUT_PARTS parts' size, and skipped (returned with the reason) beyond."""
    part_bytes = int(float(rules.parameter("ingest", "part_mb", PART_MB)) * 1024 * 1024)
    taken = {item.document for item in inputs}
    result: list[Input] = []
    skipped: list[dict[str, str]] = []
    for item in inputs:
        if item.size <= part_bytes:
            result.append(item)
            continue
        cuts = paragraph_cuts(item.location(corpus), item.size, part_bytes)
        if cuts is None:
            encoding, why = None, "no line break or space within 1 MB"
        else:
            encoding = parts_encoding(item, corpus, cuts, rules, pins)
            why = "16-bit text, lines in two encodings, or a first part that does not decode"
        if encoding is None:
            if item.size > UNCUT_PARTS * part_bytes:
                mb, limit = item.size / 2**20, UNCUT_PARTS * part_bytes / 2**20
                reason = (
                    f"{mb:,.0f} MB that cannot be cut into parts ({why}); such a file is read "
                    f"whole only up to {limit:,.0f} MB: convert it to UTF-8 text with line breaks"
                )
                skipped.append({"path": item.path, "reason": reason})
            else:
                result.append(item)
            continue
        parts = zip(pairwise(cuts), part_digests(item, corpus, cuts), strict=True)
        for number, ((start, end), part_sha256) in enumerate(parts, 1):
            document = unique_id(f"{item.document}.part{number:03d}", taken)
            taken.add(document)
            size, part = end - start, (start, end)
            result.append(
                replace(
                    item,
                    document=document,
                    size=size,
                    part=part,
                    encoding=encoding,
                    part_sha256=part_sha256,
                )
            )
    return result, skipped


def part_digests(item: Input, corpus: Path, cuts: list[int]) -> list[str]:
    """The sha256 of each part, which the repair pass checks the bytes it reads against; read
    in one pass that also checks the whole file is still the one hashed for the manifest."""
    whole, digests = hashlib.sha256(), []
    with open(item.location(corpus), "rb") as data:
        for start, end in pairwise(cuts):
            part, left = hashlib.sha256(), end - start
            while left > 0 and (block := data.read(min(left, 1 << 20))):
                part.update(block)
                whole.update(block)
                left -= len(block)
            digests.append(part.hexdigest())
        whole.update(data.read())
    if whole.hexdigest() != item.sha256:
        raise InputChanged(f"{item.path} changed while the run was being planned; run again")
    return digests


def paragraph_cuts(path: Path | bytes, size: int, part_bytes: int) -> list[int] | None:
    """Byte offsets that cut the file into parts of at least `part_bytes`: just after the
    first blank line past each part's end (a line break, or a space, when none comes soon);
    None when a stretch of the file has none of them."""
    cuts = [0]
    with open(path, "rb") as data:
        while size - cuts[-1] > part_bytes:
            cut = next_break(data, cuts[-1] + part_bytes)
            if cut is None:
                return None
            if cut >= size:
                break
            cuts.append(cut)
    return [*cuts, size]


def next_break(data: BinaryIO, offset: int) -> int | None:
    data.seek(offset)
    window = data.read(LOOK_AHEAD)
    if blank := BLANK_LINE.search(window):
        return offset + blank.end()
    for separator in (b"\n", b" "):  # a text with no line breaks is cut between words
        if (found := window.find(separator)) >= 0:
            return offset + found + 1
    return None if len(window) == LOOK_AHEAD else offset + len(window)


def parts_encoding(
    item: Input, corpus: Path, cuts: list[int], rules: Rules, pins: dict[str, str]
) -> str | None:
    """The encoding for every part of a split file; None when the file is not to be split:
    16-bit text (its line breaks are not the bytes cut at), lines in two encodings, or a
    first part that does not decode (then skipped as one document, with the reason)."""
    first = replace(item, part=(cuts[0], cuts[1]))
    try:
        decoded = decode_bytes(
            first.read_bytes(corpus), rules.encodings, pinned_encoding(item.path, pins)
        )
    except SkippedInput:
        return None
    if decoded.encoding.startswith(SIXTEEN_BIT) or decoded.method == "mixed":
        return None  # line breaks are not single bytes, or lines differ in encoding
    return decoded.encoding


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
    pins = read_sources(Path(corpus))
    files, skipped = discover_inputs(Path(corpus))
    parameters = pipeline_parameters(rules, pins)
    code = code_version()
    # a skipped file is part of what the release says (a fixed permission is a new release)
    listed = [[i.path, i.sha256] for i in files] + [[s["path"], s["reason"]] for s in skipped]
    fingerprint = release_fingerprint(listed, rules.fingerprint, code, parameters)
    inputs, too_large = split_large_inputs(files, Path(corpus), rules, pins)
    skipped = in_path_order([*skipped, *too_large])
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
        tuple(skipped),
        rules_files(Path(rules_folder)),
    )


def write_plan(plan: RunPlan, path: Path) -> Path:
    """The plan as a file of the run's work folder, for the tasks to read (as a parameter it
    would be stored in Prefect's database, which refuses more than 512 KB)."""
    path.write_bytes(pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL))
    return path


def read_plan(path: Path) -> RunPlan:
    """A plan this run wrote (trusted as the run's own file, like the rest of its work folder)."""
    return pickle.loads(path.read_bytes())

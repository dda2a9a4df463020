"""The Prefect flow `clean-corpus`: shards, map, reduce, map, publish.

    plan        list the corpus, hash it, fingerprint the release; stop if it is published
    repair      one task per shard: bytes -> text, then the repair stages; word counts per file
    statistics  one task: per-file counts summed into the corpus lexicon
    fit model   one task, with [ocr] model = "corpus": the decision model fitted on the corpus
    correct     one task per shard: the correct stages, with the corpus lexicon
    publish     one task: the release written in a temporary folder and renamed into place

Tasks pass file paths between them, never corpus text (Prefect would store and ship it). A task
handles a whole shard (several MB) so that Prefect's per-task cost stays small against the
work. Each file's result of each pass goes to the result cache (flows/cache.py), which a
rerun reuses. With `workers` > 1 the shard tasks run on a Dask LocalCluster of that many
processes, started once per run; with `dask_address`, on a cluster that is already running.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from prefect import flow, task
from prefect.artifacts import TableArtifact
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.task_runners import ThreadPoolTaskRunner

from flows.cache import (
    cache_folder,
    correct_entry,
    digest,
    model_entry,
    prune_cache,
    read_document,
    read_entry,
    read_meta,
    repair_entry,
    write_atomically,
    write_document,
    write_entry,
    write_meta,
)
from flows.clean import run_stages
from flows.crash import crash_point
from flows.decisions import decide_partition, prime_stages
from flows.document import Document
from flows.failures import QUIET_VARIABLE, hide_tracebacks
from flows.ingest import (
    Input,
    InputChanged,
    SkippedInput,
    decode_bytes,
    in_path_order,
    pinned_encoding,
    sha256_file,
)
from flows.kazakh.model import model_text
from flows.plan import RunPlan, Shard, plan_run, read_plan, write_plan
from flows.preflight import check_corpus_not_empty, published_release
from flows.progress import Progress
from flows.publish import write_chunk, write_release
from flows.release import TEMPORARY_PREFIX, read_manifest
from flows.rules import MODEL_PATH, Rules, load_rules, repair_fingerprint, snapshot_rules
from flows.safety import output_lock, remove_leftovers
from flows.signals import on_stop
from flows.stages import Context
from flows.stages.repeats import chrome_line_digests
from flows.statistics import (
    CorpusStatistics,
    count_words,
    load_statistics,
    write_counts,
)

log = logging.getLogger("tazala")


# --- tasks ------------------------------------------------------------------------------------


@task(name="repair-shard")
def repair_shard(
    shard: Shard, corpus: str, rules_folder: str, pins: dict[str, str], cache: str, base: str
) -> dict[str, Any]:
    """Pass 1 over one shard: decode each file, run the repair stages, count word forms. A
    file whose result is in the cache (same bytes, rules, code, parameters) is not redone."""
    started = time.perf_counter()
    rules, seconds = None, Counter()
    entries, reused, computed, not_as_planned = [], 0, 0, []
    for item in shard.inputs:
        key = digest("repair", base, item.path, item.document, item.sha256, str(item.part))
        meta_path, document_path = repair_entry(Path(cache), key)
        meta = read_meta(meta_path)
        if meta is not None and ("skipped" in meta or read_entry(document_path) is not None):
            reused += 1
        else:
            rules = rules or load_rules(rules_folder)
            try:
                meta = repair_input(item, corpus, rules, pins, document_path, seconds)
            except InputChanged as problem:
                not_as_planned.append(str(problem))  # the shard's other files are still said
                continue
            write_meta(meta_path, meta)
            crash_point("repair")
            computed += item.size
        files = {"meta": str(meta_path), "document": str(document_path)}
        entries.append({"path": item.path, "key": key, **files, **_summary(meta)})
    if not_as_planned:
        raise InputsNotAsPlanned(not_as_planned, worker_name())
    return {
        "shard": shard.number,
        "entries": entries,
        "reused": reused,
        "computed_bytes": computed,
        "stages": dict(seconds),
        "seconds": time.perf_counter() - started,
    }


class InputsNotAsPlanned(RuntimeError):
    """Files that planning hashed and a task cannot read now, or reads other bytes of: the
    run stops, publishes nothing and caches nothing for them (never a release that skips
    them under the plan's fingerprint)."""

    def __init__(self, problems: list[str], where: str = "") -> None:
        super().__init__(problems, where)
        self.problems, self.where = list(problems), where

    def __str__(self) -> str:
        shown = "; ".join(self.problems[:10])
        more = f"; and {len(self.problems) - 10} more" if len(self.problems) > 10 else ""
        where = f" on {self.where}" if self.where else ""
        return (
            f"{len(self.problems)} planned file(s) could not be read as planned{where}: "
            f"{shown}{more}"
        )


def worker_name() -> str:
    """The Dask worker this task runs on, by name and address (or this machine)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):  # not on a Dask worker
        return f"{socket.gethostname()} (process {os.getpid()})"
    return f"Dask worker {worker.name} ({worker.address})"


def _summary(meta: dict[str, Any]) -> dict[str, Any]:
    """What the publish step needs of a repair entry: how the file was decoded, or why not."""
    return {"input": meta.get("input"), "skipped": meta.get("skipped")}


def repair_input(
    item: Input, corpus: str, rules: Rules, pins: dict[str, str], document_path: Path, seconds
) -> dict[str, Any]:
    """Decode one file and repair it; the document goes to `document_path`, the rest (how it
    was decoded, or why it was skipped, and its word counts) is returned."""
    pinned = pinned_encoding(item.path, pins)
    # InputChanged fails the run: a file that cannot be read now (on this worker), or reads
    # other bytes than planning hashed, is neither released nor cached as skipped
    try:
        data = item.read_planned_bytes(Path(corpus))
    except OSError as problem:
        raise InputChanged(f"{item.path}: {problem.strerror or problem}") from None
    try:
        decoded = decode_bytes(data, rules.encodings, pinned or item.encoding)
    except SkippedInput as reason:
        return {"skipped": str(reason)}
    if item.encoding and not pinned:
        decoded = replace(decoded, method="first part")  # detected there, for every part
    document = Document(item.document, item.path, decoded.text, decoded.encoding)
    run_stages(document, rules.repair, Context(rules), seconds)
    write_document(document_path, document)
    return {
        "input": {"path": item.path, **decoded.describe()},
        "counts": count_words(document.text),
        # short lines that read as no prose, for the corpus' repeated lines (the repeats stage)
        "lines": chrome_line_digests(document.text, rules) if "repeats" in rules.correct else [],
    }


@task(name="corpus-statistics")
def build_statistics(metas: list[str], work: str) -> dict[str, Any]:
    """The reduce step: per-file word counts summed into the corpus lexicon, and per-file
    short lines into the documents that hold each (`repeated.tsv`, lines in two or more)."""
    lexicon, repeated = Path(work) / "lexicon.tsv", Path(work) / "repeated.tsv"
    counts, lines = Counter(), Counter()
    for meta in (read_entry_of_run(Path(meta), read_meta) for meta in metas):
        counts.update(meta.get("counts", {}))
        lines.update(meta.get("lines", []))  # each document's lines once: documents per line
    write_counts(lexicon, counts)
    write_counts(repeated, {line: n for line, n in lines.items() if n >= 2})
    crash_point("statistics")
    both = hashlib.sha256(f"{sha256_file(lexicon)} {sha256_file(repeated)}".encode())
    return {
        "lexicon": str(lexicon),
        "repeated": str(repeated),
        "digest": both.hexdigest(),
        "forms": len(counts),
        "tokens": counts.total(),
    }


@task(name="fit-decision-model")
def fit_corpus_model(
    statistics: dict[str, Any], rules_folder: str, cache: str, key: str
) -> dict[str, Any]:
    """[ocr] model = "corpus": the decision model fitted on this run's corpus statistics, as
    `tazala fit-model --release` fits it, written over kk/decision_model.toml of the run's
    rules snapshot. Every later task loads the rules from there: the decide and correct tasks
    use this model, on a Dask worker too (the snapshot is in the run's work folder, which
    every worker sees as it sees the cache). The fit is a pure function of the rules, code,
    parameters (seed and size among them) and statistics, so `key` holds them all and a
    rerun over the same corpus takes the model from the cache instead of fitting it again."""
    from flows.training import fit_decision_model  # loads the word lists: only when fitting

    started = time.perf_counter()
    entry = model_entry(Path(cache), key)
    text = read_entry(entry)
    reused = text is not None
    if text is None:
        rules = load_rules(rules_folder)
        _, seed, examples = rules.model_settings()
        counts = shared_statistics(statistics["lexicon"], statistics["digest"]).counts
        model = fit_decision_model(rules, examples, seed, dict(counts))
        about = {**model.about, "made_by": 'tazala run ([ocr] model = "corpus")'}
        text = model_text(replace(model, about=about))
        write_entry(entry, text)
    target = Path(rules_folder) / MODEL_PATH
    write_atomically(target, text)
    return {
        "model": str(target),
        "entry": str(entry),
        "reused": reused,
        "seconds": time.perf_counter() - started,
    }


@task(name="decide-word-types")
def decide_word_types(
    statistics: dict[str, Any], rules_folder: str, partition: int, partitions: int, work: str
) -> str:
    """One partition of the corpus' word types decided for the correct stages (see
    flows/decisions.py); returns the file of answers."""
    corpus_statistics = shared_statistics(
        statistics["lexicon"], statistics["digest"], statistics.get("repeated")
    )
    context = Context(load_rules(rules_folder), corpus_statistics)
    target = Path(work) / f"answers-{partition + 1}-of-{partitions}.pickle"
    return str(decide_partition(context, partition, partitions, target))


@task(name="correct-shard")
def correct_shard(
    keys: list[str],
    statistics: dict[str, Any],
    rules_folder: str,
    cache: str,
    number: int,
    answers: list[str],
    chunk: str,
    basis: str,
) -> dict[str, Any]:
    """Pass 2 over one shard: the correct stages, with the corpus statistics and the run's
    word-type answers, and the shard's part of the release written to `chunk`. A file whose
    repaired text and `basis` (the rules, code and parameters, and the corpus statistics)
    are unchanged is taken from the cache."""
    started = time.perf_counter()
    rules = load_rules(rules_folder)
    context, seconds = None, Counter()
    corrected, reused, computed = [], 0, 0

    def documents() -> Iterator[Document]:
        nonlocal context, reused, computed
        for key in keys:
            target = correct_entry(Path(cache), key, basis)
            corrected.append(str(target))
            if (cached := read_document(target)) is not None:
                reused += 1
                yield cached
                continue
            if context is None:
                corpus_statistics = shared_statistics(
                    statistics["lexicon"], statistics["digest"], statistics.get("repeated")
                )
                context = Context(rules, corpus_statistics)
                if answers:
                    prime_stages(context, answers, shard_forms(Path(cache), keys))
            document = read_entry_of_run(repair_entry(Path(cache), key)[1], read_document)
            computed += len(document.text.encode("utf-8"))
            write_document(target, run_stages(document, rules.correct, context, seconds))
            crash_point("correct")
            yield document

    write_chunk(Path(chunk), documents(), [*rules.repair, *rules.correct])
    return {
        "shard": number,
        "chunk": chunk,
        "corrected": corrected,
        "reused": reused,
        "computed_bytes": computed,
        "stages": dict(seconds),
        "seconds": time.perf_counter() - started,
    }


def shard_forms(cache: Path, keys: list[str]) -> set[str]:
    """The word forms of a shard's documents, as their repair metas counted them: the word
    types whose answers its correct task is given (not the whole corpus')."""
    forms: set[str] = set()
    for key in keys:
        forms.update(read_entry_of_run(repair_entry(cache, key)[0], read_meta).get("counts", {}))
    return forms


Entry = TypeVar("Entry")


class CacheChangedDuringRun(RuntimeError):
    """An entry this run wrote (or checked) a moment ago is damaged or gone."""


def read_entry_of_run(path: Path, read: Callable[[Path], Entry | None]) -> Entry:
    """A cache entry the repair pass of this run has just written or checked: damaged now
    means something else writes into the cache folder, and the run stops."""
    if (entry := read(path)) is None:
        raise CacheChangedDuringRun(
            f"the cache entry {path} changed during the run (is another program writing to "
            "the output folder?); nothing was published: run again"
        )
    return entry


_STATISTICS: dict[str, CorpusStatistics] = {}


def shared_statistics(path: str, digest: str, repeated: str | None = None) -> CorpusStatistics:
    """The corpus statistics, loaded once per process and run: the stages keep their
    per-word-type decisions beside this very object, so the shards a process corrects share
    them instead of deciding every word type again."""
    if digest not in _STATISTICS:
        _STATISTICS.clear()  # one corpus at a time
        lines = Path(repeated) if repeated else None
        _STATISTICS[digest] = load_statistics(Path(path), lines)
    return _STATISTICS[digest]


@task(name="publish-release")
def publish_release(
    plan: RunPlan,
    entries: list[dict[str, Any]],
    chunks: list[str],
    lexicon: str,
    model: str | None = None,
) -> str:
    """Write the release beside output/ and rename it into place; returns its version. A
    model fitted on the corpus is published with it."""
    encodings = {e["path"]: e["input"] for e in entries if e["input"]}
    skipped = [{"path": e["path"], "reason": e["skipped"]} for e in entries if e["skipped"]]
    skipped = in_path_order([*plan.skipped, *skipped])
    chunk_paths = [Path(p) for p in chunks]
    fitted = Path(model) if model else None
    return write_release(plan, encodings, skipped, chunk_paths, Path(lexicon), fitted)


# --- flows ------------------------------------------------------------------------------------


def _task_runner(workers: int, dask_address: str | None = None):
    if workers <= 1 and not dask_address:
        return ThreadPoolTaskRunner(max_workers=1)
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": ":0",
        }
    )


def wait_for_task_records(flow_run_ids: list[str], expected: int, timeout: float = 30.0) -> None:
    """Wait until Prefect's API has recorded `expected` completed task runs of these flow runs.

    Task-run states reach the API as events that a server service writes in batches. The
    temporary local API stops when the process exits, and events still queued then are lost,
    with ERROR tracebacks on the console (seen on a loaded 2-core machine). Waiting here keeps
    the run history whole and the console clean; it costs nothing when the records are in.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        TaskRunFilter,
        TaskRunFilterFlowRunId,
        TaskRunFilterState,
        TaskRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    ids = [UUID(i) for i in flow_run_ids if i]
    if not ids:
        return  # called without Prefect's engine (flow.fn): nothing is being recorded
    completed = TaskRunFilter(
        flow_run_id=TaskRunFilterFlowRunId(any_=ids),
        state=TaskRunFilterState(type=TaskRunFilterStateType(any_=[StateType.COMPLETED])),
    )
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while len(client.read_task_runs(task_run_filter=completed)) < expected:
            if time.monotonic() > deadline:
                log.warning(
                    "Prefect has not recorded every task run yet; its run history may miss "
                    "some (the release is complete)"
                )
                return
            time.sleep(0.1)


def _by_shard(futures: dict, progress: Progress) -> list[dict[str, Any]]:
    """Shard results as they finish (progress shown), returned in shard order."""
    results, not_as_planned = [], []
    for future in as_completed(list(futures)):
        try:
            result = future.result()
        except InputsNotAsPlanned as failure:  # every shard's files are named, not the first
            not_as_planned += [f"{problem} ({failure.where})" for problem in failure.problems]
            continue
        progress.advance(
            futures[future], result["computed_bytes"], result["reused"], result["seconds"]
        )
        results.append(result)
    progress.close()
    if not_as_planned:
        raise InputsNotAsPlanned(sorted(not_as_planned))
    return sorted(results, key=lambda r: r["shard"])


# Its parameter is an internal plan, not user input: no pydantic validation (which also fails
# to resolve the annotation when a served run loads this file by its path).
@flow(name="process-shards", validate_parameters=False)
def process_shards(plan_file: str, rules: str, partitions: int = 1) -> dict[str, Any]:
    """Repair every shard, reduce the statistics, decide the word types (in `partitions`
    tasks, when more than one process corrects), correct every shard. The plan comes as a
    file (a flow run's parameters must stay under 512 KB: ~3,000 files' worth) and the rules
    as the run's copy of them."""
    plan = read_plan(Path(plan_file))
    cache, work = str(cache_folder(plan.output)), str(plan.work)
    base = digest(plan.rules_fingerprint, plan.code_version, plan.parameters)
    # the repair pass reads no correct-only rules file: a review decision keeps its cache
    repair_rules = repair_fingerprint(plan.rules_files) if plan.rules_files else None
    repair_base = digest(repair_rules or plan.rules_fingerprint, plan.code_version, plan.parameters)
    pins = plan.parameters["encoding_pins"]
    size = sum(s.size for s in plan.shards)
    futures = {
        repair_shard.submit(s, plan.corpus, rules, pins, cache, repair_base): s.size
        for s in plan.shards
    }
    repaired = _by_shard(futures, Progress("repair", len(plan.shards), size))
    entries = [e for r in repaired for e in r["entries"]]
    statistics = build_statistics([e["meta"] for e in entries if not e["skipped"]], work)
    log.info("statistics: %d word forms, %d words", statistics["forms"], statistics["tokens"])
    fitted = fit_model_if_asked(plan, statistics, rules, cache, base)
    shard_keys = [[e["key"] for e in r["entries"] if not e["skipped"]] for r in repaired]
    # what a corrected document depends on besides its repaired text (whose key holds only
    # the rules the repair stages read): all the rules, code, parameters, and the statistics
    basis = digest("correct", base, statistics["digest"])
    answers = []
    if (
        partitions > 1
        and plan.parameters["correct"]
        and any(
            not correct_entry(Path(cache), key, basis).is_file()
            for keys in shard_keys
            for key in keys
        )
    ):
        answers = decide(statistics, rules, partitions, work)
    futures = {}
    for shard, keys in zip(plan.shards, shard_keys, strict=True):
        chunk = str(Path(work) / "chunks" / f"{shard.number:05d}")
        future = correct_shard.submit(
            keys, statistics, rules, cache, shard.number, answers, chunk, basis
        )
        futures[future] = shard.size
    corrected = _by_shard(futures, Progress("correct", len(plan.shards), size))
    return {
        "entries": entries,
        "corrected": [path for c in corrected for path in c["corrected"]],
        "chunks": [c["chunk"] for c in corrected],
        "lexicon": statistics["lexicon"],
        "model": fitted and fitted["model"],
        "model_entry": fitted and fitted["entry"],
        "flow_run": flow_run.get_id(),
        # repair, statistics, fit, decide, correct
        "tasks": 2 * len(plan.shards) + 1 + bool(fitted) + len(answers),
        "summary": {
            **run_summary(plan, repaired, corrected, statistics),
            "decision_model": model_summary(fitted),
        },
    }


def fit_model_if_asked(
    plan: RunPlan, statistics: dict[str, Any], rules: str, cache: str, base: str
) -> dict[str, Any] | None:
    """The fit-decision-model task when [ocr] model = "corpus" (None otherwise: the rules'
    own model). A fitted model is a function of the rules, code and parameters (`base`) and
    of the statistics; the correct cache is keyed by the same (the repair key holds `base`),
    so no corrected document is ever reused under another model."""
    if plan.parameters.get("ocr", {}).get("model", "rules") != "corpus":
        return None
    key = digest("decision-model", base, statistics["digest"])
    fitted = fit_corpus_model(statistics, rules, cache, key)
    how = "taken from the cache" if fitted["reused"] else "fitted on the corpus"
    log.info("decision model %s (%.1f s)", how, fitted["seconds"])
    return fitted


def model_summary(fitted: dict[str, Any] | None) -> str:
    if fitted is None:
        return "rules"
    return "cache" if fitted["reused"] else f"fitted in {fitted['seconds']:.1f} s"


def decide(statistics: dict[str, Any], rules: str, partitions: int, work: str) -> list[str]:
    started = time.perf_counter()
    log.info("word types: deciding %d forms in %d partitions", statistics["forms"], partitions)
    futures = [
        decide_word_types.submit(statistics, rules, k, partitions, work) for k in range(partitions)
    ]
    answers = [future.result() for future in futures]
    log.info(
        "word types decided in %d partitions (%.1f s)", partitions, time.perf_counter() - started
    )
    return answers


def run_summary(
    plan: RunPlan,
    repaired: list[dict[str, Any]],
    corrected: list[dict[str, Any]],
    statistics: dict[str, Any],
) -> dict[str, Any]:
    """What the run did (not part of the release, which depends on its inputs only): files
    reused from the cache per pass, bytes processed, seconds per stage."""
    files = sum(len(r["entries"]) for r in repaired)
    documents = sum(len(c["corrected"]) for c in corrected)
    stages: Counter[str] = Counter()
    for result in repaired + corrected:
        stages.update(result["stages"])
    return {
        "files": files,
        "bytes": sum(s.size for s in plan.shards),
        "shards": len(plan.shards),
        "word_forms": statistics["forms"],
        "word_tokens": statistics["tokens"],
        "repair": {
            "reused": sum(r["reused"] for r in repaired),
            "of": files,
            "bytes": sum(r["computed_bytes"] for r in repaired),
        },
        "correct": {
            "reused": sum(c["reused"] for c in corrected),
            "of": documents,
            "bytes": sum(c["computed_bytes"] for c in corrected),
        },
        "stage_seconds": {stage: round(stages[stage], 3) for stage in stages},
    }


@flow(name="clean-corpus")
def clean_corpus(
    corpus: str = "corpus",
    output: str = "output",
    rules: str = "rules",
    shard_mb: float = 4.0,
    workers: int = 1,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Clean a corpus folder into a new versioned release in `output`, unless the same
    inputs, rules, code and parameters are already published."""
    started = time.perf_counter()
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)  # a served run's process: `tazala run` did not set it up
    plan = plan_run(corpus, output, rules, shard_mb)
    check_corpus_not_empty(corpus, len(plan.inputs), len(plan.skipped))
    size = sum(i.size for i in plan.inputs)
    files = len({i.path for i in plan.inputs})
    parts = sum(1 for i in plan.inputs if i.part)
    log.info(
        "%d files (%.1f MB)%s%s in %d shard(s); fingerprint %s",
        files,
        size / 1e6,
        f", {parts} parts of large files" if parts else "",
        f", {len(plan.skipped)} not read (see the release's report.md)" if plan.skipped else "",
        len(plan.shards),
        plan.fingerprint[:12],
    )
    with output_lock(Path(output), wait=True):
        remove_leftovers(Path(output))
        if existing := published_release(Path(output), plan):
            log.info("up to date: %s", existing)
            return {"status": "up-to-date", "release": existing, "output": output}
        version, shards = process_and_publish(plan, workers, dask_address)
    summary = {**shards["summary"], "seconds": round(time.perf_counter() - started, 3)}
    log.info("published %s", version)
    publish_summary_artifact(version, summary)
    publish_corrections_artifact(version, read_manifest(Path(output) / version)["top_corrections"])
    return {"status": "published", "release": version, "output": output, "run": summary}


def process_and_publish(
    plan: RunPlan, workers: int, dask_address: str | None
) -> tuple[str, dict[str, Any]]:
    """Both passes over the shards, then the release published (the run lock held)."""
    plan.work.mkdir(parents=True)
    forget = on_stop(remove_own_folders(plan))
    if dask_address:
        log.info("shard tasks run on the Dask cluster at %s", dask_address)
    elif workers > 1:
        log.info("shard tasks run on a Dask LocalCluster of %d worker processes", workers)
    try:
        runner = _task_runner(workers, dask_address)
        # one partition of the word types per process that corrects (an external cluster's
        # size is not known here: two, or --workers)
        partitions = max(workers, 2) if dask_address else workers
        rules = snapshot_rules(plan.rules, plan.work / "rules", plan.rules_fingerprint)
        plan_file = write_plan(plan, plan.work / "plan.pickle")
        shards = process_shards.with_options(task_runner=runner)(
            str(plan_file), str(rules), partitions
        )
        version = publish_release(
            plan, shards["entries"], shards["chunks"], shards["lexicon"], shards["model"]
        )
        crash_point("prune")
        used = [Path(e[name]) for e in shards["entries"] for name in ("meta", "document")]
        used += [Path(shards["model_entry"])] if shards["model_entry"] else []
        prune_cache(cache_folder(plan.output), used + [Path(p) for p in shards["corrected"]])
        # repair and correct per shard, statistics, publish: all must be on record
        wait_for_task_records([shards["flow_run"], flow_run.get_id()], shards["tasks"] + 1)
    finally:
        forget()
        shutil.rmtree(plan.work, ignore_errors=True)
    return version, shards


def remove_own_folders(plan: RunPlan) -> Callable[[], None]:
    """What a run stopped by a signal removes of its own: its work folder and the release it
    was writing (the run lock is held; anything left, the next run removes)."""
    mine = f"{TEMPORARY_PREFIX}*-{os.getpid()}"
    return lambda: [
        shutil.rmtree(folder, ignore_errors=True)
        for folder in (plan.work, *Path(plan.output).glob(mine))
    ]


def publish_summary_artifact(version: str, summary: dict[str, Any]) -> None:
    """The run summary as a Prefect markdown artifact: what the UI shows of a served run."""
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(
        key="run-summary",
        markdown=render_run_summary(version, summary),
        description=f"tazala published {version}",
    )


def publish_corrections_artifact(version: str, top: list[dict[str, Any]]) -> None:
    """The release's most frequent edits as a Prefect table artifact (the UI's table view)."""
    ReadableTableArtifact(
        key="top-corrections",
        table=top,
        description=f"tazala {version}: the most frequent edits (all of them: changes.jsonl)",
    ).create()


class ReadableTableArtifact(TableArtifact):
    """A table artifact that keeps its letters: Prefect's own writes its JSON with every
    Cyrillic letter escaped (`\\u0422`), which `prefect artifact inspect` shows as it is."""

    def readable(self) -> str:
        return json.dumps(self._sanitize(self.table), ensure_ascii=False)

    async def aformat(self) -> str:
        return self.readable()

    def format(self, _sync: bool | None = None) -> str:  # Artifact.create passes _sync
        return self.readable()


def render_run_summary(version: str, summary: dict[str, Any]) -> str:
    mb = summary["bytes"] / 1e6
    repair, correct = summary["repair"], summary["correct"]
    lines = [
        f"# tazala: published {version}",
        "",
        f"- {summary['files']:,} files, {mb:.1f} MB in {summary['shards']} shard(s), "
        f"{summary['seconds']:.1f} s ({mb / max(summary['seconds'], 1e-9):.2f} MB/s end to end)",
        f"- repair pass: {repair['reused']:,} of {repair['of']:,} files reused from the cache",
        f"- correct pass: {correct['reused']:,} of {correct['of']:,} documents reused from the "
        "cache",
        f"- corpus statistics: {summary['word_forms']:,} word forms",
        "",
        "| stage | seconds |",
        "|---|---:|",
        *(f"| {stage} | {s:.2f} |" for stage, s in summary["stage_seconds"].items()),
    ]
    return "\n".join(lines) + "\n"


def run_pipeline(
    corpus: str,
    output: str,
    rules: str,
    shard_mb: float = 4.0,
    workers: int = 1,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Run the flow from the command line: no heartbeat wait at the end of each flow call."""
    with (
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        one_local_api(workers > 1 and not dask_address),
    ):
        return clean_corpus(corpus, output, rules, shard_mb, workers, dask_address)


@contextmanager
def one_local_api(for_workers: bool) -> Iterator[None]:
    """With no Prefect server configured, every process that reports to Prefect starts its
    own temporary local API (4-8 s and ~200 MB each). Start this process' API here, in the
    main thread and tied to this process' life (a kill -9 of tazala kills it too: see
    flows/prefect_env.py), and hand its address to the worker processes of a Dask
    LocalCluster, which inherit the environment and so start none of their own. (Those
    workers need no such tie: distributed's worker processes exit as soon as the pipe their
    parent holds open closes, which a kill -9 of the parent does.)"""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if os.environ.get("PREFECT_API_URL"):
        yield  # a configured server; the workers inherit the address already
        return
    url = PREFECT_API_URL.value()  # set in this process' settings only (a test harness)
    if not url and not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        yield  # the user turned the temporary API off: Prefect says what to set instead
        return
    if not url:
        from flows.prefect_env import start_temporary_api

        url = start_temporary_api().api_url
    elif not for_workers:
        yield
        return
    os.environ["PREFECT_API_URL"] = url
    try:
        yield
    finally:
        del os.environ["PREFECT_API_URL"]


def serve_clean_corpus(name: str, cron: str | None, parameters: dict[str, Any]) -> None:
    """Serve the `clean-corpus` deployment `name` until interrupted: it runs on the cron
    schedule and whenever `prefect deployment run 'clean-corpus/NAME'` asks for a run. Needs a
    Prefect server (PREFECT_API_URL): the temporary local API cannot keep a schedule."""
    clean_corpus.serve(name=name, cron=cron, parameters=parameters, print_starting_message=True)


if os.environ.get(QUIET_VARIABLE):  # a worker process of a run without --verbose
    hide_tracebacks()

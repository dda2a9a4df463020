"""The Prefect flow `clean-corpus`: shards, map, reduce, map, publish.

    plan        list the corpus, hash it, fingerprint the release; stop if it is published
    repair      one task per shard: bytes -> text, then the repair stages; word counts per shard
    statistics  one task: per-shard counts summed into the corpus lexicon
    correct     one task per shard: the correct stages, with the corpus lexicon
    publish     one task: the release written in a temporary folder and renamed into place

Tasks pass file paths between them, never corpus text (Prefect would store and ship it). A task
handles a whole shard (several MB) so that Prefect's per-task cost stays small against the
work. With `workers` > 1 the shard tasks run on a Dask LocalCluster of that many processes.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import flow, task
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.task_runners import ThreadPoolTaskRunner

from flows.clean import correct_document, repair_document
from flows.document import Document, document_from_json, document_to_json
from flows.ingest import SkippedInput, decode_bytes, pinned_encoding
from flows.plan import RunPlan, Shard, plan_run
from flows.publish import write_release
from flows.release import find_release
from flows.rules import load_rules
from flows.statistics import count_words, load_statistics, merge_counts, read_counts, write_counts

log = logging.getLogger("tazala")


# --- tasks ------------------------------------------------------------------------------------


def _write_documents(path: Path, documents: list[Document]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for document in documents:
            out.write(json.dumps(document_to_json(document), ensure_ascii=False) + "\n")


def _read_documents(path: Path) -> list[Document]:
    with path.open(encoding="utf-8") as lines:
        return [document_from_json(json.loads(line)) for line in lines]


@task(name="repair-shard")
def repair_shard(
    shard: Shard, corpus: str, rules_folder: str, pins: dict[str, str], work: str
) -> dict[str, Any]:
    """Pass 1 over one shard: decode each file, run the repair stages, count word forms."""
    started = time.perf_counter()
    rules = load_rules(rules_folder)
    documents, inputs, skipped, counts = [], [], [], Counter()
    for item in shard.inputs:
        try:
            pinned = pinned_encoding(item.path, pins)
            decoded = decode_bytes((Path(corpus) / item.path).read_bytes(), rules.encodings, pinned)
        except (SkippedInput, OSError) as reason:
            skipped.append({"path": item.path, "reason": str(reason)})
            continue
        document = Document(item.document, item.path, decoded.text, decoded.encoding)
        repair_document(document, rules)
        counts.update(count_words(document.text))
        documents.append(document)
        inputs.append({"path": item.path, **decoded.describe()})
    repaired = Path(work) / f"repaired-{shard.number:05d}.jsonl"
    counted = Path(work) / f"counts-{shard.number:05d}.tsv"
    _write_documents(repaired, documents)
    write_counts(counted, counts)
    return {
        "shard": shard.number,
        "repaired": str(repaired),
        "counts": str(counted),
        "inputs": inputs,
        "skipped": skipped,
        "seconds": time.perf_counter() - started,
    }


@task(name="corpus-statistics")
def build_statistics(count_files: list[str], work: str) -> dict[str, Any]:
    """The reduce step: per-shard word counts summed into the corpus lexicon."""
    lexicon = Path(work) / "lexicon.tsv"
    counts = merge_counts(read_counts(Path(p)) for p in count_files)
    write_counts(lexicon, counts)
    return {"lexicon": str(lexicon), "forms": len(counts), "tokens": counts.total()}


@task(name="correct-shard")
def correct_shard(
    repaired: str, lexicon: str, rules_folder: str, work: str, number: int
) -> dict[str, Any]:
    """Pass 2 over one shard: the correct stages, with the corpus statistics."""
    started = time.perf_counter()
    rules = load_rules(rules_folder)
    statistics = load_statistics(Path(lexicon))
    documents = [correct_document(d, rules, statistics) for d in _read_documents(Path(repaired))]
    corrected = Path(work) / f"corrected-{number:05d}.jsonl"
    _write_documents(corrected, documents)
    return {"shard": number, "corrected": str(corrected), "seconds": time.perf_counter() - started}


@task(name="publish-release")
def publish_release(
    plan: RunPlan, repaired: list[dict[str, Any]], corrected: list[str], lexicon: str
) -> str:
    """Write the release beside output/ and rename it into place; returns its version."""
    encodings = {i["path"]: i for shard in repaired for i in shard["inputs"]}
    skipped = [s for shard in repaired for s in shard["skipped"]]
    return write_release(plan, encodings, skipped, [Path(p) for p in corrected], Path(lexicon))


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


def _progress(step: str, done: int, total: int, seconds: float) -> None:
    log.info("%s: shard %d/%d done (%.1f s)", step, done, total, seconds)


@flow(name="process-shards")
def process_shards(plan: RunPlan) -> dict[str, Any]:
    """Repair every shard, reduce the statistics, correct every shard."""
    work = str(plan.work)
    total = len(plan.shards)
    pins = plan.parameters["encoding_pins"]
    futures = [repair_shard.submit(s, plan.corpus, plan.rules, pins, work) for s in plan.shards]
    repaired = []
    for done, future in enumerate(as_completed(futures), 1):
        repaired.append(future.result())
        _progress("repair", done, total, repaired[-1]["seconds"])
    repaired.sort(key=lambda r: r["shard"])
    statistics = build_statistics([r["counts"] for r in repaired], work)
    lexicon = statistics["lexicon"]
    log.info("statistics: %d word forms, %d words", statistics["forms"], statistics["tokens"])
    futures = [
        correct_shard.submit(r["repaired"], lexicon, plan.rules, work, r["shard"]) for r in repaired
    ]
    corrected = []
    for done, future in enumerate(as_completed(futures), 1):
        corrected.append(future.result())
        _progress("correct", done, total, corrected[-1]["seconds"])
    corrected.sort(key=lambda r: r["shard"])
    return {
        "repaired": repaired,
        "corrected": [c["corrected"] for c in corrected],
        "lexicon": lexicon,
        "flow_run": flow_run.get_id(),
    }


@flow(name="clean-corpus")
def clean_corpus(
    corpus: str = "corpus",
    output: str = "output",
    rules: str = "rules",
    shard_mb: float = 4.0,
    workers: int = 1,
) -> dict[str, Any]:
    """Clean a corpus folder into a new versioned release in `output`, unless the same
    inputs, rules, code and parameters are already published."""
    plan = plan_run(corpus, output, rules, shard_mb)
    size = sum(i.size for i in plan.inputs)
    log.info(
        "%d files (%.1f MB) in %d shard(s); fingerprint %s",
        len(plan.inputs),
        size / 1e6,
        len(plan.shards),
        plan.fingerprint[:12],
    )
    if existing := find_release(Path(output), plan.fingerprint):
        log.info("up to date: %s", existing)
        return {"status": "up-to-date", "release": existing, "output": output}
    if plan.work.exists():
        shutil.rmtree(plan.work)  # left by an interrupted run of the same plan
    plan.work.mkdir(parents=True)
    if workers > 1:
        log.info("shard tasks run on a Dask LocalCluster of %d worker processes", workers)
    try:
        shards = process_shards.with_options(task_runner=_task_runner(workers))(plan)
        version = publish_release(plan, shards["repaired"], shards["corrected"], shards["lexicon"])
        # repair and correct per shard, statistics, publish: all must be on record
        wait_for_task_records([shards["flow_run"], flow_run.get_id()], 2 * len(plan.shards) + 2)
    finally:
        shutil.rmtree(plan.work, ignore_errors=True)
    log.info("published %s", version)
    return {"status": "published", "release": version, "output": output}


def run_pipeline(
    corpus: str, output: str, rules: str, shard_mb: float = 4.0, workers: int = 1
) -> dict[str, Any]:
    """Run the flow from the command line: no heartbeat wait at the end of each flow call."""
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        return clean_corpus(corpus, output, rules, shard_mb, workers)

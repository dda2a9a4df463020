"""Writing a release: documents, text files, change log, review queue, manifest and report.

Each correct-shard task writes its shard's part of the release (write_chunk); publishing joins
the parts into a temporary folder in corpus order (so the output does not depend on which
worker finished first), then the folder is renamed into place.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.crash import crash_point
from flows.datafiles import (
    DATASET_CARD,
    DOCUMENTS,
    SENTENCES,
    dataset_card,
    document_rows,
    join_parts,
    write_parts,
)
from flows.document import Document
from flows.ingest import sha256_file
from flows.kazakh.language import paragraph_languages
from flows.preflight import published_release
from flows.release import (
    DECISION_MODEL,
    LEXICON,
    MANIFEST,
    Release,
    new_release_folder,
    publish_folder,
    release_checksums,
    write_json,
)
from flows.report import render_report
from flows.report_html import render_since, write_report_html
from flows.rules import MODEL_EXAMPLES, MODEL_PATH, MODEL_SEED
from flows.signals import publish_uninterrupted
from flows.statistics import WORD

if TYPE_CHECKING:
    from flows.pipeline import RunPlan

TOP_CORRECTIONS = 50


def write_release(
    plan: RunPlan,
    encodings: dict[str, dict[str, Any]],
    skipped: list[dict[str, str]],
    chunks: list[Path],
    lexicon: Path,
    model: Path | None = None,
) -> str:
    """The release of `plan`, with `model` as its decision_model.toml when the run fitted
    one on the corpus; returns its version."""
    output = Path(plan.output)
    if existing := published_release(output, plan, say=False):
        return existing  # another run published the same release meanwhile
    folder = new_release_folder(output, plan.fingerprint)
    try:
        stages = plan.parameters["repair"] + plan.parameters["correct"]
        totals, stage_counts, top = write_documents(folder, chunks, stages)
        shutil.copyfile(lexicon, folder / LEXICON)
        if model:
            shutil.copyfile(model, folder / DECISION_MODEL)
        crash_point("publish")
        manifest = build_manifest(plan, encodings, skipped, stage_counts, totals)
        manifest["decision_model"] = model_record(plan, folder if model else None)
        manifest["top_corrections"] = top

        def finalize(target: Path, version: str) -> None:
            manifest["release"] = version
            manifest["published_at"] = utc_now()
            (target / DATASET_CARD).write_text(dataset_card(version, totals), encoding="utf-8")
            (target / "report.md").write_text(render_report(manifest, top), encoding="utf-8")
            since = render_since(output, Release(target, version, manifest))
            write_report_html(target, manifest, top, since)
            # every file's checksum, the reports' too: `tazala verify` hashes them again
            manifest["files"] = release_checksums(target)
            write_json(target / MANIFEST, manifest)
            crash_point("rename")

        return publish_uninterrupted(lambda: publish_folder(folder, output, finalize))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def utc_now() -> str:
    """The moment of publishing, in UTC to the second (ISO 8601): the manifest's
    `published_at`, the one field two runs of the same fingerprint write differently."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def model_record(plan: RunPlan, release: Path | None) -> dict[str, Any] | None:
    """The manifest's word on the decision model the release was corrected with: the one
    fitted on its corpus and published in `release`, or the rules folder's (None when the
    rules have none)."""
    if release is not None:
        ocr = plan.parameters.get("ocr", {})
        return {
            "source": "corpus",
            "file": DECISION_MODEL,
            "sha256": sha256_file(release / DECISION_MODEL),
            "seed": ocr.get("model_seed", MODEL_SEED),
            "examples": ocr.get("model_examples", MODEL_EXAMPLES),
        }
    shipped = (plan.rules_files or {}).get(MODEL_PATH)
    return {"source": "rules", "file": MODEL_PATH, "sha256": shipped} if shipped else None


CHUNK_FILES = ("documents.jsonl", "changes.jsonl", "review.jsonl")
CHUNK_SUMMARY = "summary.json"


def empty_totals() -> Counter[str]:
    return Counter(
        documents=0, paragraphs=0, sentences=0, characters=0, words=0, edits=0, suggestions=0
    )


def write_chunk(folder: Path, documents: Iterable[Document], stages: list[str]) -> None:
    """One shard's part of the release, written by the shard's task (in parallel with the
    others): its lines of documents.jsonl, changes.jsonl and review.jsonl, its text files,
    and its counts. Publishing then only joins the parts in corpus order. A task run again
    (its worker died, and Dask gave the shard to another) starts its part over."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "text").mkdir(parents=True)
    totals = empty_totals()
    tables: dict[str, list[dict[str, Any]]] = {DOCUMENTS: [], SENTENCES: []}  # Parquet rows
    stage_counts: dict[str, Counter[str]] = {stage: Counter() for stage in stages}
    corrections: Counter[tuple[str, str, str, str]] = Counter()
    with (
        (folder / "documents.jsonl").open("w", encoding="utf-8", newline="\n") as rows,
        (folder / "changes.jsonl").open("w", encoding="utf-8", newline="\n") as changes,
        (folder / "review.jsonl").open("w", encoding="utf-8", newline="\n") as review,
    ):
        for document in documents:
            # split once: the row, the tables and the totals use them
            spans = document.sentence_spans()
            paragraphs = [[document.text[a:b] for a, b in p] for p in spans]
            row = release_row(document, paragraphs, spans)
            rows.write(_json_line(row))
            for table, found in document_rows([(document, paragraphs, row["languages"])]).items():
                tables[table] += found  # strings only: a document's edits are not kept
            (folder / "text" / f"{document.id}.txt").write_text(
                document.text + "\n", encoding="utf-8", newline="\n"
            )
            changes.writelines(_json_line(e.to_record(document.id)) for e in document.edits)
            review.writelines(_json_line(e.to_record(document.id)) for e in document.suggestions)
            for stage, counts in document.counts.items():
                stage_counts.setdefault(stage, Counter()).update(counts)
            corrections.update(
                edit_type(e.stage, e.rule, e.before, e.after) for e in document.edits
            )
            _add_totals(totals, document, paragraphs)
    summary = {
        "totals": totals,
        "stages": stage_counts,
        "corrections": [[*key, n] for key, n in corrections.items()],
    }
    write_parts(folder, tables)
    (folder / CHUNK_SUMMARY).write_text(json.dumps(summary, ensure_ascii=False), "utf-8")


def write_documents(
    folder: Path, chunks: list[Path], stages: list[str]
) -> tuple[dict[str, int], dict[str, dict[str, int]], list[dict[str, Any]]]:
    """Join the shards' parts into the release files, in corpus order; return totals,
    per-stage counts and the most frequent edits."""
    (folder / "text").mkdir()
    totals = empty_totals()
    stage_counts: dict[str, Counter[str]] = {stage: Counter() for stage in stages}
    corrections: Counter[tuple[str, str, str, str]] = Counter()
    outputs = {name: (folder / name).open("wb") for name in CHUNK_FILES}
    try:
        for chunk in chunks:
            for name, out in outputs.items():
                with (chunk / name).open("rb") as part:
                    shutil.copyfileobj(part, out)
            for text in (chunk / "text").iterdir():
                text.replace(folder / "text" / text.name)
            summary = json.loads((chunk / CHUNK_SUMMARY).read_text(encoding="utf-8"))
            totals.update(summary["totals"])
            for stage, counts in summary["stages"].items():
                stage_counts.setdefault(stage, Counter()).update(counts)
            corrections.update({tuple(row[:4]): row[4] for row in summary["corrections"]})
    finally:
        for out in outputs.values():
            out.close()
    join_parts(folder, chunks)
    top = [
        {"stage": s, "rule": r, "before": b, "after": a, "count": n}
        for (s, r, b, a), n in sorted(corrections.items(), key=lambda kv: (-kv[1], kv[0]))[
            :TOP_CORRECTIONS
        ]
    ]
    counts = {stage: dict(sorted(c.items())) for stage, c in stage_counts.items()}
    return dict(totals), counts, top


# An edit longer than this (or of more than one line) is counted by its rule alone: a removed
# menu line or a joined paragraph is not a type of edit of its own (the report's most
# frequent edits would be lines that occur once).
TYPE_CHARACTERS = 40
WHOLE_LINES = "…"  # before and after of an edit type counted by its rule alone


def edit_type(stage: str, rule: str, before: str, after: str) -> tuple[str, str, str, str]:
    """What the most frequent edits count: a word's edit (before, after) by itself, longer or
    multi-line edits by their stage and rule."""
    if max(len(before), len(after)) > TYPE_CHARACTERS or "\n" in before + after:
        return stage, rule, WHOLE_LINES, WHOLE_LINES
    return stage, rule, before, after


def release_row(
    document: Document, paragraphs: list[list[str]], spans: list[list[tuple[int, int]]]
) -> dict[str, Any]:
    """One line of documents.jsonl (its schema is documented in the README): the text once,
    its sentences as [start, end) offsets into it, paragraph by paragraph."""
    return {
        "id": document.id,
        "source": document.source,
        "encoding": document.encoding,
        "text": document.text,
        "paragraphs": [[list(span) for span in p] for p in spans],
        "languages": paragraph_languages(paragraphs),
    }


def _add_totals(totals: Counter[str], document: Document, paragraphs: list[list[str]]) -> None:
    totals["documents"] += 1
    totals["paragraphs"] += len(paragraphs)
    totals["sentences"] += sum(len(p) for p in paragraphs)
    totals["characters"] += len(document.text)
    totals["words"] += len(WORD.findall(document.text))
    totals["edits"] += len(document.edits)
    totals["suggestions"] += len(document.suggestions)


def _json_line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False) + "\n"


def build_manifest(
    plan: RunPlan,
    encodings: dict[str, dict[str, Any]],
    skipped: list[dict[str, str]],
    stage_counts: dict[str, dict[str, int]],
    totals: dict[str, int],
) -> dict[str, Any]:
    inputs = []
    for item in plan.inputs:
        if item.path not in encodings:
            continue  # read but not decoded: in `skipped`, with the reason
        decoded = encodings[item.path]
        inputs.append(
            {
                "path": item.path,
                "document": item.document,
                "bytes": item.size,
                "sha256": item.sha256,
                "encoding": decoded.get("encoding"),
                "encoding_method": decoded.get("method"),
                "encoding_score": decoded.get("score"),
                "encoding_runner_up": decoded.get("runner_up"),
                "encoding_runner_up_score": decoded.get("runner_up_score"),
            }
        )
        if decoded.get("note"):
            inputs[-1]["note"] = decoded["note"]
        if item.part:
            inputs[-1]["part"] = list(item.part)  # bytes [start, end) of a split file
    return {
        "release": None,  # set when the version number is taken, just before publishing
        "fingerprint": plan.fingerprint,
        "code_version": plan.code_version,
        "rules_fingerprint": plan.rules_fingerprint,
        "rules_files": plan.rules_files or {},
        "parameters": plan.parameters,
        "inputs": inputs,
        "skipped": skipped,
        "totals": totals,
        "stages": stage_counts,
    }

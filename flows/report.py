"""report.md: what a person reads first about a release."""

from __future__ import annotations

from typing import Any

from flows.stages import STAGES
from flows.stages.layout import TIMED_OUT


def render_report(manifest: dict[str, Any], top: list[dict[str, Any]]) -> str:
    totals = manifest["totals"]
    lines = [
        f"# tazala release {manifest['release']}",
        "",
        f"- fingerprint: `{manifest['fingerprint']}`",
        f"- code version: `{manifest['code_version']}`",
        f"- rules fingerprint: `{manifest['rules_fingerprint'][:16]}`",
        f"- inputs: {len(manifest['inputs'])} files, "
        f"{sum(i['bytes'] for i in manifest['inputs']):,} bytes",
        "",
        "| documents | paragraphs | sentences | words | characters | edits logged | for review |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {totals['documents']:,} | {totals['paragraphs']:,} | {totals['sentences']:,} "
        f"| {totals['words']:,} | {totals['characters']:,} | {totals['edits']:,} "
        f"| {totals['suggestions']:,} |",
        "",
        "## Warnings",
        "",
        *(_warnings(manifest) or ["None."]),
        "",
        "## Stages",
        "",
        "| stage | what it does | changes by rule |",
        "|---|---|---|",
        *(_stage_row(stage, counts) for stage, counts in manifest["stages"].items()),
        "",
        "## Most frequent edits",
        "",
        *(_corrections(top) or ["None: no stage logged an edit."]),
        "",
        "Every letter change and every removed line is in `changes.jsonl`; suggestions "
        "below the confidence threshold are in `review.jsonl`.",
        "",
    ]
    return "\n".join(lines)


UNCERTAIN_MARGIN = 0.05  # score per character between the chosen encoding and the next


def _warnings(manifest: dict[str, Any]) -> list[str]:
    warnings = [f"- skipped `{s['path']}`: {s['reason']}" for s in manifest["skipped"]]
    for rule, documents in manifest["stages"].get("layout", {}).items():
        if rule.startswith(TIMED_OUT):
            warnings.append(
                f"- boilerplate pattern `{rule.removeprefix(TIMED_OUT)}` took too long and was "
                f"switched off in {documents:,} document(s): rewrite it in rules/kk/boilerplate.txt"
            )
    for i in manifest["inputs"]:
        if i.get("note"):
            warnings.append(f"- `{i['path']}`: {i['note']}")
        runner_up, score = i.get("encoding_runner_up"), i.get("encoding_score")
        if (
            runner_up
            and score is not None
            and score - i["encoding_runner_up_score"] < UNCERTAIN_MARGIN
        ):
            warnings.append(
                f"- `{i['path']}`: read as {i['encoding']}, but {runner_up} is nearly as "
                f"plausible ({score} against {i['encoding_runner_up_score']} per character); "
                "pin the right one in corpus/sources.toml"
            )
    return warnings


def _stage_row(stage: str, counts: dict[str, int]) -> str:
    changes = ", ".join(f"{rule} {n:,}" for rule, n in counts.items()) or "none"
    return f"| {stage} | {STAGES[stage].does} | {changes} |"


def _corrections(top: list[dict[str, Any]]) -> list[str]:
    if not top:
        return []
    rows = ["| stage | rule | before | after | count |", "|---|---|---|---|---:|"]
    rows += [
        f"| {c['stage']} | {c['rule']} | `{c['before']}` | `{c['after']}` | {c['count']} |"
        for c in top
    ]
    return rows

"""`tazala variants`: the spelling-variant clusters of a release, for a person to review.

Each cluster is a canonical form with the corpus forms found to be its variants (their counts,
the edit between them, the confidence), what the spelling stage did with each in that release
(applied, for review, or nothing left to do: the OCR stage had corrected it already), and a
few contexts from the release's text. Pin or forbid a mapping in `rules/kk/variants.tsv`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from flows.release import Release
from flows.rules import Rules
from flows.stages.base import Context
from flows.stages.spelling import finder_for

CONTEXT_CHARS = 30


def stage_rows(path: Path) -> Iterator[dict]:
    """The spelling stage's rows of a release's changes.jsonl or review.jsonl."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["stage"] == "spelling":
                yield row


def render_variants(release: Release, rules: Rules, contexts: int = 2) -> str:
    finder = finder_for(Context(rules, release.statistics()))
    done: dict[str, Counter[tuple[str, str]]] = {"applied": Counter(), "review": Counter()}
    where: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for kind, name in (("applied", "changes.jsonl"), ("review", "review.jsonl")):
        for row in stage_rows(release.path / name):
            pair = (row["before"].lower(), row["after"].lower())
            done[kind][pair] += 1
            where[pair].append((row["document"], row["position"]))
    texts = {d.id: d.text for d in release.documents()} if contexts else {}
    lines = [f"# spelling variants of {release.version} (rules: {rules.folder})", ""]
    clusters = finder.clusters()
    for canonical, variants in clusters.items():
        valid = "valid" if variants[0].valid else "attested"
        lines.append(f"{canonical}  {finder.counts.get(canonical, 0)}×  ({valid})")
        for variant in variants:
            pair = (variant.form, canonical)
            status = ", ".join(f"{kind} {seen[pair]}×" for kind, seen in done.items() if seen[pair])
            via = f"  stem {variant.stem}" if variant.stem else ""
            lines.append(
                f"  {variant.form}  {variant.count}×  {variant.edit}  "
                f"confidence {variant.confidence:.3f}  {status or 'nothing left to merge'}{via}"
            )
            for document, position in where[pair][:contexts]:
                lines.append(f"      {document}: {snippet(texts.get(document, ''), position)}")
    merged = sum(done["applied"].values())
    lines += ["", f"{len(clusters)} clusters; {merged} merges applied in {release.version}"]
    return "\n".join(lines) + "\n"


def snippet(text: str, position: int) -> str:
    """The text around a merge, on one line."""
    start, end = max(0, position - CONTEXT_CHARS), position + CONTEXT_CHARS
    return "…" + " ".join(text[start:end].split()) + "…"

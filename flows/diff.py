"""`tazala diff vA vB`: what changed between two releases, and why.

Documents are matched by id (a file keeps its id from release to release); the sentences of a
document are aligned with difflib, and a run of replaced sentences counts as changed, one for
one, the rest of the run as added or removed. The causes are read from the two manifests:
the inputs whose bytes changed, came or went, the rules files that changed (releases made
before the manifest listed them say only that the rules differ), the code version and the
parameters.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import regex

from flows.release import Release, ReleaseDocument


@dataclass
class DocumentDiff:
    id: str
    status: str  # "added", "removed", "changed"
    added: int = 0
    removed: int = 0
    changed: int = 0
    examples: list[tuple[str, str]] = field(default_factory=list)  # (before, after), "" = none


@dataclass
class ReleaseDiff:
    old: str
    new: str
    documents: list[DocumentDiff]
    unchanged: int  # documents in both, with the same sentences
    causes: list[str]

    def totals(self) -> dict[str, int]:
        return {
            "documents added": sum(d.status == "added" for d in self.documents),
            "documents removed": sum(d.status == "removed" for d in self.documents),
            "documents changed": sum(d.status == "changed" for d in self.documents),
            "documents unchanged": self.unchanged,
            "sentences added": sum(d.added for d in self.documents),
            "sentences removed": sum(d.removed for d in self.documents),
            "sentences changed": sum(d.changed for d in self.documents),
        }


EXAMPLES = 3  # sentence pairs kept per document


def diff_releases(old: Release, new: Release) -> ReleaseDiff:
    """Both releases' documents walked side by side in corpus order (one document of each in
    memory, whatever the corpus' size); releases not in that order are compared in memory."""
    try:
        documents, unchanged = _merge(_in_order(old), _in_order(new))
    except OutOfOrder:
        documents, unchanged = _in_memory(old, new)
    return ReleaseDiff(
        old.version, new.version, documents, unchanged, list(causes(old.manifest, new.manifest))
    )


class OutOfOrder(Exception):
    """A release whose documents.jsonl is not in corpus order."""


PART = regex.compile(r"\.part(\d+)$")


def order_key(document: ReleaseDocument) -> tuple[tuple[str, ...], int, str]:
    """Where a document stands in corpus order: its file's path, then its part's number."""
    part = PART.search(document.id)
    return tuple(document.source.split("/")), int(part.group(1)) if part else 0, document.id


def _in_order(release: Release) -> Iterator[tuple[tuple, ReleaseDocument]]:
    previous = None
    for document in release.documents():
        key = order_key(document)
        if previous is not None and key <= previous:
            raise OutOfOrder(release.version)
        previous = key
        yield key, document


def _merge(old: Iterator, new: Iterator) -> tuple[list[DocumentDiff], int]:
    documents, unchanged = [], 0
    a, b = next(old, None), next(new, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            documents.append(DocumentDiff(a[1].id, "removed", removed=_count(a[1])))
            a = next(old, None)
        elif a is None or b[0] < a[0]:
            documents.append(DocumentDiff(b[1].id, "added", added=_count(b[1])))
            b = next(new, None)
        else:
            before, after = list(a[1].sentences()), list(b[1].sentences())
            if before == after:
                unchanged += 1
            else:
                documents.append(diff_sentences(b[1].id, before, after))
            a, b = next(old, None), next(new, None)
    return documents, unchanged


def _count(document: ReleaseDocument) -> int:
    return sum(len(p) for p in document.paragraphs)


def _in_memory(old: Release, new: Release) -> tuple[list[DocumentDiff], int]:
    before = {d.id: list(d.sentences()) for d in old.documents()}
    documents, unchanged, seen = [], 0, set()
    for document in new.documents():
        seen.add(document.id)
        sentences = list(document.sentences())
        if document.id not in before:
            documents.append(DocumentDiff(document.id, "added", added=len(sentences)))
        elif before[document.id] == sentences:
            unchanged += 1
        else:
            documents.append(diff_sentences(document.id, before[document.id], sentences))
    for document_id, sentences in before.items():
        if document_id not in seen:
            documents.append(DocumentDiff(document_id, "removed", removed=len(sentences)))
    return documents, unchanged


def diff_sentences(document: str, old: list[str], new: list[str]) -> DocumentDiff:
    result = DocumentDiff(document, "changed")
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        result.changed += paired
        result.removed += (i2 - i1) - paired
        result.added += (j2 - j1) - paired
        pairs = [(old[i1 + k], new[j1 + k]) for k in range(paired)]
        pairs += [(s, "") for s in old[i1 + paired : i2]] + [("", s) for s in new[j1 + paired : j2]]
        result.examples.extend(pairs[: EXAMPLES - len(result.examples)])
    return result


def causes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[str]:
    """What differs between the two releases' inputs, rules, code and parameters."""
    old_inputs = {i["path"]: i["sha256"] for i in old["inputs"]}
    new_inputs = {i["path"]: i["sha256"] for i in new["inputs"]}
    for path in sorted(new_inputs.keys() - old_inputs.keys()):
        yield f"input added: {path}"
    for path in sorted(old_inputs.keys() - new_inputs.keys()):
        yield f"input removed: {path}"
    for path in sorted(old_inputs.keys() & new_inputs.keys()):
        if old_inputs[path] != new_inputs[path]:
            yield f"input changed: {path}"
    old_skipped = {s["path"]: s["reason"] for s in old.get("skipped", [])}
    for entry in new.get("skipped", []):
        if old_skipped.get(entry["path"]) != entry["reason"]:
            yield f"skipped: {entry['path']} ({entry['reason']})"
    if old["rules_fingerprint"] != new["rules_fingerprint"]:
        yield from rules_causes(old.get("rules_files"), new.get("rules_files"))
    if old["code_version"] != new["code_version"]:
        yield f"code: {old['code_version']} -> {new['code_version']}"
    was, now = old["parameters"], new["parameters"]
    for key in sorted(was.keys() | now.keys()):
        if key != "encoding_pins" and was.get(key) != now.get(key):
            yield f"parameters [{key}]: {was.get(key)} -> {now.get(key)}"
    if old["parameters"].get("encoding_pins") != new["parameters"].get("encoding_pins"):
        yield "encoding pins (corpus/sources.toml) changed"


def rules_causes(old: dict[str, str] | None, new: dict[str, str] | None) -> Iterator[str]:
    if not old or not new:
        yield "rules changed (a release made before manifests listed the rules files; no detail)"
        return
    for name in sorted(old.keys() | new.keys()):
        if name not in old:
            yield f"rules file added: rules/{name}"
        elif name not in new:
            yield f"rules file removed: rules/{name}"
        elif old[name] != new[name]:
            yield f"rules file changed: rules/{name}"


def render_diff(diff: ReleaseDiff, limit: int) -> str:
    """The text `tazala diff` prints: causes, totals, then the documents that changed most."""
    lines = [f"{diff.old} -> {diff.new}", "", "what changed between them:"]
    lines += [f"  {cause}" for cause in diff.causes] or ["  nothing (same inputs, rules, code)"]
    lines += ["", "totals:"]
    lines += [f"  {name:<20} {n:>8,}" for name, n in diff.totals().items()]
    ranked = sorted(diff.documents, key=lambda d: (-(d.added + d.removed + d.changed), d.id))
    if ranked:
        lines += ["", f"documents ({min(limit, len(ranked))} of {len(ranked):,} that differ):"]
    for document in ranked[:limit]:
        lines.append(
            f"  {document.id}  {document.status}: +{document.added} -{document.removed} "
            f"~{document.changed} sentences"
        )
        for old, new in document.examples:
            if old:
                lines.append(f"    - {old}")
            if new:
                lines.append(f"    + {new}")
    return "\n".join(lines) + "\n"

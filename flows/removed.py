"""What a release removed as page chrome, by reason: `tazala show --removed`.

The layout stage (and the repeats stage, which removes lines seen in many documents of the
corpus) logs every removed line as an edit whose rule is `boilerplate:REASON` and whose
`after` is empty; this reads them back from the release's changes.jsonl.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flows.release import Release, jsonl_rows

REMOVING_STAGES = ("layout", "repeats")
PREFIX = "boilerplate:"


@dataclass(frozen=True)
class RemovedLine:
    document: str
    reason: str
    line: str


def removed_lines(edits: Iterable[dict[str, Any]]) -> Iterator[RemovedLine]:
    """The whole lines removed as chrome, in the order the release logged them."""
    for edit in edits:
        rule = edit.get("rule", "")
        if edit.get("stage") in REMOVING_STAGES and rule.startswith(PREFIX) and not edit["after"]:
            yield RemovedLine(edit["document"], rule.removeprefix(PREFIX), edit["before"])


def by_reason(lines: Iterable[RemovedLine]) -> dict[str, list[RemovedLine]]:
    """Reasons with their lines, the reason that removed most first (ties by name)."""
    groups: dict[str, list[RemovedLine]] = {}
    for line in lines:
        groups.setdefault(line.reason, []).append(line)
    return dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])))


def render_removed(release: Release, limit: int) -> str:
    """Every reason with its count and up to `limit` of its lines (document, line)."""
    groups = by_reason(removed_lines(jsonl_rows(release.path / "changes.jsonl")))
    total = sum(len(lines) for lines in groups.values())
    if not total:
        return f"{release.version}: no line was removed as page chrome\n"
    out = [f"{release.version}: {total} line(s) removed as page chrome, by reason"]
    for reason, lines in groups.items():
        out.append(f"\n{reason}: {len(lines)}")
        out.extend(f"  {line.document}  {line.line}" for line in lines[:limit])
        if len(lines) > limit:
            out.append(f"  … and {len(lines) - limit} more (--lines {len(lines)} shows all)")
    return "\n".join(out) + "\n"

"""Documents and the record of what the pipeline changed in them.

An `Edit` is one recorded change to letters: which stage and rule made it, what it replaced,
where (document and character offset in the text as that stage received it), how confident the
rule was and on what evidence. `Changes` is what a stage returns beside its text: the edits it
applied, the suggestions it did not apply (below the confidence threshold; they go to
`review.jsonl`), and per-rule counts, which also cover white-space folding that is counted but
not logged edit by edit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

import regex


@dataclass(frozen=True, slots=True)
class Edit:
    stage: str
    rule: str
    before: str
    after: str
    position: int
    confidence: float = 1.0
    evidence: dict[str, Any] | None = None
    alternatives: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The fields by name; the evidence as it is (dataclasses.asdict would deep-copy it,
        the largest cost of writing a release)."""
        return {name: getattr(self, name) for name in EDIT_FIELDS}

    def to_record(self, document: str) -> dict[str, Any]:
        """The row written to changes.jsonl / review.jsonl (document id first)."""
        row = {"document": document, **self.as_dict()}
        row["alternatives"] = list(self.alternatives)
        return row


EDIT_FIELDS = tuple(f.name for f in fields(Edit))


@dataclass(slots=True)
class Changes:
    edits: list[Edit] = field(default_factory=list)
    suggestions: list[Edit] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def apply(self, edit: Edit) -> None:
        """Record an applied edit and count it under its rule."""
        self.edits.append(edit)
        self.counts[edit.rule] += 1

    def suggest(self, edit: Edit) -> None:
        """Record a change that was not applied, for a person to review."""
        self.suggestions.append(edit)

    def count(self, rule: str, n: int = 1) -> None:
        """Count changes that are not logged one by one (white-space folding)."""
        if n:
            self.counts[rule] += n


@dataclass(slots=True)
class Document:
    """One input file as it moves through the pipeline, with what each stage did to it."""

    id: str
    source: str
    text: str
    encoding: str = "utf-8"
    edits: list[Edit] = field(default_factory=list)
    suggestions: list[Edit] = field(default_factory=list)
    counts: dict[str, Counter[str]] = field(default_factory=dict)  # stage -> rule -> n

    def record(self, stage: str, text: str, changes: Changes) -> None:
        """Take a stage's output text and keep its changes under the stage's name."""
        self.text = text
        self.edits.extend(changes.edits)
        self.suggestions.extend(changes.suggestions)
        self.counts.setdefault(stage, Counter()).update(changes.counts)

    @property
    def paragraphs(self) -> list[list[str]]:
        """Sentences grouped by paragraph: the text holds one sentence per line and a blank
        line between paragraphs once the sentences stage has run."""
        return [[self.text[a:b] for a, b in spans] for spans in self.sentence_spans()]

    def sentence_spans(self) -> list[list[tuple[int, int]]]:
        """Where each sentence of each paragraph (`paragraphs`) is in the text: [start, end)
        in code points. documents.jsonl keeps these instead of a second copy of the text."""
        spans, start = [], 0
        for chunk in self.text.split("\n\n"):
            if chunk.strip():
                paragraph, at = [], start
                for line in chunk.split("\n"):
                    paragraph.append((at, at + len(line)))
                    at += len(line) + 1
                spans.append(paragraph)
            start += len(chunk) + 2
        return spans


def changed_span(before: str, after: str) -> tuple[int, str, str]:
    """The smallest differing span of two strings: (offset, old part, new part)."""
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    end_b, end_a = len(before), len(after)
    while end_b > start and end_a > start and before[end_b - 1] == after[end_a - 1]:
        end_b -= 1
        end_a -= 1
    return start, before[start:end_b], after[start:end_a]


def word_offsets(text: str, word: str, start: int = 0, end: int | None = None) -> list[int]:
    """Where `word` stands in `text` as a whole word (not inside a longer one), between
    `start` and `end`."""
    pattern = regex.compile(rf"(?<!\w){regex.escape(word)}(?!\w)")
    return [m.start() for m in pattern.finditer(text, start, len(text) if end is None else end)]


def nearest(
    offsets: list[int], position: int, taken: set[int] | frozenset[int] = frozenset()
) -> int | None:
    """The offset closest to `position` that is not `taken`; None when there is none. An
    edit records where it was in its stage's input; later stages move the text a little."""
    free = [offset for offset in offsets if offset not in taken]
    return min(free, key=lambda offset: abs(offset - position), default=None)


def context_around(text: str, start: int, end: int, width: int) -> tuple[str, str]:
    """Up to `width` characters of the same line before `start` and after `end`."""
    left = text[max(0, start - width) : start].split("\n")[-1]
    return left, text[end : end + width].split("\n")[0]


def line_edits(stage: str, rule: str, before: str, after: str) -> list[Edit]:
    """Edits for a whole-text rewrite, one per changed line when the line count is kept.

    Rewrites such as ftfy's or NFC change few lines of a document; comparing line by line
    keeps the log precise and the cost linear.
    """
    if before == after:
        return []
    old_lines, new_lines = before.split("\n"), after.split("\n")
    if len(old_lines) != len(new_lines):
        offset, old, new = changed_span(before, after)
        return [Edit(stage, rule, old, new, offset)]
    edits, offset = [], 0
    for old_line, new_line in zip(old_lines, new_lines, strict=True):
        if old_line != new_line:
            start, old, new = changed_span(old_line, new_line)
            edits.append(Edit(stage, rule, old, new, offset + start))
        offset += len(old_line) + 1
    return edits


def document_to_json(document: Document) -> dict[str, Any]:
    """A document with its change record, as the flow passes it between passes (JSONL)."""
    return {
        "id": document.id,
        "source": document.source,
        "encoding": document.encoding,
        "text": document.text,
        "edits": [e.as_dict() for e in document.edits],
        "suggestions": [e.as_dict() for e in document.suggestions],
        "counts": {stage: dict(rules) for stage, rules in document.counts.items()},
    }


def edit_from_json(row: dict[str, Any]) -> Edit:
    return Edit(**{**row, "alternatives": tuple(row.get("alternatives", ()))})


def document_from_json(row: dict[str, Any]) -> Document:
    return Document(
        id=row["id"],
        source=row["source"],
        text=row["text"],
        encoding=row["encoding"],
        edits=[edit_from_json(e) for e in row["edits"]],
        suggestions=[edit_from_json(e) for e in row["suggestions"]],
        counts={stage: Counter(rules) for stage, rules in row["counts"].items()},
    )

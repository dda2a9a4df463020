"""`tazala review`: the suggestions of a release grouped for a person to decide, and the
decisions written into the rules, where the next run reads them.

A suggestion is an edit a stage was not sure enough to apply (review.jsonl). Grouped by
(before -> after, case folded), each group shows how often it was suggested, the stage and
rule, the confidence range and a few places in the release text. Accepting a group pins the
word in rules/kk/variants.tsv (`variant<TAB>canonical<TAB>pin`): the spelling stage then
always writes the accepted form. Rejecting forbids the pair (`forbid`): neither the OCR
stage nor the spelling stage proposes it again. Either way the rules fingerprint changes, so
the next `tazala run` publishes a new release whose manifest names the changed rules file.

review.jsonl is checked row by row as it is read (a tab or a line break in a field of a
crafted row would otherwise write an extra, unreviewed line into variants.tsv), and each
decision is checked as variants.tsv itself is before it is written.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from flows.document import context_around, nearest, word_offsets
from flows.release import Release
from flows.rules import CYRILLIC_WORD, RulesError, load_rules, variant_problem

VARIANTS = Path("kk") / "variants.tsv"
CONTEXTS = 3  # places shown per group
CONTEXT = 40  # characters either side
STAGE_NAME = re.compile(r"[a-z]+\Z")
# A rule id as the stages write it (ocr:lost, spelling:pinned); it goes into the note of a
# decision, so nothing else may.
RULE_ID = re.compile(r"[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*\Z")
TEXT_FIELDS = ("document", "stage", "rule", "before", "after")
BREAKING = ("Cc", "Zl", "Zp")  # tab, line breaks (\n \r U+0085 U+2028 ...), other controls


@dataclass
class SuggestionGroup:
    before: str  # lower case: the group holds every casing
    after: str
    stage: str
    rule: str
    count: int = 0
    confidence: list[float] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)

    @property
    def decidable(self) -> bool:
        """Only one word for one word can go into variants.tsv."""
        return all(CYRILLIC_WORD.fullmatch(w) for w in (self.before, self.after))


def suggestion_groups(release: Release) -> tuple[list[SuggestionGroup], int]:
    """The release's open suggestions grouped by (before -> after), most frequent first; and
    how many were settled by a later stage (an OCR suggestion whose word the spelling stage
    then changed: its word no longer stands in the release text). One document's text is
    read at a time: review.jsonl and documents.jsonl are both in corpus order."""
    groups: dict[tuple[str, str], SuggestionGroup] = {}
    settled = 0
    documents = release.documents()
    suggestions = review_rows(release.path / "review.jsonl")
    by_document = groupby(suggestions, key=lambda row: row["document"])
    for document_id, rows in by_document:
        text = next((d.text for d in documents if d.id == document_id), "")
        shown: set[int] = set()  # two suggestions never show the same place
        for row in rows:
            offsets = word_offsets(text, row["before"])
            if not offsets:
                settled += 1
                continue
            key = (row["before"].lower(), row["after"].lower())
            group = groups.setdefault(key, SuggestionGroup(*key, row["stage"], row["rule"]))
            group.count += 1
            group.confidence.append(row["confidence"])
            if len(group.places) < CONTEXTS and (context := context_of(row, text, offsets, shown)):
                group.places.append({**row, "context": context})
    return sorted(groups.values(), key=lambda g: (-g.count, g.before, g.after)), settled


class ReviewError(ValueError):
    """A row of review.jsonl that is not a suggestion, or a decision that cannot be written;
    the message says which, why and what to do."""


def review_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a release's review.jsonl, each checked; ReviewError naming the first row
    that is not a suggestion as a run writes it."""
    with path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            try:
                row = json.loads(line.decode("utf-8"))
            except ValueError:
                problem: str | None = "not a line of JSON"
            else:
                problem = suggestion_problem(row)
            if problem:
                raise ReviewError(
                    f"{path}:{number}: {problem}; this is not a suggestion as a run writes it "
                    "(changed by hand?): nothing is listed or decided from this file"
                )
            yield row


def suggestion_problem(row: Any) -> str | None:
    """What is wrong with a row of review.jsonl, or None."""
    if not isinstance(row, dict):
        return "not a JSON object"
    for name in TEXT_FIELDS:
        value = row.get(name)
        if not isinstance(value, str) or (not value and name != "after"):
            return f"the {name} is missing or not text"
        if any(unicodedata.category(ch) in BREAKING for ch in value):
            return f"the {name} {quoted(value)} holds a tab, a line break or a control character"
    if not STAGE_NAME.match(row["stage"]):
        return f"the stage {quoted(row['stage'])} is not a stage name"
    if not RULE_ID.match(row["rule"]):
        return f"the rule {quoted(row['rule'])} is not a rule id (letters, digits, - _ . :)"
    for name, kinds in (("position", int), ("confidence", (int, float))):
        if not isinstance(row.get(name), kinds) or isinstance(row.get(name), bool):
            return f"the {name} is not a number"
    return None


def quoted(value: str) -> str:
    """A field as one line of a message: escaped, and cut at 60 characters."""
    return repr(value if len(value) <= 60 else value[:60] + "…")


def context_of(
    suggestion: dict[str, Any], text: str, offsets: list[int], shown: set[int]
) -> str | None:
    """The words around the suggested word in the release text (where it still stands, as
    the suggestion was not applied, at `offsets`): its occurrence nearest the recorded
    position that is not in `shown` yet (then added to it); None when all are shown."""
    word = suggestion["before"]
    start = nearest(offsets, suggestion["position"], shown)
    if start is None:
        return None
    shown.add(start)
    left, right = context_around(text, start, start + len(word), CONTEXT)
    return f"…{left}[{word}]{right}…"


def render_groups(groups: list[SuggestionGroup], settled: int, limit: int) -> str:
    note = (
        f"({settled:,} more were settled by a later stage, which changed the word)\n"
        if settled
        else ""
    )
    if not groups:
        return "no open suggestions to review in this release\n" + note
    total = sum(g.count for g in groups)
    shown = min(limit, len(groups))
    lines = [f"{total:,} suggestions in {len(groups):,} groups (the {shown} most frequent):"]
    for group in groups[:limit]:
        low, high = min(group.confidence), max(group.confidence)
        sure = f"{low:.2f}" if low == high else f"{low:.2f}-{high:.2f}"
        by_hand = "" if group.decidable else "  (not one word for one word: edit the rules by hand)"
        lines.append(
            f"{group.count:>5}×  {group.before} -> {group.after}   {group.rule}, confidence "
            f"{sure}{by_hand}"
        )
        lines += [f"         {p['document']}: {p['context']}" for p in group.places]
    lines.append("")
    lines.append(
        "decide with: tazala review --accept BEFORE AFTER (pin) or --reject BEFORE AFTER (forbid)"
    )
    return "\n".join(lines) + "\n" + note


def record_decisions(
    rules_folder: Path,
    release: Release,
    accepted: list[tuple[str, str]],
    rejected: list[tuple[str, str]],
) -> list[str]:
    """Append the decisions to rules/kk/variants.tsv; return the lines written. The file is
    checked by loading the rules again, and restored if that fails."""
    groups = {(g.before, g.after): g for g in suggestion_groups(release)[0]}
    lines = []
    for pairs, action in ((accepted, "pin"), (rejected, "forbid")):
        for before, after in pairs:
            key = (before.lower(), after.lower())
            group = groups.get(key)
            if group is None:
                raise ReviewError(
                    f"{before} -> {after} is not a suggestion of {release.version}; "
                    "`tazala review` lists them"
                )
            if not group.decidable:
                raise ReviewError(
                    f"{before} -> {after} is not one word for one word; variants.tsv holds "
                    "only such pairs: edit the rules by hand"
                )
            if problem := variant_problem(*key, action):
                raise ReviewError(f"{before} -> {after} cannot go into variants.tsv: {problem}")
            why = (
                f"{'accepted' if action == 'pin' else 'rejected'} in review of {release.version} "
                f"({group.rule}, {group.count} suggestion{'s' if group.count > 1 else ''})"
            )
            lines.append("\t".join([*key, action, why]))
    path = rules_folder / VARIANTS
    before_text = path.read_text(encoding="utf-8") if path.is_file() else ""
    existing = {
        tuple(cells[:2]): (number, cells[2])
        for number, line in enumerate(before_text.splitlines(), 1)
        if len(cells := line.split("\t")) >= 3 and not line.startswith("#")
    }
    new = []
    for line in lines:
        variant, canonical, action = line.split("\t")[:3]
        if (variant, canonical) not in existing:
            new.append(line)
        elif (found := existing[variant, canonical])[1] != action:
            raise ReviewError(
                f"{variant} -> {canonical} is already decided ({found[1]}) at {path}:{found[0]}; "
                "change that line by hand"
            )
    if not new:
        return []
    separator = "" if not before_text or before_text.endswith("\n") else "\n"
    path.write_text(before_text + separator + "\n".join(new) + "\n", encoding="utf-8")
    try:
        load_rules(rules_folder)
    except RulesError as problem:
        path.write_text(before_text, encoding="utf-8")
        raise ReviewError(f"not written, the rules would not load: {problem}") from None
    return new

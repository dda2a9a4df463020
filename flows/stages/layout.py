"""Layout stage: page chrome removed, so that only the document's own text goes on.

Whole lines only: a line is removed when a pattern of `rules/kk/boilerplate.txt` matches all of
it (a "read more" link takes its teaser, headline and text, with it, back to the previous
removed line), or when it is stray garbage at the edge of the document (a few Latin letters,
`UF`, with no word of the text in them), or when its structure says chrome (flows/stages/chrome.py:
a menu, a line of links, a share bar anywhere; a block of chrome lines at the document's start
or end). Each removed line is logged with the rule that
removed it. Lines cut inside sentences are the sentences stage's business.
"""

from __future__ import annotations

from collections.abc import Iterator

import regex

from flows.document import Changes, Edit
from flows.rules import Rules
from flows.stages.base import Context, Stage
from flows.stages.chrome import chrome_settings, remove_edge_blocks, remove_link_lines

TEASER_LINES = 4  # a teaser block: headline, "...", its text; more is content
TEASER_WIDTH = 300  # a teaser line is a headline or a sentence or two, not a paragraph
# A line of at most three letters with no Cyrillic letter and no digit, at a document's start
# or end: the debris of a page's navigation or an icon font.
STRAY = regex.compile(r"(?![IVXLCDM]+$)[^\p{Cyrillic}\d]{1,3}")  # Roman numerals are no debris
BLANK_RUN = regex.compile(r"\n(?:[ \t]*\n){2,}")
TIMEOUT = 0.5  # seconds a boilerplate pattern may take on one line
TIMED_OUT = "timeout:"  # the count of a pattern switched off in a document for taking too long


def remove_boilerplate(text: str, context: Context) -> tuple[str, Changes]:
    changes = Changes()
    lines = text.split("\n")
    removed = match_chrome(lines, context.rules, changes)
    remove_teasers(lines, removed, context.rules)
    settings = chrome_settings(context.rules)
    remove_link_lines(lines, removed, context.rules, settings)
    remove_page_furniture(lines, removed)
    remove_stray_edges(lines, removed)
    remove_edge_blocks(lines, removed, context.rules, settings)
    remove_stray_edges(lines, removed)  # debris the chrome block stood before
    if not removed:
        return text, changes
    kept, offset = [], 0
    for i, line in enumerate(lines):
        if i in removed:
            changes.apply(Edit("layout", f"boilerplate:{removed[i]}", line, "", offset))
        else:
            kept.append(line)
        offset += len(line) + 1
    # the blank lines that stood between removed lines fold into one paragraph break
    return BLANK_RUN.sub("\n\n", "\n".join(kept)).strip("\n"), changes


def match_chrome(lines: list[str], rules: Rules, changes: Changes) -> dict[int, str]:
    """Lines a boilerplate pattern matches whole. A pattern that runs longer than TIMEOUT on
    a line (runaway backtracking the load-time probes missed) is switched off for the rest of
    the document and counted as `timeout:NAME`, which the release's report warns about."""
    removed, switched_off = {}, set()
    any_rule = any_boilerplate(rules.boilerplate)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or len(stripped) > TEASER_WIDTH:
            continue
        if any_rule is not None:
            try:
                if not any_rule.fullmatch(stripped, timeout=TIMEOUT):
                    continue  # no pattern matches the line whole: most lines are prose
            except TimeoutError:
                pass  # each pattern on its own, as below, says which one takes too long
        for rule in rules.boilerplate:
            if rule.name in switched_off:
                continue
            try:
                matched = rule.pattern.fullmatch(stripped, timeout=TIMEOUT)
            except TimeoutError:
                switched_off.add(rule.name)
                changes.count(f"{TIMED_OUT}{rule.name}")
                continue
            if matched:
                removed[i] = rule.name
                break
    return removed


_ANY_BOILERPLATE: dict[int, tuple[tuple, regex.Pattern | None]] = {}
# What a pattern may hold that changes its meaning inside an alternation of all of them:
# inline flags and conditionals (capturing groups and back-references are told by `groups`).
INLINE_FLAGS = regex.compile(r"\(\?[a-zA-Z^(-]")


def any_boilerplate(boilerplate: tuple) -> regex.Pattern | None:
    """The rules' patterns as one alternation, which matches a line whole exactly when one
    of them does (one test per line instead of one per pattern); None when a pattern holds a
    group, a back-reference, a conditional or inline flags, which would mean other things
    there, or when there are no patterns."""
    known = _ANY_BOILERPLATE.get(id(boilerplate))
    if known is not None and known[0] is boilerplate:
        return known[1]
    patterns = [rule.pattern for rule in boilerplate]
    combinable = patterns and all(
        p.groups == 0 and p.flags == patterns[0].flags and not INLINE_FLAGS.search(p.pattern)
        for p in patterns
    )
    combined = (
        regex.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)
        if combinable
        else None
    )
    if len(_ANY_BOILERPLATE) >= 8:
        _ANY_BOILERPLATE.clear()
    _ANY_BOILERPLATE[id(boilerplate)] = (boilerplate, combined)
    return combined


def remove_teasers(lines: list[str], removed: dict[int, str], rules: Rules) -> None:
    """A "read more" link with the teaser above it, when the teaser is bounded above by other
    removed chrome: otherwise only the link goes."""
    teaser_rules = {rule.name for rule in rules.boilerplate if rule.kind == "teaser"}
    fillers = {rule.name for rule in rules.boilerplate if rule.kind == "filler"}
    for end in sorted(i for i, name in removed.items() if name in teaser_rules):
        block, i = [], end - 1
        while i >= 0 and len(block) <= TEASER_LINES:
            if i in removed and removed[i] in fillers:
                i -= 1
                continue
            if i in removed:
                break
            if lines[i].strip():
                if len(lines[i]) > TEASER_WIDTH:
                    block = []
                    break
                block.append(i)
            i -= 1
        # Only chrome above bounds a teaser: reaching the document's start proves nothing.
        if i >= 0 and i in removed and len(block) <= TEASER_LINES:
            for j in block:
                removed[j] = f"{removed[end]}-teaser"


PAGE_NUMBER = regex.compile(
    r"[-–—\s]*(?:(?:бет|стр\.?|с\.|page|p\.)\s*)?\d{1,4}(?:\s*(?:бет|-бет))?[-–—\s]*",
    regex.IGNORECASE,
)
RUNNING_REPEATS = 3  # a short unterminated line this often in one document: header or footer
RUNNING_WIDTH = 100
TERMINATED = regex.compile(r"[.!?…:;][\"»”)]*$")


def remove_page_furniture(lines: list[str], removed: dict[int, str]) -> None:
    """Page numbers (a number alone on its line, where a document has several) and, in a text
    with page numbers, running headers or footers (the same short unterminated line on every
    page) of a PDF's text."""
    numbers = [i for i, line in enumerate(lines) if line.strip() and PAGE_NUMBER.fullmatch(line)]
    if len(numbers) < 2:
        # no pages: a line said three times is a refrain, a heading or a sentence, not a
        # running header (and a release's text, cleaned again, stays as it is)
        return
    for i in numbers:
        removed.setdefault(i, "page-number")
    seen: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        stripped = line.strip()
        if (
            3 <= len(stripped) <= RUNNING_WIDTH
            and i not in removed
            and not TERMINATED.search(stripped)
        ):
            seen.setdefault(stripped, []).append(i)
    for places in seen.values():
        if len(places) >= RUNNING_REPEATS:
            for i in places:
                removed[i] = "running-header"


def remove_stray_edges(lines: list[str], removed: dict[int, str]) -> None:
    """Debris at the document's start or end, when it stands apart from the content (a blank
    line or removed chrome between them): a short line inside a paragraph, such as a sentence
    the sentences stage put on its own line, is content. The edge is the whole run of lines
    before that gap, read as the sentences stage would join them (`:` over `a` is the debris
    `: a` now, as it would be once joined), and debris behind debris goes too: what is left
    at the edge must be what a second cleaning would leave."""
    # The runs of kept lines are read from either edge only as far as the debris goes (most
    # documents have none: one run from each end), of the lines kept when this starts.
    gone = frozenset(removed)
    front = runs_of(lines, gone, range(len(lines)))
    back = runs_of(lines, gone, range(len(lines) - 1, -1, -1))
    first, last = next(front, None), next(back, None)
    # first < last: the two runs are not the same (runs do not overlap)
    while first and last and first[0] < last[0] and STRAY.fullmatch(joined_run(lines, first)):
        removed.update(dict.fromkeys(first, "stray"))
        first = next(front, None)
    while first and last and first[0] < last[0] and STRAY.fullmatch(joined_run(lines, last)):
        removed.update(dict.fromkeys(last, "stray"))
        last = next(back, None)


def runs_of(lines: list[str], gone: frozenset[int], order: range) -> Iterator[list[int]]:
    """The runs of consecutive filled lines not in `gone`, in `order` (forwards or backwards),
    each run's indexes in ascending order."""
    run: list[int] = []
    for i in order:
        if lines[i].strip() and i not in gone:
            run.append(i)
        elif run:
            yield sorted(run)
            run = []
    if run:
        yield sorted(run)


def joined_run(lines: list[str], run: list[int]) -> str:
    """The lines as one: a space between them, none after a line-end hyphen."""
    text = ""
    for i in run:
        line = lines[i].strip()
        text += line if not text or text.endswith("-") else f" {line}"
    return text


STAGE = Stage(
    "layout",
    remove_boilerplate,
    "page chrome removed by whole-line patterns (read-more links with their teasers, "
    "timestamps, view counters, was-this-helpful prompts), page numbers, running headers and "
    "footers, stray edge garbage; by structure: link lines (menus, URLs, share bars) and "
    "chrome blocks at a document's edges (lines repeated across documents: the repeats stage)",
)

"""Quote marks by their role, not their glyph: does a mark open a quotation or close one?

`“` opens in the English style (“…”) and closes in the Kazakh and Russian typesetting one
(„…“), and opens and closes in “…“; `”` and `"` can do either. The role is read, in order:

  position   after a space (or the line's start, a bracket, a dash) and before a letter or
             digit it opens; after a letter, digit or punctuation and before a space,
             punctuation or the line's end it closes
  glyph      « and „ open, » closes, unless the position says the other
  pair       a mark whose position says nothing takes its role from its certain neighbours
             on the line: it opens before a mark that closes (and after none that opens)
  style      the document's own: „…“ (no ”) makes every `“` close, “…” (no „) makes every `“`
             open and every `”` close

A mark whose role none of these settles has none, and the spaces around it are left alone:
spacing is fixed only where the role is certain (`“ сөз“ деді` -> `“сөз“ деді`, while in
`сөз“ деді` the space after the closing mark stays). Linear: one pass per line.
"""

from __future__ import annotations

import re

from flows.document import Changes

QUOTE = re.compile(r"[«»„“”\"]")
OPEN, CLOSE = "open", "close"
GLYPH_ROLE = {"«": OPEN, "„": OPEN, "»": CLOSE}
QUOTE_MARKS = '«»„“”"'
# What may stand before an opening mark besides white space, and before a closing one
# besides a letter or digit (a closing mark may follow another, or a bracket).
BEFORE_OPENING = "([{-–—/" + QUOTE_MARKS
BEFORE_CLOSING = ".,;:!?…)]}" + QUOTE_MARKS
AFTER_CLOSING = ".,;:!?…)]}-–—" + QUOTE_MARKS


def document_style(text: str) -> dict[str, str]:
    """The roles the document's own quote style gives the ambiguous marks."""
    has = {mark: mark in text for mark in "„“”"}
    if has["„"] and has["“"] and not has["”"]:
        return {"“": CLOSE}  # „…“
    if has["“"] and has["”"] and not has["„"]:
        return {"“": OPEN, "”": CLOSE}  # “…”
    return {}


def position_role(line: str, at: int) -> str | None:
    before = line[at - 1] if at > 0 else " "
    after = line[at + 1] if at + 1 < len(line) else " "
    if (before.isspace() or before in BEFORE_OPENING) and after.isalnum():
        return OPEN
    if (before.isalnum() or before in BEFORE_CLOSING) and (
        after.isspace() or after in AFTER_CLOSING
    ):
        return CLOSE
    return None


def quote_roles(line: str, style: dict[str, str]) -> dict[int, str]:
    """The certain role of each quote mark of a line, by its offset (no entry: not certain).

    A role read from the pair or the style is evidence for the next mark too (`" a “.` in a
    „…“ document: the style closes `“`, so `"` opens), in both directions; what the spaces
    removed for one mark still show of another, `settled_line` reads in its next round."""
    marks = [m.start() for m in QUOTE.finditer(line)]
    roles: dict[int, str] = {}
    open_marks = []  # indices into marks whose role is still open to inference
    for k, at in enumerate(marks):
        by_position, by_glyph = position_role(line, at), GLYPH_ROLE.get(line[at])
        if by_position and by_glyph and by_position != by_glyph:
            continue  # a glyph set the wrong way round: certain of nothing
        if by_position or by_glyph:
            roles[at] = by_position or by_glyph
        else:
            open_marks.append(k)

    def neighbours(k: int) -> tuple[str | None, str | None]:
        previous = roles.get(marks[k - 1]) if k > 0 else None
        following = roles.get(marks[k + 1]) if k + 1 < len(marks) else None
        return previous, following

    def by_pair(k: int) -> str | None:
        previous, following = neighbours(k)
        if following == CLOSE and previous != OPEN:
            return OPEN
        if previous == OPEN and following != CLOSE:
            return CLOSE
        return None

    def by_style(k: int) -> str | None:
        previous, following = neighbours(k)
        role = style.get(line[marks[k]])
        if (role == OPEN and previous != OPEN) or (role == CLOSE and following != CLOSE):
            return role
        return None

    stripped = line.strip()
    first = line.find(stripped[:1]) if stripped else len(line)  # the first visible character
    last = first + len(stripped) - 1  # and the last

    def fits(k: int, role: str) -> bool:
        """A role its outer side allows: an opening mark after a space and before something,
        a closing one before a space and after something."""
        at = marks[k]
        if role == OPEN:
            return outer_side_opens(line, at) and at < last
        return outer_side_closes(line, at) and at > first

    for infer in (by_pair, by_style, by_pair):
        for order in (open_marks, open_marks[::-1]):
            for k in order:
                if marks[k] not in roles and (role := infer(k)) and fits(k, role):
                    roles[marks[k]] = role
    return roles


def fix_quote_spacing(text: str, changes: Changes) -> str:
    """No space after a mark that certainly opens, none before one that certainly closes."""
    found = QUOTE.search(text)
    if not found:
        return text
    style = document_style(text)
    # Only the lines with a quote mark are visited (most lines of a text quote nothing): from
    # each mark found to its line's edges, then on from the line's end. Linear: each line is
    # read once forwards by the search, once to find its edges.
    parts, done = [], 0
    while found:
        start = text.rfind("\n", done, found.start()) + 1 or done
        end = text.find("\n", found.start())
        end = len(text) if end < 0 else end
        parts += [text[done:start], settled_line(text[start:end], style, changes)]
        done = end
        found = QUOTE.search(text, end)
    parts.append(text[done:])
    return "".join(parts)


SETTLE_ROUNDS = 3


def settled_line(line: str, style: dict[str, str], changes: Changes) -> str:
    """A glued mark shows its role by position, which can settle a neighbour's: the line is
    fixed again while that changes it, a bounded number of rounds (linear)."""
    if not QUOTE.search(line):
        return line  # most lines of a text quote nothing
    for _ in range(SETTLE_ROUNDS):
        fixed = fix_line(line, style, changes)
        if fixed == line:
            break
        line = fixed
    return line


def fix_line(line: str, style: dict[str, str], changes: Changes) -> str:
    """Spaces go only on the inner side of a mark whose outer side is as its role wants it:
    `“ сөз` after a space, `сөз ”` before a space or punctuation (`сөз ”сөз` is left)."""
    drop: set[tuple[int, int]] = set()  # spans of spaces to remove (a span once)
    for at, role in quote_roles(line, style).items():
        if role == OPEN and outer_side_opens(line, at):
            end = skip_spaces(line, at + 1, 1)
            if at + 1 < end < len(line):
                drop.add((at + 1, end))
        elif role == CLOSE and outer_side_closes(line, at):
            start = skip_spaces(line, at - 1, -1) + 1
            if 0 < start < at:
                drop.add((start, at))
    if not drop:
        return line
    parts, last = [], 0
    for start, end in sorted(drop):
        parts.append(line[last:start])
        last = end
    changes.count("quote-spacing", sum(end - start for start, end in drop))
    return "".join(parts) + line[last:]


def skip_spaces(line: str, at: int, step: int) -> int:
    """The first offset from `at` on, going by `step`, that is no space (may be off the line)."""
    while 0 <= at < len(line) and line[at] == " ":
        at += step
    return at


def outer_side_opens(line: str, at: int) -> bool:
    return at == 0 or line[at - 1].isspace() or line[at - 1] in BEFORE_OPENING


def outer_side_closes(line: str, at: int) -> bool:
    return at + 1 == len(line) or line[at + 1].isspace() or line[at + 1] in AFTER_CLOSING

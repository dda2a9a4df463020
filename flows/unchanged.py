"""The clean-text check: what cleaning changed in a text that was clean already.

Every changed character counts, by kind:

  letters       a letter or digit changed, added or removed
  punctuation   any other visible character changed, added or removed (a hyphen made a space)
  spacing       a space added or removed between tokens: tokens glued or split
  line breaks   lines joined or split (a sentence split onto a new line)
  look-alikes   a Latin letter made its Cyrillic twin inside a word (`Kөп` -> `Көп`): a repair
                of a real error, counted apart

A run of white space is one separator: `a  b` -> `a b` is no change. The output's tokens are
aligned to the input's by white-space-separated tokens, only where they differ are the
characters compared, and each change is mapped back to the input line it falls on. A file is
checked a block of lines at a time (`check_lines`), which keeps the alignment's cost (square
in a block's tokens, over 64) linear in the file; one enormous line is one enormous block.

A line is *changed* when a character other than white space changed on it (look-alikes
included, and said apart): the figure `make eval` holds against the acceptance bound. Spacing
and line breaks are counted and shown apart. Tokens added or removed count their characters
and the white space between them, not the space before them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from flows.evaluate import WORD, words_kept

TOKEN = re.compile(r"\S+")
KINDS = ("letters", "punctuation", "spacing", "line breaks", "look-alikes")
VISIBLE = frozenset(("letters", "punctuation", "look-alikes"))  # a line with one is changed
NEWLINE_SHOWN = " ⏎ "  # how a line break looks in an example


@dataclass(frozen=True)
class Token:
    text: str
    line: int  # the line of its text it stands on (0 = the first)
    gap: str  # the white space before it, folded: "" (first), " " or "\n"


@dataclass(frozen=True)
class Change:
    kind: str
    line: int  # input line
    count: int  # characters of this kind changed
    before: str  # the stretch of input, with a token of context either side
    after: str  # what the output made of it


def tokens_of(text: str) -> list[Token]:
    """The white-space-separated tokens of `text`, with their line and the gap before them."""
    tokens, line, last = [], 0, 0
    for match in TOKEN.finditer(text):
        breaks = text.count("\n", last, match.start())
        line += breaks
        gap = "" if not tokens else "\n" if breaks else " "
        tokens.append(Token(match.group(), line, gap))
        last = match.end()
    return tokens


def char_kind(before: str | None, after: str | None, lookalikes: dict[str, str]) -> str:
    """The kind of one changed character (None: nothing on that side)."""
    pair = [c for c in (before, after) if c is not None]
    if len(pair) == 2 and lookalikes.get(pair[0], pair[0]) == lookalikes.get(pair[1], pair[1]):
        return "look-alikes"
    if any(c.isalnum() for c in pair):
        return "letters"
    if any(not c.isspace() for c in pair):
        return "punctuation"
    return "line breaks" if "\n" in pair else "spacing"


def text_changes(before: str, after: str, lookalikes: dict[str, str] | None = None) -> list[Change]:
    """What `after` changed of `before`, one Change per aligned stretch, kind and line."""
    lookalikes = lookalikes or {}
    source, target = tokens_of(before), tokens_of(after)
    changes: list[Change] = []
    for equal, (i1, i2, j1, j2) in stretches(source, target):
        # A space made a line break or the reverse: in the gap before each token of an equal
        # stretch, and before an unequal one (the gaps inside it are compared with its text).
        paired = i2 - i1 if equal else min(1, i2 - i1, j2 - j1)
        for i, j in zip(range(i1, i1 + paired), range(j1, j1 + paired), strict=True):
            if source[i].gap and target[j].gap and source[i].gap != target[j].gap:
                shown = examples(source, target, i - 1, i + 1, j - 1, j + 1)
                changes.append(Change("line breaks", source[i - 1].line, 1, *shown))
        if not equal:
            changes += stretch_changes(source, target, (i1, i2, j1, j2), lookalikes)
    return changes


def stretches(
    source: list[Token], target: list[Token]
) -> Iterator[tuple[bool, tuple[int, int, int, int]]]:
    """The token alignment as alternating stretches: equal, or not (adjacent replacements,
    insertions and deletions merged, so that `a b` -> `ab` is one stretch, not two)."""
    pending: list[int] | None = None
    for op in Levenshtein.opcodes([t.text for t in source], [t.text for t in target]):
        span = [op.src_start, op.src_end, op.dest_start, op.dest_end]
        if op.tag != "equal":
            if pending:
                pending[1], pending[3] = span[1], span[3]
            else:
                pending = span
            continue
        if pending:
            yield False, tuple(pending)
            pending = None
        yield True, tuple(span)
    if pending:
        yield False, tuple(pending)


def joined(tokens: list[Token], start: int, end: int) -> tuple[str, list[int]]:
    """Tokens [start, end) with the gaps between them, and the line of each character (a gap
    belongs to the line before it)."""
    text, lines = [], []
    for k in range(start, end):
        token = tokens[k]
        if k > start:
            text.append(token.gap)
            lines.append(tokens[k - 1].line)
        text.append(token.text)
        lines += [token.line] * len(token.text)
    return "".join(text), lines


def stretch_changes(
    source: list[Token],
    target: list[Token],
    block: tuple[int, int, int, int],
    lookalikes: dict[str, str],
) -> list[Change]:
    """The changed characters of a stretch of tokens the alignment could not pair."""
    i1, i2, j1, j2 = block
    old, lines = joined(source, i1, i2)
    new, _ = joined(target, j1, j2)
    # where an insertion with no input beside it shows: the line of the token before it
    fallback = source[i1 - 1].line if i1 > 0 else source[i1].line if i1 < len(source) else 0
    counts: Counter[tuple[str, int]] = Counter()
    for op in Levenshtein.opcodes(old, new):
        if op.tag == "equal":
            continue
        olds, news = old[op.src_start : op.src_end], new[op.dest_start : op.dest_end]
        for k in range(max(len(olds), len(news))):
            a = olds[k] if k < len(olds) else None
            b = news[k] if k < len(news) else None
            at = op.src_start + min(k, len(olds) - 1) if olds else op.src_start
            line = lines[min(at, len(lines) - 1)] if lines else fallback
            counts[char_kind(a, b, lookalikes), line] += 1
    shown = examples(source, target, i1 - 1, i2 + 1, j1 - 1, j2 + 1)
    return [Change(kind, line, n, *shown) for (kind, line), n in counts.items()]


def examples(
    source: list[Token], target: list[Token], i1: int, i2: int, j1: int, j2: int
) -> tuple[str, str]:
    """The input and output stretches, clipped to the texts, as an example shows them."""

    def shown(tokens: list[Token], start: int, end: int) -> str:
        text, _ = joined(tokens, max(start, 0), min(end, len(tokens)))
        return text.replace("\n", NEWLINE_SHOWN)

    return shown(source, i1, i2), shown(target, j1, j2)


@dataclass
class CleanCheck:
    """The changes cleaning made to a clean text, added up unit by unit (a line, a file)."""

    lines: int = 0  # non-blank input lines
    changed: set[int] = field(default_factory=set)  # lines with a visible character changed
    touched: set[int] = field(default_factory=set)  # lines with any change
    harmed: set[int] = field(default_factory=set)  # ... other than by look-alikes alone
    kinds: Counter[str] = field(default_factory=Counter)
    words: int = 0
    words_changed: int = 0  # split, joined or a letter changed (look-alikes aside)
    shown: dict[str, list[str]] = field(default_factory=dict)
    show: int = 5  # examples kept per kind

    def add(
        self, before: str, after: str, lookalikes: dict[str, str] | None = None, first: int = 0
    ) -> None:
        """Count what `after` changed of `before`, whose first line is line `first` (0-based)
        of the file."""
        self.lines += sum(1 for line in before.split("\n") if line.strip())
        fold = str.maketrans(lookalikes or {})
        words = WORD.findall(before.translate(fold))
        self.words += len(words)
        self.words_changed += words_kept(WORD.findall(after.translate(fold)), words).count(False)
        for change in text_changes(before, after, lookalikes):
            line = first + change.line
            self.kinds[change.kind] += change.count
            self.touched.add(line)
            if change.kind in VISIBLE:
                self.changed.add(line)
            if change.kind in VISIBLE - {"look-alikes"}:
                self.harmed.add(line)
            examples = self.shown.setdefault(change.kind, [])
            example = f"line {line + 1}: {change.before} -> {change.after}"
            if len(examples) < self.show and example not in examples:
                examples.append(example)

    @property
    def share(self) -> float:
        """Lines changed in a visible character (not white space), in percent of the lines."""
        return 100 * len(self.changed) / self.lines if self.lines else 0.0

    def summary(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "changed": len(self.changed),
            "changed_percent": round(self.share, 3),
            "lookalikes_only": len(self.changed - self.harmed),
            "white_space_only": len(self.touched - self.changed),
            **{kind: self.kinds[kind] for kind in KINDS},
            "words": self.words,
            "words_changed": self.words_changed,
        }

    def render(self, name: str) -> str:
        s = self.summary()
        counts = ", ".join(f"{kind} {self.kinds[kind]:,}" for kind in KINDS)
        head = (
            f"unchanged {name}: {s['lines']:,} lines, {s['changed']} changed in a character "
            f"other than white space ({s['changed_percent']:.2f} %; {s['lookalikes_only']} only "
            f"by Latin look-alikes made Cyrillic), {s['white_space_only']} in white space only; "
            f"characters changed: {counts}; {self.words_changed} of "
            f"{self.words:,} words changed ({100 * self.words_changed / max(self.words, 1):.3f} %)"
        )
        rows = [f"  - {kind}: {ex}" for kind in KINDS for ex in self.shown.get(kind, [])]
        return "\n".join([head, *rows])


# Lines cleaned together: enough for the stages to join or split lines as they would in a
# whole file (`tazala clean < file`), few enough that aligning a block stays cheap (the
# alignment of n tokens costs n² / 64), so a file of any length is checked in linear time.
BLOCK_LINES = 100


def check_lines(
    lines: list[str],
    clean: Callable[[str], str],
    lookalikes: dict[str, str] | None = None,
    show: int = 5,
    block: int = BLOCK_LINES,
) -> CleanCheck:
    """Clean the lines `block` at a time and count what changed."""
    check = CleanCheck(show=show)
    for first in range(0, len(lines), block):
        text = "\n".join(lines[first : first + block])
        check.add(text, clean(text) if text.strip() else text, lookalikes, first)
    return check

"""Characters stage: Unicode NFC, white space, and spacing around punctuation.

NFC can change letters (a base letter and a combining mark become one code point), so each
change is logged. White space and punctuation spacing change no letter: they are counted per
rule, not logged one by one.
"""

from __future__ import annotations

import unicodedata

import regex

from flows.document import Changes, line_edits
from flows.stages.base import Context, Stage

LINE_ENDS = regex.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
SPACE_LIKE = regex.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
SPACE_RUN = regex.compile(r" {2,}")
LINE_EDGE_SPACES = regex.compile(r"^ +| +$", regex.MULTILINE)
BLANK_LINE_RUN = regex.compile(r"\n{3,}")
# A space before closing punctuation that is itself followed by a space, another closing
# mark or the end: "сөз , сөз" -> "сөз, сөз"; ".NET" and " .5" are left alone. Closing quotes
# are not included: "” дейді" is as often an opening quote set the wrong way round.
SPACE_BEFORE_PUNCTUATION = regex.compile(r"(?<=\S) +(?=[,.;:!?…)\]]+(?:\s|$))")
SPACE_AFTER_OPENING = regex.compile(r"(?<=[(\[«„“]) +(?=\S)")
# ", ; :" glued to the next word: "Алматы,Астана" -> "Алматы, Астана". The word before must
# have two letters or more (a lone letter may be an initial misread as "Р,"), and digits on
# either side are left alone ("1,5", "10:30").
MISSING_SPACE_AFTER = regex.compile(r"(?<=\p{L}\p{L}[,;:])(?=\p{L})")


def fix_characters(text: str, context: Context | None = None) -> tuple[str, Changes]:
    changes = Changes()
    text = normalize_nfc(text, changes)
    text = fix_white_space(text, changes)
    text = fix_punctuation_spacing(text, changes)
    return text, changes


def normalize_nfc(text: str, changes: Changes) -> str:
    if unicodedata.is_normalized("NFC", text):
        return text
    normalized = unicodedata.normalize("NFC", text)
    for edit in line_edits("characters", "nfc", text, normalized):
        changes.apply(edit)
    return normalized


def _substitute(
    pattern: regex.Pattern, replacement: str, text: str, rule: str, changes: Changes
) -> str:
    text, n = pattern.subn(replacement, text)
    changes.count(rule, n)
    return text


def fix_white_space(text: str, changes: Changes) -> str:
    text = _substitute(LINE_ENDS, "\n", text, "line-ends", changes)
    text = _substitute(SPACE_LIKE, " ", text, "space-like", changes)
    text = _substitute(SPACE_RUN, " ", text, "space-run", changes)
    text = _substitute(LINE_EDGE_SPACES, "", text, "line-edge-spaces", changes)
    text = _substitute(BLANK_LINE_RUN, "\n\n", text, "blank-line-run", changes)
    return text.strip("\n")


def fix_punctuation_spacing(text: str, changes: Changes) -> str:
    text = _substitute(SPACE_BEFORE_PUNCTUATION, "", text, "space-before-punctuation", changes)
    text = _substitute(SPACE_AFTER_OPENING, "", text, "space-after-opening", changes)
    text = _substitute(MISSING_SPACE_AFTER, " ", text, "missing-space-after", changes)
    return text


STAGE = Stage(
    "characters",
    fix_characters,
    "NFC; tabs, no-break and other spaces to one space; blank-line runs folded; "
    "spacing around , . ; : ! ? ( ). Invisible characters and Latin look-alikes: not yet",
)

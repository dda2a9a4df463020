"""Sentences stage: one sentence per line, a blank line between paragraphs.

Splits a line after terminal punctuation (`.` `!` `?` `…`) followed by a capital letter or a
list marker (`3)`), and at sentence ends glued to the next sentence (`жоқ.Қоғамды`). Never after
an initial (`Н.С. Хрущев`) or an abbreviation that does not end sentences (`жж.`, `проф.`; see
`rules/kk/abbreviations.txt`), never before a bare number (`саны. 2 231 адам` is more often a
stray OCR period than two sentences), and never at a `!` in a text where OCR uses `!` for the
letter і (`жер! 10`, `каз1ри!`). Line breaks of the input are kept as sentence breaks: lines cut
inside a sentence are not rejoined yet.
"""

from __future__ import annotations

import regex

from flows.document import Changes
from flows.rules import Abbreviations
from flows.stages.base import Context, Stage

OPENERS = '"«“„(['
# Terminal punctuation, closing quotes/brackets, spaces, then what starts a sentence: a capital
# letter (after any opening quotes) or a list marker.
SPACED_END = regex.compile(r"[.!?…]+[\"»”)\]]*( +)(?=[\"«“„(\[]*\p{Lu}|\d{1,2}\) )")
# A sentence end with no space: a lower-case Cyrillic word, a period, then a capitalised
# Cyrillic word ("жоқ.Қоғамды") or a list marker ("ұсынды.3)"). Latin text is left alone: there a
# glued period is more often a domain or a file name.
GLUED_END = regex.compile(
    r"(?<=[\p{Ll}&&\p{Cyrillic}]{2}[.!?…]+)"
    r"(?=[\p{Lu}&&\p{Cyrillic}][\p{Ll}&&\p{Cyrillic}]|\d{1,2}\))",
    regex.V1,
)
LETTERS = regex.compile(r"\p{L}+")
# "!" or "1" between letters ("каз1ри!", "тус1нд1ре", "жер!н"): OCR reads і as 1 or !, so in such
# a text a "!" after a word is no evidence of a sentence end.
OCR_EXCLAMATION = regex.compile(r"\p{L}[!1]\p{L}")
LONE_INITIALS = regex.compile(r"(?:\p{Lu}\.)+")


def split_sentences(text: str, context: Context) -> tuple[str, Changes]:
    changes = Changes()
    abbreviations = context.rules.abbreviations
    marks = "." if OCR_EXCLAMATION.search(text) else ".!?…"
    paragraphs = []
    for paragraph in text.split("\n\n"):
        lines = [
            sentence
            for line in paragraph.split("\n")
            for sentence in split_line(line, abbreviations, marks, changes)
        ]
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs), changes


def split_line(line: str, abbreviations: Abbreviations, marks: str, changes: Changes) -> list[str]:
    """Cut one line into sentences; `marks` are the terminal marks trusted in this text."""
    cuts: list[tuple[int, int]] = []  # (end of sentence, start of next)
    for match in SPACED_END.finditer(line):
        mark = match.start(1) - 1
        while line[mark] not in ".!?…":
            mark -= 1  # step back over closing quotes and brackets
        if (
            line[mark] in marks
            and ends_sentence(line, mark, abbreviations)
            and not LONE_INITIALS.fullmatch(line[match.end(1) :])
        ):
            cuts.append((match.start(1), match.end(1)))
            changes.count("spaced-end")
    for match in GLUED_END.finditer(line):
        mark = match.start() - 1
        if line[mark] in marks and ends_sentence(line, mark, abbreviations):
            cuts.append((match.start(), match.start()))
            changes.count("glued-end")
    if not cuts:
        return [line]
    sentences, start = [], 0
    for end, next_start in sorted(cuts):
        sentences.append(line[start:end])
        start = next_start
    sentences.append(line[start:])
    return sentences


def ends_sentence(line: str, mark: int, abbreviations: Abbreviations) -> bool:
    """Does the terminal punctuation at `mark` end a sentence, judging by the word before it?"""
    if line[mark] != ".":
        return True  # ! ? … always end a sentence
    token_start = line.rfind(" ", 0, mark) + 1
    token = line[token_start:mark].lstrip(OPENERS)
    word = token.lower() + "."
    if word in abbreviations.ends_sentence:
        return True
    if word in abbreviations.all:
        return False
    if token.isdigit():
        return token_start > 0  # "1. Кіріспе" at the start of a line is a list marker
    parts = token.split(".")
    # Initials: "Қ.", "Н.С." (every dot-separated part a single letter) never end a sentence.
    return not all(len(part) <= 1 and LETTERS.fullmatch(part or "x") for part in parts)


STAGE = Stage(
    "sentences",
    split_sentences,
    "one sentence per line: splits after . ! ? … before a capital or a list marker, and glued "
    "sentence ends; keeps initials and abbreviations. Lines cut inside a sentence are not "
    "rejoined yet",
)

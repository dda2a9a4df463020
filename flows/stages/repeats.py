"""Repeats stage (pass 2): lines the corpus repeats in many documents, a site's menu, footer
or share bar, removed by their corpus counts.

Pass 1 counts, per document, the digests of its short lines that read as no prose
(`chrome_line_digests`); the statistics step sums them over the corpus (documents per line,
`repeated.tsv`). Here a line goes when at least `[repeats] min_documents` documents hold it
and its paragraph is chrome through and through: every line of it repeated so, and the
paragraph a block of two or more lines or the document's first or last. A repeated heading
alone between paragraphs of text (`Кіріспе`) stays, and so does any line of prose: long, ending
in a predicate, a sentence of a few words, or a line of verse or a question (`,` `;` `:` `!`
`?` `…` at its end): a refrain, a quotation.
"""

from __future__ import annotations

import hashlib

import regex

from flows.document import Changes, Edit
from flows.rules import Rules
from flows.stages.base import Context, Stage
from flows.stages.chrome import WORD
from flows.stages.sentences import is_predicate

PROSE_END = regex.compile(r"[,;:!?…][\"»”)\]]*$")
SENTENCE_END = regex.compile(r"\.[\"»”)\]]*$")
BLANK_RUN = regex.compile(r"\n(?:[ \t]*\n){2,}")
SENTENCE_WORDS = 4  # a line ending in a period with this many words is a sentence


def line_width(rules: Rules) -> int:
    return int(rules.parameter("repeats", "line_width", 80))


def line_digest(line: str) -> str:
    """The same line whatever its case and spacing; 16 hex digits keep the counts small."""
    normal = " ".join(line.split()).casefold()
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=8).hexdigest()


def is_prose(stripped: str, rules: Rules) -> bool:
    if PROSE_END.search(stripped):
        return True
    words = WORD.findall(stripped)
    if words and is_predicate(words[-1], rules):
        return True
    return bool(SENTENCE_END.search(stripped)) and len(words) >= SENTENCE_WORDS


def chrome_candidate(line: str, rules: Rules, width: int) -> bool:
    stripped = line.strip()
    return 0 < len(stripped) <= width and WORD.search(stripped) and not is_prose(stripped, rules)


# Candidate lines a document contributes, at most: half from its start, half from its end,
# where a site's menus and footers stand. A long document of short lines (a dictionary, a
# table) would otherwise send every line to the statistics step, whose memory holds them all.
MAX_DIGESTS_PER_DOCUMENT = 256


def chrome_line_digests(text: str, rules: Rules) -> list[str]:
    """Pass 1: the digests of a document's candidate lines, each once, sorted (at most
    MAX_DIGESTS_PER_DOCUMENT, from the document's edges)."""
    width = line_width(rules)
    lines = [line for line in text.split("\n") if chrome_candidate(line, rules, width)]
    half = MAX_DIGESTS_PER_DOCUMENT // 2
    if len(lines) > MAX_DIGESTS_PER_DOCUMENT:
        lines = lines[:half] + lines[-half:]
    return sorted({line_digest(line) for line in lines})


def paragraphs_of(lines: list[str]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i, line in enumerate(lines):
        if line.strip():
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
    return runs


def remove_repeated_lines(text: str, context: Context) -> tuple[str, Changes]:
    changes = Changes()
    repeated, rules = context.statistics.repeated, context.rules
    if not repeated:
        return text, changes  # no corpus (`tazala clean`), or nothing repeated
    least = int(rules.parameter("repeats", "min_documents", 3))
    width = line_width(rules)
    lines = text.split("\n")
    paragraphs = paragraphs_of(lines)
    seen: dict[int, int] = {}
    for i, line in enumerate(lines):
        if chrome_candidate(line, rules, width):
            documents = repeated.get(line_digest(line), 0)
            if documents >= least:
                seen[i] = documents
    removed = [
        paragraph
        for number, paragraph in enumerate(paragraphs)
        if all(i in seen for i in paragraph)
        and (len(paragraph) >= 2 or number in (0, len(paragraphs) - 1))
    ]
    if not removed or len(removed) == len(paragraphs):
        return text, changes  # never the whole document: a copy of another is not chrome
    gone = {i for paragraph in removed for i in paragraph}
    kept, offset = [], 0
    for i, line in enumerate(lines):
        if i in gone:
            evidence = {"documents": seen[i]}
            changes.apply(Edit("repeats", "boilerplate:repeated", line, "", offset, 1.0, evidence))
        else:
            kept.append(line)
        offset += len(line) + 1
    return BLANK_RUN.sub("\n\n", "\n".join(kept)).strip("\n"), changes


STAGE = Stage(
    "repeats",
    remove_repeated_lines,
    "lines repeated in many documents of the corpus (menus, footers, share bars) removed "
    "where their paragraph is nothing else; prose, refrains and lone headings stay",
)

"""The text path shared by the flow and `tazala clean`: run the stages over a document.

Pass 1 (repair) needs nothing but the rules; pass 2 (correct) also needs the corpus statistics
that the flow computes between the passes. Each stage's changes are recorded on the document
under the stage's name.
"""

from __future__ import annotations

import time
from collections import Counter

from flows.document import Changes, Document
from flows.rules import Rules
from flows.stages import STAGES, Context
from flows.stages.sentences import end_sentence, loses_final_periods
from flows.statistics import CorpusStatistics


def run_stages(
    document: Document,
    names: tuple[str, ...],
    context: Context,
    seconds: Counter[str] | None = None,
) -> Document:
    """Run the stages in order; add each stage's seconds to `seconds` when given.

    A stage that can give earlier ones new work (`SETTLE`) is followed by them again; when
    they change the text, the stages after them run again too, until the text is stable or
    `SETTLE_ROUNDS` have run. Cleaning a cleaned text then changes nothing."""
    for index, name in enumerate(names):
        run_stage(document, name, context, seconds)
        earlier = [stage for stage in SETTLE.get(name, ()) if stage in names[:index]]
        if earlier:
            again = names[names.index(earlier[-1]) + 1 : index + 1]
            settle(document, earlier, again, context, seconds)
    if names and names == context.rules.correct and "sentences" in context.rules.repair:
        restore_final_periods(document, context)
    return document


def restore_final_periods(document: Document, context: Context) -> None:
    """A correction can make a line's last word a predicate, whose sentence the sentences
    stage ends with a period (`отырдьі` -> `отырды`): a second cleaning would add it, so the
    correct pass adds it now. Only that: the rest of the sentences stage judged the text with
    its OCR errors (a `!` read for і makes `!` no sentence end), which are evidence still."""
    changes = Changes()
    lines = document.text.split("\n")
    lost = loses_final_periods(lines, context.rules)
    ended = [
        end_sentence(line, context.rules, changes, lost or not stands_alone(lines, i))
        if line
        else line
        for i, line in enumerate(lines)
    ]
    if ended != lines:
        document.record("sentences", "\n".join(ended), changes)


def stands_alone(lines: list[str], i: int) -> bool:
    """Is line i a paragraph of its own (blank lines or the text's edges around it)?"""
    return (i == 0 or not lines[i - 1]) and (i == len(lines) - 1 or not lines[i + 1])


def settle(
    document: Document,
    earlier: list[str],
    again: tuple[str, ...],
    context: Context,
    seconds: Counter[str] | None,
) -> None:
    """Run `earlier` again; while they change the text, `again` and them, a bounded number
    of rounds."""
    for _ in range(SETTLE_ROUNDS if earlier else 0):
        before = document.text
        for stage in earlier:
            run_stage(document, stage, context, seconds)
        if document.text == before:
            break
        # the stages after them once each: their own settling is bounded by this loop
        for stage in again:
            run_stage(document, stage, context, seconds)


# Stages whose changes can uncover work for earlier ones. The encoding stage runs first and
# decides line by line: removing an invisible character, a C1 control or a trailing space
# shows it mojibake they hid (`\u00adÐ¡`, `Ð½Ñ `); making a word one script can complete a
# garbled pair (`Pђ` -> `Рђ`, UTF-8 `А` read as cp1251); joining or splitting lines changes
# what a line proves (`СвЂ` / `k` -> `СвЂ k`). Joined lines can also give the characters
# stage work (`A` / `:` -> `A. :`, a space before a colon). The rounds are bounded (each
# undoes a layer of garbling, and real text has one or two), so a pass stays linear; on text
# with nothing to repair the cost is an encoding scan per settling stage and one more
# characters pass.
SETTLE = {"characters": ("encoding",), "sentences": ("encoding", "characters")}
SETTLE_ROUNDS = 3


def run_stage(
    document: Document, name: str, context: Context, seconds: Counter[str] | None
) -> None:
    started = time.perf_counter()
    document.record(name, *STAGES[name].fix(document.text, context))
    if seconds is not None:
        seconds[name] += time.perf_counter() - started


def repair_document(document: Document, rules: Rules) -> Document:
    return run_stages(document, rules.repair, Context(rules))


def correct_document(document: Document, rules: Rules, statistics: CorpusStatistics) -> Document:
    return run_stages(document, rules.correct, Context(rules, statistics))


def clean_text(text: str, rules: Rules, statistics: CorpusStatistics) -> Document:
    """Both passes over one text, as `tazala clean` and `tazala evaluate` use them."""
    document = Document(id="stdin", source="-", text=text)
    return correct_document(repair_document(document, rules), rules, statistics)

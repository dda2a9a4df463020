"""The text path shared by the flow and `tazala clean`: run the stages over a document.

Pass 1 (repair) needs nothing but the rules; pass 2 (correct) also needs the corpus statistics
that the flow computes between the passes. Each stage's changes are recorded on the document
under the stage's name.
"""

from __future__ import annotations

import time
from collections import Counter

from flows.document import Document
from flows.rules import Rules
from flows.stages import STAGES, Context
from flows.statistics import CorpusStatistics


def run_stages(
    document: Document,
    names: tuple[str, ...],
    context: Context,
    seconds: Counter[str] | None = None,
) -> Document:
    """Run the stages in order; add each stage's seconds to `seconds` when given."""
    for name in names:
        started = time.perf_counter()
        document.record(name, *STAGES[name].fix(document.text, context))
        if seconds is not None:
            seconds[name] += time.perf_counter() - started
    return document


def repair_document(document: Document, rules: Rules) -> Document:
    return run_stages(document, rules.repair, Context(rules))


def correct_document(document: Document, rules: Rules, statistics: CorpusStatistics) -> Document:
    return run_stages(document, rules.correct, Context(rules, statistics))


def clean_text(text: str, rules: Rules, statistics: CorpusStatistics) -> Document:
    """Both passes over one text, as `tazala clean` and `tazala evaluate` use them."""
    document = Document(id="stdin", source="-", text=text)
    return correct_document(repair_document(document, rules), rules, statistics)

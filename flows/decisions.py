"""Word-type decisions, made once per run and shared by every correct-shard task.

The OCR and spelling stages decide each word type once per process (flows/memo.py), and
deciding is most of the correct pass: lookups, lost-letter restorations, OCR candidates,
spelling neighbours. With N worker processes each word type was decided N times. So between
the corpus statistics and the correct pass, the corpus' word types are split into partitions
by a stable hash of their lower-case form, one task decides each partition, and each
correct-shard task loads the answers of its own documents' word forms (their repair metas
count them) before its first document. The answers are what the
stages would have computed themselves (the same functions over the same statistics), so the
release does not change; a word the statistics do not hold (OCR's `бiр!` with its sign, a
corrected form) is still decided where it is met.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.stages import Context
from flows.stages.ocr import TOKEN, correct_word, corrector_for, split_glued
from flows.stages.spelling import finder_for

DECIDE_BATCH = 10_000  # word types whose answers a deciding process holds at once


@dataclass
class WordAnswers:
    """What the correct stages need to know of a set of word types."""

    quiet: set[str] = field(default_factory=set)  # forms, as written, OCR leaves as they are
    lookups: dict[str, Any] = field(default_factory=dict)  # lexicon entries of the others
    decisions: dict[str, Any] = field(default_factory=dict)  # their OCR candidates (lower case)
    glued: dict[str, Any] = field(default_factory=dict)  # their split into two glued words
    variants: dict[str, Any] = field(default_factory=dict)  # spelling answers (lower case)


def partition_of(form: str, partitions: int) -> int:
    """The partition of a word form: every letter case of a word in the same one."""
    return zlib.crc32(form.lower().encode("utf-8")) % partitions


def answer_word_types(forms: Iterable[str], context: Context) -> WordAnswers:
    """The answers of the correct stages (those the rules run) for these word forms."""
    answers = WordAnswers()
    stages = context.rules.correct
    corrector = corrector_for(context)
    finder = finder_for(context) if "spelling" in stages else None
    for form in forms:
        lower = form.lower()
        if "ocr" in stages and TOKEN.fullmatch(form):
            answer_ocr(form, lower, corrector, answers)
        if finder is not None and not form.isupper():
            answers.variants[lower] = finder.variant(lower)
    return answers


def answer_ocr(form: str, lower: str, corrector: Any, answers: WordAnswers) -> None:
    """As the OCR stage's loop asks: the form is quiet when it has no edit and no glued
    split, whatever the document; otherwise the answers it needed are kept."""
    edit = correct_word(form, 0, corrector, 1.0)
    glued = split_glued(form, 0, corrector)  # asked where the edit is not sure, too
    if edit is None and glued is None:
        answers.quiet.add(form)
        return
    for memo, key, table in (
        (corrector.lexicon.lookup, form, answers.lookups),
        (corrector.decide, lower, answers.decisions),
        (corrector.glued_parts, form, answers.glued),
    ):
        if key in memo:
            table[key] = memo[key]


def decide_partition(context: Context, partition: int, partitions: int, target: Path) -> Path:
    """Decide the word types of one partition of the corpus statistics; pickle the answers,
    a batch of word types after another (a partition of a 200 MB corpus has 90,000 types:
    its answers all at once made the deciding process the run's largest)."""
    counts = context.statistics.counts
    forms = [f for f in counts if partition_of(f, partitions) == partition]
    # the run's own work folder, read only after this task returned: no rename needed
    with target.open("wb") as out:
        for start in range(0, len(forms), DECIDE_BATCH):
            answers = answer_word_types(forms[start : start + DECIDE_BATCH], context)
            pickle.dump(answers, out, protocol=pickle.HIGHEST_PROTOCOL)
    return target


def read_answers(path: Path) -> Iterator[WordAnswers]:
    """The batches of answers of a file `decide_partition` wrote, one at a time."""
    with path.open("rb") as source:
        while True:
            try:
                yield pickle.load(source)
            except EOFError:
                return


def prime_stages(context: Context, paths: Iterable[str], forms: Set[str] | None = None) -> None:
    """Give the correct stages of this process the answers of these files for the word
    `forms` of the documents they are about to correct (None: every answer), in place of the
    answers given before. A shard's answers are a few per cent of the corpus' at scale: a
    process holds those of one shard at a time, not the whole vocabulary's. Any other word
    is decided where it is met, as the stages decide it alone (the same answer)."""
    corrector = corrector_for(context)
    finder = finder_for(context) if "spelling" in context.rules.correct else None
    given = WordAnswers()
    for answers in (batch for path in paths for batch in read_answers(Path(path))):
        if forms is not None:
            answers = only_forms(answers, forms)
        given.quiet |= answers.quiet
        given.lookups.update(answers.lookups)
        given.decisions.update(answers.decisions)
        given.glued.update(answers.glued)
        given.variants.update(answers.variants)
        del answers  # one batch of answers at a time
    # the quiet set is a shortcut of the OCR stage's (a quiet word needs no edit whatever the
    # document): emptied, it only asks its memos again
    corrector.quiet.clear()
    corrector.quiet |= given.quiet
    corrector.lexicon.lookup.prime(given.lookups)
    corrector.decide.prime(given.decisions)
    corrector.glued_parts.prime(given.glued)
    if finder is not None:
        finder.variant.prime(given.variants)


def only_forms(answers: WordAnswers, forms: Set[str]) -> WordAnswers:
    """The answers about these forms (as written; some answers are kept by lower case)."""
    lowers = {form.lower() for form in forms}
    return WordAnswers(
        quiet=answers.quiet & forms,
        lookups={k: v for k, v in answers.lookups.items() if k in forms},
        decisions={k: v for k, v in answers.decisions.items() if k in lowers},
        glued={k: v for k, v in answers.glued.items() if k in forms},
        variants={k: v for k, v in answers.variants.items() if k in lowers},
    )

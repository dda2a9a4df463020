"""Spelling stage: one spelling per word across the corpus (variant clusters).

A word the lexicon does not know, which the corpus mostly spells another way one slip apart
(`Хрушев` for `Хрущев`, `комунизм` for `коммунизм`, `сьезі` for `съезі`), takes the corpus'
spelling: see flows.kazakh.variants for what counts as a variant and what keeps distinct words
apart. Only Kazakh paragraphs, and only forms of the corpus the statistics come from: a text
cleaned against a release's statistics keeps the words that release never saw.
"""

from __future__ import annotations

from flows.document import Changes, Edit
from flows.kazakh.variants import Variant, VariantFinder, confusable_letters
from flows.rules import CYRILLIC_WORD, Rules
from flows.stages.base import Context, Stage, per_corpus
from flows.stages.ocr import (
    by_paragraph,
    corrector_for,
    is_unit_after_number,
    record,
    same_case,
    splice,
)

_FINDERS: dict[tuple[str, str, int], tuple[object, VariantFinder]] = {}


def finder_for(context: Context) -> VariantFinder:
    """The variant finder of a rules version and corpus, built once per process; it shares
    the OCR stage's lexicon."""

    def build() -> VariantFinder:
        rules = context.rules
        lexicon = corrector_for(context).lexicon
        return VariantFinder(
            lexicon, confusable_letters(rules.confusions), rules.variants, rules.spelling_model
        )

    return per_corpus(_FINDERS, context, build)


def fix_spelling(text: str, context: Context) -> tuple[str, Changes]:
    changes = Changes()
    if not context.statistics.counts and not context.rules.variants.pinned:
        return text, changes
    finder = finder_for(context)
    is_kazakh = corrector_for(context).is_kazakh
    threshold = merge_threshold(context.rules)
    units = context.rules.units

    def fix_paragraph(paragraph: str, offset: int) -> str:
        if not is_kazakh(paragraph):
            return paragraph
        # A paragraph repeats its words, and almost none has a variant: ask once per distinct
        # word (the list is made in C), then visit only the places of those that have one.
        merged = {w for w in set(CYRILLIC_WORD.findall(paragraph)) if finder.variant(w.lower())}
        if not merged:
            return paragraph
        replacements: list[tuple[int, int, str]] = []
        for match in CYRILLIC_WORD.finditer(paragraph):
            word = match.group()
            if word not in merged:
                continue
            if word.isupper() or is_unit_after_number(paragraph, match.start(), word, units):
                continue  # abbreviations (КСРО, РКФСР) and units (200 га)
            if variant := finder.variant(word.lower()):
                edit = merge_edit(word, variant, offset + match.start())
                sure = variant.confidence >= threshold
                record(edit, sure, changes, replacements, match.start(), match.end())
        return splice(paragraph, replacements)

    return by_paragraph(text, fix_paragraph), changes


def merge_threshold(rules: Rules) -> float:
    """The probability a merge needs: `[spelling] confidence_threshold` is the share of applied
    merges that must be right, which the merge model's held-out table turns into a probability
    (as the OCR stage's `precision`); without a model, each merge's hand-set confidence."""
    precision = rules.threshold("spelling")
    model = rules.spelling_model
    return model.threshold_for(precision) if model else precision


def merge_edit(word: str, variant: Variant, position: int) -> Edit:
    return Edit(
        "spelling",
        "spelling:pinned" if variant.edit == "pinned" else "spelling:variant",
        word,
        same_case(word, variant.canonical),
        position,
        variant.confidence,
        variant.evidence(),
        tuple(same_case(word, other) for other, _ in variant.rivals),
    )


STAGE = Stage(
    "spelling",
    fix_spelling,
    "one spelling per word: a form the lexicon lacks takes the corpus' spelling one slip away",
)

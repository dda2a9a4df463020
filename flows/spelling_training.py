"""Examples the spelling stage's merge model learns from, made by the product itself.

Never from ../shared (gold passages and reference texts only measure). A merge is proposed when
a corpus form the lexicon lacks is one slip from a form the corpus uses more (see
flows/kazakh/variants.py); the examples are such proposals, simulated:
- right merges: a word of the kk list (a stem with a case ending, as flows/training.py draws
  them) or a name of the ru list, written once or a few times with one slip (a confusion of
  rules/kk/confusions.tsv, drawn by its weights, or a letter doubled or dropped), the word
  itself used more often;
- wrong merges: a right word the lexicon lacks (a stem it does not have, `gap_word`; a name; a
  kk list entry the analyser rejects; a form of the Russian frequency list) next to a distinct
  word one slip away that the corpus uses more, or that the lexicon knows.
Counts are drawn as flows/training.py draws them (`zipf_count`). All the examples share one
simulated corpus, and the variant finder itself proposes the merges and computes the features,
so the model learns from what the stage will see. One seeded generator: a seed gives the same
examples, byte for byte.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from flows.kazakh.lexicon import base_lexicon
from flows.kazakh.model import (
    SpellingModel,
    fit_isotonic,
    precision_thresholds,
)
from flows.kazakh.variants import (
    MERGE_FEATURES,
    MIN_LENGTH,
    VariantFinder,
    confusable_letters,
    describe_edit,
)
from flows.rules import Rules, VariantOverrides
from flows.synthetic import case_suffixes
from flows.training import (
    CYRILLIC,
    Channel,
    calibrated,
    gap_word,
    held_out_split,
    word_sources,
    zipf_count,
)

RIGHT_SHARE = 0.75  # of the proposals drawn: slips of a word the corpus uses (before SLIP_RATE)
NAME_SHARE = 0.2  # of the words slipped: names of the ru list, in their capital
SLIP_RATE = 0.2  # of a word's uses in a noisy scan, the share written with a slip
RIVAL_SHARE = 0.2  # of the slips: those with a distinct word one slip away that the corpus uses
# A right word's neighbour the lexicon lacks, and which the corpus uses again and again, is
# rarer than one it knows: a random slip of a word is no word a corpus uses, so of the
# neighbours the draw does not find in the lexicon only this share is kept.
UNKNOWN_NEIGHBOUR = 0.3
# and right words the lexicon lacks, which a corpus uses often (loans, old spellings, rare stems)
UNKNOWN_SHARE = 0.4
LETTER_SLIP = 0.3  # of the slips: a letter doubled, dropped or two swapped round, not a confusion
VALID_NEIGHBOUR_TRIES = 4  # draws for a neighbour the lexicon knows, for a wrong merge


@dataclass(frozen=True)
class Proposal:
    form: str  # the form the finder would merge (lower case)
    intended: str | None  # the merge that would be right; None: the form is right as written


@dataclass(frozen=True)
class LabelledMerge:
    features: dict[str, float]
    right: int  # merging into the finder's canonical form is right
    form: str
    canonical: str


def slip(word: str, channel: Channel, rng: random.Random) -> str:
    """One slip inside the word: a confusion of the table, or a letter doubled or dropped."""
    if rng.random() < LETTER_SLIP and len(word) > 3:
        i = rng.randrange(1, len(word) - 2)
        kind = rng.random()
        if kind < 0.4:
            return word[:i] + word[i] + word[i:]
        if kind < 0.8:
            return word[:i] + word[i + 1 :]
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return channel.one_confusion(word)


def one_slip_apart(form: str, other: str) -> bool:
    return form != other and CYRILLIC.fullmatch(form) is not None and describe_edit(form, other)


def draw_proposals(rules: Rules, size: int, seed: int) -> tuple[list[Proposal], dict[str, int]]:
    """`size` simulated proposals and the corpus counts drawn with them (keys in the letter
    case the corpus writes them: names with a capital)."""
    rng = random.Random(seed)
    channel = Channel(rules.confusions, rng)
    lexicon = base_lexicon(rules)
    known, right = word_sources(rules)
    names = [w for w in right if w[:1].isupper()]
    proposals: list[Proposal] = []
    counts: dict[str, int] = {}

    def add(word: str, top: int) -> None:
        counts[word] = counts.get(word, 0) + zipf_count(rng, 0.0, max(top, 1))

    while len(proposals) < size:
        if rng.random() < RIGHT_SHARE:
            kind = rng.random()
            if kind < NAME_SHARE:
                word = rng.choice(names)
            elif kind < NAME_SHARE + UNKNOWN_SHARE:
                word = unknown_word(known, right, rng)
            else:
                stem = rng.choice(known).lower()
                word = stem + rng.choice(case_suffixes(stem))
                if not lexicon.is_word(word):
                    word = stem
            written = slip(word, channel, rng)
            if len(word) < MIN_LENGTH or not one_slip_apart(written.lower(), word.lower()):
                continue
            uses = zipf_count(rng, 0.0, 300)
            if rng.random() > 1.0 - (1.0 - SLIP_RATE) ** uses:
                continue  # a word used once is seldom also misspelt: slips come from used words
            counts[word] = counts.get(word, 0) + uses
            add(written, min(5, uses))
            if rng.random() < RIVAL_SHARE:  # a distinct word one slip away too
                add(distinct_neighbour(written, channel, rng, lexicon), 300)
            proposals.append(Proposal(written.lower(), word.lower()))
            continue
        word = unknown_word(known, right, rng)
        if len(word) < MIN_LENGTH or lexicon.is_word(word.lower()):
            continue
        other = distinct_neighbour(word, channel, rng, lexicon)
        if not one_slip_apart(word.lower(), other.lower()):
            continue
        if not lexicon.is_word(other.lower()) and rng.random() > UNKNOWN_NEIGHBOUR:
            continue
        add(other, 300)
        add(word, 20)
        if rng.random() < RIVAL_SHARE:  # a third word one slip away, as for the slips
            add(distinct_neighbour(word, channel, rng, lexicon), 300)
        proposals.append(Proposal(word.lower(), None))
    return proposals, counts


def unknown_word(known: list[str], right: list[str], rng: random.Random) -> str:
    """A right word the lexicon lacks: on a stem it does not have, or a name, a Russian form,
    a kk list entry the analyser rejects ("" when the stem gives none)."""
    if rng.random() < 0.5:
        return gap_word(rng.choice(known).lower(), rng) or ""
    return rng.choice(right)


def distinct_neighbour(word: str, channel: Channel, rng: random.Random, lexicon) -> str:
    """A word one slip from `word`: one the lexicon knows when a few draws find one (the
    distinct valid word next to a rare one), else any (a distinct word the corpus uses)."""
    other = word
    for _ in range(VALID_NEIGHBOUR_TRIES):
        other = slip(word, channel, rng)
        if other != word and lexicon.is_word(other.lower()):
            return other
    return other


def labelled_merges(rules: Rules, size: int, seed: int) -> list[LabelledMerge]:
    """The proposals the variant finder does make, with its features and whether the merge it
    proposes is right (the form was a slip, and the canonical form the word meant)."""
    proposals, counts = draw_proposals(rules, size, seed)
    lexicon = base_lexicon(rules).with_counts(counts)
    finder = VariantFinder(lexicon, confusable_letters(rules.confusions), VariantOverrides())
    labelled, seen = [], set()
    for proposal in proposals:
        if proposal.form in seen:
            continue  # one corpus form, one decision (as the stage decides once per form)
        seen.add(proposal.form)
        variant = finder.variant(proposal.form)
        if variant is None or not variant.features:
            continue
        right = variant.canonical == proposal.intended
        labelled.append(
            LabelledMerge(variant.features, int(right), proposal.form, variant.canonical)
        )
    return labelled


def fit_spelling_model(rules: Rules, size: int, seed: int) -> SpellingModel:
    """Fit the merge model on `size` drawn proposals, a quarter held out for its calibration
    (Platt's, then an isotonic curve over it, as the OCR stage's model has)."""
    fit, out = held_out_split(labelled_merges(rules, size, seed), f"{seed}-spelling-split")
    rows, labels = [x.features for x in fit], [x.right for x in fit]
    merge = calibrated(MERGE_FEATURES, rows, labels, out, "right")
    curve = fit_isotonic([merge.probability(x.features) for x in out], [x.right for x in out])
    model = SpellingModel(merge, curve=curve)
    outcomes = [(model.right(x.features), bool(x.right)) for x in out]
    about = {
        "made_by": "tazala fit-model",
        "seed": seed,
        "proposals_drawn": size,
        "merges_fitted": len(fit),
        "merges_held_out": len(out),
        "right_fitted": sum(x.right for x in fit),
        "words": "kk_KZ hunspell list and ru_RU names with one slip (right merges); stems "
        "the lexicon lacks, ru_RU names, Russian frequency list, kk_KZ entries the analyser "
        "rejects, next to a distinct word one slip away (wrong merges)",
    }
    return SpellingModel(merge, about, precision_thresholds(outcomes), curve)

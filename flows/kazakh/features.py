"""What the decision model (flows/kazakh/model.py) knows of a word the lexicon lacks.

Everything here is computed from what the OCR stage already has: the ranked candidates (with
their channel cost, the kinds of confusion they needed, the scores the lexicon and the corpus
give them), the form itself (signs, harmony, capitals, Russian letters) and the document's
share of kept Kazakh letters. Each feature is a number of modest range, named, so that the
model file reads as a table of evidence.
"""

from __future__ import annotations

import math
from functools import lru_cache

import regex

from flows.kazakh.confusions import Candidate
from flows.kazakh.lexicon import Lexicon, harmony
from flows.memo import WORD_TYPES

SIGN_INSIDE = regex.compile(r"[!1|]")
# a rounded vowel after the first syllable, in a word without the letters of Russian loans
ROUNDED_LATER = regex.compile(r"^(?!.*[вфцчщъьэёюя])[^аәеиоөұүыіэюяё]*[аәеиоөұүыі].*[оөұү]")
# Two vowels side by side, or и after a vowel: native words write ай, ей, ій for the glide and
# never put two vowels together (кейіи, Біараз); loans that do (театр, поэзия) are in the
# lexicon, and a name keeps the leeway of its capital.
HIATUS = regex.compile(r"[аәеоөұүыіэ][аәеоөұүыіэи]")
RUSSIAN_ONLY = regex.compile(r"[вфцчщъьэёюя]")
KAZAKH_ONLY = regex.compile(r"[әғқңөұүһі]")
KINDS = ("lost", "kazakh", "symbol", "sequence", "swap", "dropped", "doubled")
MARGIN_CAP = 6.0  # a lone candidate is as far ahead as one this much cheaper than the next
SCORE_CAP = 10.0

Ranked = list[tuple[Candidate, float, int]]  # candidate, score (lower better), corpus count

# The channel's own answer, two features among the others: the candidates and the hypothesis
# "right as it stands" share the probability by their costs (exp(-cost / TEMPERATURE)), the
# latter's cost high in a text that lost its Kazakh letters and low in one that kept them,
# raised by signs or broken harmony, lowered by a capital. The model weighs these against the
# rest; the numbers only shape the features, the fitted weights decide.
TEMPERATURE = 0.5
UNKNOWN_COST_KEPT, UNKNOWN_COST_LOST = 2.0, 5.0
SIGN_DOUBT, HARMONY_DOUBT, NAME_LEEWAY = 3.0, 2.0, 0.5
PROBABILITY_FLOOR = 1e-6

NAMES = (
    "channel_wrong",
    "channel_choice",
    "best_score",
    "best_cost",
    "edits",
    *(f"kind_{kind}" for kind in KINDS),
    "listed",
    "log_candidate_count",
    "log_form_count",
    "margin",
    "log_candidates",
    "sign_inside",
    "harmony_doubt",
    "capital",
    "all_caps",
    "kept",
    "lost_in_kept",
    "kazakh_in_lost",
    "russian_letters",
    "kazakh_letters",
)


def clip(value: float, cap: float) -> float:
    return max(-cap, min(cap, value))


def word_features(
    word: str,
    ranked: Ranked,
    kept: float,
    lexicon: Lexicon,
    channel: tuple[float, float] | None = None,
) -> dict[str, float]:
    """The features of a word (as written) and its best candidate, in a document that kept
    `kept` of its Kazakh letters; `channel` the channel's answer if already computed."""
    best, score, count = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else score + MARGIN_CAP
    kinds = {edit.kind for edit in best.edits}
    letters = word.lower()
    doubt = harmony_doubt(letters)
    alpha = [ch for ch in word if ch.isalpha()]
    best_share, wrong = channel or channel_posterior(word, ranked, kept)
    return {
        "channel_wrong": logit(wrong),
        "channel_choice": logit(best_share),
        "best_score": clip(score, SCORE_CAP),
        "best_cost": min(best.cost, SCORE_CAP),
        "edits": min(len(best.edits), 8) / 2,
        **{f"kind_{kind}": float(kind in kinds) for kind in KINDS},
        "listed": float(lexicon.native.stems.get(best.word) == "kk"),
        "log_candidate_count": math.log1p(count),
        "log_form_count": math.log1p(lexicon.frequency(letters)),
        "margin": min(second - score, MARGIN_CAP),
        "log_candidates": math.log(len(ranked)),
        "sign_inside": float(bool(SIGN_INSIDE.search(word))),
        "harmony_doubt": float(bool(doubt)),
        "capital": float(word[:1].isupper()),
        "all_caps": float(len(alpha) > 1 and all(ch.isupper() for ch in alpha)),
        "kept": kept,
        "lost_in_kept": kept * ("lost" in kinds),
        "kazakh_in_lost": (1.0 - kept) * ("kazakh" in kinds),
        "russian_letters": float(bool(RUSSIAN_ONLY.search(letters))),
        "kazakh_letters": float(bool(KAZAKH_ONLY.search(letters))),
    }


@lru_cache(maxsize=WORD_TYPES)
def harmony_doubt(letters: str) -> bool:
    """Does a lower-case form break harmony, put a rounded vowel after the first syllable or
    two vowels together (asked of each word type in each document: remembered)?"""
    return bool(
        harmony(letters) == "mixed" or ROUNDED_LATER.search(letters) or HIATUS.search(letters)
    )


def channel_posterior(word: str, ranked: Ranked, kept: float) -> tuple[float, float]:
    """The best candidate's share and P(wrong as written), by the costs alone."""
    letters = word.lower()
    unknown_cost = UNKNOWN_COST_LOST - (UNKNOWN_COST_LOST - UNKNOWN_COST_KEPT) * kept
    if SIGN_INSIDE.search(word):
        unknown_cost += SIGN_DOUBT
    elif harmony_doubt(letters):
        unknown_cost += HARMONY_DOUBT
    if word[:1].isupper():
        unknown_cost -= NAME_LEEWAY
    best = ranked[0][1]
    weights = [math.exp(-(score - best) / TEMPERATURE) for _, score, _ in ranked]
    as_written = math.exp(-(unknown_cost - best) / TEMPERATURE)
    total = sum(weights) + as_written
    return weights[0] / total, 1.0 - as_written / total


def logit(p: float) -> float:
    p = min(max(p, PROBABILITY_FLOOR), 1.0 - PROBABILITY_FLOOR)
    return math.log(p / (1.0 - p)) / 4  # a quarter: the range of the other features

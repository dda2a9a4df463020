"""The confusion costs of `rules/kk/confusions.tsv` re-estimated from a corpus (`tazala
fit-confusions`): a noisy channel fitted by expectation-maximisation.

The table's costs say how often OCR makes each confusion, as -log of a rate: about 1 for the
letters a Russian model loses every time, 2.5 for a classic swap. A given archive was read by
its own scanner, model and fonts, and drops `ө` more or less often than `ү`. Its unknown word
forms say so: each is explained by the candidates the OCR stage would find for it
(flows/kazakh/confusions.py), and a candidate uses certain confusions.

- E step: each unknown form (as often as the corpus writes it) shares its weight among its
  candidates by the channel's costs, exp(-cost), and each candidate gives its share to the
  confusions it uses. A form with one candidate gives it all; a form whose candidates are many
  and alike says little about any of them.
- M step: the rate of a confusion is its expected count over how often the words meant hold
  the letters it stands for (its chances: the corpus' known words, and the words its
  misread forms are expected to be). Its new cost is -log of that rate, set on the
  table's scale (the costs keep their mean), and drawn towards the table's cost as if
  PRIOR_WEIGHT forms had confirmed the latter: a confusion seen five times keeps most of its
  prior, one seen five thousand times takes the corpus' figure.

A few rounds suffice: the candidates are found once, and only their weights change. The fit
never adds a confusion to the table or removes one; it only moves costs, and it reads nothing
but the corpus statistics and the installed lexicon.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flows.kazakh.confusions import AGAIN, Candidate, CandidateIndex, Confusion
from flows.kazakh.lexicon import VOWEL_LETTERS, Lexicon

ROUNDS = 4
PRIOR_WEIGHT = 50.0  # forms' worth of belief in the table's own cost
MIN_COST, MAX_COST = 0.1, 6.0  # a cost outside these says more than any corpus can
MIN_LETTERS = 3  # shorter unknown forms are abbreviations and fragments more than misreadings
PROGRESS_SECONDS = 10.0  # a progress line this often while the corpus' forms are read

log = logging.getLogger("tazala")


@dataclass(frozen=True)
class FittedCost:
    confusion: Confusion
    cost: float  # the new cost
    expected: float  # how many of the corpus' unknown forms it explains, in expectation
    chances: int  # how often the words meant hold what it stands for


def fit_confusion_costs(
    index: CandidateIndex,
    lexicon: Lexicon,
    counts: Mapping[str, int],
    rounds: int = ROUNDS,
) -> list[FittedCost]:
    """The table's confusions with costs fitted to the corpus of `counts` (form -> count)."""
    confusions = [*index.letters.values(), *index.edits]
    explained = explained_forms(index, lexicon, counts)
    letters = known_letters(lexicon, counts)
    costs = {c: c.cost for c in confusions}
    expected: Counter[Confusion] = Counter()
    chances: Counter[Confusion] = Counter()
    for _ in range(rounds):
        expected, meant = expected_uses(explained, costs)
        chances = Counter({c: letters[c.intended] + meant[c.intended] for c in confusions})
        costs = maximise(confusions, expected, chances)
    return [
        FittedCost(c, round(costs[c], 2), round(expected[c], 1), round(chances[c]))
        for c in confusions
    ]


def explained_forms(
    index: CandidateIndex, lexicon: Lexicon, counts: Mapping[str, int]
) -> list[tuple[int, list[Candidate]]]:
    """Each form of the corpus the lexicon does not know (the corpus may use it often: a
    scanner repeats its misreadings) that has candidates: its count and its candidates."""
    found = []
    forms = sorted(counts.items())
    said = time.monotonic()
    for done, (form, n) in enumerate(forms, 1):
        if time.monotonic() - said >= PROGRESS_SECONDS:  # a large corpus takes minutes
            log.info("fit-confusions: %s of %s word forms read", f"{done:,}", f"{len(forms):,}")
            said = time.monotonic()
        if len(form) < MIN_LETTERS or not form.isalpha() or form.isupper():
            continue
        entry = lexicon.lookup(form)
        if entry.valid or entry.source == "name":
            continue  # unknown or only attested: a misreading the corpus repeats counts too
        candidates = index.candidates(form.lower())
        if candidates:
            found.append((n, candidates))
    return found


def known_letters(lexicon: Lexicon, counts: Mapping[str, int]) -> Counter[str]:
    """How often each letter (and sequence of two) stands in the corpus' known words."""
    letters: Counter[str] = Counter()
    for form, n in counts.items():
        word = form.lower()
        if lexicon.is_word(word):
            add_letters(letters, word, n)
    return letters


def add_letters(letters: Counter[str], word: str, weight: float) -> None:
    """Each letter and pair of letters of a word, and each doubled consonant (the chances
    of a doubled letter read once, under the table's AGAIN)."""
    for i, ch in enumerate(word):
        letters[ch] += weight
        letters[word[i : i + 2]] += weight
        if i and ch == word[i - 1] and ch not in VOWEL_LETTERS:
            letters[AGAIN] += weight


def expected_uses(
    explained: list[tuple[int, list[Candidate]]], costs: Mapping[Confusion, float]
) -> tuple[Counter[Confusion], Counter[str]]:
    """E step: each form's count shared among its candidates by exp(-cost); the expected
    uses of each confusion, and the expected letters of the words meant (the chances the
    misread forms had)."""
    expected: Counter[Confusion] = Counter()
    meant: Counter[str] = Counter()
    for n, candidates in explained:
        weights = [math.exp(-sum(costs.get(e, e.cost) for e in c.edits)) for c in candidates]
        total = sum(weights)
        for candidate, weight in zip(candidates, weights, strict=True):
            share = n * weight / total
            add_letters(meant, candidate.word, share)
            for edit in candidate.edits:
                expected[edit] += share
    return expected, meant


def maximise(
    confusions: list[Confusion],
    expected: Mapping[Confusion, float],
    chances: Mapping[Confusion, int],
) -> dict[Confusion, float]:
    """M step: -log(rate) on the table's scale, drawn towards the table's cost."""
    raw = {
        c: -math.log((expected.get(c, 0.0) + 0.5) / (chances.get(c, 0) + 1.0)) for c in confusions
    }
    # the table's scale: the raw costs shifted so that, weighted by evidence, they keep the
    # mean of the prior costs (the rest of the channel, the cost of a word being right as it
    # stands, is set against costs of that size)
    evidence = {c: expected.get(c, 0.0) for c in confusions}
    total = sum(evidence.values())
    shift = sum(evidence[c] * (c.cost - raw[c]) for c in confusions) / total if total > 0 else 0.0
    costs = {}
    for c in confusions:
        fitted = raw[c] + shift
        weight = evidence[c]
        cost = (PRIOR_WEIGHT * c.cost + weight * fitted) / (PRIOR_WEIGHT + weight)
        costs[c] = min(MAX_COST, max(MIN_COST, cost))
    return costs


def write_costs(path: Path, fitted: list[FittedCost]) -> None:
    """Put the fitted costs into the table's cost column; comments, order and notes stay."""
    new = {
        (f.confusion.observed or "_", f.confusion.intended, f.confusion.kind): f.cost
        for f in fitted
    }
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if not line.lstrip().startswith("#") and len(cells) >= 4:
            key = (cells[0].strip(), cells[1].strip(), cells[3].strip())
            if key in new:
                cells[2] = f"{new[key]:g}"
        lines.append("\t".join(cells))
    temporary = path.with_suffix(".tsv.tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.replace(path)

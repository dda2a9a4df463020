"""Examples the decision model learns from, made by the product itself: a noisy channel.

Never from ../shared (gold passages and reference texts only measure). The words come from the
installed lists and, when a run fits its own model, from the user's corpus:
- errors: words the lexicon knows (kk list stems with a case ending) sent through
  rules/kk/confusions.tsv with its costs as -log weights, in two kinds of document: one read by
  a Russian OCR model (most Kazakh letters lost, now and then a sign or a swap on top; kept
  share near 0) and one read by a Kazakh model (one confusion of any kind; kept share near 1);
- right words the lexicon does not know, as they are: names of the ru list (capitals), forms of
  the Russian frequency list, kk list entries the analyser does not accept.
Corpus counts are drawn too (a word the corpus uses, a damaged form seen once or a few times, a
name written again and again), since the model weighs them at run time.

Only examples that reach the decision count: an unknown form with at least one candidate.
Every draw comes from one seeded generator, so a seed gives the same examples, byte for byte.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import regex

from flows.kazakh.confusions import Confusion
from flows.kazakh.dictionaries import dictionary_entries, russian_counts
from flows.kazakh.features import NAMES, word_features
from flows.kazakh.lexicon import base_lexicon
from flows.kazakh.model import (
    DecisionModel,
    Logistic,
    fit_isotonic,
    fit_model,
    fit_platt,
    precision_thresholds,
)
from flows.kazakh.morphology import TRUE_VOWELS
from flows.rules import Rules
from flows.synthetic import case_suffixes

CYRILLIC = regex.compile(r"\p{Cyrillic}{3,}")
NARROW = "ыі"
LOSS_RATE = 0.9  # a Russian model loses nearly every Kazakh letter
EXTRA_RATE = 0.2  # and now and then misreads something else too
# The share of errors among a document's unknown words that have candidates: most of them in
# a text that lost its letters, fewer in one that kept them (names and loans stand out more).
ERROR_SHARE = {"lost": 0.9, "kept": 0.5}
CORPUS_SHARE = 0.5  # of the words drawn, when a corpus is given: its own
CORPUS_MIN_COUNT = 2  # a corpus form used once may be an error itself
# The corpus forms a fit draws its words from: the most frequent ones. Each is analysed once
# (about 0.5 ms), so a fit on a large archive costs what a fit on 10,000 forms does, while the
# examples drawn from the corpus (half of them, a few thousand) never need more.
CORPUS_FORMS = 10_000
LEXICON_GAPS = 0.6  # of the right words: Kazakh-looking words on a stem the lexicon lacks
# A stem the lexicon lacks: a known stem with one consonant replaced by another that no
# confusion of the table turns into it (no к/қ, г/ғ, н/ң, н/п): Kazakh in its sounds and
# harmony, and as unknown as a rare stem is.
GAP_CONSONANTS = "бджзлмпрстш"
KAZAKH = regex.compile(r"[әғқңөұүһі]")


@dataclass(frozen=True)
class Example:
    word: str  # as written
    intended: str | None  # None: the word is right as it stands
    kept: float
    # a word the lexicon knows, judged as if it did not: a rare derivation, a gap of the
    # lexicon, one confusion away from other valid words
    as_unknown: bool = False


@dataclass(frozen=True)
class Labelled:
    features: dict[str, float]
    wrong: int  # the word is an error
    choice: int  # the best candidate is the word meant (0 for right words)
    example: Example
    best: str


class Channel:
    """The confusion table run forwards: an intended word in, an OCR reading out."""

    def __init__(self, confusions: tuple[Confusion, ...], rng: random.Random) -> None:
        self.rng = rng
        self.confusions = [c for c in confusions if c.intended]
        self.lost: dict[str, list[Confusion]] = {}
        for c in confusions:
            if c.kind == "lost":
                self.lost.setdefault(c.intended, []).append(c)

    def pick(self, options: list[Confusion]) -> Confusion:
        return self.rng.choices(options, weights=[math.exp(-c.cost) for c in options])[0]

    def one_confusion(self, word: str, kinds: tuple[str, ...] | None = None) -> str:
        """One confusion somewhere in the word, drawn by the table's weights."""
        places = []
        for c in self.confusions:
            if kinds and c.kind not in kinds:
                continue
            if c.kind == "dropped":
                places += [(i, c) for i in range(1, len(word) - 1) if word[i] == c.intended]
            elif c.kind == "doubled":  # the second of two like consonants goes
                places += [
                    (i, c)
                    for i in range(1, len(word))
                    if word[i] == word[i - 1] and word[i] not in TRUE_VOWELS
                ]
            else:
                start = word.find(c.intended)
                while start >= 0:
                    places.append((start, c))
                    start = word.find(c.intended, start + 1)
        if not places:
            return word
        weights = [math.exp(-c.cost) for _, c in places]
        i, c = self.rng.choices(places, weights=weights)[0]
        return word[:i] + c.observed + word[i + len(c.intended) :]

    def russian_model(self, word: str) -> str:
        """Most Kazakh letters read as their Russian look-alikes, sometimes one more slip."""
        letters = [
            self.pick(self.lost[ch]).observed
            if ch in self.lost and self.rng.random() < LOSS_RATE
            else ch
            for ch in word
        ]
        read = "".join(letters)
        if self.rng.random() < EXTRA_RATE:
            read = self.one_confusion(read, ("symbol", "swap", "dropped", "doubled", "sequence"))
        return read

    def kazakh_model(self, word: str) -> str:
        return self.one_confusion(word)


def word_sources(rules: Rules) -> tuple[list[str], list[str]]:
    """Known Kazakh words to damage, and right words the lexicon does not know."""
    lexicon = base_lexicon(rules)
    known, unknown = [], []
    for stem, _ in dictionary_entries("kk_KZ"):
        if not CYRILLIC.fullmatch(stem):
            continue
        (known if lexicon.is_word(stem.lower()) else unknown).append(stem)
    names = [
        stem
        for stem, _ in dictionary_entries("ru_RU")
        if CYRILLIC.fullmatch(stem) and stem[:1].isupper() and len(stem) >= 4
    ]
    # the frequency list's forms the lexicon lacks: names (морган, карим), short forms
    russian = sorted(w for w in russian_counts() if CYRILLIC.fullmatch(w))
    unknown_right = [w for w in unknown if len(w) >= 4] + names + russian
    right = sorted({w for w in unknown_right if not lexicon.is_word(w.lower())})
    return sorted(set(known)), right


def corpus_sources(rules: Rules, corpus: Mapping[str, int]) -> tuple[list[str], list[str]]:
    """The corpus' own words the lexicon knows (used twice or more), and the forms it writes
    with a capital that the lexicon does not know: its names; of its CORPUS_FORMS most
    frequent forms."""
    lexicon = base_lexicon(rules)
    known, names = set(), set()
    used = (
        (n, form)
        for form, n in corpus.items()
        if n >= CORPUS_MIN_COUNT and CYRILLIC.fullmatch(form)
    )
    for _, form in heapq.nlargest(CORPUS_FORMS, used):
        if lexicon.is_word(form.lower()):
            known.add(form.lower())
        elif form[:1].isupper() and not form.isupper():
            names.add(form)
    return sorted(known), sorted(names)


def draw_examples(
    rules: Rules, size: int, seed: int, corpus: Mapping[str, int] | None = None
) -> tuple[list[Example], dict[str, int]]:
    """`size` examples (before the ones that reach no decision are left out) and the corpus
    counts drawn with them; with a corpus' counts, half the words come from it."""
    rng = random.Random(seed)
    channel = Channel(rules.confusions, rng)
    lexicon = base_lexicon(rules)
    known, right = word_sources(rules)
    corpus_known, corpus_names = corpus_sources(rules, corpus) if corpus else ([], [])
    examples: list[Example] = []
    counts: dict[str, int] = dict(corpus or {})
    while len(examples) < size:
        regime = rng.choice(("lost", "kept"))
        kept = rng.uniform(0.0, 0.3) if regime == "lost" else rng.uniform(0.5, 1.0)
        if rng.random() < ERROR_SHARE[regime]:
            if corpus_known and rng.random() < CORPUS_SHARE:
                intended = rng.choice(corpus_known)  # as the corpus writes it, inflected
            else:
                stem = rng.choice(known).lower()
                intended = stem + rng.choice(case_suffixes(stem))
                if not lexicon.is_word(intended):
                    intended = stem
            read = (channel.russian_model if regime == "lost" else channel.kazakh_model)(intended)
            if read == intended:
                continue
            if rng.random() < 0.15:  # a sentence's first word
                read, intended = read[:1].upper() + read[1:], intended[:1].upper() + intended[1:]
            counts[intended.lower()] = counts.get(intended.lower(), 0) + zipf_count(rng, 0.5, 300)
            counts[read.lower()] = counts.get(read.lower(), 0) + zipf_count(rng, 0.7, 5)
            examples.append(Example(read, intended, kept))
        elif rng.random() < LEXICON_GAPS:
            word = gap_word(rng.choice(known).lower(), rng)
            if word is None or lexicon.is_word(word):
                continue
            if rng.random() < 0.15:
                word = word[:1].upper() + word[1:]
            counts[word.lower()] = counts.get(word.lower(), 0) + zipf_count(rng, 0.6, 20)
            if regime == "lost":  # it lost its letters too: wrong, and no candidate is it
                read = channel.russian_model(word)
                examples.append(
                    Example(read, word, kept) if read != word else Example(word, None, kept)
                )
            else:
                examples.append(Example(word, None, kept))
        else:
            if corpus_names and rng.random() < CORPUS_SHARE:
                word = rng.choice(corpus_names)  # a name of the corpus, as it writes it
                examples.append(Example(word, None, kept))
                continue
            word = rng.choice(right)
            if not word.islower() or rng.random() < 0.5:  # a name, in its capital
                word = word[:1].upper() + word[1:]
                if rng.random() < 0.3:  # declined as Kazakh declines it: Морганға
                    word += rng.choice(case_suffixes(word.lower()))
            counts[word.lower()] = counts.get(word.lower(), 0) + zipf_count(rng, 0.5, 50)
            examples.append(Example(word, None, kept))
    return examples, counts


def gap_word(stem: str, rng: random.Random) -> str | None:
    """A word on a stem the lexicon lacks, with a case ending that fits it."""
    places = [i for i, ch in enumerate(stem) if ch in GAP_CONSONANTS]
    if not places:
        return None
    i = rng.choice(places)
    new = rng.choice([ch for ch in GAP_CONSONANTS if ch != stem[i]])
    gap = stem[:i] + new + stem[i + 1 :]
    return gap + rng.choice(case_suffixes(gap))


def zipf_count(rng: random.Random, none: float, top: int) -> int:
    """0 with probability `none`, else a log-uniform count from 1 to `top`."""
    if rng.random() < none:
        return 0
    return int(math.exp(rng.random() * math.log(top)))


def labelled_examples(
    rules: Rules, size: int, seed: int, corpus: Mapping[str, int] | None = None
) -> Iterator[Labelled]:
    """The examples that reach a decision, with their features and labels."""
    from flows.stages.ocr import Corrector, index_for  # the stage's own knowledge

    examples, counts = draw_examples(rules, size, seed, corpus)
    lexicon = base_lexicon(rules).with_counts(counts)
    corrector = Corrector(lexicon, index_for(rules), rules, model=None)
    for example in examples:
        word = example.word
        entry = lexicon.lookup(word)
        if (entry.valid or entry.source == "name") and not example.as_unknown:
            continue
        decision = corrector.decide(word.lower())
        if decision is None:
            continue
        ranked = decision.ranked(example.kept)
        best = ranked[0][0].word
        features = word_features(word, ranked, example.kept, lexicon)
        wrong = example.intended is not None
        choice = wrong and best == example.intended.lower()
        yield Labelled(features, int(wrong), int(choice), example, best)


HELD_OUT = 0.25  # of the examples: the Platt calibration's, never the fit's
T = TypeVar("T")


def fit_decision_model(
    rules: Rules, size: int, seed: int, corpus: Mapping[str, int] | None = None
) -> DecisionModel:
    """Fit both models on `size` drawn examples (a quarter held out for calibration); with a
    corpus' counts (a release's statistics), on its words and names too."""
    fit, out = held_out_split(list(labelled_examples(rules, size, seed, corpus)), f"{seed}-split")
    wrong = calibrated(NAMES, [x.features for x in fit], [x.wrong for x in fit], out, "wrong")
    errors, out_errors = [x for x in fit if x.wrong], [x for x in out if x.wrong]
    choice = calibrated(
        NAMES, [x.features for x in errors], [x.choice for x in errors], out_errors, "choice"
    )
    about = {
        "made_by": "tazala fit-model",
        "seed": seed,
        "examples_drawn": size,
        "examples_fitted": len(fit),
        "examples_held_out": len(out),
        "errors_fitted": len(errors),
        "corpus_forms": len(corpus or {}),
        "words": "kk_KZ hunspell list and the corpus' known words (errors); ru_RU names, "
        "Russian frequency list, kk_KZ entries the analyser rejects, stems the lexicon lacks, "
        "the corpus' capitalised unknown forms (right words)",
    }
    products = [wrong.probability(x.features) * choice.probability(x.features) for x in out]
    right = fit_isotonic(products, [x.choice for x in out])
    model = DecisionModel(wrong, choice, about, {}, right)
    outcomes = [(model.right(x.features), bool(x.choice)) for x in out]
    return DecisionModel(wrong, choice, about, precision_thresholds(outcomes), right)


def held_out_split(items: list[T], seed: str) -> tuple[list[T], list[T]]:
    """The items to fit on and the HELD_OUT share kept for calibration, drawn from `seed`."""
    split = random.Random(seed)
    held = [split.random() < HELD_OUT for _ in items]
    fit = [x for x, h in zip(items, held, strict=True) if not h]
    return fit, [x for x, h in zip(items, held, strict=True) if h]


def calibrated(
    names: Sequence[str],
    rows: list[dict[str, float]],
    labels: list[int],
    held_out: Sequence[Any],
    target: str,
) -> Logistic:
    """A logistic regression over `names` fitted on rows and labels, Platt-calibrated on the
    held-out examples' features and their `target` label."""
    weights = fit_model(names, rows, labels)
    raw = Logistic(weights)
    logits = [raw.logit(x.features) for x in held_out]
    return Logistic(weights, fit_platt(logits, [getattr(x, target) for x in held_out]))

"""Spelling variants: the forms a corpus writes for a word it mostly spells another way.

One corpus writes `Хрущев` and `Хрушев`, `коммунизм` and `комунизм`, `съезі` and `сьезі`. A
form the lexicon does not know, one edit away from a form the corpus uses at least as often
and the lexicon knows (or the corpus uses far more often), is a variant of that form: its
canonical spelling. pyspellchecker finds the forms one edit away among the corpus' own forms
(distance 1: the corpus' variants are one slip apart; distance 2 reaches other words).

What keeps distinct words apart:
- a valid form is never a variant (`ет`/`өт`, `кел`/`көл`, `роль`, `январьда`, `совет`);
- the edit is inside the word: not its first letter (a different word, or a name: Рани/Ғани),
  not its last two (where suffixes and Russian endings make distinct forms: съезіне/съезінде,
  пролетариата/пролетариат);
- a letter is replaced only by one OCR or typists confuse it with (`rules/kk/confusions.tsv`,
  either way round: ш/щ, н/ң, и/н, ъ/ь), never by any letter (Левин is no Ленин, қапал no қатал);
- a name's variants differ only in such a letter or a doubled one (Хрушев, Анаев/Аннаев);
- the canonical form has no rival of its standing among the form's neighbours (`конші`:
  көнші or копші goes to review).

A variant found for a form is also applied to the forms built on it (`хрушевтің`: the stem
`хрушев` is a variant of `хрущев`), and `rules/kk/variants.tsv` pins or forbids a mapping.

How sure a merge is: the hand-set odds below rank the neighbours (which one is the canonical
form); the probability that merging into it is right comes from the fitted, calibrated merge
model of rules/kk/spelling_model.toml (flows/spelling_training.py) over MERGE_FEATURES. Without
a model file, the odds normalised over the rivals stand in for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from flows.kazakh.lexicon import MAX_WORD_LETTERS, Lexicon
from flows.memo import per_word_type
from flows.rules import CYRILLIC_WORD, VariantOverrides

if TYPE_CHECKING:
    from spellchecker import SpellChecker

MIN_LENGTH = 5  # shorter forms have too many neighbours one edit away
KEPT_END = 2  # letters at the end where distinct forms differ (suffixes, Russian endings)
MIN_STEM = 4  # the stem of an inflected variant (хрушев-тің)
VALID_ODDS = 20.0  # a form the lexicon knows against one it does not, all else equal
ATTESTED_ODDS = 4.0  # a form the corpus uses often (a name, a loan) against a rarer one
LENGTH_EDIT_ODDS = 0.5  # an inserted or dropped letter is less often a slip than a swapped one
MAX_RIVALS = 3  # rivals kept as evidence and counted as a feature
# What the merge model weighs: the quantities the hand-set odds use, and what else the finder
# knows about the form, its canonical spelling and their rivals.
MERGE_FEATURES = (
    "log_count",  # log(1 + corpus uses of the form)
    "log_canonical",  # log(1 + corpus uses of the canonical form)
    "canonical_valid",  # the lexicon knows the canonical form
    # the counts again when it does not: then they are all the evidence there is (the corpus'
    # own spelling against a distinct word), and weigh otherwise than beside a known word
    "unknown_log_count",
    "unknown_log_canonical",
    "form_attested",  # the corpus uses the form attested_min_count times or more
    "length_edit",  # a letter inserted or dropped, not swapped
    "canonical_name",  # the corpus writes the canonical form with a capital
    "form_name",  # and the form
    "rivals",  # other neighbours that could be the word (up to MAX_RIVALS)
    "rival_valid",  # one of them is a word the lexicon knows
    "rival_log_count",  # log(1 + corpus uses of the most used one)
    "stem",  # an inflected form, judged by its stem
)


@dataclass(frozen=True)
class Variant:
    """A corpus form and the canonical spelling it is a variant of, with the evidence."""

    form: str  # lower case
    canonical: str  # lower case
    edit: str  # what tells them apart: "ш>щ", "+м", "-и", "ба<>аб", "pinned"
    count: int  # corpus uses of the form
    canonical_count: int
    valid: bool  # the lexicon knows the canonical form
    confidence: float
    rivals: tuple[tuple[str, int], ...] = ()  # other neighbours that could be the word
    stem: str = ""  # for an inflected form: the variant stem it is built on
    # what the merge model weighed (MERGE_FEATURES), and whether it decided (False: the
    # hand-set odds, no model file)
    features: dict[str, float] = field(default_factory=dict, compare=False)
    modelled: bool = False

    def evidence(self) -> dict[str, object]:
        found = {
            "edit": self.edit,
            "count": self.count,
            "canonical_count": self.canonical_count,
            "canonical_valid": self.valid,
            "rivals": [list(r) for r in self.rivals],
        }
        if self.stem:
            found["stem"] = self.stem
        if self.features:
            found["features"] = {name: round(v, 4) for name, v in self.features.items()}
            found["probability"] = self.confidence
            found["decided_by"] = "spelling model" if self.modelled else "hand-set odds"
        return found


def describe_edit(form: str, other: str) -> tuple[str, int] | None:
    """What one edit turns `form` into `other`, and where in `form`: ("ш>щ", 4), ("+м", 3),
    ("-и", 7), ("ба<>аб", 2); None when they are more than one edit apart."""
    start = 0
    while start < min(len(form), len(other)) and form[start] == other[start]:
        start += 1
    a, b = form[start:], other[start:]
    end = 0
    while end < min(len(a), len(b)) and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[: len(a) - end], b[: len(b) - end]
    if len(a) == 1 and len(b) == 1:
        return f"{a}>{b}", start
    if not a and len(b) == 1:
        return f"+{b}", start
    if len(a) == 1 and not b:
        return f"-{a}", start
    if len(a) == 2 and b == a[::-1]:
        return f"{a}<>{b}", start
    return None


class VariantFinder:
    """The variants of one corpus' forms, decided once per form type."""

    def __init__(
        self,
        lexicon: Lexicon,
        confusable: frozenset[tuple[str, str]],
        overrides: VariantOverrides,
        model: Any = None,  # flows.kazakh.model.SpellingModel, or None: the hand-set odds
    ) -> None:
        self.lexicon = lexicon
        self.model = model
        self.counts = lexicon.counts  # lower-case form -> corpus uses
        self.confusable = confusable
        self.overrides = overrides
        self.variant = per_word_type(self._variant)

    @cached_property
    def checker(self) -> SpellChecker:
        """pyspellchecker over the corpus' forms, built when first asked (a quarter of a second
        for a corpus of 50,000 forms; a text whose words are all known never asks)."""
        from spellchecker import SpellChecker

        # the forms are lower case already: case-sensitive, the checker keeps these very
        # strings instead of a lower-cased copy of each (the same keys, the same letters)
        checker = SpellChecker(language=None, distance=1, case_sensitive=True)
        checker.word_frequency.load_json(
            {form: n for form, n in self.counts.items() if CYRILLIC_WORD.fullmatch(form)}
        )
        return checker

    def _variant(self, form: str) -> Variant | None:
        """The canonical spelling of a lower-case form, if it is a variant of one."""
        if pinned := self.overrides.pinned.get(form):
            return self._pinned(form, pinned)
        if not MIN_LENGTH <= len(form) <= MAX_WORD_LETTERS or not CYRILLIC_WORD.fullmatch(form):
            return None  # a longer one would cost the square of its length, and is no word
        if self.lexicon.is_word(form):
            return None
        return self._variant_of_corpus_form(form) or self._variant_of_stem(form)

    def _pinned(self, form: str, canonical: str) -> Variant:
        return Variant(
            form,
            canonical,
            "pinned",
            self.counts.get(form, 0),
            self.counts.get(canonical, 0),
            self.lexicon.is_word(canonical),
            1.0,
        )

    def _variant_of_corpus_form(self, form: str, count: int = 0) -> Variant | None:
        """`count`: the corpus uses the form stands for (a stem: those of its inflected form)."""
        count = count or self.counts.get(form, 0)
        if not count:
            return None  # not a form of this corpus: no cluster to belong to
        scored = sorted(self._neighbours(form, count), key=lambda item: (-item[0], item[1]))
        if not scored:
            return None
        odds, canonical, edit = scored[0]
        rivals = tuple((other, self.counts[other]) for _, other, _ in scored[1 : 1 + MAX_RIVALS])
        features = self.merge_features(form, count, canonical, edit, rivals)
        if self.model is not None:
            confidence = self.model.right(features)
        else:
            # the form as written and each neighbour share the probability by their odds: a
            # rival of the same standing halves it (the corpus does not say which word it is)
            confidence = odds / (1.0 + sum(other_odds for other_odds, _, _ in scored))
        return Variant(
            form,
            canonical,
            edit,
            count,
            self.counts[canonical],
            self.lexicon.is_word(canonical),
            round(confidence, 3),
            rivals,
            features=features,
            modelled=self.model is not None,
        )

    def merge_features(
        self,
        form: str,
        count: int,
        canonical: str,
        edit: str,
        rivals: tuple[tuple[str, int], ...],
        stem: bool = False,
    ) -> dict[str, float]:
        """What the merge model weighs about merging `form` into `canonical` (MERGE_FEATURES)."""
        valid = self.lexicon.is_word(canonical)
        log_count, log_canonical = math.log1p(count), math.log1p(self.counts[canonical])
        return {
            "log_count": log_count,
            "log_canonical": log_canonical,
            "canonical_valid": float(valid),
            "unknown_log_count": 0.0 if valid else log_count,
            "unknown_log_canonical": 0.0 if valid else log_canonical,
            "form_attested": float(count >= self.lexicon.attested_min_count),
            "length_edit": float(edit[0] in "+-"),
            "canonical_name": float(self._name(canonical)),
            "form_name": float(self.counts.get(form, 0) > 0 and self._name(form)),
            "rivals": float(len(rivals)),
            "rival_valid": float(any(self.lexicon.is_word(other) for other, _ in rivals)),
            "rival_log_count": math.log1p(max((n for _, n in rivals), default=0)),
            "stem": float(stem),
        }

    def _neighbours(self, form: str, count: int) -> Iterator[tuple[float, str, str]]:
        """The corpus forms one allowed edit from `form` that could be its spelling, each with
        the odds that it is."""
        # the corpus forms among the edits: a set intersection, as SpellChecker.known is for
        # these forms (lower-case Cyrillic words) but word by word in Python
        dictionary = self.checker.word_frequency.dictionary
        for other in dictionary.keys() & self.checker.edit_distance_1(form):
            if other == form or (form, other) in self.overrides.forbidden:
                continue
            described = describe_edit(form, other)
            if described is None:
                continue
            edit, where = described
            if where == 0 or where >= min(len(form), len(other)) - KEPT_END:
                continue
            if not self._allowed(edit, where, form, other):
                continue
            valid = self.lexicon.is_word(other)
            odds = (VALID_ODDS if valid else ATTESTED_ODDS) * self.counts[other] / count
            if not valid and self.counts[other] < self.lexicon.attested_min_count:
                continue  # neither known nor established: no standard to follow
            if edit[0] in "+-":
                odds *= LENGTH_EDIT_ODDS
            yield odds, other, edit

    def _allowed(self, edit: str, where: int, form: str, other: str) -> bool:
        """A swapped letter must be one OCR or typists confuse; a name (the corpus writes the
        canonical form with a capital) differs only in such a letter or a doubled one."""
        if ">" in edit:
            return (edit[0], edit[2]) in self.confusable
        if not self._name(other):
            return True
        longer = other if edit[0] == "+" else form
        return edit[0] in "+-" and doubled(longer, where)

    def _name(self, form: str) -> bool:
        return 2 * self.lexicon.capitalised[form] > self.counts[form]

    def _variant_of_stem(self, form: str) -> Variant | None:
        """`хрушевтің`: a stem with a suffix chain, the stem a variant of a corpus form
        (хрушев of хрущев) or pinned."""
        analyser = self.lexicon.analyser
        count = self.counts.get(form, 0)
        for cut in range(len(form) - 1, MIN_STEM - 1, -1):
            stem, tail = form[:cut], form[cut:]
            if not analyser.chain(tail) or self.lexicon.is_word(stem):
                continue
            if pinned := self.overrides.pinned.get(stem):
                found: Variant | None = self._pinned(stem, pinned)
            else:
                found = self._variant_of_corpus_form(stem, count)
            if found is None:
                continue
            canonical = found.canonical + tail
            if found.valid and not self.lexicon.is_word(canonical):
                continue
            features = found.features
            confidence = found.confidence
            if features:  # the stem's own, as an inflected form's
                features = {**features, "stem": 1.0}
                if self.model is not None:
                    confidence = round(self.model.right(features), 3)
            return Variant(
                form,
                canonical,
                found.edit,
                count,
                self.counts.get(canonical, 0),
                found.valid,
                confidence,
                found.rivals,
                stem,
                features,
                found.modelled,
            )
        return None

    def clusters(self) -> dict[str, list[Variant]]:
        """Every corpus form that is a variant, by canonical form (the `tazala variants`
        listing), most used canonical forms first."""
        found: dict[str, list[Variant]] = {}
        for form in sorted(self.counts):
            if variant := self.variant(form):
                found.setdefault(variant.canonical, []).append(variant)
        return dict(
            sorted(found.items(), key=lambda item: (-sum(v.count for v in item[1]), item[0]))
        )


def doubled(word: str, i: int) -> bool:
    """Whether the letter at `i` doubles a neighbour (коммунизм, Аннаев)."""
    return word[i] in (word[i - 1 : i] + word[i + 1 : i + 2])


def confusable_letters(confusions: tuple) -> frozenset[tuple[str, str]]:
    """Letter pairs the confusion table says are read for each other, both ways round."""
    pairs = set()
    for confusion in confusions:
        observed, intended = confusion.observed, confusion.intended
        if len(observed) == 1 and len(intended) == 1 and observed.isalpha():
            pairs |= {(observed, intended), (intended, observed)}
    return frozenset(pairs)

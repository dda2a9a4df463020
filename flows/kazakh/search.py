"""The analyser's search, fast: the same readings as `Analyser._readings`, in the same order.

The reference search (flows/kazakh/morphology.py) asks, at every split of a word and for every
suffix form ending there, what the grammar says of that suffix: may it follow the outer one,
does its sound fit, its onset, its harmony, may it stand on the stem. Those answers depend on
the suffixes and the kind of sound before, never on the word, so this search asks them once
per grammar:
- per outer suffix, the suffixes of each form that may follow it, in the grammar's order;
- per suffix, the kinds of sound it may follow (its `sound` column and its onset together),
  and what it asks of a bare stem;
- per rest of the word, its kind and harmony once, not once per suffix.
It builds lists instead of chaining generators (a reading deep in a word was handed up
through every level). The reference stays; tests/test_search.py holds the two to the same
readings on 100,000+ forms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.kazakh.morphology import (
    ELIDING,
    KIND_OF,
    KINDS,
    MAX_SUFFIXES,
    RARE_ON_UNKNOWN_VERBS,
    STUTTER,
    TRUE_VOWELS,
    VOICING,
    Suffix,
    harmony_of,
    kind_of,
    onset_fits,
)

if TYPE_CHECKING:
    from flows.kazakh.morphology import Analyser

# (stem, source, suffix forms, tags): a reading, its suffixes from the stem out
Found = tuple[str, str, tuple[str, ...], tuple[str, ...]]
NO_OUTER = -1
# what a suffix asks of the bare stem it stands on (`Analyser._may_stand_on`): any stem, none,
# one known as a verb, or one known as a verb or not known as a noun
ANY_STEM, NO_STEM, VERB_STEM, LIKELY_VERB_STEM = range(4)


class ReadingSearch:
    """The tables of one analyser's grammar and the search over them."""

    def __init__(self, analyser: Analyser) -> None:
        self.analyser = analyser
        self.stems = analyser.stems
        self.accept = analyser.accept
        self.hints = analyser.hints
        self.longest = analyser.longest
        suffixes = analyser.grammar.suffixes
        self.suffixes = suffixes
        self.index = {id(suffix): i for i, suffix in enumerate(suffixes)}
        # a form that is no suffix and no suffix' ending: the search stops there
        self.goes_on = frozenset(analyser.by_form) | analyser.endings
        # outer suffix (or NO_OUTER) -> form -> the suffixes of that form that may follow it;
        # each outer's table is made when first needed (a one-line `tazala clean` needs few)
        self.following: dict[int, dict[str, tuple[tuple[int, Suffix], ...]]] = {}
        onsets = analyser.grammar.onsets
        self.kinds_fit = [suffix_kinds(s, onsets) for s in suffixes]
        self.stutter = [s.category in STUTTER for s in suffixes]
        self.checks_harmony = [bool(s.harmonic and s.harmony) for s in suffixes]
        self.on_stem = [stem_rule(s) for s in suffixes]

    def readings(self, word: str) -> list[Found]:
        """Every reading of `word` (lower case), as `Analyser._readings(word, None, (), ())`."""
        found: list[Found] = []
        if len(word) >= 2 and word in self.stems and self.accept(word):
            found.append((word, self.stems[word], (), ()))
        self._strip(word, NO_OUTER, 0, found)
        return found

    def _following(self, o: int) -> dict[str, tuple[tuple[int, Suffix], ...]]:
        outer = self.suffixes[o] if o != NO_OUTER else None
        table = {}
        for form, here in self.analyser.by_form.items():
            allowed = tuple(
                (self.index[id(s)], s) for s in here if outer is None or outer.may_follow(s)
            )
            if allowed:
                table[form] = allowed
        self.following[o] = table
        return table

    def _strip(self, word: str, o: int, depth: int, found: list[Found]) -> None:
        """The readings that end in a suffix under outer suffix `o`, shortest suffix first
        (the longest stem wins), added to `found`."""
        following = self.following.get(o)
        if following is None:
            following = self._following(o)
        goes_on = self.goes_on
        stems = self.stems
        for length in range(1, min(self.longest, len(word) - 2) + 1):
            form = word[-length:]
            if form not in goes_on:
                break
            here = following.get(form)
            if not here:
                continue
            rest = word[:-length]
            last = rest[-1]
            kind = kind_of(rest) if last in "ьъ" else KIND_OF.get(last)
            before: str | None | bool = False  # rest's harmony, found when first needed
            for i, suffix in here:
                if kind not in self.kinds_fit[i]:
                    continue
                if self.checks_harmony[i]:
                    if before is False:
                        before = None if rest + "ь" in stems else harmony_of(rest)
                    if (
                        before
                        and before != suffix.harmony
                        and not self.analyser._elided_fits(rest, suffix)
                    ):
                        continue
                if self.stutter[i] and rest.endswith(form):
                    continue
                inner: list[Found] = self._stems(rest, suffix, i)
                if depth + 1 < MAX_SUFFIXES:
                    self._strip(rest, i, depth + 1, inner)
                tag = suffix.tag
                for stem, source, forms, tags in inner:
                    found.append((stem, source, (*forms, form), (*tags, tag)))

    def _stems(self, word: str, outer: Suffix, o: int) -> list[Found]:
        """The readings of `word` (two letters or more) as a bare stem under `outer`: the
        candidates of `Analyser._stem_candidates`, in its order."""
        stems = self.stems
        candidates = []
        if word in stems:
            candidates.append(word)
        last = word[-1]
        if outer.form[0] in TRUE_VOWELS:
            if last in VOICING and (stem := word[:-1] + VOICING[last]) in stems:
                candidates.append(stem)
            if (
                last in ELIDING
                and kind_of(word[-2]) not in (None, "vowel")
                and sum(ch in TRUE_VOWELS for ch in word) < 2
            ):
                harmony = outer.harmony or harmony_of(word)
                stem = word[:-1] + ("ы" if harmony == "back" else "і") + last
                if stem in stems:
                    candidates.append(stem)
        if KIND_OF.get(last) != "vowel":
            for stem in (word + "ь", word + last):
                if stem in stems:
                    candidates.append(stem)
        if outer.form[0] == "у" and outer.category == "noun":
            for narrow in "ыі":
                if (stem := word + narrow) in stems:
                    candidates.append(stem)
        if not candidates:
            return []
        shortest, rule = self.on_stem[o]
        found: list[Found] = []
        for stem in candidates:
            if len(stem) >= shortest and self.accept(stem) and self._stands(rule, stem):
                found.append((stem, stems[stem], (), ()))
        return found

    def _stands(self, rule: int, stem: str) -> bool:
        if rule == ANY_STEM:
            return True
        if rule == NO_STEM:
            return False
        hints = self.hints(stem)
        if "verb" in hints:
            return True
        return rule == LIKELY_VERB_STEM and "noun" not in hints


def stem_rule(suffix: Suffix) -> tuple[int, int]:
    """`Analyser._may_stand_on` as far as it depends on the suffix alone: the shortest stem
    and what the stem must be known as."""
    # a voice suffix of one consonant needs more than a two-letter root (тара-н, not же-н)
    shortest = 3 if suffix.category == "voice" and len(suffix.form) == 1 else 0
    if suffix.may_follow_stem(False):
        return shortest, ANY_STEM
    if "verb-stem" not in suffix.after:
        return shortest, NO_STEM
    trusted = (
        len(suffix.form) > 1
        and suffix.category != "voice"
        and suffix.tag not in RARE_ON_UNKNOWN_VERBS
    )
    return shortest, LIKELY_VERB_STEM if trusted else VERB_STEM


def suffix_kinds(suffix: Suffix, onsets: dict) -> frozenset[str | None]:
    """The kinds of sound (None: no letter decides) a suffix may follow: its sound column and
    its onset's assimilation (`Analyser._fits` less harmony)."""
    fit = set()
    for kind in (*KINDS, None):
        if suffix.sound == "vowel" and kind != "vowel":
            continue
        if suffix.sound == "consonant" and kind == "vowel":
            continue
        if suffix.onset and not onset_fits(suffix.form[0], suffix.onset, kind, onsets):
            continue
        fit.add(kind)
    return frozenset(fit)

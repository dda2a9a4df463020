"""Candidate words for an OCR-damaged form, through the confusions of `rules/kk/confusions.tsv`.

Blind edit distance is the wrong search: a Kazakh word that went through a Russian OCR model
has lost several letters at once (тұрғындарының -> тургындарынын: four), and edit distance 4
reaches millions of strings. The losses are few and known, so the search runs the other way.
A confusion-aware index files each Kazakh stem and suffix form under a key that the letter
confusions do not change (every letter replaced by one representative of the letters OCR
confuses it with: қ and к by к). A damaged word is then analysed as the lexicon analyses
words, suffix by suffix from the end, each piece looked up by its key and kept if OCR could
have written it for that stem or suffix: every way through gives one candidate, which the real
lexicon then checks (harmony, assimilation, what may follow what). Signs read for letters
(`!` for і), sequences (`ьі` for ы), classic swaps (с/е) and dropped narrow vowels are tried as
edits of the observed form first, a bounded few.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from flows.kazakh.lexicon import VOWEL_LETTERS, Lexicon
from flows.kazakh.morphology import MAX_SUFFIXES, TRUE_VOWELS, Suffix
from flows.kazakh.tables import LazyTable, bucketed, cached_table, table_key
from flows.rules import read_table

KINDS = ("lost", "kazakh", "symbol", "sequence", "swap", "dropped", "doubled")
AGAIN = "+"  # the intended column of a doubled letter read once: the letter before, again
# a vowel, or the glide й (айт-ты), before the consonant a suffix doubles
BEFORE_DOUBLING = VOWEL_LETTERS | {"й"}
# the consonants written double: where a suffix starts with the stem's last one (болған-нан,
# әрекет-тер, мемлекет-тік, қазақ-қа, ел-ге not) and in Russian loans (прогресс, аппарат)
DOUBLING = frozenset("нтлсрмкқп")
LETTER_KINDS = ("lost", "kazakh")  # one letter for one letter: searched through the index
MAX_CANDIDATES = 200
MAX_KEPT_SPELLINGS = 100_000  # suffix spellings judged and kept (`_written_as`)


@dataclass(frozen=True)
class Confusion:
    observed: str  # "" for a dropped letter
    intended: str
    cost: float
    kind: str

    def __str__(self) -> str:
        return f"{self.observed or '_'}>{self.intended}"


def read_confusions(path: Path) -> tuple[Confusion, ...]:
    def check(row: list[str]) -> str | None:
        observed, intended, cost, kind = row[:4]
        try:
            value = float(cost)
        except ValueError:
            return f"cost {cost!r} is not a number"
        if not value > 0:
            return "cost must be above 0"
        if kind not in KINDS:
            return f"kind {kind!r} must be one of {', '.join(KINDS)}"
        if observed == intended:
            return "observed and intended are the same"
        if kind in LETTER_KINDS and (len(observed) != 1 or len(intended) != 1):
            return f"a {kind} confusion is one letter for one letter"
        if kind == "dropped" and observed != "_":
            return "a dropped letter is written _ in the observed column"
        if kind == "doubled" and (observed, intended) != ("_", AGAIN):
            return f"a doubled letter read once is written _ and {AGAIN}"
        if kind != "doubled" and intended == AGAIN:
            return f"{AGAIN} in the intended column is for a doubled letter only"
        return None

    return tuple(
        Confusion("" if row[0] == "_" else row[0], row[1], float(row[2]), row[3])
        for row in read_table(path, 4, check)
    )


@dataclass(frozen=True)
class Candidate:
    word: str  # lower case
    cost: float
    edits: tuple[Confusion, ...]


class CandidateIndex:
    """The lexicon's stems and suffixes filed under a key that OCR's letter confusions do
    not change, and the search over them."""

    def __init__(self, lexicon: Lexicon, confusions: tuple[Confusion, ...]) -> None:
        self.lexicon = lexicon
        self.analyser = lexicon.native
        self.letters: dict[tuple[str, str], Confusion] = {}  # (observed, intended) -> it
        self.edits = [c for c in confusions if c.kind not in LETTER_KINDS]
        for c in confusions:
            if c.kind in LETTER_KINDS:
                self.letters[(c.observed, c.intended)] = c
        self.fold = str.maketrans(letter_classes(self.letters))
        # every listed stem, accepted or not: a candidate is checked by the lexicon anyway,
        # and judging 54,000 stems up front would double the start-up of `tazala clean`
        self.stems, self.longest_listed = stems_by_key(self.analyser.stems, self.fold)
        self.suffixes: dict[str, list[Suffix]] = {}
        for suffix in self.analyser.grammar.suffixes:
            self.suffixes.setdefault(suffix.form.translate(self.fold), []).append(suffix)
        self.lengths = sorted({len(key) for key in self.suffixes})
        # (part of a word, suffix form) -> could OCR have written the one for the other; the
        # parts are spellings of suffix forms through the confusions, a bounded few
        self._reached: dict[tuple[str, str], bool] = {}
        # every ending of a suffix key: a rest whose key ends in none of them ends in no suffix
        # of that length or longer, and the search stops there (as the analyser's does)
        self.key_endings = frozenset(
            key[-k:] for key in self.suffixes for k in range(1, len(key) + 1)
        )

    def reachable(self, observed: str, intended: str) -> bool:
        """Could OCR have written `observed` for `intended`, letter by letter?"""
        return observed == intended or all(
            o == i or (o, i) in self.letters for o, i in zip(observed, intended, strict=True)
        )

    def _written_as(self, part: str, suffix: Suffix) -> bool:
        """`reachable(part, suffix.form)`, kept: the search asks it of the same few
        suffix spellings for every word."""
        key = (part, suffix.form)
        answer = self._reached.get(key)
        if answer is None:
            if len(self._reached) >= MAX_KEPT_SPELLINGS:
                self._reached.clear()
            answer = self._reached[key] = self.reachable(part, suffix.form)
        return answer

    def candidates(self, word: str) -> list[Candidate]:
        """Valid words `word` (lower case) may be, cheapest first: first through signs and
        sequences and lost letters; only if none, also one swap, one dropped vowel or one doubled
        consonant read once, in a
        form no longer than the longest of the kk list.

        A longer form is most often words glued together (a line the OCR ran together), and
        one edit makes no word of those; the deep pass tries some 16 edits of it, each
        restored and analysed, which made glued text run at half the speed of prose."""
        found: dict[str, Candidate] = {}
        for variant, cost, edits in self.variants(word, deep=False):
            self.add(found, word, variant, cost, edits)
        if not found and len(word) <= self.longest_listed:
            for variant, cost, edits in self.variants(word, deep=True):
                self.add(found, word, variant, cost, edits)
        return sorted(found.values(), key=lambda c: (c.cost, c.word))

    def add(
        self, found: dict[str, Candidate], word: str, variant: str, cost: float, edits: tuple
    ) -> None:
        restored = self.restore(variant)
        if variant != word and self.lexicon.is_word(variant):
            restored.append(variant)  # механизм!н: the sign alone was the damage
        for candidate in restored:
            extra, changes = self.letter_cost(variant, candidate)
            total = cost + extra
            if candidate not in found or total < found[candidate].cost:
                found[candidate] = Candidate(candidate, total, edits + changes)

    def restore(self, observed: str) -> list[str]:
        """Valid words that `observed` is with letters confused (same length)."""
        spelled: set[str] = set()
        self._restore(observed, observed.translate(self.fold), None, "", 0, spelled)
        # the first MAX_CANDIDATES valid ones: the words after them need no lookup
        valid = (w for w in sorted(spelled) if w != observed and self.lexicon.is_word(w))
        return list(islice(valid, MAX_CANDIDATES))

    def _restore(
        self, rest: str, key: str, outer: Suffix | None, tail: str, depth: int, out: set[str]
    ) -> None:
        """Strip suffixes from the end as the analyser does, each piece found by its key and
        kept if OCR could have written it; `key` is `rest` folded."""
        if len(out) >= MAX_CANDIDATES * 4:
            return
        for surface in self.stems.get(key, ()):
            if self.reachable(rest, surface):
                out.add(surface + tail)
        stems = self.lexicon.analyser.stems
        if rest in stems or (tail and (rest + "ь" in stems or rest + rest[-1:] in stems)):
            out.add(rest + tail)  # a stem without Kazakh letters, a loan (модел-і, клас-ы)
        if depth >= MAX_SUFFIXES:
            return
        for length in self.lengths:
            if length > len(rest) - 2:
                break
            ending = key[-length:]
            if ending not in self.key_endings:
                break
            part = rest[-length:]
            for suffix in self.suffixes.get(ending, ()):
                if (outer is None or outer.may_follow(suffix)) and self._written_as(part, suffix):
                    self._restore(
                        rest[:-length],
                        key[:-length],
                        suffix,
                        suffix.form + tail,
                        depth + 1,
                        out,
                    )

    def doubling_places(self, text: str) -> Iterator[int]:
        """Where a consonant read once may have been written twice: where a suffix starts
        with the stem's last consonant (болған-нан, әрекет-тері, мемлекет-тік: the suffix as
        OCR may have read it), or at the word's end (прогресс); after a vowel, so that no
        three consonants stand together (аспектілерді, сепаратистік)."""
        for i in range(2, len(text) + 1):
            before = text[i - 1]
            if before not in DOUBLING or text[i - 2] not in BEFORE_DOUBLING:
                continue
            if text[i : i + 1] == before:
                continue
            rest = (before + text[i : i + self.lengths[-1]]).translate(self.fold)
            # a suffix of one consonant (-н, -м) would let every consonant double
            if i == len(text) or any(rest[:n] in self.suffixes for n in self.lengths if n > 1):
                yield i

    def letter_cost(self, observed: str, word: str) -> tuple[float, tuple[Confusion, ...]]:
        cost, changes = 0.0, []
        for seen, meant in zip(observed, word, strict=True):
            if seen != meant:
                confusion = self.letters[(seen, meant)]
                cost += confusion.cost
                changes.append(confusion)
        return cost, tuple(changes)

    def variants(self, word: str, deep: bool) -> Iterator[tuple[str, float, tuple[Confusion, ...]]]:
        """Edits of the observed form before the lost letters are restored: every sign and
        sequence is tried both ways; with `deep`, also one swap or one dropped vowel."""
        base: list[tuple[str, float, tuple[Confusion, ...]]] = [(word, 0.0, ())]
        for edit in self.edits:
            if edit.kind not in ("symbol", "sequence"):
                continue
            grown = []
            for text, cost, edits in base:
                if edit.observed in text:
                    replaced = text.replace(edit.observed, edit.intended)
                    n = text.count(edit.observed)
                    grown.append((replaced, cost + n * edit.cost, edits + (edit,) * n))
            base += grown
        for text, cost, edits in base:
            if not deep:
                yield text, cost, edits
                continue
            for edit in self.edits:
                if edit.kind == "swap":
                    for i in find_all(text, edit.observed):
                        changed = text[:i] + edit.intended + text[i + len(edit.observed) :]
                        yield changed, cost + edit.cost, edits + (edit,)
                elif edit.kind == "doubled":
                    for i in self.doubling_places(text):
                        changed = text[:i] + text[i - 1] + text[i:]
                        yield changed, cost + edit.cost, edits + (edit,)
                elif edit.kind == "dropped":
                    for i in range(1, len(text)):
                        if text[i - 1] not in TRUE_VOWELS and text[i] not in TRUE_VOWELS:
                            changed = text[:i] + edit.intended + text[i:]
                            yield changed, cost + edit.cost, edits + (edit,)


def find_all(text: str, part: str) -> Iterator[int]:
    start = text.find(part)
    while start >= 0:
        yield start
        start = text.find(part, start + 1)


def letter_classes(letters: dict[tuple[str, str], Confusion]) -> dict[str, str]:
    """Each letter -> one letter standing for all the letters OCR confuses it with, directly
    or through others (к қ -> к; а ә е э о ө -> а): the key under which a stem is filed."""
    parent: dict[str, str] = {}

    def root(ch: str) -> str:
        while parent.get(ch, ch) != ch:
            ch = parent[ch]
        return ch

    for observed, intended in letters:
        a, b = root(observed), root(intended)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {ch: root(ch) for ch in parent}


def stems_by_key(
    stems: Mapping[str, str], fold: dict[int, str]
) -> tuple[Mapping[str, list[str]], int]:
    """The stems filed by key, and the longest word form of the installed kk list (22 letters:
    the deep pass stops there). Cached on disk beside the lexicon's cached stem table (a quarter
    of a second to build, as long as cleaning a few hundred kilobytes)."""
    if not (lexicon_key := getattr(stems, "key", "")):
        return file_stems(stems, fold)

    def build() -> tuple[dict[str, bytes], int]:
        filed, longest = file_stems(stems, fold)
        return bucketed(filed), longest

    key = table_key("candidate-stems", lexicon_key, repr(sorted(fold.items())))
    buckets, longest = cached_table("candidate-stems", key, build)
    return LazyTable(buckets, key), longest


def file_stems(stems: Mapping[str, str], fold: dict[int, str]) -> tuple[dict[str, list[str]], int]:
    filed: dict[str, list[str]] = {}
    for stem in sorted(stems):
        for surface in surface_forms(stem):
            filed.setdefault(surface.translate(fold), []).append(surface)
    longest = max((len(stem) for stem, source in stems.items() if source == "kk"), default=0)
    return filed, longest


def surface_forms(stem: str) -> list[str]:
    """The stem as written, and before a vowel with its final п/к/қ voiced (кітаб-ы)."""
    voiced = {"п": "б", "к": "г", "қ": "ғ"}.get(stem[-1])
    return [stem, stem[:-1] + voiced] if voiced else [stem]

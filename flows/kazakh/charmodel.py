"""A character bigram model of Kazakh and Russian words: how Kazakh-or-Russian a text looks.

It decides between readings of the same bytes (which code page?) and between a text and its
repair (is this mojibake?): the reading with the higher score is the more plausible one. It is
trained on the hunspell kk_KZ and ru_RU stems (Kazakh weighted up so that its letters are not
drowned by the larger Russian list) and cached on disk, since training takes ~0.5 s.

A text's score is a sum of log-probabilities:
- letters of the model's alphabet, word by word: P(letter | previous letter), with word start
  and end as letters of their own;
- ASCII Latin letters: a flat cost (English words and Roman numerals are normal in a corpus
  and read the same in every code page);
- any other letter (Ј Ќ Ђ é Ð …): a foreign-letter cost, and any symbol that ordinary text
  rarely has (‡ ‰ µ ± box drawing, controls): a symbol cost. Both are what mojibake is made of.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property

from flows.kazakh.dictionaries import dictionary_stems, resources_identity
from flows.kazakh.tables import cache_folder

MODEL_VERSION = 3
KAZAKH_WEIGHT = 3  # the kk list is about a third of the ru list
SMOOTHING = 0.05
LATIN_COST = -2.5
FOREIGN_COST = -9.0
SYMBOL_COST = -9.0
# Symbols that ordinary Kazakh and Russian text does use; everything else of categories
# S* and C* costs SYMBOL_COST.
ORDINARY_SYMBOLS = set("«»„“”‘’\"'–—-…№°%§&@#*+=/\\|<>()[]{}.,;:!?_~^`$\t\n\r ")
# Inside a word, a capital after a small letter ("нЙТ") is what a wrong code page makes.
CASE_COST = -4.0


MEMO_PIECE_LENGTH = 64  # a word and its space; longer pieces are scored, not remembered
MEMO_PIECES = 200_000


@dataclass(frozen=True)
class CharModel:
    pairs: dict[str, float]  # "ab" -> log P(b | a); "^" starts a word, "$" ends it
    unigrams: dict[str, float]  # log P(letter), for a letter after a foreign one
    unseen: float  # log P of a pair never seen in training
    # scored pieces: (piece, state) -> (score, state after); not part of the model's value
    _pieces: dict = field(default_factory=dict, compare=False, repr=False)
    # the pieces inside a text, by their word (the piece without its space), one dict for
    # each case of the letter before: word -> (score, was_lower after)
    _words: tuple[dict, dict] = field(default_factory=lambda: ({}, {}), compare=False, repr=False)

    def score(self, text: str) -> float:
        """Log-probability of the text's letters and symbols (higher: more plausible).

        The score is a walk over the characters whose state is reset at every space, so a
        text is scored piece by piece, each piece a word with the space after it, and a
        piece's part is remembered: text repeats its words (a long garbled file most of all),
        and the model scores every line of every candidate repair. `score_plain` is the
        reference walk; both give the same score (up to the order of the additions)."""
        if " " not in self.unigrams:  # (always: the alphabet is letters)
            return self._score_by_words(text)
        return self.score_by_pieces(text)

    def score_by_pieces(self, text: str) -> float:
        """`score` one piece after the other (the reference of `_score_by_words`, which must
        give the very same float)."""
        total, previous, was_lower = 0.0, "", False
        start, memo = 0, self._pieces
        while start < len(text):
            end = text.find(" ", start) + 1 or len(text)
            piece = text[start:end]
            key = (piece, previous, was_lower)
            if (known := memo.get(key)) is None:
                known = self._walk(piece, previous, was_lower)
                if len(piece) <= MEMO_PIECE_LENGTH:
                    if len(memo) >= MEMO_PIECES:
                        memo.clear()  # bounded: start again rather than track what is oldest
                    memo[key] = known
            part, previous, was_lower = known
            total += part
            start = end
        if previous and previous != "^":
            total += self.pairs.get(previous + "$", self.unseen)
        return total

    def _score_by_words(self, text: str) -> float:
        """`score_by_pieces`, the same pieces added in the same order, split at C speed: a
        piece that ends in a space leaves the walk at a word start ("^"), so every piece but
        the first starts there and is known by its word and the case of the letter before."""
        return next(self.score_steps(text, len(text) + 1))[0]  # one step: the score only

    def score_steps(self, text: str, step: int) -> Iterator[tuple[float, bool]]:
        """`score(text)` as it goes: (the running total, False) after every `step` words in
        the text, then (the score, True). No letter or sign adds to a score (every part is a
        log-probability or a cost), so a running total is an upper bound of the score: a
        reading already below a rival's score can be left (flows/ingest.py)."""
        words = text.split(" ")
        total, previous, was_lower = 0.0, "", False
        if len(words) > 1:  # the first piece, from the text's start
            part, previous, was_lower = self._piece(words[0] + " ", previous, was_lower)
            total += part
            last = len(words) - 1  # the pieces between start at the word start "^"
            for start in range(1, last, step):
                stop = min(start + step, last)
                total, was_lower = self._add_words(words, start, stop, total, was_lower)
                if stop < last:
                    yield total, False
        if words[-1]:  # the last piece, when the text does not end in a space
            part, previous, was_lower = self._piece(words[-1], previous, was_lower)
            total += part
        if previous and previous != "^":
            total += self.pairs.get(previous + "$", self.unseen)
        yield total, True

    def _add_words(
        self, words: list[str], start: int, stop: int, total: float, was_lower: bool
    ) -> tuple[float, bool]:
        """The total after the pieces words[start:stop], each a word and its space."""
        memos = self._words
        for word in words[start:stop]:
            memo = memos[was_lower]
            if (known := memo.get(word)) is None:
                part, _, after = self._walk(word + " ", "^", was_lower)
                known = (part, after)
                if len(word) < MEMO_PIECE_LENGTH:
                    if len(memos[0]) + len(memos[1]) >= MEMO_PIECES:
                        memos[0].clear()  # bounded, as the pieces are
                        memos[1].clear()
                    memo[word] = known
            part, was_lower = known
            total += part
        return total, was_lower

    @cached_property  # the model's tables do not change once built
    def never_gains(self) -> bool:
        """Does every part of a score take from it (the premise of `score_steps`' bound)?"""
        return (
            " " not in self.unigrams
            and max(CASE_COST, LATIN_COST, FOREIGN_COST, SYMBOL_COST, self.unseen) <= 0
            and all(value <= 0 for value in self.pairs.values())
            and all(value <= 0 for value in self.unigrams.values())
        )

    def _piece(self, piece: str, previous: str, was_lower: bool) -> tuple[float, str, bool]:
        """One piece's part and the state after it, remembered as `score` does."""
        key = (piece, previous, was_lower)
        if (known := self._pieces.get(key)) is None:
            known = self._walk(piece, previous, was_lower)
            if len(piece) <= MEMO_PIECE_LENGTH:
                if len(self._pieces) >= MEMO_PIECES:
                    self._pieces.clear()
                self._pieces[key] = known
        return known

    def forget_pieces(self) -> None:
        self._pieces.clear()
        for memo in self._words:
            memo.clear()

    def score_plain(self, text: str) -> float:
        """The reference: one walk over the whole text."""
        total, previous, _ = self._walk(text, "", False)
        if previous and previous != "^":
            total += self.pairs.get(previous + "$", self.unseen)
        return total

    def _walk(self, text: str, previous: str, was_lower: bool) -> tuple[float, str, bool]:
        """The letters' log-probabilities from the state (`previous`, `was_lower`), and the
        state at the end (a word's end is scored when the next non-letter comes)."""
        # ё is written е in the hunspell lists; score it as е.
        lowered = text.lower().replace("ё", "е")
        if len(lowered) != len(text):  # a capital whose small form is two characters (İ)
            lowered = "".join(c if len(c.lower()) > 1 else c.lower() for c in text)
            lowered = lowered.replace("ё", "е")
        total = 0.0
        pairs, unigrams, unseen, others = self.pairs, self.unigrams, self.unseen, _OTHERS
        for original, ch in zip(text, lowered, strict=True):
            if ch in unigrams:
                if previous:
                    total += pairs.get(previous + ch, unseen)
                    if was_lower and original != ch:
                        total += CASE_COST
                else:
                    total += unigrams[ch]
                previous, was_lower = ch, original == ch
                continue
            if previous and previous != "^":
                total += pairs.get(previous + "$", unseen)
            if (other := others.get(ch)) is None:
                other = others[ch] = other_character(ch)
            previous = other[0]
            total += other[1]
        return total, previous, was_lower

    def is_plain(self, text: str) -> bool:
        """Only the model's letters, Latin letters, digits and ordinary punctuation: what a
        repair must produce (a "repair" to CJK or braille signs is a coincidence)."""
        return all(
            ch in self.unigrams or ch == "ё" or character_cost(ch) == 0.0 or ch.isascii()
            for ch in text.lower()
        )


# A character outside a model's alphabet: the state after it and its cost, looked up once
# per character (at most one entry per code point).
_OTHERS: dict[str, tuple[str, float]] = {}


def other_character(ch: str) -> tuple[str, float]:
    """What a character outside the alphabet does to the walk: a space, ordinary symbol or
    digit starts a word ("^"), anything else leaves no letter before the next ("")."""
    starts_word = ch.isspace() or ch in ORDINARY_SYMBOLS or ch.isdigit()
    return "^" if starts_word else "", character_cost(ch)


@cache
def character_cost(ch: str) -> float:
    """The cost of a character outside the model's alphabet."""
    if ch.isascii():
        return LATIN_COST if ch.isalpha() else 0.0
    if ch in ORDINARY_SYMBOLS or ch.isspace():
        return 0.0  # (digits other than ASCII 0-9, such as Devanagari ०, are not ordinary)
    category = unicodedata.category(ch)
    if category.startswith("L"):
        return FOREIGN_COST
    if category in ("Pd", "Pi", "Pf", "Ps", "Pe", "Zs"):
        return 0.0
    return SYMBOL_COST


def train(words: list[tuple[str, int]]) -> CharModel:
    """Bigram log-probabilities from (word, weight) pairs."""
    pairs: Counter[str] = Counter()
    letters: Counter[str] = Counter()
    for word, weight in words:
        chain = f"^{word}$"
        for a, b in zip(chain, chain[1:], strict=False):
            pairs[a + b] += weight
        for ch in word:
            letters[ch] += weight
    alphabet = sorted(letters)
    outgoing: Counter[str] = Counter()
    for pair, n in pairs.items():
        outgoing[pair[0]] += n
    size = len(alphabet) + 1
    log_pairs = {
        pair: math.log((n + SMOOTHING) / (outgoing[pair[0]] + SMOOTHING * size))
        for pair, n in pairs.items()
    }
    unseen = math.log(SMOOTHING / (max(outgoing.values()) + SMOOTHING * size))
    total = sum(letters.values())
    unigrams = {ch: math.log(n / total) for ch, n in letters.items()}
    return CharModel(log_pairs, unigrams, unseen)


KAZAKH_RUSSIAN = (("kk_KZ", KAZAKH_WEIGHT), ("ru_RU", 1))
# Languages whose ordinary letters (Ј Ќ Ѕ Є Ї Ґ Ў Ћ) look like Kazakh mojibake: a text they
# explain well is not garbled Kazakh.
OTHER_CYRILLIC = (("uk_UA", 1), ("be_BY", 1), ("mk_MK", 1), ("sr_RS_cyr", 1))


def training_words(languages: tuple[tuple[str, int], ...]) -> list[tuple[str, int]]:
    words = []
    for language, weight in languages:
        for stem in dictionary_stems(language):
            word = stem.lower()
            # Cyrillic words only: a few hunspell entries mix in Latin look-alikes (a, i).
            if word.isalpha() and all("\u0400" <= ch <= "\u04ff" for ch in word):
                words.append((word, weight))
    return words


def cached_model(name: str, languages: tuple[tuple[str, int], ...]) -> CharModel:
    """A trained model, from the on-disk cache when its sources are unchanged."""
    source = f"{MODEL_VERSION}|{resources_identity()}|{languages}"
    key = hashlib.sha256(source.encode()).hexdigest()[:16]
    path = cache_folder() / f"charmodel-{name}-{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return CharModel(data["pairs"], data["unigrams"], data["unseen"])
    except (OSError, ValueError, KeyError):
        pass
    model = train(training_words(languages))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(model.__dict__), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only home still works, only slower
    return model


@cache
def kazakh_model() -> CharModel:
    """Kazakh and Russian: what the corpus is written in."""
    return cached_model("kk-ru", KAZAKH_RUSSIAN)


@cache
def other_cyrillic_model() -> CharModel:
    """Ukrainian, Belarusian, Macedonian and Serbian: what a garbled-looking text may be."""
    return cached_model("other", OTHER_CYRILLIC)

"""A Kazakh suffix analyser: a word is a known stem plus a chain of suffixes.

The grammar is data: `rules/kk/suffixes.tsv` lists suffix templates with what may stand before
each (a stem, or a suffix of a given category), and `rules/kk/onsets.tsv` says which consonant
a suffix starts with after each kind of sound (consonant assimilation: жер-лер, ел-дер,
кітап-тар). Vowels and к/г vs қ/ғ follow the word before them (vowel harmony: бала-лар,
үй-лер). Analysis strips suffixes from the end, checking all three at each step, until a
known stem is left.

Stems change at the joint, and the analyser undoes it:
- voicing: a stem-final п/к/қ is written б/г/ғ before a vowel (кітап, кітаб-ы);
- elision: a narrow vowel between the last two consonants drops before a vowel (мойын,
  мойн-ы; көрік, көрк-і);
- verbs in -ы/-і drop it before -у (оқы, оқ-у);
- spelling: и is written for ый/ій and я for йа (оқы-йды = оқиды, той-ады = тояды).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice, product
from pathlib import Path
from typing import TYPE_CHECKING

from flows.kazakh.harmony import BACK_CONSONANTS, BACK_VOWELS, FRONT_CONSONANTS, FRONT_VOWELS
from flows.memo import WORD_TYPES, per_word_type
from flows.rules import RulesError, read_table

if TYPE_CHECKING:
    from flows.kazakh.search import ReadingSearch

# Harmonic archiphonemes: back letter, front letter.
HARMONIC = {"А": "ае", "Ы": "ыі", "Қ": "қк"}
KINDS = ("vowel", "sonorant", "lateral", "nasal", "sibilant", "voiceless")
TRUE_VOWELS = set("аәеоөұүыіэюяё")
KIND_OF = {
    **{ch: "vowel" for ch in TRUE_VOWELS},
    **{ch: "sonorant" for ch in "рйуи"},
    "л": "lateral",
    **{ch: "nasal" for ch in "мнң"},
    **{ch: "sibilant" for ch in "зж"},
    **{ch: "voiceless" for ch in "кқпстфхһцчшщбвгғд"},
}
# я of Russian loans sides with the back vowels, э and и (механизм-і) with the front ones
BACK, FRONT = set(BACK_VOWELS + "я"), set(FRONT_VOWELS + "эи")
DECIDING = {**{ch: "back" for ch in BACK}, **{ch: "front" for ch in FRONT}}
VOICING = {"б": "п", "г": "к", "ғ": "қ"}
CATEGORIES = (
    "derivation",
    "voice",
    "negation",
    "verb",
    "converb",
    "participle",
    "mood",
    "noun",
    "plural",
    "possessive",
    "case",
    "predicative",
    "person",
    "modal",
)
# Words that decline like nouns: what "nominal" stands for in the `after` column.
NOMINAL = ("stem", "derivation", "noun", "participle", "plural", "case.locative_adjective")
CONTEXTS = ("stem", "verb-stem", "nominal")
STUTTER = ("case", "plural")
# Stems that drop their last narrow vowel before a vowel end in one of these (мойын, мойн-ы;
# ауыз, ауз-ы; халық, халқ-ы; көрік, көрк-і; қауіп, қауп-і; қалып, қалп-ы), all of two
# syllables; туыс-ы or ауыл-ы keep it.
ELIDING = set("нзрлқкмп")

RARE_ON_UNKNOWN_VERBS = ("participle.intention", "mood.optative")
RESPELLED = frozenset("ияю")  # letters a word is also read respelled for (`respellings`)
MAX_SUFFIXES = 6


@dataclass(frozen=True)
class Suffix:
    form: str
    template: str
    tag: str  # category.name
    sound: str  # "vowel", "consonant" or "*": how the word before it must end
    after: frozenset[str]  # stem, categories and tags that may stand right before it
    onset: str | None  # the archiphoneme the form starts with, if any
    harmonic: bool
    # Derived once: every word analysis asks them of many suffixes.
    category: str = field(init=False)
    harmony: str | None = field(init=False)  # the side its letters take, if they take one

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", self.tag.split(".", 1)[0])
        side = harmony_of(self.form) or consonant_harmony(self.form)
        object.__setattr__(self, "harmony", side)

    def may_follow(self, inner: Suffix) -> bool:
        if inner.tag == self.tag:
            return False  # no suffix twice in a row (-ын-ын, -лар-лар)
        return inner.tag in self.after or inner.category in self.after

    def may_follow_stem(self, verb: bool) -> bool:
        return "stem" in self.after or (verb and "verb-stem" in self.after)


@dataclass(frozen=True)
class Analysis:
    """One reading of a word: its stem (and where the stem comes from) and its suffixes."""

    stem: str
    suffixes: tuple[str, ...]
    tags: tuple[str, ...]
    source: str = ""

    def __str__(self) -> str:
        parts = [self.stem] + [f"{s}({t})" for s, t in zip(self.suffixes, self.tags, strict=True)]
        return "+".join(parts)


@dataclass(frozen=True)
class Grammar:
    suffixes: tuple[Suffix, ...]
    onsets: Mapping[str, Mapping[str, str]]  # archiphoneme -> kind -> letter


def kind_of(text: str) -> str | None:
    """The kind of sound `text` ends in (a soft or hard sign speaks for the letter before)."""
    for ch in reversed(text):
        if ch not in "ьъ":
            return KIND_OF.get(ch)
    return None


def harmony_of(text: str) -> str | None:
    """ "back" or "front" by the last vowel that decides; None if none does. у before a
    consonant is the [u] of a Russian loan, which takes back suffixes (ресурс-тар,
    институт-қа); elsewhere у is a glide or the -у of a verbal noun (тау, кіру-ге)."""
    for i in range(len(text) - 1, -1, -1):
        ch = text[i]
        if ch in DECIDING:
            return DECIDING[ch]
        if ch == "у" and 0 < i < len(text) - 1 and loan_u(text[i - 1], text[i + 1]):
            return "back"
    return None


def loan_u(before: str, after: str) -> bool:
    """Is у between these letters the vowel [u] (between consonants), not a glide?"""
    return KIND_OF.get(before) not in (None, "vowel") and KIND_OF.get(after) not in (None, "vowel")


def harmonious(form: str) -> bool:
    back = any(ch in BACK or ch in BACK_CONSONANTS for ch in form)
    front = any(ch in FRONT or ch in FRONT_CONSONANTS for ch in form)
    return not (back and front)


def read_onsets(path: Path) -> dict[str, dict[str, str]]:
    def check(row: list[str]) -> str | None:
        if len(row[0]) != 1 or not row[0].isupper():
            return f"{row[0]!r}: an archiphoneme is one upper-case letter"
        if any(len(letter) != 1 or not letter.islower() for letter in row[1:7]):
            return "each kind of sound needs one lower-case letter"
        return None

    return {row[0]: dict(zip(KINDS, row[1:7], strict=True)) for row in read_table(path, 7, check)}


def read_grammar(folder: Path) -> Grammar:
    """Load `kk/onsets.tsv` and `kk/suffixes.tsv`; a bad line raises RulesError naming it."""
    onsets = read_onsets(folder / "kk" / "onsets.tsv")
    path = folder / "kk" / "suffixes.tsv"
    letters = set(HARMONIC) | set(onsets)
    suffixes: list[Suffix] = []

    def check(row: list[str]) -> str | None:
        template, tag, sound, after = row[:4]
        if not all(ch.islower() or ch in letters for ch in template):
            return f"{template!r}: upper-case letters must be one of {''.join(sorted(letters))}"
        if tag.split(".", 1)[0] not in CATEGORIES or "." not in tag:
            return f"tag {tag!r} must be category.name, category one of {', '.join(CATEGORIES)}"
        if sound not in ("vowel", "consonant", "*"):
            return f"sound must be vowel, consonant or *, not {sound!r}"
        for item in after.split(","):
            if item not in CONTEXTS and item.split(".", 1)[0] not in CATEGORIES:
                return f"after: {item!r} is none of {', '.join(CONTEXTS)}, a category or a tag"
        return None

    for row in read_table(path, 4, check):
        template, tag, sound, after = row[:4]
        allowed = set()
        for item in after.split(","):
            allowed |= set(NOMINAL) if item == "nominal" else {item}
        harmonic = is_harmonic(template)
        onset = template[0] if template[0] in onsets else None
        for form in expand(template, onsets):
            suffixes.append(Suffix(form, template, tag, sound, frozenset(allowed), onset, harmonic))
    if not suffixes:
        raise RulesError(f"{path}: no suffixes; the lexicon needs the suffix grammar")
    return Grammar(tuple(suffixes), onsets)


def expand(template: str, onsets: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The concrete forms of a template that keep harmony within themselves. An onset
    archiphoneme inside the template follows the letter before it (-ЛАрЫ -> -лары, -дары)."""
    options = []
    for ch in template:
        if ch in HARMONIC:
            options.append(HARMONIC[ch])
        elif ch in onsets:
            letters = "".join(sorted(set(onsets[ch].values())))
            options.append(letters + "".join(front_of(x) for x in letters if front_of(x)))
        else:
            options.append(ch)
    forms = []
    for letters in product(*options):
        form = "".join(letters)
        inner_ok = all(
            onset_fits(form[i], template[i], kind_of(form[:i]), onsets)
            for i in range(1, len(form))
            if template[i] in onsets
        )
        if inner_ok and (harmonious(form) or not is_harmonic(template)):
            forms.append(form)
    return forms


def is_harmonic(template: str) -> bool:
    """Does the suffix follow the word's harmony? Yes if it has a harmonic letter or no
    vowel of its own; a fixed vowel and no harmonic letter make it invariant (-мен, -нікі)."""
    return any(ch in HARMONIC or ch == "Ғ" for ch in template) or not any(
        ch in TRUE_VOWELS for ch in template
    )


def front_of(letter: str) -> str:
    return {"ғ": "г", "қ": "к"}.get(letter, "")


def onset_fits(letter: str, archiphoneme: str, kind: str | None, onsets: Mapping) -> bool:
    """Does a suffix onset `letter` fit after a sound of `kind` (None: no letter decides)?"""
    if kind is None:
        return True
    expected = onsets[archiphoneme][kind]
    return letter == expected or letter == front_of(expected)


class Analyser:
    """Readings of word forms over a stem list; every lookup is cached per word type."""

    def __init__(
        self,
        grammar: Grammar,
        stems: Mapping[str, str],
        accept: Callable[[str], bool] = lambda stem: True,
        hints: Callable[[str], frozenset[str]] = lambda stem: frozenset(),
    ) -> None:
        self.grammar = grammar
        self.stems = stems  # stem -> source ("kk", "curated", "ru")
        self.accept = accept  # a last say on a stem the list has (the lexicon's filters)
        self.hints = hints  # parts of speech a stem is known as: "verb", "noun" (оқы-ды, жыл-ды)
        self.by_form: dict[str, list[Suffix]] = {}
        for suffix in grammar.suffixes:
            self.by_form.setdefault(suffix.form, []).append(suffix)
        # every ending of a suffix form: a word whose last letters are none of them ends in
        # no suffix of that length or longer, and the search stops there
        self.endings = frozenset(form[-k:] for form in self.by_form for k in range(1, len(form)))
        self.longest = max(map(len, self.by_form))
        self.analyze = per_word_type(self._analyze, 2 * WORD_TYPES)
        self._search: ReadingSearch | None = None  # built on the first question

    def _analyze(self, word: str) -> tuple[Analysis, ...]:
        """Every reading of `word` (lower-cased), longest stem first; () if none. A word with
        и, я or ю inside is also read as spelled with ый/ій, йа, йу (оқиды = оқы-йды)."""
        if self._search is None:
            from flows.kazakh.search import ReadingSearch

            self._search = ReadingSearch(self)
        search = self._search.readings
        word = word.lower()
        found = search(word)
        if set(word[1:]) & RESPELLED:
            for spelled in respellings(word):
                found = found + search(spelled)
        # the same reading found twice is dropped as plain tuples: cheaper than as Analysis
        return tuple(
            Analysis(stem, forms, tags, source)
            for stem, source, forms, tags in dict.fromkeys(found)
        )

    def reference_analyze(self, word: str) -> tuple[Analysis, ...]:
        """What `analyze` answers, through the plain search below (flows/kazakh/search.py
        is the fast one; tests/test_search.py holds them to the same answers)."""
        word = word.lower()
        readings = list(self._readings(word, None, (), ()))
        if set(word[1:]) & RESPELLED:
            for spelled in respellings(word):
                readings += self._readings(spelled, None, (), ())
        return tuple(dict.fromkeys(readings))

    def is_word(self, word: str) -> bool:
        return bool(self.analyze(word))

    def chain(self, tail: str) -> tuple[Analysis, ...]:
        """Readings of `tail` as suffixes alone (the -ның of КСРО-ның), stem empty."""
        return tuple(r for r in self._readings(tail.lower(), None, (), (), bare=True))

    def _readings(
        self,
        word: str,
        outer: Suffix | None,
        suffixes: tuple[str, ...],
        tags: tuple[str, ...],
        bare: bool = False,
    ) -> Iterator[Analysis]:
        if bare:
            if not word and suffixes and outer is not None and outer.may_follow_stem(False):
                yield Analysis("", suffixes, tags)
        else:
            for stem in self._stem_candidates(word, outer):
                if self.accept(stem) and (outer is None or self._may_stand_on(outer, stem)):
                    yield Analysis(stem, suffixes, tags, self.stems[stem])
        if len(suffixes) >= MAX_SUFFIXES:
            return
        longest = min(self.longest, len(word) - (0 if bare else 2))
        for length in range(1, longest + 1):  # shortest suffix first: the longest stem wins
            form = word[-length:]
            suffixes_here = self.by_form.get(form)
            if not suffixes_here:
                if form not in self.endings:
                    break
                continue
            rest = word[:-length]
            kind = kind_of(rest)
            for suffix in suffixes_here:
                if outer is not None and not outer.may_follow(suffix):
                    continue
                if rest and not self._fits(rest, kind, suffix):
                    continue
                if suffix.category in STUTTER and rest.endswith(form):
                    continue  # бойынша-ша: a listed form does not take its own ending again
                yield from self._readings(
                    rest, suffix, (form, *suffixes), (suffix.tag, *tags), bare
                )

    def _may_stand_on(self, suffix: Suffix, stem: str) -> bool:
        """Can `suffix` follow the bare stem? A verb suffix needs a stem known as a verb, or
        a stem not known as a noun and a suffix that says "verb" by itself: two letters or
        more, common, no voice (семір-еді, нан-ба: the stem list lacks many verbs' forms).
        Voice and one-letter verb suffixes (-н, -п, -й) fit too many nouns' ends to be
        trusted on such a stem; and a voice suffix of one consonant needs more than a
        two-letter root (тара-н, not же-н)."""
        if suffix.category == "voice" and len(suffix.form) == 1 and len(stem) < 3:
            return False
        if suffix.may_follow_stem(False):
            return True
        if "verb-stem" not in suffix.after:
            return False
        hints = self.hints(stem)
        if "verb" in hints:
            return True
        return (
            "noun" not in hints
            and len(suffix.form) > 1
            and suffix.category != "voice"
            and suffix.tag not in RARE_ON_UNKNOWN_VERBS
        )

    def _fits(self, rest: str, kind: str | None, suffix: Suffix) -> bool:
        """Sound, assimilation and harmony of `suffix` after `rest` (which ends in a sound of
        `kind`)."""
        if suffix.sound == "vowel" and kind != "vowel":
            return False
        if suffix.sound == "consonant" and kind == "vowel":
            return False
        if suffix.onset and not onset_fits(suffix.form[0], suffix.onset, kind, self.grammar.onsets):
            return False
        if suffix.harmonic and suffix.harmony and rest + "ь" not in self.stems:
            before = harmony_of(rest)  # роль: ролі and рольге both, hence the ь above
            if before and before != suffix.harmony and not self._elided_fits(rest, suffix):
                return False
        return True

    def _elided_fits(self, rest: str, suffix: Suffix) -> bool:
        """A stem whose dropped narrow vowel decides the suffix' harmony (қауіп, қаупі)."""
        narrow = "і" if suffix.harmony == "front" else "ы"
        return (
            suffix.form[0] in TRUE_VOWELS
            and len(rest) >= 2
            and rest[-1] in ELIDING
            and rest[:-1] + narrow + rest[-1] in self.stems
        )

    def _stem_candidates(self, word: str, outer: Suffix | None) -> Iterator[str]:
        if len(word) < 2:
            return
        if word in self.stems:
            yield word
        if outer is None:
            return
        first = outer.form[0]
        if first in TRUE_VOWELS:
            if word[-1] in VOICING and (stem := word[:-1] + VOICING[word[-1]]) in self.stems:
                yield stem
            if (
                word[-1] in ELIDING
                and kind_of(word[-2]) not in (None, "vowel")
                and sum(ch in TRUE_VOWELS for ch in word) < 2
            ):
                # the dropped vowel is the stem's and decides the suffix' harmony, whatever
                # the vowels before it (қауіп, қаупі: а before, і dropped)
                harmony = outer.harmony or harmony_of(word)
                for narrow in "ы" if harmony == "back" else "і":
                    if (stem := word[:-1] + narrow + word[-1]) in self.stems:
                        yield stem
        if kind_of(word[-1]) != "vowel":
            # Russian loans lose a final soft sign and a double consonant before a suffix
            # (модель, модел-і; процесс, процес-ке)
            for stem in (word + "ь", word + word[-1]):
                if stem in self.stems:
                    yield stem
        if first == "у" and outer.category == "noun":
            for narrow in "ыі":
                if (stem := word + narrow) in self.stems:
                    yield stem


def consonant_harmony(form: str) -> str | None:
    if set(form) & set(BACK_CONSONANTS):
        return "back"
    if set(form) & set(FRONT_CONSONANTS):
        return "front"
    return None


# Respellings tried per word. Each и doubles or triples them (3^k for k of them), so a long
# word (тиітиі…, a glued line) would build millions: only the first ones, in the order of
# `product`, are ever made; a word needing more is read through these alone.
MAX_RESPELLINGS = 32


def respellings(word: str) -> list[str]:
    """The word with и read as ый/ій and я as йа, ю as йу (after the first letter): at most
    MAX_RESPELLINGS of them, made lazily."""
    options = [[word[0]]]
    for ch in word[1:]:
        if ch == "и":
            options.append(["и", "ый", "ій"])
        elif ch == "я":
            options.append(["я", "йа"])
        elif ch == "ю":
            options.append(["ю", "йу"])
        else:
            options.append([ch])
    spelled = ("".join(parts) for parts in islice(product(*options), 1, MAX_RESPELLINGS + 1))
    return [s for s in spelled if s != word]

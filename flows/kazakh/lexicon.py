"""The Kazakh lexicon: is this form a word, how is it built, how often does the corpus use it?

Every correction stands on these questions. A form is
- *valid*: a stem of the lexicon, or a stem plus a suffix chain the grammar allows
  (flows/kazakh/morphology.py), or a Russian word, or an abbreviation;
- *attested*: not valid, but the corpus uses it at least `attested_min_count` times (a name,
  a rare loan, or a recurring error: later stages weigh it below a valid form);
- *unknown*: neither.

Stems come from three places, each with its own doubts:
- the hunspell kk_KZ list (installed package), which was built from a corpus and carries its
  noise: fragments (лген, мемлекетт), and words that lost their Kazakh letters (жаксы for
  жақсы, орталык for орталық). A stem that breaks native phonotactics is dropped when the list
  also has the same stem with the Kazakh letters restored;
- `rules/kk/stems.tsv`, curated: function words and common stems the list lacks, each with a
  reason;
- Russian (hunspell ru_RU lemmas as loan stems, pyspellchecker's frequency list as whole words),
  except a Russian form that is a Kazakh word with its Kazakh letters lost (тур for тұр, казак
  for қазақ, жене for және): in Kazakh text such a form is far likelier an OCR error.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import compress, islice, product
from math import prod
from typing import Any
from weakref import WeakKeyDictionary

from flows.kazakh.dictionaries import (
    kazakh_stems,
    russian_counts,
    russian_declinable,
    russian_lemmas,
    russian_words,
)
from flows.kazakh.harmony import BACK_CONSONANTS, BACK_VOWELS, FRONT_CONSONANTS, FRONT_VOWELS
from flows.kazakh.morphology import TRUE_VOWELS, Analyser, Analysis, harmony_of
from flows.kazakh.tables import LazyTable, bucketed, cached_table, table_key
from flows.memo import WORD_TYPES, per_word_type
from flows.rules import Rules

# What an OCR model or keyboard trained for Russian writes for each Kazakh letter, read the
# other way: the Kazakh letters a Russian-looking letter may have been.
RESTORE = {
    "а": "ә",
    "е": "әө",
    "о": "ө",
    "у": "ұү",
    "к": "қ",
    "г": "ғ",
    "н": "ң",
    "и": "і",
    "х": "һ",
}
MAX_RESTORATIONS = 512
# Letters of the longest word the correcting stages judge. Their candidate searches, glued-word
# splits and spelling neighbours grow with a word's length (some as its square), and a "word"
# longer than two long Kazakh words glued (a line OCR ran together, тиітиітиі…) is no misread
# word: it is left as it stands, as the stages leave anything they cannot judge.
MAX_WORD_LETTERS = 40
# The analyser also reads и as ый/ій, я as йа, ю as йу after a word's first letter.
RESPELLINGS = {"и": ("ый", "ій"), "я": ("йа",), "ю": ("йу",)}
MAX_RESPELLED = 64
VOWEL_LETTERS = TRUE_VOWELS | {"и", "у"}
# Letters native Kazakh words do not have: their presence marks a Russian loan.
LOAN_LETTERS = set("вфцчщъьэёю")
NOUN = frozenset({"noun"})
COMMON_RUSSIAN = 300  # uses in pyspellchecker's Russian list that make a loan stem common
# What an abbreviation takes after its hyphen: a noun's endings (КСРО-ның, ҚР-да).
INFLECTION = {"plural", "possessive", "case", "predicative"}


@dataclass(frozen=True)
class Entry:
    """What the lexicon knows of one word form."""

    word: str
    status: str  # valid, attested or unknown
    source: str  # kk, curated, ru, ru-word, abbreviation, corpus, name; "" when unknown
    readings: tuple[Analysis, ...] = ()
    note: str = ""  # why a form is not valid, when there is more to say than "unknown"

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def restorations(form: str, limit: int = MAX_RESTORATIONS) -> Iterator[str]:
    """`form` with one or more Russian-looking letters read as the Kazakh letter they may
    have lost (казак -> қазақ, қазак, казақ); none if there would be more than `limit`."""
    options = [ch + RESTORE.get(ch, "") for ch in form]
    count = 1
    for option in options:
        count *= len(option)
    if count > limit:
        return
    for letters in product(*options):
        restored = "".join(letters)
        if restored != form:
            yield restored


class ReadableRestorations:
    """The restorations of a form that could have a reading on a stem of three letters or
    more, found without building the others.

    A form with many Russian-looking letters has up to 512 restorations, and analysing each
    is what made a new word type slow. A reading on stem s needs the word to begin with s
    (кітап-тар), with s less its last letter (a voiced stop, a dropped ь, a doubled
    consonant, a narrow vowel: кітаб-ы, модел-і, процес-ке, оқ-у) or with s less the narrow
    vowel before its last letter (ерн-і for ерін); and what follows must be suffixes, or one
    letter and suffixes (the voiced stop's). A trie walk over the restorable letters finds the
    beginnings, a walk from the end the suffix chains, and only their products are analysed.
    A word with и, я or ю after its first letter is also read respelled (оқиды = оқы-йды),
    which moves the stem's letters: such a form has all its restorations tried.
    """

    def __init__(self, analyser: Analyser) -> None:
        keys = set()
        for stem in analyser.stems:
            if len(stem) > 2:
                keys.update((stem, stem[:-1]))
                if stem[-2] in "ыі":
                    keys.add(stem[:-2] + stem[-1])
        self.keys = tuple(sorted(keys))
        self.key_set = frozenset(keys)
        # each suffix form under every way a Russian model may write it (-ға as -га, -ға)
        self.suffixes_written: dict[str, list[str]] = {}
        for suffix in analyser.by_form:
            for letters in product(*map(writings, suffix)):
                self.suffixes_written.setdefault("".join(letters), []).append(suffix)
        self.suffix_lengths = sorted({len(form) for form in analyser.by_form})

    def restorations(self, form: str, limit: int = MAX_RESTORATIONS) -> list[str]:
        """What `restorations(form, limit)` yields, in the same order, less the forms that
        cannot be read on such a stem."""
        options = [ch + RESTORE.get(ch, "") for ch in form]
        if prod(map(len, options)) > limit:
            return []
        spellings = respelled_options(form, options)
        if spellings is None:
            return list(restorations(form, limit))
        found: set[str] = set()
        for spelled, origins in spellings:
            for letters in self._readable(spelled):
                restored = list(form)
                for letter, origin in zip(letters, origins, strict=True):
                    if origin is not None:
                        restored[origin] = letter
                found.add("".join(restored))
        found.discard(form)
        return sorted(found, key=lambda r: [options[i].index(ch) for i, ch in enumerate(r)])

    def _readable(self, options: list[str]) -> Iterator[str]:
        """The words written with one letter of each option that begin with a key and go on
        with suffixes, or with one letter and suffixes."""
        chains = self._chains(options)
        for key in self._keys_along(options):
            m = len(key)
            for chain in chains[m]:
                yield key + chain
            if m < len(options):
                for letter in options[m]:
                    for chain in chains[m + 1]:
                        yield key + letter + chain

    def _begins_a_key(self, prefix: str) -> bool:
        i = bisect_left(self.keys, prefix)
        return i < len(self.keys) and self.keys[i].startswith(prefix)

    def _keys_along(self, options: list[str]) -> Iterator[str]:
        """The keys a word written with one letter of each option can begin with."""
        stack = [""]
        while stack:
            prefix = stack.pop()
            if len(prefix) == len(options):
                continue
            for letter in options[len(prefix)]:
                longer = prefix + letter
                if longer in self.key_set:
                    yield longer
                if self._begins_a_key(longer):
                    stack.append(longer)

    def _chains(self, options: list[str]) -> list[set[str]]:
        """For each position, the spellings of the rest of the word that are a chain of
        suffix forms (the empty chain at the end)."""
        written = "".join(option[0] for option in options)
        n = len(options)
        chains: list[set[str]] = [set() for _ in range(n + 1)]
        chains[n].add("")
        for start in range(n - 1, -1, -1):
            for length in self.suffix_lengths:
                end = start + length
                if end > n:
                    break
                if not chains[end]:
                    continue
                for suffix in self.suffixes_written.get(written[start:end], ()):
                    chains[start].update(suffix + chain for chain in chains[end])
        return chains


_READABLE: WeakKeyDictionary[Analyser, ReadableRestorations] = WeakKeyDictionary()


_FAMILIES: WeakKeyDictionary[Analyser, dict[str, int]] = WeakKeyDictionary()


def family_counts(native: Analyser, key: str) -> dict[str, int]:
    """For every stem, how many forms of the kk list have a reading on it (or are it): what
    `Lexicon.reference_family` finds per stem by analysing every listed form that starts
    with it, a few hundred for a short stem, again for each stem asked. Counted once over
    the list (two seconds), kept with the other cached tables under the rules fingerprint
    `key` ("": in memory only), so a run only reads it; shared by every lexicon on the
    analyser."""
    if native not in _FAMILIES:
        _FAMILIES[native] = (
            cached_table("family", table_key("family", key), lambda: count_families(native))
            if key
            else count_families(native)
        )
    return _FAMILIES[native]


def count_families(native: Analyser) -> dict[str, int]:
    """Each kk form counts for itself and for every stem of its readings that it starts
    with (кітабы reads on кітап, which it does not start with: not counted)."""
    table: Counter[str] = Counter()
    for form, source in native.stems.items():
        if source != "kk":
            continue
        # the unmemoised search: the whole list would crowd the memo of a run's word types
        stems = {r.stem for r in native._analyze(form) if form.startswith(r.stem)}
        stems.add(form)
        table.update(stems)
    return dict(table)


def readable_restorations(native: Analyser) -> ReadableRestorations:
    """The restoration index of an analyser's stems, built once: every corpus lexicon of a
    run (`Lexicon.with_counts`) shares its analysers, and building it takes a tenth of a
    second, as long as cleaning a few hundred kilobytes."""
    if native not in _READABLE:
        _READABLE[native] = ReadableRestorations(native)
    return _READABLE[native]


def writings(letter: str) -> str:
    """The letters a scan may show for `letter`: itself, and the Russian look-alikes of a
    Kazakh letter (қ: к; ә: а, е)."""
    return letter + "".join(seen for seen, kazakh in RESTORE.items() if letter in kazakh)


def respelled_options(
    form: str, options: list[str]
) -> list[tuple[list[str], list[int | None]]] | None:
    """The ways the analyser may read a restoration of `form` (each и, я, ю after the first
    letter as written or respelled), as lists of letter options; beside each option, the
    position of `form` whose letter it chooses (None for a letter of a respelled pair, where
    the restoration keeps the written letter). None when there are more than MAX_RESPELLED."""
    choices = []
    for i, ch in enumerate(form):
        alternatives: list[list[tuple[str, int | None]]] = [[(options[i], i)]]
        if i and ch in RESPELLINGS:
            alternatives += [[(letter, None) for letter in pair] for pair in RESPELLINGS[ch]]
        choices.append(alternatives)
    if prod(map(len, choices)) > MAX_RESPELLED:
        return None
    spellings = []
    for combination in product(*choices):
        flat = [option for alternative in combination for option in alternative]
        spellings.append(([letters for letters, _ in flat], [origin for _, origin in flat]))
    return spellings


# as sets once: the check runs for every word the OCR stage judges
BACK_VOWEL_SET, FRONT_VOWEL_SET = frozenset(BACK_VOWELS), frozenset(FRONT_VOWELS)
BACK_CONSONANT_SET, FRONT_CONSONANT_SET = frozenset(BACK_CONSONANTS), frozenset(FRONT_CONSONANTS)


def breaks_native_phonotactics(word: str) -> bool:
    """Signs a form is not a native Kazakh word: к/г in a word of back vowels or қ/ғ in one of
    front vowels, back and front vowels together, or у closing a syllable between consonants
    (тур, курды; native words write тұр, түр, while у before a vowel is the glide of
    туралы). Loans and compounds do these things; so does a native word that lost its Kazakh
    letters (жаксы, орталык, кун)."""
    letters = set(word)
    back, front = letters & BACK_VOWEL_SET, letters & FRONT_VOWEL_SET
    if (back and letters & FRONT_CONSONANT_SET) or (front and letters & BACK_CONSONANT_SET):
        return True
    if back and front:
        return True
    return any(word[i] == "у" and closed_syllable(word, i) for i in range(1, len(word) - 1))


def closed_syllable(word: str, i: int) -> bool:
    """Is word[i] a vowel between consonants, closing its syllable (тур, курд-ы; not тура)?"""
    if word[i - 1] in VOWEL_LETTERS or word[i + 1] in VOWEL_LETTERS:
        return False
    return i + 2 >= len(word) or word[i + 2] not in VOWEL_LETTERS


def harmony(word: str) -> str:
    """Vowel harmony of a word: "back", "front", "neutral" (no vowel decides) or "mixed"
    (back and front vowels, or к/г and қ/ғ against them: a loan, or a letter lost to OCR)."""
    lower = word.lower()
    if breaks_native_phonotactics(lower) and not set(lower) & LOAN_LETTERS:
        return "mixed"
    return harmony_of(lower) or "neutral"


def is_fragment(stem: str, russian: frozenset[str], russian_prefixes: frozenset[str]) -> bool:
    """Pieces of words the hunspell kk list took for words: two consonants at the start that
    no Russian word starts with (лген, ккен), a voiced stop or double consonant at the end
    (деректерд, мемлекетт), no vowel at all."""
    if stem in russian:
        return False
    if not set(stem) & VOWEL_LETTERS:
        return True
    # two consonants at the start: a Russian loan's onset, or a fragment; a long stem that
    # starts like a Russian word is a loan (процесі)
    if (
        stem[0] not in VOWEL_LETTERS
        and stem[1] not in VOWEL_LETTERS
        and (len(stem) < 5 or stem[:4] not in russian_prefixes)
    ):
        return True
    if stem[-1] in "бгдғ" or (stem[-1] == "в" and not stem.endswith(("ов", "ев", "ёв"))):
        return True
    return len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in VOWEL_LETTERS


class Lexicon:
    """Validity, analyses, corpus frequency and harmony of word forms, cached per word type."""

    def __init__(
        self,
        analyser: Analyser,
        native: Analyser,
        russian_forms: frozenset[str],
        abbreviations: frozenset[str],
        counts: Mapping[str, int] | None = None,
        attested_min_count: int = 3,
        tables_key: str = "",
    ) -> None:
        self.analyser = analyser  # all stems: Kazakh, curated, Russian loans
        self.native = native  # Kazakh and curated stems only: what a lost letter hides
        self.russian_forms = russian_forms
        self.abbreviations = abbreviations
        self.attested_min_count = attested_min_count
        # what the tables built from the lexicon's inputs are cached under (the rules
        # fingerprint); "" keeps them in memory only
        self.tables_key = tables_key
        self.corpus_counts = counts or {}
        self.counts = counts_by_lower_case(self.corpus_counts)
        self.lookup = per_word_type(self._lookup, 2 * WORD_TYPES)
        self.shadows = per_word_type(self._shadows)
        self.family = per_word_type(self._family)
        self.stem_frequency = per_word_type(self._stem_frequency)
        self._listed_forms: tuple[str, ...] | None = None
        self._corpus_forms: tuple[str, ...] | None = None

    @cached_property
    def capitalised(self) -> Counter[str]:
        """Only a recurring unknown form asks (`_kind_in_corpus`): found then."""
        return capitalised_counts(self.corpus_counts)

    # -- the interface -------------------------------------------------------------------
    def is_word(self, word: str) -> bool:
        return self.lookup(word).valid

    def analyze(self, word: str) -> tuple[Analysis, ...]:
        return self.lookup(word).readings

    def status(self, word: str) -> str:
        return self.lookup(word).status

    def frequency(self, word: str) -> int:
        """How often the corpus uses the form, in any letter case."""
        return self.counts.get(word.lower(), 0)

    harmony = staticmethod(harmony)

    def _family(self, stem: str) -> int:
        """How many forms of the hunspell kk list are built on `stem`. The list was drawn
        from a corpus and holds inflected forms, so a stem it has in many forms is a common
        word (құра- "to form" has 31, қура- "to wither" 3): a frequency the list never
        states. Counted for every stem at once (`family_counts`), as `reference_family`
        counts one."""
        return family_counts(self.native, self.tables_key).get(stem, 0)

    def reference_family(self, stem: str) -> int:
        """`family(stem)` by analysing the listed forms that start with `stem`."""
        if self._listed_forms is None:
            self._listed_forms = tuple(
                sorted(form for form, source in self.native.stems.items() if source == "kk")
            )
        return sum(1 for _ in self._forms_of(stem, self._listed_forms, self.native))

    def _stem_frequency(self, stem: str) -> int:
        """How often the corpus uses `stem` in any of its forms (құрады, құрамы, құрайды)."""
        if self._corpus_forms is None:
            self._corpus_forms = tuple(sorted(self.counts))
        forms = self._forms_of(stem, self._corpus_forms, self.analyser)
        return sum(self.counts[form] for form in forms)

    @staticmethod
    def _forms_of(stem: str, forms: tuple[str, ...], analyser: Analyser) -> Iterator[str]:
        """The forms of a sorted list that start with `stem` and have a reading on it."""
        i = bisect_left(forms, stem)
        while i < len(forms) and forms[i].startswith(stem):
            form = forms[i]
            if form == stem or any(r.stem == stem for r in analyser.analyze(form)):
                yield form
            i += 1

    def with_counts(self, counts: Mapping[str, int]) -> Lexicon:
        """The same lexicon with a corpus' form counts as evidence (analyses stay cached)."""
        return Lexicon(
            self.analyser,
            self.native,
            self.russian_forms,
            self.abbreviations,
            counts,
            self.attested_min_count,
            self.tables_key,
        )

    # -- how a form is judged --------------------------------------------------------------
    def _lookup(self, word: str) -> Entry:
        if "-" in word.strip("-"):
            return self._lookup_hyphenated(word)
        lower = word.lower()
        if not (word.islower() or word.isupper() or word[1:].islower()):
            return Entry(word, "unknown", "", (), "letter case inside the word (OCR)")
        readings, note = self._readings(lower)
        if readings:
            return Entry(word, "valid", readings[0].source, readings)
        if len(lower) > 2 and lower in self.russian_forms:
            if not (lost := self.shadows(lower)):
                return Entry(word, "valid", "ru-word")
            note = note or lost_letters_note(lost)
        if lower in self.abbreviations:
            return Entry(word, "valid", "abbreviation")
        if self.frequency(word) >= self.attested_min_count:
            return Entry(word, "attested", self._kind_in_corpus(word), (), note)
        return Entry(word, "unknown", "", (), note)

    def _readings(self, lower: str) -> tuple[tuple[Analysis, ...], str]:
        """The readings of a form, unless all of them stand on a foreign-looking stem while
        the form with Kazakh letters restored is a Kazakh word (баска for басқа)."""
        if len(lower) < 2:
            return (), "a single letter"
        readings = self.analyser.analyze(lower)
        if not readings or any(self._native(r.stem, r.source) for r in readings):
            return readings, ""
        lost = self.shadows(lower)
        if lost and any(common_russian_noun(r.stem) for r in readings):
            # a common Russian loan (карта-дан) yields only to a form the kk list has
            lost = tuple(form for form in lost if self.native.stems.get(form) == "kk")
        return ((), lost_letters_note(lost)) if lost else (readings, "")

    @staticmethod
    def _native(stem: str, source: str) -> bool:
        return source == "curated" or (source == "kk" and not breaks_native_phonotactics(stem))

    def _lookup_hyphenated(self, word: str) -> Entry:
        """жан-жақты (both parts words), КСРО-ның (an abbreviation and a suffix chain: valid
        with a listed abbreviation, attested with one the corpus writes in capitals)."""
        head, _, tail = word.rpartition("-")
        first = self.lookup(head)
        if first.status in ("valid", "attested") and first.source == "abbreviation":
            chain = tuple(
                r
                for r in self.analyser.chain(tail)
                if all(tag.split(".")[0] in INFLECTION for tag in r.tags)
            )
            if chain:
                return Entry(word, first.status, "abbreviation", chain)
        second = self.lookup(tail)
        if first.valid and second.valid:
            return Entry(word, "valid", first.source, first.readings + second.readings)
        return Entry(word, "unknown", "", (), first.note or second.note)

    def _kind_in_corpus(self, word: str) -> str:
        """A recurring unknown form in capitals is an abbreviation (ФИФА, ЮНЕСКО); always
        capitalised, a name; otherwise just a corpus form (a rare word, or a recurring error).
        Capitals alone do not make an abbreviation without the corpus: OCR reads Latin
        capitals as Cyrillic ones (NGC as МСС)."""
        lower = word.lower()
        if word.isupper() and len(word) > 1:
            return "abbreviation"
        return "name" if self.capitalised[lower] == self.counts[lower] else "corpus"

    def _shadows(self, form: str) -> tuple[str, ...]:
        """Kazakh words that `form` may be with its Kazakh letters lost (баска -> басқа).
        A reading in the 2nd person does not count: н read as ң makes a 2nd-person ending
        (-ң, -ың, -сың) of almost anything (Иран -> ірә-ң, театр-ы-нда -> театр-ың-да), and
        expository text rarely addresses its reader; nor does a reading on a stem of two
        letters (актер-лер -> әк-тер-лер)."""
        found = (
            r
            for r in readable_restorations(self.native).restorations(form)
            if any(
                len(reading.stem) > 2 and not second_person(reading)
                for reading in self.native.analyze(r)
            )
        )
        return tuple(islice(found, 5))  # the first five: the rest need not be analysed


def counts_by_lower_case(counts: Mapping[str, int]) -> Counter[str]:
    """The uses of each form in any letter case (keys in order of first appearance), with
    whole-list steps where they can be: a release's lexicon has 50,000 forms, few of them
    capitalised, and `tazala clean` reads it at start."""
    forms, uses = list(counts), list(counts.values())
    lowers = list(map(lower_case_of, forms))
    total: Counter[str] = Counter()
    dict.update(total, zip(lowers, uses, strict=True))  # the last form's uses, for now
    if len(total) < len(lowers):  # forms that differ in letter case only: their uses add up
        changed = list(compress(range(len(forms)), map(str.__ne__, forms, lowers)))
        for lower in {lowers[i] for i in changed}:
            # the one form written as its lower case, if the corpus has it
            total[lower] = counts.get(lower, 0) if lower.lower() == lower else 0
        for i in changed:
            total[lowers[i]] += uses[i]
    return total


def lower_case_of(form: str) -> str:
    """The form in lower case: the form itself when it is lower case already (str.lower
    makes a copy of every string, and the corpus' forms held twice cost twice the memory)."""
    lower = form.lower()
    return form if lower == form else lower


def capitalised_counts(counts: Mapping[str, int]) -> Counter[str]:
    """The uses of each form (lower-cased) in capitalised spelling."""
    capitalised: Counter[str] = Counter()
    for form, n in counts.items():
        if form[:1].isupper():
            capitalised[form.lower()] += n
    return capitalised


SECOND_PERSON = frozenset(
    f"{category}.{person}"
    for category in ("possessive", "person", "predicative")
    for person in ("2sg", "2pol", "2pl")
)


def second_person(reading: Analysis) -> bool:
    """Does the reading address someone (кітабың, бардың, баласың)?"""
    return any(tag in SECOND_PERSON for tag in reading.tags)


def common_russian_noun(stem: str) -> bool:
    """A declinable Russian word common enough to be a loan in Kazakh text (карта, театр)."""
    return stem in common_russian_nouns()


@cache
def common_russian_nouns() -> frozenset[str]:
    """The stems `common_russian_noun` says yes to, found once and cached: a few hundred of
    the 170,000 declinable ones."""
    return cached_table(
        "common-russian", table_key("common-russian", str(COMMON_RUSSIAN)), find_common_nouns
    )


def find_common_nouns() -> frozenset[str]:
    counts = russian_counts()
    return frozenset(s for s in russian_declinable() if counts.get(s, 0) >= COMMON_RUSSIAN)


def lost_letters_note(lost: tuple[str, ...]) -> str:
    return "a Kazakh word with its Kazakh letters lost? " + ", ".join(lost) if lost else ""


def part_of_speech_hints(kazakh: Container[str], verbs: frozenset[str]) -> object:
    """What a stem is known as: "verb", "noun", both or neither. The kk list has no parts of
    speech (all its entries carry the same affix flags), but being built from a corpus it
    lists inflected forms: a verb's verbal noun in -у (бар-у, таб-у for тап, қою for қой,
    кию for ки; a verb in -ы/-і drops it before -у, оқу, so its present tense оқиды decides),
    a noun's plural or genitive (жыл-дар, жыл-дың)."""

    @cache
    def hints(stem: str) -> frozenset[str]:
        if stem not in kazakh and stem not in verbs:
            return NOUN  # a Russian loan: Kazakh makes verbs of loans with -ла (анализде)
        found = set()
        if stem in verbs or is_verb(stem):
            found.add("verb")
        if any(stem + ending in kazakh for ending in noun_endings(stem)):
            found.add("noun")
        return frozenset(found)

    def is_verb(stem: str) -> bool:
        if stem[-1] in "ыі":
            return stem[:-1] + "иды" in kazakh or stem[:-1] + "иді" in kazakh
        candidates = [stem + "у"]
        if stem[-1] in "пкқ":
            candidates.append(stem[:-1] + {"п": "б", "к": "г", "қ": "ғ"}[stem[-1]] + "у")
        if stem[-1] in "йи":
            candidates.append(stem[:-1] + ("ию" if stem[-1] == "и" else "ю"))
        return any(form in kazakh for form in candidates)

    return hints


def noun_endings(stem: str) -> tuple[str, ...]:
    """Plural and genitive endings after this stem (vowel harmony, onset assimilation)."""
    back = harmony_of(stem) != "front"
    last = stem[-1]
    if last in TRUE_VOWELS:
        onsets = ("л", "н")
    elif last in "рйу":
        onsets = ("л", "д")
    elif last in "лзж":
        onsets = ("д", "д")
    elif last in "мнң":
        onsets = ("д", "н")
    else:
        onsets = ("т", "т")
    plural = onsets[0] + ("ар" if back else "ер")
    genitive = onsets[1] + ("ың" if back else "ің")
    return plural, genitive


def accept_stem_for(stems: Mapping[str, str], fragments: frozenset[str]) -> object:
    """The lexicon's last say on a listed stem: no fragments of the kk list
    (`kazakh_fragments`), no Russian stem shorter than three letters."""

    @cache
    def accept(stem: str) -> bool:
        if not set(stem) & VOWEL_LETTERS or not set(stem) - (TRUE_VOWELS - set("яюё")):
            return False  # a stem has a vowel and a consonant (я, ю, ё hold a й: ая, ұя)
        source = stems[stem]
        if source == "kk":
            return stem not in fragments
        return source == "curated" or len(stem) >= 3

    return accept


def kazakh_fragments(stems: Mapping[str, str], russian: frozenset[str]) -> frozenset[str]:
    """The stems of the kk list that are fragments of words (`is_fragment`): judged once, when
    the lexicon's tables are built, since the judgement needs the 170,000 Russian lemmas."""
    prefixes = frozenset(stem[:4] for stem in russian)
    return frozenset(
        stem
        for stem, source in stems.items()
        if source == "kk" and is_fragment(stem, russian, prefixes)
    )


_BASE: dict[tuple[str, str], Lexicon] = {}


def base_lexicon(rules: Rules) -> Lexicon:
    """The lexicon without corpus evidence, for the rules folder's grammar and lists (one per
    rules version and process: worker processes build it once)."""
    key = (rules.folder, rules.fingerprint)
    if key not in _BASE:
        _BASE[key] = build_lexicon(rules, None)
    return _BASE[key]


def build_lexicon(rules: Rules, counts: Mapping[str, int] | None) -> Lexicon:
    stems, native, fragments = lexicon_tables(rules)
    curated = curated_stems(rules)
    hints = part_of_speech_hints(
        kazakh_stems(), frozenset(stem for stem, kind in curated.items() if kind == "verb")
    )
    accept = accept_stem_for(stems, fragments)
    rules_grammar = rules.grammar
    analyser = Analyser(rules_grammar, stems, accept, hints)
    native_analyser = Analyser(rules_grammar, native, accept, hints)
    abbreviations = frozenset(
        entry.rstrip(".").lower()
        for entry in rules.abbreviations.all
        if "." not in entry.rstrip(".")
    ) | {stem for stem, kind in rules.stems.items() if kind == "abbreviation"}
    return Lexicon(
        analyser,
        native_analyser,
        russian_words(),
        abbreviations,
        counts,
        int(rules.parameter("lexicon", "attested_min_count", 3)),
        rules.fingerprint,
    )


def curated_stems(rules: Rules) -> dict[str, str]:
    return {stem: kind for stem, kind in rules.stems.items() if kind != "abbreviation"}


def lexicon_tables(rules: Rules) -> tuple[LazyTable, LazyTable, frozenset[str]]:
    """All stems (stem -> source), the Kazakh and curated ones, and the fragments of the kk
    list, from the cache (`build_lexicon_tables` makes them)."""
    key = table_key("lexicon", rules.fingerprint)
    tables = cached_table("lexicon", key, lambda: build_lexicon_tables(rules))
    return (
        LazyTable(tables["stems"], key),
        LazyTable(tables["native"], key + "-native"),
        tables["fragments"],
    )


def build_lexicon_tables(rules: Rules) -> dict[str, Any]:
    stems, native_stems = lexicon_stems(rules)
    return {
        "stems": bucketed(stems),
        "native": bucketed(native_stems),
        "fragments": kazakh_fragments(stems, russian_lemmas()),
    }


def lexicon_stems(rules: Rules) -> tuple[dict[str, str], dict[str, str]]:
    """All stems and the native ones (Kazakh and curated), each -> its source."""
    curated = curated_stems(rules)
    native_stems: dict[str, str] = dict.fromkeys(kazakh_stems(), "kk")
    native_stems.update(dict.fromkeys(curated, "curated"))
    stems = dict.fromkeys(russian_lemmas(), "ru") | native_stems
    return stems, native_stems


def corpus_lexicon(rules: Rules, counts: Mapping[str, int]) -> Lexicon:
    """The lexicon with the corpus statistics of a run (or a release's lexicon.tsv)."""
    return base_lexicon(rules).with_counts(counts)


def describe(entry: Entry) -> str:
    """The readings of an entry for people: кітап+ым(possessive.1sg) | ..."""
    return " | ".join(str(reading) for reading in entry.readings)

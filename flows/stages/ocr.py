"""OCR stage: Kazakh letters lost to Russian look-alikes, signs read for letters, classic swaps.

A careful editor, not a spell checker: only a word the lexicon does not know is corrected,
only into a valid word reachable through the confusions of `rules/kk/confusions.tsv`
(flows/kazakh/confusions.py), and only when the evidence is strong. Each candidate is scored by
its confusion cost, whether the hunspell list has the very form, how often the corpus uses it,
how well attested its stem is (forms of the kk list built on it, the corpus' uses of it in any
form: құра- against қура-), and whether it is known only through a reading that inflects an
inflected form again (тұрғындарын-ы-н). A valid word known only so stays: judging such words
was tried and changed right ones (қарнын, ағайынымен), as the heuristic cannot tell. The
candidates and the hypothesis that the word is right as it stands (a name, a loan, a gap of
the lexicon) share the probability by their costs. A correction is applied when the word is
wrong as written with probability `confidence_threshold` and the best candidate has
`choice_threshold` of it; otherwise the word goes to `review.jsonl` with its alternatives.
Every applied correction is logged with its candidates, scores and counts.

Only Kazakh paragraphs are corrected (a paragraph that lost its Kazakh letters to OCR is still
Kazakh: its words analyse as Kazakh words, not Russian ones). Capitals-only words of up to five
letters (abbreviations, Roman numerals) are left alone, as are words with digits around them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import regex

from flows.document import Changes, Edit
from flows.kazakh.charmodel import kazakh_model
from flows.kazakh.confusions import Candidate, CandidateIndex, Confusion
from flows.kazakh.features import channel_posterior, word_features
from flows.kazakh.language import (
    KAZAKH_LETTERS,
    count_letters,
    count_matching,
    paragraph_language,
)
from flows.kazakh.lexicon import (
    MAX_WORD_LETTERS,
    VOWEL_LETTERS,
    Lexicon,
    base_lexicon,
    second_person,
)
from flows.kazakh.model import DecisionModel
from flows.kazakh.morphology import Analysis
from flows.memo import WORD_TYPES, per_word_type
from flows.rules import Rules
from flows.stages.base import Context, Stage, per_corpus

# A word as OCR leaves it: Cyrillic letters with signs read for і inside ("механизм!н",
# "тус1нд1ре", "1р!"); a trailing "!" or "1" is taken in only before a lower-case word.
TOKEN = regex.compile(
    r"(?<![\p{L}\p{N}!|])[1!|]?\p{Cyrillic}[\p{Cyrillic}!1|]*(?![\p{L}\p{N}])", regex.V1
)
TRAILING_SIGN = regex.compile(r"[!1|]+$")
SIGNS = "!1|"  # signs OCR reads for і
NOT_CYRILLIC_BLOCK = regex.compile(r"[^\u0400-\u04ff]+")
NOT_LETTER = regex.compile(r"\P{L}+")
# Any vowel letter, у and ұ ү included (бул, кун): a word without one is an abbreviation.
VOWEL = regex.compile(r"[аәеиоөұүуыіэюяёАӘЕИОӨҰҮУЫІЭЮЯЁ!1|]")
NEXT_IS_LOWER = regex.compile(r"\s*[\p{Ll}]")
# After a trailing sign: white space, punctuation or the end, where it may be a letter read as
# a sign; before anything else (a symbol, an invisible character) it stays what it is
NEXT_IS_PLAIN = regex.compile(r"[\s\p{P}]|$")
# After a trailing sign: where a sentence may end (a line's end, a capital), not a comma
SENTENCE_MAY_END = regex.compile(r"[ \t]*(?:\n|$|[\p{Lu}\p{Pi}\p{Ps}\p{Pd}])")
HEAD_BEFORE_HYPHEN = regex.compile(r"[\p{L}\p{N}]+$")  # searched up to the hyphen
# A period after a word of three letters or more, before a lower-case word: after a space
# (group 2 empty) or glued to it (group 2 the next word).
# The word before the period is matched looking behind from the period, so that the search
# tries only the periods of a paragraph, not every letter (30x faster on prose); a match is
# the period and the glued word, and the word is group 1.
SPECK_AFTER_WORD = regex.compile(
    r"(?<=(?<![\p{L}\p{N}.])(\p{Cyrillic}{3,}))\."
    r"(?:(?= \p{Ll})|(\p{Ll}\p{Cyrillic}{2,})(?![\p{L}.]))"
)
# Two words joined by a hyphen, neither part of a longer hyphenated chain (Рио-де-Жанейро).
# Matched from the hyphen, as above: the match is the hyphen and the second word.
HYPHENATED = regex.compile(
    r"(?<=(?<![\p{L}\p{N}-])(\p{Cyrillic}+))-(\p{Cyrillic}+)(?![\p{L}\p{N}-])"
)
# A period opening a word after a space (`екі .бөліктен`).
SPECK_BEFORE_WORD = regex.compile(r"(?<= )\.(?=\p{Ll}{3,})")
# is_kazakh remembers up to this many paragraphs of up to this many characters (16 MB)
MEMO_PARAGRAPHS = 256
MEMO_PARAGRAPH_CHARACTERS = 65_536
LISTED_BONUS = 0.8  # the hunspell list has the very form: seen in its corpus, not only grammatical
FREQUENCY_WEIGHT = 0.3  # per natural-log unit of corpus count
FAMILY_WEIGHT = 0.4  # per natural-log unit of kk-list forms built on the candidate's stem
STEM_WEIGHT = 0.3  # per natural-log unit of the corpus' uses of the stem, in any form
STACKED_COST = 1.0  # a reading that inflects an inflected form again (see Corrector.stacked)
INFLECTION_ORDER = {"plural": 0, "possessive": 1, "case": 2}
SHORT_STEM = 3  # stems shorter than this are built on by chance (қа-лан-ы-н) and say nothing
GLUED_STEM, GLUED_WORD = 4, 5  # the stem of the first of two glued words; the second word
# Suffixes a word ends with, closing it: the first of two glued words ends with one.
WORD_FINAL = frozenset({"case", "possessive", "plural", "person", "predicative", "verb"})
# Derivations that make an adjective, a word as whole as an inflected one (объектив-ті,
# шен-дік): a listed form that reads so is one too, though the list has it bare
ADJECTIVE_ENDINGS = frozenset(
    {"derivation.having", "derivation.abstract", "derivation.adjective", "derivation.without"}
)
SECOND_PERSON_COST = 1.5  # expository text rarely says "your": -ың, -сың are rarely the word
LOST_WHERE_KEPT = 1.5  # a lost letter in a text that keeps its Kazakh letters is less likely
KAZAKH_WHERE_LOST = 1.5  # a Kazakh model's confusion in a text without Kazakh letters, too
# A paragraph of letter noise (keys struck at random, a reading no stage could repair) is no
# Kazakh text with misread words: its every word is new and unknown, and searching candidates
# for each costs milliseconds, so such text would run 100 times slower than prose. By the
# character model (flows/kazakh/charmodel.py) Kazakh and Russian prose score -2.5 to -4.5 per
# letter, with lost letters, signs and all capitals too; random Cyrillic letters about -8.
NOISE_PER_LETTER = -6.0
NOISE_MIN_LETTERS = 200  # a shorter paragraph (a heading, a name) is too short to judge
MAX_QUIET = 3 * WORD_TYPES  # word types; beyond, they are judged again (from the memos)
# Word types whose edit (in a document that kept so much of its Kazakh letters) a process
# keeps (an edit with its evidence is about a kilobyte: 20 MB at most); the rarer ones
# beyond are judged again when asked.
DOCUMENT_WORD_TYPES = 20_000
VETO = 0.5  # "channel+veto": the model's probability below which an edit is never applied
KAZAKH_LETTER_SHARE = 0.06  # of Cyrillic letters in Kazakh prose, about; below it letters were lost


@dataclass(frozen=True)
class Decision:
    """The candidates for one word, each with its score before the document's say."""

    scored: tuple[tuple[Candidate, float, int], ...]  # candidate, score, corpus count

    def ranked(self, kept: float) -> list[tuple[Candidate, float, int]]:
        """Candidates best first, their scores adjusted to the document: in a text that keeps
        its Kazakh letters, a lost letter is less likely and a Kazakh model's confusion more."""
        adjusted = []
        for candidate, score, count in self.scored:
            for edit in candidate.edits:
                if edit.kind == "lost":
                    score += LOST_WHERE_KEPT * kept
                elif edit.kind == "kazakh":
                    score += KAZAKH_WHERE_LOST * (1.0 - kept)
            adjusted.append((candidate, score, count))
        return sorted(adjusted, key=lambda item: (item[1], item[0].word))


class Corrector:
    """The stage's knowledge for one rules version and corpus: lexicon, candidate index, and
    its decisions cached per word type."""

    def __init__(
        self, lexicon: Lexicon, index: CandidateIndex, rules: Rules, model: object = "rules"
    ) -> None:
        self.lexicon = lexicon
        # the decision model (flows/kazakh/model.py); None while one is being fitted
        self.model: DecisionModel | None = rules.decision_model if model == "rules" else None
        # who decides: "channel" (the confusion costs against the cost of the word being right)
        # or "model" (the fitted, calibrated model); both are kept in each edit's evidence
        self.decision = str(rules.parameter("ocr", "decision", "channel"))
        self.standalone = rules.standalone  # words no hyphenated compound begins with
        self.hyphenated = rules.hyphenated  # but these: `-ақ` particles, `де-факто`
        self.predicates = rules.predicates  # words that end a sentence
        self.forbidden = rules.variants.forbidden
        self.index = index
        self.listed = lexicon.native.stems
        self.decide = per_word_type(self._decide)
        # a word's edit in a document that kept so much of its Kazakh letters: most Kazakh
        # documents keep all of them (kept 1.0), and share their words' edits
        self.edit_in = per_word_type(
            lambda key: correct_word(key[0], 0, self, key[1]), DOCUMENT_WORD_TYPES
        )
        self.glued_parts = per_word_type(self._glued_parts)
        self.suffix_forms = frozenset(form for form in lexicon.analyser.by_form if len(form) >= 2)
        self.suffix_lengths = sorted({len(form) for form in self.suffix_forms})
        # words, as written, that need no edit whatever the document: no other question is
        # asked of them again (most tokens of a corpus)
        self.quiet: set[str] = set()
        self.kazakh_paragraphs: dict[str, bool] = {}  # is_kazakh's last answers

    def _decide(self, word: str) -> Decision | None:
        """The candidates for a lower-case form the lexicon does not know, scored."""
        # pairs a person forbade (rules/kk/variants.tsv, `tazala review --reject`)
        forbidden = self.forbidden
        candidates = [c for c in self.index.candidates(word) if (word, c.word) not in forbidden]
        if not candidates:
            return None
        scored, stem_support = [], []
        for candidate in candidates[:20]:
            count = self.lexicon.frequency(candidate.word)
            score = candidate.cost - FREQUENCY_WEIGHT * math.log1p(count)
            if self.listed.get(candidate.word) == "kk":
                score -= LISTED_BONUS
            readings = self.lexicon.analyze(candidate.word)
            if readings and all(second_person(r) for r in readings):
                score += SECOND_PERSON_COST
            if readings and all(self.stacked(r) for r in readings):
                score += STACKED_COST
            family, uses = self.stem_evidence(readings)
            stem_support.append(FAMILY_WEIGHT * math.log1p(family))
            score -= STEM_WEIGHT * math.log1p(uses)
            scored.append((candidate, score, count))
        # The kk list's family orders the candidates; it is no evidence against the word being
        # right as it stands (every word has some common stem a few confusions away). The
        # corpus using the stem is, like the corpus using the form.
        best_support = max(stem_support)
        return Decision(
            tuple(
                (candidate, score + best_support - support, count)
                for (candidate, score, count), support in zip(scored, stem_support, strict=True)
            )
        )

    def _glued_parts(self, word: str) -> tuple[str, str] | None:
        if self.lexicon.lookup(word).status != "unknown":
            return None
        splits = [
            (word[:i], word[i:])
            for i in range(GLUED_STEM, len(word) - GLUED_WORD + 1)
            if self.starts_word(word[i:]) and self.ends_word(word[:i])
        ]
        return splits[0] if len(splits) == 1 else None

    def starts_word(self, part: str) -> bool:
        """A second part that is a word, not a suffix chain: five letters or more, none of
        its beginnings a suffix (-лерді, -тері, -нан, -дей are endings the OCR did not cut
        off; дала or терек are lost to this rule, a miss rather than a wrong split)."""
        # the beginnings first: a few set lookups, where the analysis of a long part is not
        return (
            len(part) >= GLUED_WORD
            and not any(part[:n] in self.suffix_forms for n in self.suffix_lengths)
            and self.lexicon.is_word(part)
        )

    def ends_word(self, part: str) -> bool:
        """A first part that closes a word: every reading ends in an inflection a word can
        end with, or a derivation that makes an adjective, on a stem of four letters or more
        (құрбан-дар-ы, объектив-ті). A bare stem starts a solid compound as often
        (жалпыодақтық, бетбағыт), and a short one is a chance split inside a word
        (қыз-ға|нуды)."""
        readings = self.lexicon.analyze(part)
        # a form the list has whole counts as closed when it also reads as an adjective
        # (объективті: объектив-ті); a bare stem alone does not (жалпы, бет)
        adjective = any(r.tags and r.tags[-1] in ADJECTIVE_ENDINGS for r in readings)
        return bool(readings) and all(
            (adjective and not r.tags)
            or (
                len(r.stem) >= GLUED_STEM
                and bool(r.tags)
                and (category(r.tags[-1]) in WORD_FINAL or r.tags[-1] in ADJECTIVE_ENDINGS)
            )
            for r in readings
        )

    def whole_word(self, word: str, glued: bool = False) -> bool:
        """A Kazakh word no abbreviation could be: the word before a period that cannot end
        a sentence is then a speck. An abbreviation is cut before a vowel (долл., реж.,
        млн.), so the word must end in a vowel or carry a suffix (құрамы, басым, жатқан);
        glued to the next word (хоккей.командалары), five letters are enough."""
        entry = self.lexicon.lookup(word)
        if not entry.valid or word.lower() in self.lexicon.abbreviations:
            return False
        native = [r for r in entry.readings if r.source in ("kk", "curated")]
        if glued and native and len(word) >= 5:
            return True
        return any(r.suffixes for r in native) or (bool(native) and word[-1] in VOWEL_LETTERS)

    def stacked(self, reading: Analysis) -> bool:
        """Does a reading inflect again what the list holds as an inflected form, against the
        order plural, possessive, case (тұрғындарын-ы-н on тұрғын-дар-ы-н)? Kazakh does
        not; such a reading is an artefact of the list, and -ынын is far likelier -ының
        with ң lost. (Омыртқаң-мен, a case after a possessive, is the usual order.)"""
        if not reading.tags or (outer := INFLECTION_ORDER.get(category(reading.tags[0]))) is None:
            return False
        return any(
            len(inner.tags) >= 2  # one ending (омырт-қа) is a chance split of a stem
            and INFLECTION_ORDER.get(category(inner.tags[-1]), -1) >= outer
            for inner in self.lexicon.native.analyze(reading.stem)
        )

    def stem_evidence(self, readings: tuple[Analysis, ...]) -> tuple[int, int]:
        """The best evidence for any reading's stem: how many kk-list forms stand on it, and
        how often the corpus uses it in any form. An inflected form the list holds as a stem
        (тұрғындарын, read on into тұрғындарын-ы-н) has a family of one."""
        stems = {r.stem for r in readings if len(r.stem) >= SHORT_STEM}
        family = max((self.lexicon.family(stem) for stem in stems), default=0)
        uses = max((self.lexicon.stem_frequency(stem) for stem in stems), default=0)
        return family, uses

    def is_kazakh(self, paragraph: str) -> bool:
        """Kazakh by its letters, or, having lost them, by its words: more of them analyse
        as Kazakh words than are Russian ones. Remembered for the last paragraphs asked: the
        spelling stage asks again of every paragraph the OCR stage left as it was."""
        if (known := self.kazakh_paragraphs.get(paragraph)) is None:
            known = self._is_kazakh(paragraph)
            if len(paragraph) <= MEMO_PARAGRAPH_CHARACTERS:
                if len(self.kazakh_paragraphs) >= MEMO_PARAGRAPHS:
                    self.kazakh_paragraphs.clear()  # bounded: a document's worth at most
                self.kazakh_paragraphs[paragraph] = known
        return known

    def _is_kazakh(self, paragraph: str) -> bool:
        language = paragraph_language(paragraph)
        if language in ("kk", "ru", None) and letter_noise(paragraph):
            return False
        if language == "kk":
            return True
        if language not in ("ru", None):
            return False
        words = [w.lower() for w in TOKEN.findall(paragraph)]
        kazakh = sum(1 for w in words if self.lexicon.native.is_word(w))
        russian = sum(1 for w in words if w in self.lexicon.russian_forms)
        return kazakh > russian


def letter_noise(paragraph: str) -> bool:
    """Letters no language would write: a long paragraph whose letters score, per letter,
    below NOISE_PER_LETTER by the Kazakh-Russian character model."""
    letters = count_matching(NOT_LETTER, paragraph)
    if letters < NOISE_MIN_LETTERS:
        return False
    return kazakh_model().score(paragraph) / letters < NOISE_PER_LETTER


_CORRECTORS: dict[tuple[str, str, int], tuple[object, Corrector]] = {}


def corrector_for(context: Context) -> Corrector:
    """The corrector of a rules version and corpus, built once per process."""

    def build() -> Corrector:
        lexicon = base_lexicon(context.rules).with_counts(context.statistics.counts)
        return Corrector(lexicon, index_for(context.rules), context.rules)

    return per_corpus(_CORRECTORS, context, build)


_INDEXES: dict[tuple[str, str], CandidateIndex] = {}


def index_for(rules: Rules) -> CandidateIndex:
    key = (rules.folder, rules.fingerprint)
    if key not in _INDEXES:
        _INDEXES[key] = CandidateIndex(base_lexicon(rules), rules.confusions)
    return _INDEXES[key]


def fix_ocr_swaps(text: str, context: Context) -> tuple[str, Changes]:
    changes = Changes()
    corrector = corrector_for(context)
    threshold = context.rules.threshold("ocr")
    choice = float(context.rules.parameter("ocr", "choice_threshold", threshold))
    if corrector.decision == "model":
        threshold, choice = 0.0, edit_threshold(context.rules)
    veto = VETO if corrector.decision == "channel+veto" and corrector.model else None
    kept = kept_share(text)
    quiet = corrector.quiet
    # A word's edit is the same throughout the document (`kept` is the document's), and in
    # every document that kept as much: judged once, then copied to each place. Text that lost
    # its letters needs an edit in most words.

    def judged(word: str, position: int) -> Edit | None:
        if (e := corrector.edit_in((word, kept))) is None:
            return None
        evidence = dict(e.evidence or {})  # its own: a record of the edit at this place
        return Edit(
            e.stage, e.rule, e.before, e.after, position, e.confidence, evidence, e.alternatives
        )

    def fix_paragraph(paragraph: str, offset: int) -> str:
        if not corrector.is_kazakh(paragraph):
            return paragraph
        paragraph = remove_specks(paragraph, corrector, changes)
        replacements: list[tuple[int, int, str]] = []
        for start, word, bare, at_end in tokens(paragraph, quiet):
            if bare is not None and (not bare or sign_is_punctuation(bare, at_end, corrector)):
                if not bare:
                    continue
                word = bare  # Келдік! : the word, then its exclamation mark
            if len(word) > MAX_WORD_LETTERS:
                continue
            if word in quiet or ending_of_valid_compound(paragraph, start, word, corrector):
                continue
            if is_unit_after_number(paragraph, start, word, context.rules.units):
                continue
            if part_of_hyphenated_name(paragraph, start, start + len(word)):
                continue
            edit = judged(word, offset + start)
            sure = edit is not None and edit.evidence["wrong"] >= threshold
            sure = sure and edit.confidence >= choice
            # the channel decides, the model may veto: never an edit of a word it finds
            # likelier right as written (a name, a loan, a gap of the lexicon)
            sure = sure and (veto is None or edit.evidence["model"]["wrong"] >= veto)
            if not sure and (glued := split_glued(word, offset + start, corrector)):
                edit, sure = glued, True
            if edit is not None:
                record(edit, sure, changes, replacements, start, start + len(word))
            elif len(quiet) < MAX_QUIET:
                quiet.add(word)
        return splice(paragraph, replacements)

    return by_paragraph(text, fix_paragraph), changes


AFTER_NUMBER = regex.compile(r"\d[ \u00a0\u202f]?$")


def is_unit_after_number(text: str, start: int, word: str, units: frozenset[str]) -> bool:
    """Is the word at `start` a unit of measure right after a number (`200 га`, `5км`)? Then
    it is no Kazakh word that lost a letter (rules/kk/units.txt)."""
    return word.lower() in units and AFTER_NUMBER.search(text, max(0, start - 2), start) is not None


def edit_threshold(rules: Rules) -> float:
    """The probability an edit needs when the model decides: `precision` is the share of
    applied edits that must be right, which the model's table turns into a probability."""
    precision = float(rules.parameter("ocr", "precision", 0.97))
    model = rules.decision_model
    return model.threshold_for(precision) if model else 1.0


def ending_of_valid_compound(paragraph: str, start: int, word: str, corrector: Corrector) -> bool:
    """The word after a hyphen completes a form the lexicon knows whole: the case ending of
    an abbreviation (ОК-тің, where the corpus writes ОК in capitals again and again), the
    second word of a compound. Alone it is no word, and no OCR error either."""
    if start < 2 or paragraph[start - 1] != "-":
        return False
    # searched from at most a word's length back: from the paragraph's start, every
    # hyphenated word would read the paragraph again
    window = max(0, start - 2 - MAX_WORD_LETTERS)
    head = HEAD_BEFORE_HYPHEN.search(paragraph, window, start - 1)
    if head is None or (head.start() == window > 0 and paragraph[window - 1].isalnum()):
        return False  # no head, or one longer than any word
    whole = corrector.lexicon.lookup(f"{head.group()}-{word}")
    return whole.valid or whole.source == "abbreviation"  # attested: ОК in the corpus


# A capitalised word and a hyphen, or a hyphen and a capitalised word: seen from the word
# (searched at its end, looked behind from its start), the other part of a hyphenated name.
NAME_PART_AFTER = regex.compile(r"-\p{Lu}")
NAME_PART_BEFORE = regex.compile(r"(?<=(?<!\p{L})\p{Lu}\p{L}*-)", regex.V1)


def part_of_hyphenated_name(paragraph: str, start: int, end: int) -> bool:
    """A capitalised word joined by a hyphen to another (`Ла-Маншта`, `Сен-Жермен`): a name,
    whose parts are no Kazakh words to correct (`Ла` is no misread `Лә`)."""
    if not paragraph[start].isupper():
        return False
    if NAME_PART_AFTER.match(paragraph, end):
        return True
    return bool(start > 1 and NAME_PART_BEFORE.match(paragraph, start))


def by_paragraph(text: str, fix_paragraph: Callable[[str, int], str]) -> str:
    """`fix_paragraph(paragraph, offset)` over each paragraph; the offset is where the
    paragraph starts in the output (the position an edit records)."""
    paragraphs, offset = [], 0
    for paragraph in text.split("\n\n"):
        paragraph = fix_paragraph(paragraph, offset)
        paragraphs.append(paragraph)
        offset += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def record(
    edit: Edit,
    sure: bool,
    changes: Changes,
    replacements: list[tuple[int, int, str]],
    start: int,
    end: int,
) -> None:
    """Apply a sure edit (its replacement to splice in), suggest the others for review."""
    if sure:
        changes.apply(edit)
        replacements.append((start, end, edit.after))
    else:
        changes.suggest(edit)


def remove_specks(paragraph: str, corrector: Corrector, changes: Changes) -> str:
    """Specks OCR read as periods: after a whole Kazakh word before a lower-case one
    (`құрамы. бірнеше`: no sentence starts in lower case), or glued between two words
    (`хоккей.командалары`, `екі .бөліктен`); an abbreviation keeps its period (`млн. адам`),
    and so does a predicate (`келді. бүгін`: a sentence whose next one lost its capital).
    And spaces read as hyphens after a word no compound begins with (`мен-Орта`, `да-маған`:
    rules/kk/standalone.txt), unless the hyphen joins two capitalised parts (a name: `Де-Голль`,
    `Бен-Гурион`), the Arabic article to a name (`ал-Фараби`), or is listed in
    rules/kk/hyphenated.txt (the particles `-ақ` `-ау` `-ай`: `үшін-ақ`; `де-факто`)."""

    def ends_word(match: regex.Match) -> str:
        word = match.group(1)
        glued = match.group(2)
        if (
            not corrector.whole_word(word, glued=bool(glued))
            or predicates.ends_sentence(word)
            or (glued and not corrector.lexicon.is_word(glued))
        ):
            return match.group()
        changes.count("ocr:speck")
        return f" {glued}" if glued else ""

    def space_for_hyphen(match: regex.Match) -> str:
        word, after = match.group(1), match.group(2)
        lower = word.lower()
        if (
            lower not in standalone
            or lower == after.lower()
            or (after[0].isupper() and (word[0].isupper() or lower == "ал"))  # a name
            or kept_hyphenated(lower, after.lower(), corrector.hyphenated)
        ):
            return match.group()
        changes.count("ocr:hyphen-for-space")
        return f" {after}"

    standalone, predicates = corrector.standalone, corrector.predicates
    paragraph, n = SPECK_BEFORE_WORD.subn("", paragraph)
    changes.count("ocr:speck", n)
    paragraph = SPECK_AFTER_WORD.sub(ends_word, paragraph)
    return HYPHENATED.sub(space_for_hyphen, paragraph)


def kept_hyphenated(head: str, tail: str, hyphenated: frozenset[str]) -> bool:
    """A particle written after a hyphen (`үшін-ақ`) or a listed compound (`де-факто`)."""
    return f"-{tail}" in hyphenated or f"{head}-{tail}" in hyphenated


def tokens(
    paragraph: str, quiet: AbstractSet[str] = frozenset()
) -> list[tuple[int, str, str | None, bool]]:
    """Words as OCR left them, with their offsets; the word without its trailing sign where
    that sign may be punctuation, and whether a sentence may end after it. Before a
    lower-case word a trailing sign is a letter (`бедер! манында`). Elsewhere (`Келдік!`,
    `дейд!.`, `Себеб1,`, `диаметр! 160`) `sign_is_punctuation` asks the lexicon. Words of
    letters only that are `quiet` (judged before, no edit) are left out: most words of a
    paragraph are, and the caller would pass over them."""
    found = []
    for match in TOKEN.finditer(paragraph):
        word, bare, at_end = match.group(), None, False
        if word in quiet and word.isalpha():
            continue
        if not word.isalpha():  # most tokens are letters only, and have no sign to look at
            sign = TRAILING_SIGN.search(word)
            if sign and not NEXT_IS_LOWER.match(paragraph, match.end()):
                if NEXT_IS_PLAIN.match(paragraph, match.end()):
                    bare = word[: sign.start()]
                    at_end = SENTENCE_MAY_END.match(paragraph, match.end()) is not None
                else:  # before a symbol or an invisible character: no letter, as ever
                    word = word[: sign.start()]
            if sum(ch.isalpha() or ch in SIGNS for ch in word) < 2:
                continue  # a letter and a sign may be a word (1р! for ірі); a letter alone not
            if bare is not None and len(bare) < 2:
                bare = ""  # no word without the sign
        if len(word) >= 2:
            found.append((match.start(), word, bare, at_end))
    return found


def sign_is_punctuation(bare: str, at_end: bool, corrector: Corrector) -> bool:
    """Is the sign after `bare` punctuation? When `bare` is a word the lexicon or the corpus
    knows, or could be (an abbreviation, a name). Where a sentence may end (`Келдік!`), an
    exclamation mark is the likelier reading: there `bare` must also be no OCR error of a
    word (`кетпейд!` for кетпейді, but `кәйтесің!`, a form one confusion from a word)."""
    if (bare.isupper() and len(bare) <= 5) or not VOWEL.search(bare):
        return True
    entry = corrector.lexicon.lookup(bare)
    if entry.status != "unknown" or entry.source == "name":
        return True
    return at_end and corrector.decide(bare.lower()) is not None


def kept_share(text: str) -> float:
    """How much of its Kazakh letters a text kept: 1 for ordinary Kazakh prose, 0 for a text
    OCR read with a Russian model."""
    cyrillic = count_matching(NOT_CYRILLIC_BLOCK, text)
    kazakh = count_letters(text, KAZAKH_LETTERS)
    return min(1.0, kazakh / (KAZAKH_LETTER_SHARE * cyrillic)) if cyrillic else 1.0


def split_glued(word: str, position: int, corrector: Corrector) -> Edit | None:
    """Two words the OCR glued together, where the boundary is clear: the only split of
    an unknown word into two words whose first part is inflected (құрбандары|болды) and
    whose second is no suffix chain. A solid compound the lexicon lacks starts with a bare
    stem (бет|бағыт, жалпы|одақтық) and stays."""
    if not word.islower() or not word.isalpha():
        return None
    parts = corrector.glued_parts(word)
    if parts is None:
        return None
    after = " ".join(parts)
    evidence = {"parts": list(parts), "observed_count": corrector.lexicon.frequency(word)}
    return Edit("ocr", "ocr:glued", word, after, position, 1.0, evidence)


def correct_word(word: str, position: int, corrector: Corrector, kept: float) -> Edit | None:
    """The edit for one word, or None: a known word, a name, an abbreviation, no candidate."""
    if word.isupper() and len(word) <= 5:
        return None  # abbreviations and Roman numerals: ХІХ, КСРО
    if not VOWEL.search(word):
        return None  # км, млн: abbreviations without their period
    entry = corrector.lexicon.lookup(word)
    if entry.valid or entry.source == "name":
        return None
    decision = corrector.decide(word.lower())
    if decision is None:
        return None
    ranked = decision.ranked(kept)
    best = ranked[0][0]
    # P(the word is an error) and P(the best candidate is the word meant | it is one), by the
    # channel's costs and by the fitted model (no model while one is being fitted)
    channel_choice, channel_wrong = channel_posterior(word, ranked, kept)
    features = word_features(word, ranked, kept, corrector.lexicon, (channel_choice, channel_wrong))
    model = corrector.model
    model_wrong = model.wrong.probability(features) if model else 0.0
    model_choice = model.choice.probability(features) if model else 0.0
    model_right = model.right_of(model_wrong, model_choice) if model else 0.0
    by_model = corrector.decision == "model"
    wrong = model_wrong if by_model else channel_wrong
    evidence = {
        "candidates": [[c.word, round(score, 2), n] for c, score, n in ranked[:5]],
        "edits": [str(edit) for edit in best.edits],
        "observed_count": corrector.lexicon.frequency(word),
        "wrong": round(wrong, 3),
        "channel": {"wrong": round(channel_wrong, 3), "choice": round(channel_choice, 3)},
        "model": {
            "wrong": round(model_wrong, 3),
            "choice": round(model_choice, 3),
            "right": round(model_right, 3),
        },
        "features": {name: round(value, 3) for name, value in features.items()},
    }
    alternatives = tuple(same_case(word, c.word) for c, _, _ in ranked[1:5])
    rule = "ocr:" + kind_of_edits(best.edits)
    # the model's probability that the edit is right; the channel's share of the candidate
    sure = round(model_right if by_model else channel_choice, 3)
    return Edit(
        "ocr", rule, word, same_case(word, best.word), position, sure, evidence, alternatives
    )


def category(tag: str) -> str:
    """possessive.3 -> possessive"""
    return tag.split(".", 1)[0]


def kind_of_edits(edits: tuple[Confusion, ...]) -> str:
    """The rule an edit is counted under: the least ordinary kind of confusion it needed."""
    kinds = {edit.kind for edit in edits}
    for kind in ("doubled", "dropped", "swap", "sequence", "kazakh", "symbol"):
        if kind in kinds:
            return kind
    return "lost"


def same_case(model: str, word: str) -> str:
    letters = [ch for ch in model if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return word.upper()
    if model[:1].isupper() or (model[:1] in "1!|" and model[1:2].isupper()):
        return word[:1].upper() + word[1:]
    return word


def splice(text: str, replacements: list[tuple[int, int, str]]) -> str:
    pieces, last = [], 0
    for start, end, new in replacements:
        pieces += [text[last:start], new]
        last = end
    return "".join(pieces) + text[last:]


STAGE = Stage(
    "ocr",
    fix_ocr_swaps,
    "corrects words the lexicon does not know into valid words through the confusions of "
    "rules/kk/confusions.tsv (lost Kazakh letters, signs for і, classic swaps), when confident",
)

"""Encoding stage: repair mojibake, with ftfy and with the chains ftfy does not know.

ftfy repairs UTF-8 that was decoded as cp1251, cp1252 or Latin-1 (configured here for encoding
repair only: quotes, ligatures, widths, entities and normalisation are other stages' business).
After it, the chains of `rules/kk/mojibake.tsv` (UTF-8 read as KZ-1048, PT154, KOI8-R, CP866,
mac-cyrillic, ISO-8859-5; KZ-1048 and PT154 read as cp1251 or as each other) and the legacy
KZ-font remap of `rules/kk/legacy_fonts.tsv` are tried on each line that shows their traces.

No repair is applied blindly. A line is examined only when it shows characters ordinary
Kazakh and Russian text does not have (`SUSPECT`) and a chain's own evidence. The chain is then
applied to every word of the line that shows its traces, when the character model scores the
repaired line higher by `min_gain` (half that when the repair removes letters no Kazakh or
Russian text has) and the line does not read better as Ukrainian, Belarusian, Macedonian or
Serbian (so `Јован`, `ќе`, `Київ` stay as they are). A chain proven in a document also repairs
its lines too short to prove anything themselves (an initial alone). Each repaired line is one
edit whose evidence holds the plan (the steps, replayable with `replay_plan`) and the gain.
"""

from __future__ import annotations

import copy
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import regex

from flows.document import Changes, Edit, changed_span
from flows.kazakh.charmodel import CharModel, kazakh_model, other_cyrillic_model
from flows.kazakh.harmony import BACK_VOWELS, FRONT_VOWELS, VOWELS
from flows.lazypattern import LazyPattern
from flows.rules import Rules
from flows.stages.base import Context, Stage

if TYPE_CHECKING:
    import ftfy


MIN_GAIN = 4.0  # log-probability a line must gain from a repair; pipeline.toml [encoding]
ROUNDS = 2  # mojibake of mojibake
KAZAKH_FONT = "kz-font"


# ftfy is imported when a line first needs it: its import takes as long as the rest of
# `tazala clean`'s start-up, and most text has no mojibake.
@cache
def encoding_only() -> ftfy.TextFixerConfig:
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        remove_control_chars=False,
        normalization=None,
        explain=True,
    )


@cache
def badness() -> re.Pattern:
    from ftfy.badness import BADNESS_RE

    return BADNESS_RE


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: built once per rules
class Repair:
    """One way text got garbled, and how to undo it for a word."""

    name: str
    read_as: str  # the encoding the bytes were wrongly read as ("" for a font remap)
    true_encoding: str
    table: dict[int, str] | None  # single-byte mix-ups are a character map
    # both compiled when first searched: a text without mojibake never is
    evidence: LazyPattern  # what only a text garbled this way contains
    trigger: LazyPattern  # what a garbled word contains, once the line shows evidence

    def apply(self, word: str) -> str | None:
        if self.table is not None:
            return word.translate(self.table)
        try:
            return word.encode(self.read_as).decode(self.true_encoding)
        except (UnicodeEncodeError, UnicodeDecodeError):
            return None

    def repair(self, word: str, model: CharModel) -> str | None:
        """The word repaired into plain text, undoing the garbling once or, where once leaves
        it garbled (mojibake of mojibake: `Р\xa0В±`), twice; None if that fails."""
        fixed = self.apply(word)
        # Only UTF-8 mojibake is seen in two layers; a code-page map applied twice would
        # turn a real letter into another (ғ -> ә in `қоғмдық`).
        if self.table is None and fixed and fixed != word and self.trigger.search(fixed):
            twice = self.apply(fixed)
            if (
                twice
                and model.is_plain(twice)
                and (not model.is_plain(fixed) or model.score(twice) > model.score(fixed))
            ):
                fixed = twice
        if not fixed or fixed == word or not model.is_plain(fixed):
            return None
        # Garbled text shows its letters as letters: a word of ordinary letters whose
        # "repair" holds none is a coincidence (`ТАТА`, UTF-8 `°°` read as ISO-8859-5), unlike
        # a sign garbled with a letter before it (`В°` -> `°`).
        if word.isalpha() and model.is_plain(word) and not any(ch.isalpha() for ch in fixed):
            return None
        return fixed


def _byte_chars(encoding: str, first: int, last: int) -> str:
    chars = []
    for byte in range(first, last + 1):
        try:
            chars.append(bytes([byte]).decode(encoding))
        except UnicodeDecodeError:
            continue
    return "".join(chars)


def _char_class(chars: str) -> str:
    return "[" + "".join(regex.escape(ch) for ch in sorted(set(chars))) + "]"


def build_repair(name: str, read_as: str, true_encoding: str, alphabet: str) -> Repair:
    """A repair for bytes in `true_encoding` read as `read_as`; `alphabet` holds the letters
    of ordinary text, which alone are no evidence of garbling."""
    if true_encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        # A UTF-8 character read as a single-byte code page: a lead character, then one
        # continuation character (Cyrillic letters are two bytes), or for the three-byte
        # characters of ordinary text (dashes and quotes E2 80 xx, № E2 84 xx) exactly those.
        # Looser, CP866's lead bytes would be ordinary lower-case letters. Two such pairs in
        # a row are the evidence; one marks a garbled word in a suspect line.
        # Lead bytes of ordinary text: C2-C3 (« » ° and the like), D0-D3 (Cyrillic).
        lead2 = _char_class(_byte_chars(read_as, 0xC2, 0xC3) + _byte_chars(read_as, 0xD0, 0xD3))
        tails = _byte_chars(read_as, 0x80, 0xBF)
        continuation = _char_class(tails)
        punctuation = _char_class(_byte_chars(read_as, 0xE2, 0xE2)) + _char_class(
            _byte_chars(read_as, 0x80, 0x80) + _byte_chars(read_as, 0x84, 0x84)
        )
        pair = f"(?:{lead2}{continuation}|{punctuation}{continuation})"
        # One pair is evidence enough when its second character is no letter of ordinary
        # text (KOI8-R's box drawing); otherwise it takes two pairs in a row.
        leads = _byte_chars(read_as, 0xC2, 0xC3) + _byte_chars(read_as, 0xD0, 0xD3)
        odd_tails = "".join(ch for ch in tails if ch.lower() not in alphabet)
        odd_leads = "".join(ch for ch in leads if ch.lower() not in alphabet)
        evidence = f"{pair}{pair}"
        if odd_tails:
            evidence += f"|{lead2}{_char_class(odd_tails)}"
        if odd_leads:
            evidence += f"|{_char_class(odd_leads)}{continuation}"
        return Repair(name, read_as, true_encoding, None, LazyPattern(evidence), LazyPattern(pair))
    table = {}
    for byte in range(256):
        try:
            seen, meant = bytes([byte]).decode(read_as), bytes([byte]).decode(true_encoding)
        except UnicodeDecodeError:
            continue
        if seen != meant:
            table[ord(seen)] = meant
    return _map_repair(name, read_as, true_encoding, table, alphabet)


def _map_repair(
    name: str, read_as: str, true_encoding: str, table: dict[int, str], alphabet: str
) -> Repair:
    # KZ-1048 read as PT154 turns ғ into ә: a garbled text may hold ordinary letters in
    # wrong places, but only letters foreign to Kazakh and Russian are evidence.
    seen = "".join(map(chr, table))
    foreign = "".join(ch for ch in seen if ch.lower() not in alphabet)
    patterns = [_char_class(foreign)] if foreign else []
    patterns += sorted({p for ch in seen if (p := harmony_violation(ch))})
    evidence = LazyPattern("|".join(patterns) or "(?!)")
    return Repair(name, read_as, true_encoding, table, evidence, LazyPattern(_char_class(seen)))


def harmony_violation(letter: str) -> str | None:
    """Where a chain that swaps ordinary Kazakh letters (KZ-1048 read as PT154 turns ғ into ә)
    shows: a front vowel touching a back vowel (`орталыәы`), a back one touching a front one,
    or a consonant with no vowel on either side where a vowel stood (`мғселе`). Whole-word
    harmony is no evidence: compounds, loans and invariant suffixes mix the vowel classes."""
    letter = letter.lower()
    both = f"[{letter}{letter.upper()}]"
    front, back = _both_cases(FRONT_VOWELS), _both_cases(BACK_VOWELS)
    if letter in FRONT_VOWELS:
        return f"{both}[{back}]|[{back}]{both}"
    if letter in BACK_VOWELS:
        return f"{both}[{front}]|[{front}]{both}"
    if letter in "ғқң":
        # between consonants, or starting a word before one: where a vowel stood
        consonant = f"[^\\W\\d_{_both_cases(VOWELS)}]"
        return f"(?:(?<={consonant})|(?<![^\\W\\d_])){both}(?={consonant})"
    return None


def _both_cases(letters: str) -> str:
    return letters + letters.upper()


def font_repair(remap: dict[str, str], alphabet: str) -> Repair:
    table = {ord(seen): meant for seen, meant in remap.items()}
    return _map_repair(KAZAKH_FONT, "", "", table, alphabet)


_REPAIRS: dict[str, tuple[Repair, ...]] = {}


def repairs_for(rules: Rules) -> tuple[Repair, ...]:
    """The repairs of a rules folder, built once per rules fingerprint."""
    if rules.fingerprint not in _REPAIRS:
        alphabet = "".join(kazakh_model().unigrams)
        repairs = [
            build_repair(c.name, c.read_as, c.true_encoding, alphabet) for c in rules.mojibake
        ]
        if rules.legacy_fonts:
            repairs.append(font_repair(rules.legacy_fonts, alphabet))
        _REPAIRS[rules.fingerprint] = tuple(repairs)
    return _REPAIRS[rules.fingerprint]


@cache
def any_evidence(repairs: tuple[Repair, ...]) -> re.Pattern:
    """Every chain's evidence in one pattern, each alternative once (chains share some), for
    the standard `re` engine, which runs these plain classes faster than `regex`."""
    alternatives: dict[str, None] = {}
    for repair in repairs:
        for alternative in _top_level_alternatives(repair.evidence.pattern):
            alternatives.setdefault(alternative)
    return re.compile("|".join(alternatives) or "(?!)")


def _top_level_alternatives(pattern: str) -> list[str]:
    """Split a pattern at the `|` that are not inside brackets or groups."""
    parts, depth, start, escaped, in_class = [], 0, 0, False, False
    for i, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def repair_words(line: str, repair: Repair, model: CharModel) -> tuple[str, float, bool]:
    """The line with every word that shows `repair`'s traces repaired, the net gain, and
    whether the repair removed characters that no Kazakh or Russian text has.

    Garbling is a property of how the line was stored, not of each word: the decision is the
    line's net gain (words the repair makes worse count against it), and once taken it holds
    for every word of the line, rare words, initials and abbreviations too.
    """
    words = line.split(" ")
    net, changed, removes_odd = 0.0, False, False
    for i, word in enumerate(words):
        repaired = repaired_word(word, repair, model)
        if repaired is None:
            continue
        fixed, gain, odd = repaired
        net += gain
        removes_odd = removes_odd or odd
        words[i], changed = fixed, True
    return (" ".join(words), net, removes_odd) if changed else (line, 0.0, False)


# A garbled file repeats its words as any text does: each word's repair and its score are
# remembered per chain (words of ordinary length only, a bounded number of them), which makes
# the stage several times faster on a long garbled text and changes nothing it decides.
MEMO_WORD_LENGTH = 64
MEMO_WORDS = 200_000


_WORD_MEMO: dict[tuple[str, Repair, int], tuple[str, float, bool] | None] = {}


def repaired_word(word: str, repair: Repair, model: CharModel) -> tuple[str, float, bool] | None:
    """The word repaired by `repair`, the score it gains, and whether it held characters that
    no Kazakh or Russian text has; None when the word shows no trace of `repair` or the repair
    does not apply."""
    key = (word, repair, id(model))  # the models are built once per process
    if key in _WORD_MEMO:
        return _WORD_MEMO[key]
    result = score_repair(word, repair, model)
    if len(word) <= MEMO_WORD_LENGTH:
        if len(_WORD_MEMO) >= MEMO_WORDS:
            _WORD_MEMO.clear()  # bounded: start again rather than track what is oldest
        _WORD_MEMO[key] = result
    return result


def score_repair(word: str, repair: Repair, model: CharModel) -> tuple[str, float, bool] | None:
    if not repair.trigger.search(word):
        return None
    fixed = repair.repair(word, model)
    if fixed is None:
        return None
    return fixed, model.score(fixed) - model.score(word), not model.is_plain(word)


def repair_line(
    line: str, repairs: tuple[Repair, ...], model: CharModel, min_gain: float
) -> tuple[str, list[str], float]:
    """Apply the best-scoring repair while one gains enough; returns (line, plan, gain)."""
    plan, total, mapped = [], 0.0, False
    for _ in range(ROUNDS):
        best = None
        for repair in repairs:
            # A second round undoes a second layer of UTF-8 mojibake; a line goes through a
            # single-byte code-page mix-up once at most.
            if (mapped and repair.table is not None) or not repair.evidence.search(line):
                continue
            fixed, gain, removes_odd = repair_words(line, repair, model)
            # Removing letters or signs that no Kazakh or Russian text has is evidence of its
            # own: such a repair needs half the gain of one that only swaps ordinary letters.
            needed = min_gain / 2 if removes_odd else min_gain
            if gain >= needed and (best is None or gain > best[0]):
                best = (gain, repair.name, fixed)
        if best is not None:
            # The line may be no mojibake at all but Ukrainian, Belarusian, Macedonian or
            # Serbian: the repair must also beat that reading of it.
            other = other_cyrillic_model().score(line) - model.score(line)
            if other > 0 and best[0] - other < min_gain:
                best = None
        if best is None:
            break
        total += best[0]
        plan.append(best[1])
        line = best[2]
        mapped = mapped or next(r for r in repairs if r.name == best[1]).table is not None
    return line, plan, total


def replay_plan(text: str, plan: list[list], rules: Rules) -> str:
    """Apply a logged plan again: ["ftfy", ftfy's steps] and ["chain", name] steps."""
    by_name = {r.name: r for r in repairs_for(rules)}
    model = kazakh_model()
    for kind, detail in plan:
        if kind == "ftfy":
            import ftfy

            text = ftfy.apply_plan(text, detail)
        else:
            repair = by_name[detail]
            text = " ".join(
                (repair.repair(w, model) or w) if repair.trigger.search(w) else w
                for w in text.split(" ")
            )
    return text


def fix_encoding(text: str, context: Context) -> tuple[str, Changes]:
    """Repair mojibake line by line; each repaired line is one edit with its plan."""
    changes = Changes()
    if text.isascii():
        return text, changes
    rules = context.rules
    repairs = repairs_for(rules)
    min_gain = float(rules.parameter("encoding", "min_gain", MIN_GAIN))
    # One cheap scan of the whole document finds the lines that may show mojibake; only they
    # get the precise tests (ftfy's, each chain's evidence). Most documents have none.
    suspect = lines_matching(text, FOREIGN) | lines_matching(text, SUSPECT_PAIR)
    if len(text) <= SHORT_TEXT:
        suspect |= lines_matching(text, any_evidence(repairs))
    if not suspect:
        return text, changes
    lines = text.split("\n")
    evidence_lines = {i for i in suspect if any_evidence(repairs).search(lines[i])}
    suspect = evidence_lines | {i for i in suspect if badness().search(lines[i])}
    model = kazakh_model() if evidence_lines else None
    repaired: dict[int, tuple[str, list[list], float]] = {}
    proof: dict[str, float] = {}  # chain -> gain it showed in this document
    for i in sorted(suspect):
        line = lines[i]
        if not line.isascii():
            fixed, plan, gain = fix_line_once(line, repairs, i in evidence_lines, min_gain)
            if fixed != line:
                repaired[i] = (fixed, plan, gain)
                for kind, name in plan:
                    if kind == "chain":
                        proof[name] = proof.get(name, 0.0) + gain
    if model is not None:
        repaired |= repair_with_document_proof(lines, repaired, proof, repairs, model, min_gain)
    if not repaired:
        return text, changes
    offset = 0
    for i, line in enumerate(lines):
        if i in repaired:
            fixed, plan, gain = repaired[i]
            start, before, after = changed_span(line, fixed)
            rule = "+".join(step[1] if step[0] == "chain" else "ftfy" for step in plan)
            evidence = {"plan": plan, "line": line, "gain": round(gain, 2)}
            changes.apply(Edit("encoding", rule, before, after, offset + start, 1.0, evidence))
            lines[i] = fixed
        offset += len(line) + 1
    return "\n".join(lines), changes


def lines_matching(text: str, pattern) -> set[int]:
    """Indexes of the lines of `text` where `pattern` matches, from one scan of the text (the
    line breaks are counted between the matches, which are few)."""
    lines, line, counted = set(), 0, 0
    for match in pattern.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        lines.add(line)
    return lines


NEWLINE = re.compile("\n")
# What ordinary Kazakh and Russian text does not have: any character but ASCII, the Cyrillic
# letters of both alphabets and everyday punctuation; a small letter glued to a capital
# (UTF-8 read as ISO-8859-5: "аП"); a dash glued to a capital (read as mac-cyrillic: "–Я");
# a cp1251-like lead before « » ° № ("Р°"). Every garbling of a sentence shows one of these.
ORDINARY = "\\x00-\\x7f\\xa0а-яёА-ЯЁәғқңөұүһіӘҒҚҢӨҰҮҺІ«»–—…№°“”„‘’"
SUSPECT = re.compile(f"[^{ORDINARY}]|[а-яёәғқңөұүһі][А-ЯЁӘҒҚҢӨҰҮҺІ]|[–—“”][А-ЯЁ]|[ВГРСТУ][«»°№]")
# SUSPECT's lines, found by two patterns that each start with one class (scanned at C speed,
# where SUSPECT's alternatives are tried at every character): a character out of the
# ordinary, and the second character of one of its pairs (on the line of the first, which is
# no line break).
FOREIGN = re.compile(f"[^{ORDINARY}]")
SUSPECT_PAIR = re.compile(
    "[А-ЯЁӘҒҚҢӨҰҮҺІ«»°№](?<=[а-яёәғқңөұүһі][А-ЯЁӘҒҚҢӨҰҮҺІ]|[–—“”][А-ЯЁ]|[ВГРСТУ][«»°№])"
)
# A text this short may be garbled without one foreign character (KZ-1048 read as PT154 only
# swaps ғ for ә): there the chains' own evidence, vowel harmony included, is searched too.
SHORT_TEXT = 2000
PROOF = 3.0  # a chain whose repairs gained min_gain * PROOF in a document is proven there


def repair_with_document_proof(
    lines: list[str],
    repaired: dict[int, tuple[str, list[list], float]],
    proof: dict[str, float],
    repairs: tuple[Repair, ...],
    model: CharModel,
    min_gain: float,
) -> dict[int, tuple[str, list[list], float]]:
    """Lines too short to prove a garbling themselves (an initial alone, `Рқ.`), repaired by
    a chain the rest of their document proved: garbling happens to whole files."""
    proven = [r for r in repairs if proof.get(r.name, 0.0) >= PROOF * min_gain]
    if not proven:
        return {}
    more: dict[int, tuple[str, list[list], float]] = {}
    for i, line in enumerate(lines):
        if i in repaired or line.isascii():
            continue
        for repair in proven:
            if not repair.trigger.search(line):
                continue
            fixed, gain, _ = repair_words(line, repair, model)
            other = other_cyrillic_model().score(line) - model.score(line)
            # In a proven document a short line needs no gain of its own, only no strong
            # objection: a lone initial scores low as a word whatever its letters.
            if fixed != line and gain > -2 * min_gain and (other <= 0 or gain > other):
                more[i] = (fixed, [["chain", repair.name]], gain)
                break
    return more


# The stage runs again after the stages it can get new work from (flows/clean.py, SETTLE),
# mostly on the same lines: a line's repair is remembered, so that the second look at a
# suspect line that stays as it is (Ukrainian, Serbian, text with foreign letters) is free.
# Bounded memory: the lines remembered hold at most MEMO_CHARACTERS characters in all.
MEMO_CHARACTERS = 4_000_000
_MEMO: OrderedDict[tuple, tuple[str, list[list], float]] = OrderedDict()
_memo_size = 0
_MEMO_LOCK = threading.Lock()


def forget_lines() -> None:
    """Empty the memos of lines and words (for benchmarks that time a cold start)."""
    global _memo_size
    with _MEMO_LOCK:
        _MEMO.clear()
        _memo_size = 0
    _WORD_MEMO.clear()


def fix_line_once(
    line: str, repairs: tuple[Repair, ...], with_model: bool, min_gain: float
) -> tuple[str, list[list], float]:
    """`fix_line`, remembered for the lines seen last."""
    global _memo_size
    key = (line, repairs, with_model, min_gain)
    with _MEMO_LOCK:  # tasks may share a process (a Dask worker's threads)
        result = _MEMO.get(key)
        if result is not None:
            _MEMO.move_to_end(key)
    if result is None:
        result = fix_line(line, repairs, kazakh_model() if with_model else None, min_gain)
        with _MEMO_LOCK:
            if len(line) <= MEMO_CHARACTERS // 4 and key not in _MEMO:
                _MEMO[key] = result
                _memo_size += len(line)
                while _memo_size > MEMO_CHARACTERS:
                    _memo_size -= len(_MEMO.popitem(last=False)[0][0])
    return result[0], copy.deepcopy(result[1]), result[2]  # each edit's evidence its own


def fix_line(
    line: str, repairs: tuple[Repair, ...], model: CharModel | None, min_gain: float
) -> tuple[str, list[list], float]:
    """ftfy then the chains, or the chains alone: ftfy takes UTF-8 read as KZ-1048 or
    ISO-8859-5 for cp1251 or Latin-1 mojibake and garbles it further, so where both paths
    change the line the character model picks the more plausible result."""
    import ftfy

    after_ftfy, ftfy_steps = ftfy.fix_and_explain(line, config=encoding_only())
    if model is None:
        if after_ftfy == line:
            return line, [], 0.0
        return after_ftfy, [["ftfy", [list(step) for step in ftfy_steps or []]]], 0.0
    paths = []
    if after_ftfy != line:
        fixed, chains, gain = repair_line(after_ftfy, repairs, model, min_gain)
        plan = [["ftfy", [list(step) for step in ftfy_steps or []]]]
        paths.append((fixed, plan + [["chain", name] for name in chains], gain))
    fixed, chains, gain = repair_line(line, repairs, model, min_gain)
    if chains:
        paths.append((fixed, [["chain", name] for name in chains], gain))
    if not paths:
        return line, [], 0.0
    if len(paths) == 1:
        return paths[0]
    return max(paths, key=lambda path: model.score(path[0]))


STAGE = Stage(
    "encoding",
    fix_encoding,
    "mojibake: ftfy (UTF-8 read as cp1251/cp1252/Latin-1), and UTF-8 read as KZ-1048, PT154, "
    "KOI8-R, CP866, mac-cyrillic, ISO-8859-5; KZ-1048/PT154 read as cp1251 or each other; "
    "KZ fonts. Each decided per word by the character model",
)

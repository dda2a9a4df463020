"""Characters stage: Unicode, letters that belong to another script, white space, spacing.

Letter changes are logged edit by edit (NFC, Kazakh letter variants, Roman numerals written
with Cyrillic look-alikes, Latin and Cyrillic look-alikes inside a word of the other script).
Invisible characters, white space and punctuation spacing change no letter: they are counted
per rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

import regex

from flows.document import Changes, Edit, line_edits
from flows.rules import Rules
from flows.stages.base import Context, Stage
from flows.stages.quotes import fix_quote_spacing

# Plain classes of code points run on the standard `re` engine, which scans for a class at
# the start of a pattern several times faster than `regex` (the stage runs twice per document).
LINE_ENDS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
LINE_END_CHARACTERS = r"\r\u2028\u2029\x0b\x0c\x85"  # what LINE_ENDS needs
LINE_END_CHARACTER = re.compile(f"[{LINE_END_CHARACTERS}]")
# Zero-width space, word joiner, BOM, soft hyphen, direction marks and embeddings, C0 and C1
# controls (tab and newline excepted).
INVISIBLE_CHARACTER = (
    r"[\u200b\u2060\ufeff\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069"
    r"\x00-\x08\x0e-\x1f\x7f\x80-\x9f]"
)
# One character, then the rest of the run: `re` scans at C speed for a pattern that starts
# with a class, not for one that starts with a repeat (`[...]+`), which it tries everywhere.
INVISIBLE = re.compile(f"{INVISIBLE_CHARACTER}{INVISIBLE_CHARACTER}*")
# Zero-width (non-)joiners only between letters of scripts that never need them (emoji and
# Persian or Indic text keep theirs); looked for once the other invisibles are gone, which
# may have stood between them and a letter (`Һ\u00ad\u200dI`). A whole run at once: linear.
JOINERS = regex.compile(r"(?<=[\p{Cyrillic}\p{Latin}])[\u200c\u200d]+(?=[\p{Cyrillic}\p{Latin}])")
# A tab after a sentence's end separates sentences (tables of sentences pasted from Word).
TAB_AFTER_SENTENCE = re.compile(r"([.!?…][\"»”)]*)\t+")
SPACE_LIKE = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# What the line-end, tab and space-like rules need, in one class: one scan of a text that has
# none of them (a text cleaned once) instead of three
ODD_SPACE = re.compile(rf"[{LINE_END_CHARACTERS}{SPACE_LIKE.pattern[1:-1]}]")
SPACE_RUN = re.compile(r"  +")  # two spaces first: `re` scans for a literal start at C speed
LINE_EDGE_SPACES = regex.compile(r"^ +| +$", regex.MULTILINE)
# The same runs of spaces, found from a literal start (a pattern that starts with `^` or a
# repeat is tried at every character): those before a line break or the end, then those
# after a line break, then the text's start. A run that is a whole line goes in the first.
SPACES_AT_LINE_END = re.compile(r"  *(?=\n|\Z)")
SPACES_AT_LINE_START = re.compile(r"\n +")
BLANK_LINE_RUN = regex.compile(r"\n{3,}")
# A space before closing punctuation that is itself followed by a space, another closing
# mark or the end: "сөз , сөз" -> "сөз, сөз"; ".NET" and " .5" are left alone. Closing quotes
# are not included: "” дейді" is as often an opening quote set the wrong way round.
SPACE_BEFORE_PUNCTUATION = re.compile(r"(?<=\S) +(?=[,.;:!?…)\]]+(?:\s|$))")
# Quote marks: by their role (flows/stages/quotes.py), not here by their glyph.
SPACE_AFTER_OPENING = re.compile(r"(?<=[(\[]) +(?=\S)")
# ", ; :" glued to the next word: "Алматы,Астана" -> "Алматы, Астана". The word before must
# have two letters or more (a lone letter may be an initial misread as "Р,"), and digits on
# either side are left alone ("1,5", "10:30").
MISSING_SPACE_AFTER = re.compile(r"(?<=[^\W\d_]{2}[,;:])(?=[^\W\d_])")
# A word with both Latin and Cyrillic letters has a Latin letter next to a Cyrillic one: that
# pair is searched (rare, and cheap to find), then widened to its word.
SCRIPT_SEAM = re.compile(
    r"[A-Za-z\u00c0-\u024fəƏ][\u0400-\u052f]|[\u0400-\u052f][A-Za-z\u00c0-\u024fəƏ]"
)
# The same seams, found from their Latin letter: a pattern that starts with one class is
# scanned for it at C speed, and a Cyrillic text has few Latin letters, while SCRIPT_SEAM is
# tried at every Cyrillic letter.
LATIN_AT_SEAM = re.compile(
    r"[A-Za-z\u00c0-\u024fəƏ](?:(?=[\u0400-\u052f])|(?<=[\u0400-\u052f][A-Za-z\u00c0-\u024fəƏ]))"
)
WORD_AROUND = regex.compile(r"[\p{L}\p{M}]*")
# A suffix after an abbreviation, set off by a dash with a space on at least one side.
ABBREVIATION_SUFFIX = regex.compile(r"\b(\p{Lu}{2,})(?: +[-–—] *| *[-–—] +)(\p{Ll}+)\b", regex.V1)
# Roman numerals: valid after mapping the Cyrillic look-alikes Х І Ү to X I V.
ROMAN_LOOKALIKES = str.maketrans({"Х": "X", "І": "I", "Ү": "V"})
# Standing on its own: not glued to a letter, a digit or a closing bracket (`РК(б)ІІ` is OCR
# for the abbreviation `РК(б)П`, not a numeral).
ROMAN_CANDIDATE = regex.compile(r"(?<![\w)\]])[XIVLCDMХІҮ]{2,}(?![\w(])")
# where ROMAN_CANDIDATE may match: a run's start (a class first, see INVISIBLE)
ROMAN_RUN = re.compile(r"[XIVLCDMХІҮ][XIVLCDMХІҮ]+")
ROMAN_NUMERAL = regex.compile(r"M{0,4}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
QUOTES_TO_GUILLEMETS = regex.compile(r'[“„"](?=\S)(.*?)(?<=\S)[”“"]')
QUOTES_TO_STRAIGHT = regex.compile(r"[«»“”„]")
SPACED_DASH = regex.compile(r"(?<=\S) [-–—] (?=\S)")
# Two hyphens for a dash, the typewriter's way (and OCR's reading of a long dash): between
# words or numbers, or opening a line of dialogue. Three or more are a rule line, not a dash.
TYPEWRITER_DASH = regex.compile(r"(?<=\S) ?(?<!-)--(?!-) ?(?=\S)|(?m:^)--(?!-) ?")
# A unit of length after a number with its exponent written flat or lost to OCR: "км2", "м3",
# and "км?" before a lower-case word (no question ends there; ² is what OCR reads as "?").
UNIT_EXPONENT = regex.compile(
    r"(?<=\d ?)(км|см|мм|дм|м|km|cm|mm|m)(?:([23])(?![\p{L}\p{N}])|\?(?= \p{Ll}))", regex.V1
)
SUPERSCRIPT = {"2": "²", "3": "³", None: "²"}
UNIT_END = re.compile(r"[мm][23?]")  # in every UNIT_EXPONENT match
# Where SPACE_BEFORE_PUNCTUATION and MISSING_SPACE_AFTER may match, by patterns that start
# with a literal or a class (scanned at C speed; those rules start with a look-behind, which
# `re` tries at every character): each find is then checked with the rule's own pattern.
SPACES_THEN_PUNCTUATION = re.compile(r"  *(?=[,.;:!?…)\]]+(?:\s|$))")
PUNCTUATION_THEN_LETTER = re.compile(r"[,;:](?=[^\W\d_])")


def fix_characters(text: str, context: Context) -> tuple[str, Changes]:
    changes = Changes()
    rules = context.rules
    # Invisible characters go first: one inside a word hides it from the rules that look at
    # whole words (`Қ\u200bX` is no mixed-script word, `ХХ\u00adІ` no numeral), and one
    # between a letter and its combining mark keeps the pair from composing.
    text = remove_invisible(text, changes)
    text = normalize_nfc(text, changes)
    text = fix_letters(text, rules, changes)
    text = fix_roman_numerals(text, changes)
    text = fix_lookalikes(text, rules, changes)
    text = fix_white_space(text, changes)
    # Before the spacing rules, which then see the dash it makes (`„--Ол` -> `„— Ол`,
    # `КОКП -- ның` -> `КОКП-ның` in one pass, not two).
    text = fix_typewriter_dashes(text, rules, changes)
    text = fix_punctuation_spacing(text, changes)
    text = attach_abbreviation_suffixes(text, rules, changes)
    text = fix_unit_exponents(text, changes)
    text = fix_quote_and_dash_style(text, rules, changes)
    return text, changes


def normalize_nfc(text: str, changes: Changes) -> str:
    if unicodedata.is_normalized("NFC", text):
        return text
    normalized = unicodedata.normalize("NFC", text)
    for edit in line_edits("characters", "nfc", text, normalized):
        changes.apply(edit)
    return normalized


def _replace_letters(text: str, matches: Iterable, replace, rule: str, changes: Changes) -> str:
    """Replace each match by `replace(match)` (or leave it, on None), logging letter edits."""
    parts, last = [], 0
    for match in matches:
        new = replace(match)
        if new is None or new == match.group():
            continue
        changes.apply(Edit("characters", rule, match.group(), new, match.start()))
        parts += [text[last : match.start()], new]
        last = match.end()
    return "".join(parts) + text[last:] if parts else text


def fix_letters(text: str, rules: Rules, changes: Changes) -> str:
    """Code points other languages own, used for a Kazakh letter (ӊ for ң)."""
    if not rules.letters:
        return text
    pattern = _letters_pattern(tuple(rules.letters))
    return _replace_letters(
        text, pattern.finditer(text), lambda m: rules.letters[m.group()], "kazakh-letter", changes
    )


_PATTERNS: dict[tuple[str, ...], regex.Pattern] = {}


def _letters_pattern(letters: tuple[str, ...]) -> regex.Pattern:
    if letters not in _PATTERNS:
        _PATTERNS[letters] = regex.compile("|".join(map(regex.escape, letters)))
    return _PATTERNS[letters]


def fix_roman_numerals(text: str, changes: Changes) -> str:
    """ХХІ -> XXI, ХХҮІІ -> XXVII, ХV -> XV: Roman numerals are Latin even in Cyrillic text.
    Only an upper-case token of two letters or more that is a valid numeral once mapped, and
    that has a Cyrillic look-alike in it (a lone І is an initial; a real word is no numeral)."""

    def to_latin(match: regex.Match) -> str | None:
        token = match.group()
        latin = token.translate(ROMAN_LOOKALIKES)
        if latin == token or not ROMAN_NUMERAL.fullmatch(latin):
            return None
        return latin

    if not ("Х" in text or "І" in text or "Ү" in text):
        return text  # a numeral to change has a Cyrillic look-alike
    return _replace_letters(text, roman_candidates(text), to_latin, "roman-numeral", changes)


def roman_candidates(text: str) -> Iterator[regex.Match]:
    """ROMAN_CANDIDATE's matches: it can match only where a run of numeral letters starts
    (inside a run its look-behind sees a letter), and there it takes the run."""
    for run in ROMAN_RUN.finditer(text):
        if candidate := ROMAN_CANDIDATE.match(text, run.start()):
            yield candidate


def fix_lookalikes(text: str, rules: Rules, changes: Changes) -> str:
    """A word mixing Latin and Cyrillic letters takes one script: its look-alikes become the
    letters of the script the rest of the word is written in (`Kөп` -> `Көп`, `кepi` ->
    `кері`), and the reverse inside a Latin word. Words in one script are left alone."""
    to_cyrillic = rules.homoglyphs
    to_latin = {c: latin for latin, c in rules.homoglyphs.items() if latin.isascii()}

    def one_script(match: regex.Match) -> str | None:
        word = match.group()
        scripts = [_script(ch) for ch in word]
        if "Latin" not in scripts or "Cyrillic" not in scripts:
            return None
        as_cyrillic = _convert(word, scripts, "Latin", to_cyrillic)
        as_latin = _convert(word, scripts, "Cyrillic", to_latin)
        if as_cyrillic and as_latin:
            # Either script would do (кepi, Tөм): the text around the word decides.
            return as_cyrillic if _surrounding_script(text, match) != "Latin" else as_latin
        return as_cyrillic or as_latin

    return _replace_letters(text, mixed_script_words(text), one_script, "lookalike", changes)


CONTEXT = 200  # characters either side of a word that decide its script when it could be both
CYRILLIC_LETTER, LATIN_LETTER = regex.compile(r"\p{Cyrillic}"), regex.compile(r"\p{Latin}")


def _surrounding_script(text: str, match: regex.Match) -> str:
    around = (
        text[max(0, match.start() - CONTEXT) : match.start()]
        + text[match.end() : match.end() + CONTEXT]
    )
    cyrillic = len(CYRILLIC_LETTER.findall(around))
    latin = len(LATIN_LETTER.findall(around))
    return "Latin" if latin > cyrillic else "Cyrillic"


def mixed_script_words(text: str) -> Iterator[regex.Match]:
    """The words of `text` that mix Latin and Cyrillic letters."""
    last_end = -1
    for seam in seam_starts(text):
        if seam < last_end:
            continue  # a second seam in a word already found
        start = seam
        while start > 0 and WORD_AROUND.fullmatch(text[start - 1]):
            start -= 1
        match = WORD_AROUND.match(text, start)
        last_end = match.end()
        yield match


def seam_starts(text: str) -> Iterator[int]:
    """Where SCRIPT_SEAM.finditer(text) matches, in order: each seam has a Latin letter beside
    a Cyrillic one at its start or end, found by LATIN_AT_SEAM; its matches do not overlap."""
    free = 0  # a match takes two characters: the next starts here or later
    for latin in LATIN_AT_SEAM.finditer(text):
        for start in (latin.start() - 1, latin.start()):
            if start >= free and SCRIPT_SEAM.match(text, start):
                free = start + 2
                yield start


def _convert(word: str, scripts: list[str], source: str, table: dict[str, str]) -> str | None:
    """The word with every `source`-script letter replaced by its twin, if all have one."""
    out = []
    for ch, script in zip(word, scripts, strict=True):
        if script == source:
            if ch not in table:
                return None
            out.append(table[ch])
        else:
            out.append(ch)
    return "".join(out)


def _script(ch: str) -> str:
    if "\u0400" <= ch <= "\u04ff" or "\u0500" <= ch <= "\u052f":
        return "Cyrillic"
    if ch.isascii() or "\u00c0" <= ch <= "\u024f" or ch in "əƏ":
        return "Latin"
    return "other"


def _substitute(pattern: regex.Pattern, replacement, text: str, rule: str, changes: Changes) -> str:
    text, n = pattern.subn(replacement, text)
    changes.count(rule, n)
    return text


def remove_invisible(text: str, changes: Changes) -> str:
    """Remove invisible characters; the count is of characters removed."""
    cleaned = INVISIBLE.sub("", text)
    if "\u200c" in cleaned or "\u200d" in cleaned:  # joiners are rare: a look-behind costs
        cleaned = JOINERS.sub("", cleaned)
    changes.count("invisible", len(text) - len(cleaned))
    return cleaned


def fix_white_space(text: str, changes: Changes) -> str:
    # Each rule runs only where a test of a character or two (`in`: a fast search) finds what
    # it needs: most texts have no carriage return, tab, double space or line-edge space.
    if ODD_SPACE.search(text):
        if LINE_END_CHARACTER.search(text):
            text = _substitute(LINE_ENDS, "\n", text, "line-ends", changes)
        if "\t" in text:
            text = _substitute(TAB_AFTER_SENTENCE, r"\1\n", text, "tab-sentence-break", changes)
        text = _substitute(SPACE_LIKE, " ", text, "space-like", changes)
    if "  " in text:
        text = _substitute(SPACE_RUN, " ", text, "space-run", changes)
    if " \n" in text or "\n " in text or text.startswith(" ") or text.endswith(" "):
        text = remove_line_edge_spaces(text, changes)
    if "\n\n\n" in text:
        text = _substitute(BLANK_LINE_RUN, "\n\n", text, "blank-line-run", changes)
    return text.strip("\n")


def remove_line_edge_spaces(text: str, changes: Changes) -> str:
    """LINE_EDGE_SPACES.sub("", text), counted as it counts: one per run of spaces that starts
    or ends a line."""
    if "  " in text:  # runs of spaces (not after SPACE_RUN): each start would read a run again
        return _substitute(LINE_EDGE_SPACES, "", text, "line-edge-spaces", changes)
    text, at_end = SPACES_AT_LINE_END.subn("", text)
    text, at_start = SPACES_AT_LINE_START.subn("\n", text)
    stripped = text.lstrip(" ")
    changes.count("line-edge-spaces", at_end + at_start + (len(stripped) < len(text)))
    return stripped


def fix_punctuation_spacing(text: str, changes: Changes) -> str:
    if "  " in text:  # runs of spaces (not after fix_white_space): the rule's own, linear there
        text = _substitute(SPACE_BEFORE_PUNCTUATION, "", text, "space-before-punctuation", changes)
    else:  # each space a run of its own: the finder reads it once
        text = _substitute_checked(
            SPACES_THEN_PUNCTUATION,
            lambda text, found: SPACE_BEFORE_PUNCTUATION.match(text, found.start()),
            "",
            text,
            "space-before-punctuation",
            changes,
        )
    if "( " in text or "[ " in text:
        text = _substitute(SPACE_AFTER_OPENING, "", text, "space-after-opening", changes)
    text = _substitute_checked(
        PUNCTUATION_THEN_LETTER,
        lambda text, found: MISSING_SPACE_AFTER.match(text, found.end()),
        r"\g<0> ",
        text,
        "missing-space-after",
        changes,
    )
    return fix_quote_spacing(text, changes)


def _substitute_checked(
    finder: re.Pattern, check, replacement: str, text: str, rule: str, changes: Changes
) -> str:
    """`finder.sub(replacement)` where `check(text, found)` holds: a rule found by a fast
    pattern and confirmed by its own, at each place the fast one finds."""
    count = 0

    def replace(found: re.Match) -> str:
        nonlocal count
        if not check(text, found):
            return found.group()
        count += 1
        return found.expand(replacement)

    replaced = finder.sub(replace, text)
    changes.count(rule, count)
    return replaced


def attach_abbreviation_suffixes(text: str, rules: Rules, changes: Changes) -> str:
    """`КОКП – ның` -> `КОКП-ның`: a case suffix after an abbreviation takes a hyphen."""

    def attach(match: regex.Match) -> str:
        if match.group(2) not in rules.abbreviation_suffixes:
            return match.group()
        changes.count("abbreviation-suffix")
        return f"{match.group(1)}-{match.group(2)}"

    return ABBREVIATION_SUFFIX.sub(attach, text)


def fix_typewriter_dashes(text: str, rules: Rules, changes: Changes) -> str:
    """`1836 -- 37`, `Полифония --классикалық` -> one dash with a space on either side."""
    if "--" not in text:
        return text
    dash = "–" if rules.parameter("characters", "dashes", "keep") == "en" else "—"

    def one_dash(match: regex.Match) -> str:
        return f"{dash} " if match.start() == 0 or text[match.start() - 1] == "\n" else f" {dash} "

    return _substitute(TYPEWRITER_DASH, one_dash, text, "typewriter-dash", changes)


def fix_unit_exponents(text: str, changes: Changes) -> str:
    """`229 км?` and `15 км2` -> `км²` (after a number only), logged as a character edit."""
    if not UNIT_END.search(text):
        return text
    return _replace_letters(
        text,
        UNIT_EXPONENT.finditer(text),
        lambda m: m.group(1) + SUPERSCRIPT[m.group(2)],
        "unit-exponent",
        changes,
    )


def fix_quote_and_dash_style(text: str, rules: Rules, changes: Changes) -> str:
    """Quote and dash style as `rules/pipeline.toml` [characters] asks (default: keep)."""
    quotes = rules.parameter("characters", "quotes", "keep")
    if quotes == "guillemets":
        text = _substitute(QUOTES_TO_GUILLEMETS, r"«\1»", text, "quotes", changes)
    elif quotes == "straight":
        text = _substitute(QUOTES_TO_STRAIGHT, '"', text, "quotes", changes)
    dashes = rules.parameter("characters", "dashes", "keep")
    if dashes != "keep":
        dash = "—" if dashes == "em" else "–"
        text = _substitute(SPACED_DASH, f" {dash} ", text, "dashes", changes)
    return text


STAGE = Stage(
    "characters",
    fix_characters,
    "NFC; invisible and control characters removed; Latin/Cyrillic look-alikes made one "
    "script per word; ӊ -> ң; Roman numerals in Latin; one space, none before , . ; : ! ? ); "
    "none inside a quotation where the quote mark's role is certain; "
    "abbreviation suffixes hyphenated (КОКП-ның); -- a dash; км2 and км? before a word км²; "
    "quote and dash style as configured",
)

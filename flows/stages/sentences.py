"""Sentences stage: one sentence per line, a blank line between paragraphs.

First each line break is judged: lines cut inside a sentence are joined (after an initial or
an abbreviation whose period went with the cut, `Қ` / `Нұрпейсов`, `т.б` / `сазгерлер`, the
period restored; at a line-end hyphen; at the hard wraps of a PDF, recognised per document);
a line that ends a sentence without its period gets it back when its last word is a Kazakh
predicate (`rules/kk/predicates.txt`), and a heading stays without one.

Then each line is split after terminal punctuation (`.` `!` `?` `…`) followed by a capital
letter or a list marker (`3)`), and at sentence ends glued to the next sentence
(`жоқ.Қоғамды`). Never after an initial (`Н.С. Хрущев`) or an abbreviation that does not end
sentences (`жж.`, `проф.`; see `rules/kk/abbreviations.txt`), never before a bare number
(`саны. 2 231 адам` is more often a stray OCR period than two sentences), and never at a `!`
in a text where OCR uses `!` for the letter і (`жер! 10`, `каз1ри!`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import regex

from flows.document import Changes, Edit
from flows.kazakh.dictionaries import kazakh_stems, known_stems
from flows.rules import Abbreviations, Rules
from flows.stages.base import Context, Stage
from flows.stages.chrome import chrome_settings, link_line
from flows.stages.quotes import CLOSE, OPEN, quote_roles

OPENERS = '"«“„(['
# Terminal punctuation, closing quotes/brackets, spaces, then what starts a sentence: a capital
# letter (after any opening quotes) or a list marker. Tried only where a run of marks begins,
# and taken whole (possessive): from inside the run every start would read to its end again,
# and a run of dots before a space (a table of contents' dot leaders) would cost its square.
SPACED_END = regex.compile(
    r"(?<![.!?…])[.!?…]++[\"»”)\]]*+( +)(?=[\"«“„(\[]*\p{Lu}|\d{1,2}\) |(\d)|(\p{Ll}))"
)
# A sentence end with no space: a lower-case Cyrillic word, a period, then a capitalised
# Cyrillic word ("жоқ.Қоғамды") or a list marker ("ұсынды.3)"). Latin text is left alone: there a
# glued period is more often a domain or a file name. What follows is checked first: the look
# back over the run of marks is then made once per run (at its end), not at every position.
GLUED_END = regex.compile(
    r"(?=[\p{Lu}&&\p{Cyrillic}][\p{Ll}&&\p{Cyrillic}]|\d{1,2}\)|(\d)|[IVXLC]+[ ‐-]\p{Cyrillic})"
    r"(?<=[\p{Ll}&&\p{Cyrillic}]{2}[.!?…]+)",
    regex.V1,
)
# Where SPACED_END and GLUED_END may match, by patterns that start with the marks (scanned
# for them, where a pattern that starts with a look-around is tried at every character); each
# find is confirmed by the pattern itself, which gives the match its groups. SPACED_END matches
# where a run of marks starts (the look-behind after the first mark keeps a start inside a run
# from reading it to its end again: linear on dot leaders), GLUED_END right after a run.
SPACED_END_AT = regex.compile(
    r"[.!?…](?<![.!?…][.!?…])[.!?…]*+[\"»”)\]]*+( +)"
    r"(?=[\"«“„(\[]*\p{Lu}|\d{1,2}\) |(\d)|(\p{Ll}))"
)
GLUED_END_AT = regex.compile(
    r"[.!?…](?=[\p{Lu}&&\p{Cyrillic}][\p{Ll}&&\p{Cyrillic}]|\d|[IVXLC]+[ ‐-]\p{Cyrillic})",
    regex.V1,
)
LETTERS = regex.compile(r"\p{L}+")
# Three or more upper-case words at a line's start, then text glued to them (a digit) or a
# capitalised word of ordinary text: the caps are a heading run into its paragraph. At most
# MAX_HEADING_WORDS of them: unbounded, a line of numbers or Roman numerals (XXI XXI …) made
# the search back over its words cost the square of the line.
MAX_HEADING_WORDS = 30
HEADING_AT_START = regex.compile(
    r"((?:[\p{Lu}\d][\p{Lu}\d‐-]*\s+)"
    rf"{{2,{MAX_HEADING_WORDS - 1}}}"
    r"[\p{Lu}\d‐-]*\p{Lu}{2})(?:(?=\d)|\s+(?=\p{Lu}\p{Ll}))"
)
# "!" or "1" between letters ("каз1ри!", "тус1нд1ре", "жер!н"): OCR reads і as 1 or !, so in such
# a text a "!" after a word is no evidence of a sentence end.
OCR_EXCLAMATION = regex.compile(r"[!1](?<=\p{L}[!1])(?=\p{L})")  # from the mark: scanned for it
LONE_INITIALS = regex.compile(r"(?:\p{Lu}\.)+")


def split_sentences(text: str, context: Context) -> tuple[str, Changes]:
    changes = Changes()
    rules = context.rules
    marks = "." if OCR_EXCLAMATION.search(text) else ".!?…"
    paragraphs = []
    for paragraph in join_broken_lines(text, rules, changes):
        lines = [
            sentence for line in paragraph for sentence in split_line(line, rules, marks, changes)
        ]
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs), changes


TERMINAL = regex.compile(r"[.!?…][\"»”)\]]*$")
CLOSING = '"»”)]'
TAIL = 12  # characters at a line's end that the end-anchored patterns need to see
BLANK_LINES = regex.compile(r"\n[ \t]*\n")
INITIAL_AT_END = regex.compile(r"(?<![\p{L}\d])\p{Lu}\.?$")
NUMBER_ABBREVIATION = regex.compile(r"\d(ж|жж)$")  # 1977ж, 1971—1989жж: years
HYPHEN_AT_END = regex.compile(r"[\p{L}\d][-‐]$")
LOWER_START = regex.compile(r"^[\"«“„(]*\p{Ll}")
UPPER_START = regex.compile(r"^[\"«“„(]*\p{Lu}")
# A document is hard-wrapped when most of its lines that end without punctuation are
# continued by a line in lower case (a PDF's lines); otherwise its lines are sentences or
# headings whose final period may be lost.
WRAPPED_SHARE = 0.5
WRAP_SHARE = 0.6  # an unterminated line this share of the wrap width or longer is a wrap


def join_broken_lines(text: str, rules: Rules, changes: Changes) -> list[list[str]]:
    """Paragraphs of lines, each line a run of whole sentences: lines cut inside a sentence
    (after an initial or an abbreviation, at a hyphen, at a hard wrap) are joined, with the
    period the cut took restored; a line that ends a sentence without its period gets it."""
    blocks = [
        [line.strip() for line in block.split("\n") if line.strip()]
        for block in BLANK_LINES.split(text)
        if block.strip()
    ]
    wrap_width = hard_wrap_width([line for block in blocks for line in block])
    loses = loses_final_periods((line for block in blocks for line in block), rules)
    paragraphs: list[list[str]] = []
    current: list[str] = []
    pending = ""
    joined = False  # pending was joined from lines cut inside a sentence
    alone = False  # pending is a paragraph of its own, as a headline stands
    for b, block in enumerate(blocks):
        for i, line in enumerate(block):
            if not pending:
                pending, alone = line, len(block) == 1
                continue
            across_blank = i == 0
            how = join_decision(pending, line, wrap_width, across_blank, rules)
            joined = joined or how != "end"
            if (
                how == "join"
                and pending.endswith(("-", "‐"))
                and HYPHEN_AT_END.search(pending[-TAIL:])
            ):
                pending = join_hyphenated(pending, line, changes)
            elif how == "join":
                # extended in place (CPython): a copy per line cost a paragraph of lines with
                # no sentence end (a hard-wrapped PDF without periods) its square
                pending += f" {line}"
                changes.count("join-lines")
            elif how == "join-period":
                pending += f". {line}"
                changes.count("join-lines-restore-period")
            else:
                # a predicate before a line in lower case ended a sentence that lost its period
                lost = loses or joined or not alone or bool(LOWER_START.search(line))
                current.append(end_sentence(pending, rules, changes, lost))
                if across_blank:
                    paragraphs.append(current)
                    current = []
                pending, joined, alone = line, False, len(block) == 1
        if b == len(blocks) - 1 and pending:
            current.append(end_sentence(pending, rules, changes, loses or joined or not alone))
    if current:
        paragraphs.append(current)
    return paragraphs


def ends_terminal(line: str) -> bool:
    """TERMINAL.search(line[-TAIL:]) by string methods (asked of every line, often twice): a
    terminal mark, then closing quotes and brackets only, in the line's last TAIL characters."""
    if line.endswith("\n"):  # (not from a split text) `$` may stand before a final break
        return bool(TERMINAL.search(line[-TAIL:]))
    core = line[-TAIL:].rstrip(CLOSING)
    return bool(core) and core[-1] in ".!?…"


def last_word(line: str) -> str:
    return line[line.rfind(" ") + 1 :]


def join_hyphenated(line: str, following: str, changes: Changes) -> str:
    """Join a line that ends in a hyphen: the hyphen goes when a known stem spans the break
    and the part before it is no word of its own (`лауа-` `зымды` -> `лауазымды`); a compound
    keeps it (`жан-` `жақты`, `Туган-` `Барановский`, `1980-` `жылдардан`)."""
    left = last_word(line)[:-1].lstrip('"«“„([')
    right = following.split(" ", 1)[0]
    joined = left + right
    if cut_word(left, joined):
        # position -1: the join is of two lines, logged with the word it makes
        changes.apply(
            Edit("sentences", "dehyphenate", f"{left}-", left, -1, 1.0, {"joined": joined})
        )
        return line[:-1] + following
    changes.count("hyphen-kept")
    return line + following


def cut_word(left: str, joined: str) -> bool:
    """Is `joined` one word cut at len(left)? Only lower-case letters on the left, the left part
    not a word itself, and a known stem longer than it starting the joined form."""
    if not left.isalpha() or not left.islower():
        return False
    stems, lower = known_stems(), joined.lower()
    if left in stems:
        return False
    return any(lower[:n] in stems for n in range(len(lower), len(left), -1))


def hard_wrap_width(lines: list[str]) -> int:
    """The width a hard-wrapped document was wrapped at (0 if it is not): when most of its
    lines that end without punctuation are continued by a line in lower case (a PDF's), the
    median length of those lines. A shorter unterminated line ends a heading or paragraph."""
    unterminated, continued = [], 0
    for line, following in zip(lines, lines[1:], strict=False):
        if not ends_terminal(line):
            unterminated.append(len(line))
            continued += bool(LOWER_START.search(following))
    if len(unterminated) < 3 or continued / len(unterminated) <= WRAPPED_SHARE:
        return 0
    return sorted(unterminated)[len(unterminated) // 2]


def join_decision(
    line: str, following: str, wrap_width: int, across_blank: bool, rules: Rules
) -> str:
    """How `line` relates to the line after it: "join", "join-period" or "end"."""
    lower_next = bool(LOWER_START.search(following))
    last = last_word(line)
    abbreviations = rules.abbreviations
    if ends_terminal(line):
        word = abbreviation_at_end(line, abbreviations)
        keeps_going = word and (lower_next or word not in abbreviations.ends_sentence)
        cut_inside = (last + following.split(" ", 1)[0]).lower() in abbreviations.all
        return (
            "join"
            if keeps_going or cut_inside or (INITIAL_AT_END.search(line[-TAIL:]) and not lower_next)
            else "end"
        )
    # A line-end hyphen continues the word on the next line, unless that line starts with a
    # dash of its own (dialogue, a list): joined, the two would make a typewriter dash `--`.
    if (
        line.endswith(("-", "‐"))
        and HYPHEN_AT_END.search(line[-TAIL:])
        and following[:1] not in " -‐–—"
    ):
        return "join"
    if INITIAL_AT_END.search(line[-TAIL:]):
        return "join-period"  # "Қ" / "Нұрпейсов": an initial whose period went with the cut
    if lower_next and last.lower() + "." in abbreviations.all:
        return "join-period"  # "т.б" / "сазгерлер"
    if NUMBER_ABBREVIATION.search(last) and not UPPER_START.search(following):
        # "1977ж" / "ортасында", "1927ж" / "36% болды": a Kazakh sentence ends in its verb,
        # not in a year
        return "join-period"
    if wrap_width:
        # a wrapped line runs on; a markedly shorter one ends a heading or a paragraph
        return "join" if lower_next or len(line) >= WRAP_SHARE * wrap_width else "end"
    if lower_next and not is_predicate(last.strip('"»”)]'), rules):
        return "join"
    return "end"


def abbreviation_at_end(line: str, abbreviations: Abbreviations) -> str:
    """The abbreviation a line ends with, lower-cased ("" when none): its last word (`жж.`),
    or its last two written apart (`т. б.`)."""
    words = line[-TAIL * 2 :].rsplit(" ", 2)
    for word in (words[-1], "".join(words[-2:])):
        if word.lower() in abbreviations.all:
            return word.lower()
    return ""


def is_predicate(word: str, rules: Rules) -> bool:
    """Does the word look like the predicate that closes a Kazakh sentence? The past tense
    -ды/-ді/-ты/-ті also ends possessive nouns (`Президент-і`): a known stem before the final
    ы/і, and none before the whole -ті, says noun (`жет-ті` has the stem `жет`)."""
    if not rules.predicates.ends_sentence(word):
        return False
    lower, stems = word.lower(), kazakh_stems()
    possessive = lower[-1:] in ("ы", "і") and lower[:-1] in stems and lower[:-2] not in stems
    return not possessive


def end_sentence(line: str, rules: Rules, changes: Changes, lost: bool) -> str:
    """A line that ends a sentence, with its final period restored when the evidence says it
    lost it and its last word is a predicate. `lost`: the document loses its periods, or the
    line was joined from a broken sentence, stands among other lines of its paragraph, or a
    line in lower case followed it. A line that reads as a title keeps its shape: a heading
    has no predicate, and a headline with one stands alone in a document that keeps its
    sentences' periods."""
    if not lost or ends_terminal(line) or line.endswith((":", ";", ",")):
        return line
    last = last_word(line).strip('"»”)]')
    if last.isalpha() and is_predicate(last, rules) and not reads_as_title(line):
        changes.count("restore-final-period")
        return line + "."
    return line


TITLE_WORD = regex.compile(r"[\p{L}\d][\p{L}\d‐-]*")


def reads_as_title(line: str) -> bool:
    """Capitals as titles write them: every word in upper case (`ЖАҢА ЗАҢ`), or every word
    of two letters or more with a capital (`Жаңа Заң Қабылданды`)."""
    if line.isupper():
        return True
    words = [w for w in TITLE_WORD.findall(line) if len(w) > 1 and w[0].isalpha()]
    return len(words) > 1 and all(w[0].isupper() for w in words)


def loses_final_periods(lines: Iterable[str], rules: Rules) -> bool:
    """Does the document lose its sentences' final periods? Of its lines that end in a
    predicate, more lack a final mark than have one (an OCR text that dropped them, a text
    typed without them). A document that keeps them writes its headlines without one: there
    a missing period is a headline's, not a loss."""
    kept = lost = 0
    for line in lines:
        last = last_word(line[-TAIL * 4 :]).rstrip('.!?…"»”)]').strip('"«“„(')
        if not last.isalpha() or not is_predicate(last, rules):
            continue
        if ends_terminal(line):
            kept += 1
        else:
            lost += 1
    return lost > kept


def split_line(line: str, rules: Rules, marks: str, changes: Changes) -> list[str]:
    """Cut one line into sentences; `marks` are the terminal marks trusted in this text."""
    abbreviations = rules.abbreviations
    cuts: list[tuple[int, int]] = []  # (end of sentence, start of next)
    for match in spaced_ends(line):
        mark = match.start(1) - 1
        while line[mark] not in ".!?…":
            mark -= 1  # step back over closing quotes and brackets
        if (
            line[mark] in marks
            and ends_sentence(line, mark, abbreviations)
            and starts_sentence(line, mark, match, rules)
            and not LONE_INITIALS.fullmatch(line, match.end(1))  # no copy of the rest
        ):
            cuts.append((match.start(1), match.end(1)))
            changes.count("spaced-end")
    for match in glued_ends(line):
        mark = match.start() - 1
        if (
            line[mark] in marks
            and ends_sentence(line, mark, abbreviations)
            and (match.start(1) < 0 or predicate_before(line, mark, rules))
        ):
            cuts.append((match.start(), match.start()))
            changes.count("glued-end")
    # A heading run into its text ("… ЕРЕКШЕЛІКТЕРІ1962—1969 жылдардағы …"), at the line's
    # start or at a sentence's: a sentence cut here starts a line when the text is cleaned
    # again, and must get the same split now.
    for start in [0] + [next_start for _, next_start in cuts]:
        while heading := HEADING_AT_START.match(line, start):
            cuts.append((heading.end(1), heading.end()))
            changes.count("heading-split")
            start = heading.end()
    if cuts and BRACKET.search(line):
        spans = bracketed_spans(line)
        cuts = [cut for cut in cuts if not any(a < cut[0] < b for a, b in spans)]
    if not cuts:
        return [line]
    sentences, start = [], 0
    for end, next_start in keep_links_attached(line, sorted(cuts), rules):
        sentences.append(line[start:end])
        start = next_start
    sentences.append(line[start:])
    return sentences


def keep_links_attached(
    line: str, cuts: list[tuple[int, int]], rules: Rules
) -> list[tuple[int, int]]:
    """The cuts, less those that would make a line the layout stage removes as a link line
    (`… болды. Толығырақ »`): the layout stage ran before this one and judged the line whole,
    so such a sentence stays where it is, as cleaning the text again would find it."""
    settings = chrome_settings(rules)
    return [
        (end, next_start)
        for i, (end, next_start) in enumerate(cuts)
        if not link_line(
            line[next_start : (cuts[i + 1][0] if i + 1 < len(cuts) else None)], rules, settings
        )
    ]


def spaced_ends(line: str) -> Iterator[regex.Match[str]]:
    """SPACED_END's matches in the line: it matches where a run of marks starts and takes the
    spaces after the run, so each of its matches is a match of SPACED_END_AT, and no other
    match of SPACED_END_AT starts before the end of one."""
    for found in SPACED_END_AT.finditer(line):
        if match := SPACED_END.match(line, found.start()):
            yield match


def glued_ends(line: str) -> Iterator[regex.Match[str]]:
    """GLUED_END's matches in the line: each is right after the last mark of a run, where
    GLUED_END_AT finds that mark."""
    for found in GLUED_END_AT.finditer(line):
        if match := GLUED_END.match(line, found.end()):
            yield match


def starts_sentence(line: str, mark: int, match: regex.Match[str], rules: Rules) -> bool:
    """Does a sentence start after the mark, by what follows it? A capital or a list marker
    does. A number does after a predicate (`болды. 1986 жылы`): a Kazakh sentence ends in its
    verb, and after any other word the period is more often an OCR speck (`саны. 2 231`). A
    word in lower case does after a question that another question follows (`Не істейміз?
    қайда барамыз?`), not after a quotation the sentence goes on from (`«Келесің бе?» деп
    сұрады`). Not after `!`: OCR reads і as `!` (`Елд! ку бузады, сутт! су`)."""
    if match.start(2) >= 0:
        return line[mark] in "?!…" or predicate_before(line, mark, rules)
    if match.start(3) >= 0:
        return line[mark] == "?" and clause_end(line, match.end(1)) == "?"
    return True


def predicate_before(line: str, mark: int, rules: Rules) -> bool:
    """Is the word before the mark a predicate (`болды`, `келетін`)?"""
    word = LAST_LETTERS.search(line, max(0, mark - TOKEN_LOOK_BACK), mark)
    return word is not None and is_predicate(word.group(), rules)


LAST_LETTERS = regex.compile(r"(?<!\S)\p{L}+(?=[\"»”)\]]*$)")
CLAUSE_LOOK_AHEAD = 400  # characters: a longer clause is no short question of a run
CLAUSE_END = regex.compile(rf"[^.!?…]{{0,{CLAUSE_LOOK_AHEAD}}}([.!?…])")


def clause_end(line: str, start: int) -> str:
    """The terminal mark that ends the clause starting at `start` ("" when none is near)."""
    found = CLAUSE_END.match(line, start)
    return found.group(1) if found else ""


PAIRS = {"(": ")", "[": "]"}
QUOTATION = "quotation"  # what an opening quote mark waits for: a mark that closes, any glyph
BRACKET = regex.compile(r"[(\[«„“”\"]")
PAIR_MARK = regex.compile(r"[()\[\]«»„“”\"]")  # every mark bracketed_spans reads


def bracketed_spans(line: str) -> list[tuple[int, int]]:
    """(opening, closing) positions of the parentheses, brackets and quotations of a line that
    close on it: a sentence end inside one is no cut (a quoted sentence stays with the
    sentence that quotes it). A quote mark opens or closes by its role, not its glyph
    (flows/stages/quotes.py): `“Бәрі тыныш. Жоқ“ деді` is one quotation, as „…“ and «…» are."""
    roles = quote_roles(line, {})
    spans, stack = [], []
    for mark in PAIR_MARK.finditer(line):  # only the marks: a loop over every character
        i, ch = mark.start(), mark.group()  # cost a sentence-rich text a fifth of the stage
        role = roles.get(i)
        if role == CLOSE:
            if stack and stack[-1][1] == QUOTATION:
                spans.append((stack.pop()[0], i))
        elif role == OPEN:
            stack.append((i, QUOTATION))
        elif stack and ch == stack[-1][1]:
            spans.append((stack.pop()[0], i))
        elif ch in PAIRS:
            stack.append((i, PAIRS[ch]))
    return spans


TOKEN_LOOK_BACK = 64  # characters; a longer token is no abbreviation, initials or list number


def ends_sentence(line: str, mark: int, abbreviations: Abbreviations) -> bool:
    """Does the terminal punctuation at `mark` end a sentence, judging by the word before it?"""
    if line[mark] != ".":
        return True  # ! ? … always end a sentence
    # the word is looked for at most TOKEN_LOOK_BACK characters back: a line of sentences
    # glued with no space (Келді.Келді.…) was read back to its start at every period
    window = max(0, mark - TOKEN_LOOK_BACK)
    token_start = (line.rfind(" ", window, mark) + 1) or window
    token = line[token_start:mark].lstrip(OPENERS)
    word = token.lower() + "."
    if word in abbreviations.ends_sentence:
        return True
    if word in abbreviations.all:
        return False
    if token.isdigit():
        return token_start > 0  # "1. Кіріспе" at the start of a line is a list marker
    parts = token.split(".")
    # Initials: "Қ.", "Н.С." (every dot-separated part a single letter) never end a sentence.
    return not all(len(part) <= 1 and LETTERS.fullmatch(part or "x") for part in parts)


STAGE = Stage(
    "sentences",
    split_sentences,
    "one sentence per line: lines cut after initials, abbreviations, hyphens and hard wraps "
    "rejoined; lost final periods restored after predicates; splits after . ! ? … and glued "
    "sentence ends, not after initials or abbreviations. Boilerplate and headings glued into "
    "text: not yet",
)

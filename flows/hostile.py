"""Hostile text: patterns that ordinary-looking input can take, generated at any size.

`tazala bench hostile` times `tazala clean --no-corpus` on each pattern at three sizes: the
time must grow linearly with the text (at most 2.5x per doubling), the throughput stay at
0.5 MB/s or more, and the memory of one `tazala clean` process under 500 MB. A pattern that
breaks one of these is a stage with a search or a regular expression whose work grows faster
than the text (issue 19). tests/reliability/test_hostile.py runs the same patterns small.

Every pattern is made in code from a seed, so a failure is reproducible by its name alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable

# Ordinary Kazakh words, the material of the patterns made of words (no gold or reference text:
# those only measure the product).
WORDS = tuple(
    " ".join(
        (
            "бұл ол біз қазақ халқы тарихы жылы кезінде елдің мемлекет ғылым білім мектеп бала",
            "ата ана жер су тау өзен қала ауыл жұмыс үлкен жаңа көп бірнеше барлық арасында",
            "туралы бойынша сияқты үшін және мен бен де да қазір бүгін ертең келді болды жасады",
            "айтты көрсетті жазды оқыды тұрғындары мәдениеті әдебиеті өнері құрамы өмірі ісі",
            "сөзі жан-жақты ақ-қара ХХ ғасырда 1920 жылы т.б. млн. КСРО-ның",
        )
    ).split(" ")
)
SENTENCE_ENDS = ("келді", "болды", "жасады", "айтты", "көрсетті", "жазды", "оқыды")


def words(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(n)]


def sentence(rng: random.Random) -> str:
    body = words(rng, rng.randint(4, 12))
    return " ".join([body[0].capitalize(), *body[1:], rng.choice(SENTENCE_ENDS)]) + "."


def prose(size: int, rng: random.Random, separator: str = " ") -> str:
    """Sentences joined by `separator` up to `size` characters."""
    parts, length = [], 0
    while length < size:
        parts.append(sentence(rng))
        length += len(parts[-1]) + len(separator)
    return separator.join(parts)


def repeat(unit: str) -> Callable[[int, random.Random], str]:
    """`unit` again and again: a run of one character or of one short piece."""
    return lambda size, rng: (unit * (size // len(unit) + 1))[:size]


def framed(unit: str) -> Callable[[int, random.Random], str]:
    """A run of `unit` between two ordinary sentences, as it sits in a real document."""

    def make(size: int, rng: random.Random) -> str:
        head, tail = sentence(rng) + " ", " " + sentence(rng)
        run = size - len(head) - len(tail)
        return head + (unit * (run // len(unit) + 1))[:run] + tail

    return make


def per_word(change: Callable[[str, random.Random], str], separator: str = " "):
    """Ordinary words, each changed by `change`."""

    def make(size: int, rng: random.Random) -> str:
        parts, length = [], 0
        while length < size:
            parts.append(change(rng.choice(WORDS), rng))
            length += len(parts[-1]) + len(separator)
        return separator.join(parts)[:size]

    return make


def per_line(line: Callable[[random.Random], str]):
    def make(size: int, rng: random.Random) -> str:
        lines, length = [], 0
        while length < size:
            lines.append(line(rng))
            length += len(lines[-1]) + 1
        return "\n".join(lines)[:size]

    return make


def inside(mark: str) -> Callable[[str, random.Random], str]:
    return lambda word, rng: mark.join(word)


LOST = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ")


def lost_letters(text: str) -> str:
    """The text as an OCR model for Russian reads it: Kazakh letters lost to look-alikes."""
    return text.translate(LOST)


def alternating_scripts(size: int, rng: random.Random) -> str:
    """Cyrillic and Latin look-alikes by turns, letter by letter (аaеeоo...)."""
    pairs = "аaеeоoрpсcуyхxАAВBЕEКKМMНHОOРPСCТTХX"
    return "".join(pairs[i % len(pairs)] for i in range(size))


def punctuation_soup(size: int, rng: random.Random) -> str:
    return "".join(rng.choice(".,;:!?…-—–()[]«»\"'/\\*") for _ in range(size))


def random_letters(letters: str, spaced: bool) -> Callable[[int, random.Random], str]:
    def make(size: int, rng: random.Random) -> str:
        out = []
        for _ in range(size):
            out.append(" " if spaced and rng.random() < 0.15 else rng.choice(letters))
        return "".join(out)

    return make


def mojibake(read_as: str) -> Callable[[int, random.Random], str]:
    """Prose whose UTF-8 bytes were read in a code page: Kazakh letters turned to pairs."""

    def make(size: int, rng: random.Random) -> str:
        text = prose(size, rng, "\n").encode("utf-8").decode(read_as, errors="replace")
        return text[:size]

    return make


def toc_line(rng: random.Random) -> str:
    """A line of a table of contents: a title, dot leaders, a page number."""
    title = " ".join(words(rng, rng.randint(2, 6))).capitalize()
    return f"{title} {'.' * rng.randint(20, 80)} {rng.randint(1, 400)}"


def dot_leader_run(size: int, rng: random.Random) -> str:
    """One run of dots before a space and a page number: no sentence starts after it."""
    head, tail = "Кіріспе ", " 12 бет"
    return head + "." * (size - len(head) - len(tail)) + tail


def wrapped_without_periods(size: int, rng: random.Random) -> str:
    """One paragraph hard-wrapped at 70 columns with no sentence end: every line is joined
    to the one before."""
    text = " ".join(word for word in words(rng, size // 6 + 1) if not word.endswith("."))
    lines, line = [], []
    for word in text.split(" "):
        if sum(map(len, line)) + len(line) + len(word) > 70:
            lines.append(" ".join(line))
            line = []
        line.append(word)
    return "\n".join([*lines, " ".join(line)])[:size]


def glued_sentences(size: int, rng: random.Random) -> str:
    return prose(size, rng, "")[:size]


def toc_leaders_one_line(size: int, rng: random.Random) -> str:
    """Dot leaders before a space, on one line: title ....... 12 title ....... 13."""
    parts, length = [], 0
    while length < size:
        parts.append(f"{' '.join(words(rng, 3)).capitalize()} {'.' * 60} {rng.randint(1, 400)}")
        length += len(parts[-1]) + 1
    return " ".join(parts)[:size]


HOSTILE: dict[str, Callable[[int, random.Random], str]] = {
    # runs of one letter
    "cyrillic-letter-run": repeat("а"),
    "kazakh-letter-run": repeat("ә"),
    "kazakh-i-run": repeat("і"),
    "latin-letter-run": repeat("a"),
    "capital-letter-run": repeat("Қ"),
    "letter-run-in-sentence": framed("о"),
    # Kazakh syllables: one long word that respells (и read as ый/ій) at every syllable
    "kazakh-syllable-word": framed("тиі"),
    "kazakh-syllable-words-48": per_word(lambda word, rng: "тиі" * 16),
    "random-cyrillic-word": random_letters("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі", False),
    "random-cyrillic-words": random_letters("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі", True),
    # dots
    "dot-run": repeat("."),
    "dot-run-in-sentence": framed("."),
    "dot-leader-run": dot_leader_run,
    "dot-leaders-lines": per_line(toc_line),
    "dot-leaders-one-line": toc_leaders_one_line,
    "ellipsis-run": repeat("…"),
    "exclamation-run": framed("!"),
    "sign-for-i-words": per_word(lambda word, rng: word.replace("і", "1").replace("ы", "!")),
    # hyphens, spaces, line breaks
    "hyphen-run": framed("-"),
    "hyphenated-chain": per_word(lambda word, rng: word, "-"),
    "space-run": framed(" "),
    "tab-run": framed("\t"),
    "newline-run": framed("\n"),
    "blank-line-run": framed("\n \n"),
    "crlf-lines": per_line(lambda rng: sentence(rng) + "\r"),
    # invisible and combining characters
    "combining-mark-run": framed("\u0301"),
    "combining-mark-per-letter": per_word(lambda word, rng: "\u0301".join(word) + "\u0301"),
    "zero-width-run": framed("\u200b"),
    "zero-width-in-words": per_word(inside("\u200b")),
    "soft-hyphen-run": framed("\u00ad"),
    "soft-hyphen-in-words": per_word(inside("\u00ad")),
    # letter case and scripts
    "all-capitals": lambda size, rng: prose(size, rng).upper()[:size],
    "lost-kazakh-letters": lambda size, rng: lost_letters(prose(size, rng, "\n"))[:size],
    "alternating-scripts": alternating_scripts,
    # glued text
    "glued-words": lambda size, rng: "".join(words(rng, size // 4 + 1))[:size],
    "glued-sentences": glued_sentences,
    "glued-sentences-no-spaces": repeat("Келді."),
    # long paragraphs and lines
    "one-paragraph": lambda size, rng: prose(size, rng)[:size],
    "one-paragraph-lines": lambda size, rng: prose(size, rng, "\n")[:size],
    "wrapped-without-periods": wrapped_without_periods,
    "very-long-line-words": lambda size, rng: " ".join(words(rng, size // 5 + 1))[:size],
    # digits, punctuation, abbreviations
    "digit-run": repeat("7"),
    "numbers": per_word(lambda word, rng: str(rng.randint(0, 10**6))),
    "punctuation-soup": punctuation_soup,
    "abbreviation-run": repeat("т.б. ж.ж. млн. "),
    "initials-run": repeat("Н.С. "),
    "roman-numerals": repeat("XXI "),
    "brackets-open-run": framed("("),
    "quotes-run": framed("«"),
    # mojibake
    "mojibake-cp1251": mojibake("cp1251"),
    "mojibake-latin1": mojibake("latin-1"),
    "mojibake-run": repeat("Ð°Ò£"),
}


def hostile_text(name: str, size: int, seed: int = 0) -> str:
    """Pattern `name` at `size` characters (about: a pattern of words ends at a word)."""
    return HOSTILE[name](size, random.Random(f"{name}:{size}:{seed}"))

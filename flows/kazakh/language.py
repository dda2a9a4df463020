"""Which language a paragraph is in: kk, ru, en or other.

Kazakh and Russian share the Cyrillic alphabet; Kazakh has nine letters of its own
(ә ғ қ ң ө ұ ү һ і), and a Kazakh paragraph of any length uses them. Latin-script text is
English when English function words carry it. A paragraph too short to tell (a heading, a
number) takes its document's main language.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import regex

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
NOT_CYRILLIC = regex.compile(r"\P{Cyrillic}+")
NOT_LATIN = regex.compile(r"\P{Latin}+")
ENGLISH_WORDS = frozenset(
    (
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "was",
        "for",
        "on",
        "that",
        "with",
        "as",
        "by",
        "are",
        "from",
        "this",
        "it",
        "an",
        "be",
        "at",
        "which",
    )
)
LATIN_WORD = regex.compile(r"\p{Latin}+")
KAZAKH_SHARE = 0.02  # of the Cyrillic letters: Kazakh prose runs at 8-12 %, Russian at 0
MIN_LETTERS = 20  # fewer letters than this do not tell a language


def count_matching(pattern: regex.Pattern, text: str) -> int:
    """How many characters of `text` the one-character class `pattern` matches (counted in
    C: the class negated and removed, what is left measured)."""
    return len(pattern.sub("", text))


def count_letters(text: str, letters: Iterable[str]) -> int:
    return sum(map(text.count, letters))


def paragraph_language(text: str) -> str | None:
    """kk, ru, en or other; None when the paragraph is too short to tell."""
    cyrillic = count_matching(NOT_CYRILLIC, text)
    latin = count_matching(NOT_LATIN, text)
    if cyrillic + latin < MIN_LETTERS:
        return None
    if cyrillic >= latin:
        kazakh = count_letters(text, KAZAKH_LETTERS)
        return "kk" if kazakh >= KAZAKH_SHARE * cyrillic else "ru"
    words = [w.lower() for w in LATIN_WORD.findall(text)]
    english = sum(1 for w in words if w in ENGLISH_WORDS)
    return "en" if english >= max(1, len(words) // 12) else "other"


def paragraph_languages(paragraphs: list[list[str]]) -> list[str]:
    """The language of each paragraph; undecided ones take the document's main language."""
    found = [paragraph_language(" ".join(p)) for p in paragraphs]
    decided = Counter(language for language in found if language)
    main = decided.most_common(1)[0][0] if decided else "kk"
    return [language or main for language in found]

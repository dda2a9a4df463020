"""Page chrome by structure: what the layout stage removes beside its whole-line patterns.

Two signals, on one document:
- **link lines** anywhere: a `|`/`•`-separated menu, a line of links (URLs), a share bar (only
  share words: `Бөлісу: Facebook Telegram`), a short link ending in `»`/`→`;
- **edge blocks**: at a document's start or end, a run of short lines held together by chrome
  lines (links, counters, date lines, `...` markers, lines of chrome words, lines a pattern
  removed). The lines between two chrome lines (a headline, a teaser) go with them; the block
  stops at the first line of prose, and at its last chrome line, so that an article's title
  or last short paragraph, which stands beyond the chrome, stays.

Thresholds are the `[layout]` keys of rules/pipeline.toml; chrome words are
rules/kk/chrome_words.tsv. Lines repeated across the documents of a corpus are the `repeats`
stage's business (it needs the corpus). Linear: every line is looked at a bounded number of
times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

from flows.rules import Rules

URL = regex.compile(
    r"(?:https?://|www\.)\S+|(?<![\w.@])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,6}(?:/\S*)?(?!\w)",
    regex.IGNORECASE,
)
MENU_SEPARATOR = regex.compile(r"\s*[|•·]\s*")
WORD = regex.compile(r"[\p{L}\p{M}]+")
# A date or a time: 24.03.2023, 2023-03-24, 17:13
DATE = regex.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}:\d{2}")
# Link arrows and list markers: a line of nothing else is the rest of a link or a teaser
MARKER = regex.compile(r"[\s.…»›→←<>|•·]+")
LINK_END = regex.compile(r"[»›→]+\s*$")
TERMINAL = regex.compile(r"[.!?…][\"»”)]*$")
# A headline of a related-articles list: letters, none of them lower case
HEADLINE = regex.compile(r"[^\p{Ll}]*\p{Lu}[^\p{Ll}]*\p{Lu}[^\p{Ll}]*")
# "© 2024", "(c) 2019-2024": a © alone is no proof (OCR reads ө and о as ©)
COPYRIGHT = regex.compile(r"(?:©|\([cс]\))\s*\d{4}", regex.IGNORECASE)
LABEL = regex.compile(r"[\p{L}\p{M}]+\s*:")  # "Тегтер:" before what it labels
LOWER_START = regex.compile(r"[\p{Ll}]")
SENTENCE_JOINT = regex.compile(r"[.!?…]\s+\p{Lu}")


@dataclass(frozen=True)
class ChromeSettings:
    """The [layout] keys of rules/pipeline.toml (see the comments there)."""

    line_width: int = 160
    edge_min_signals: int = 2
    edge_gap_lines: int = 3
    menu_min_items: int = 3
    menu_item_words: int = 4
    link_words: int = 6

    @classmethod
    def of(cls, rules: Rules) -> ChromeSettings:
        return cls(
            **{
                key: int(rules.parameter("layout", key, default))
                for key, default in cls().__dict__.items()
            }
        )


_SETTINGS: dict[tuple[str, str], ChromeSettings] = {}


def chrome_settings(rules: Rules) -> ChromeSettings:
    """The `[layout]` settings of a rules version, read once per process."""
    key = (rules.folder, rules.fingerprint)
    if key not in _SETTINGS:
        _SETTINGS[key] = ChromeSettings.of(rules)
    return _SETTINGS[key]


def link_line(line: str, rules: Rules, settings: ChromeSettings) -> str | None:
    """The reason a line is a link line (removed wherever it stands), or None."""
    stripped = line.strip()
    if not stripped or len(stripped) > settings.line_width:
        return None
    if is_menu(stripped, settings):
        return "menu"
    # each pattern is tried only where a character it needs is in the line: most lines of a
    # text are prose, and every line passes here
    if (
        ("." in stripped or "://" in stripped)
        and URL.search(stripped)
        and len(WORD.findall(URL.sub(" ", stripped))) <= 2
    ):
        return "links"
    words = WORD.findall(stripped)
    chrome = rules.chrome_words
    # the words' kinds are looked up only as far as a question needs them: in a line of prose
    # the first word is no chrome word
    if (
        len(words) >= 2
        and all(chrome.get(w.lower()) for w in words)
        and "share" in [chrome.get(w.lower()) for w in words]
    ):
        return "share-bar"
    if ("©" in stripped or "(" in stripped) and (
        COPYRIGHT.search(stripped)
        or ("©" in stripped and "rights" in [chrome.get(w.lower()) for w in words])
    ):
        return "copyright"  # a site's footer, a book's imprint: not its text
    if (
        stripped[-1] in "»›→"
        and LINK_END.search(stripped)
        and "«" not in stripped
        and 0 < len(words) <= settings.link_words
        and not TERMINAL.search(LINK_END.sub("", stripped))
    ):
        return "link-arrow"
    return None


def is_menu(stripped: str, settings: ChromeSettings) -> bool:
    """Items between `|` or `•`, each a few words with a letter and no sentence end. A line
    that starts and ends with `|` is a table row, not a menu."""
    if stripped.startswith("|") and stripped.endswith("|"):
        return False
    if "|" not in stripped and "•" not in stripped and "·" not in stripped:
        return False  # most lines: no separator, nothing to split
    items = [item for item in MENU_SEPARATOR.split(stripped) if item]
    return len(items) >= settings.menu_min_items and all(
        WORD.search(item)
        and len(item.split()) <= settings.menu_item_words
        and not TERMINAL.search(item)
        for item in items
    )


def chrome_signal(line: str, rules: Rules, settings: ChromeSettings) -> bool:
    """A short line that is chrome by itself: a link line, a marker (`...`, `»`), a counter or
    a date line, a line of chrome words only (`Ұқсас мақалалар`)."""
    stripped = line.strip()
    if link_line(stripped, rules, settings) or MARKER.fullmatch(stripped):
        return True
    words = [w.lower() for w in WORD.findall(stripped)]
    if not words:
        return bool(DATE.search(stripped))  # 24.03.2023 17:13
    if rules.chrome_words.get(words[0]) == "label" and LABEL.match(stripped):
        return len(stripped) <= settings.line_width  # "Тегтер: денсаулық, құрылыс"
    if any(rules.chrome_words.get(w) == "notice" for w in words):
        return len(stripped) <= settings.line_width  # "Сайт cookie файлдарын пайдаланады"
    if not all(w in rules.chrome_words for w in words):
        return False
    # only chrome words, with a number or a date or none: "463 рет қаралды", "12 мамыр 2024"
    return len(stripped) <= settings.line_width // 2


def is_prose(line: str, following: str, settings: ChromeSettings) -> bool:
    """A line the edge rule never takes: long, more than one sentence, or part of a sentence
    wrapped over lines (it, or the line right after it, starts in lower case)."""
    stripped = line.strip()
    if len(stripped) > settings.line_width or LOWER_START.match(stripped):
        return True
    if LOWER_START.match(following.strip()):
        return True
    return bool(SENTENCE_JOINT.search(stripped) and TERMINAL.search(stripped))


def is_sentence(line: str) -> bool:
    return bool(TERMINAL.search(line.strip())) and len(WORD.findall(line)) >= 3


def remove_link_lines(
    lines: list[str], removed: dict[int, str], rules: Rules, settings: ChromeSettings
) -> None:
    for i, line in enumerate(lines):
        if i not in removed and (reason := link_line(line, rules, settings)):
            removed[i] = reason


def remove_edge_blocks(
    lines: list[str], removed: dict[int, str], rules: Rules, settings: ChromeSettings
) -> None:
    """Chrome blocks at the document's start and end (see the module's docstring)."""
    known: dict[int, bool] = {}  # each line judged once, however often the scans ask

    def signal(i: int) -> bool:
        if i not in known:
            known[i] = is_signal(i, lines, removed, rules, settings)
        return known[i]

    filled = [i for i, line in enumerate(lines) if line.strip()]
    for order in (filled, filled[::-1]):
        block = edge_block(order, lines, signal, settings)
        if order is not filled and block:
            block = with_teaser_headline(order, block, lines)
        if all(i in removed or i in block for i in filled):
            continue  # never the whole document: what is left of it is its content
        for i in block:
            removed.setdefault(i, "edge-block")
            known[i] = True


def with_teaser_headline(order: list[int], block: set[int], lines: list[str]) -> set[int]:
    """At the end, the first teaser's headline above its `...` marker goes too: an article's
    own title stands at its start, not right above the chrome at its end."""
    inner = len(block)  # the block is order[:inner]
    if (
        inner < len(order)
        and MARKER.fullmatch(lines[order[inner - 1]].strip())
        and HEADLINE.fullmatch(lines[order[inner]].strip())
    ):
        return block | {order[inner]}
    return block


def edge_block(
    order: list[int], lines: list[str], signal: Callable[[int], bool], settings: ChromeSettings
) -> set[int]:
    """The lines from the edge (the start of `order`) to the last chrome line of the run,
    when the run holds enough chrome; else none."""
    signals = gap = 0
    end = 0  # the block is order[:end]: up to the last chrome line seen
    for position, i in enumerate(order):
        if signal(i):
            signals, gap, end = signals + 1, 0, position + 1
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if is_prose(lines[i], following, settings) or gap >= settings.edge_gap_lines:
            break
        if is_sentence(lines[i]) and not between_chrome(order, position, signal):
            break  # a sentence is taken only as a teaser, with chrome on both sides
        gap += 1
    return set(order[:end]) if signals >= settings.edge_min_signals else set()


def between_chrome(order: list[int], position: int, signal: Callable[[int], bool]) -> bool:
    if position == 0 or position + 1 >= len(order):
        return False  # the document's edge is no chrome
    return signal(order[position - 1]) and signal(order[position + 1])


# Removed lines that say nothing about chrome around them: a PDF's page numbers stand in the
# middle of its text.
PAGE_FURNITURE = ("page-number", "running-header")


def is_signal(
    i: int, lines: list[str], removed: dict[int, str], rules: Rules, settings: ChromeSettings
) -> bool:
    if i in removed:
        return removed[i] not in PAGE_FURNITURE
    return chrome_signal(lines[i], rules, settings)

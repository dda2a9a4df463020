"""The clean-text check: every changed character counted by kind and mapped to its line."""

from __future__ import annotations

import pytest
from cases import load_cases

from flows.unchanged import KINDS, CleanCheck, check_lines

LOOKALIKES = {"K": "К"}


@pytest.mark.parametrize("case", load_cases("unchanged.json"))
def test_changes_counted_by_kind_and_line(case):
    check = CleanCheck()
    check.add(case["before"], case["after"], LOOKALIKES)
    expected = case["expected"]
    assert {kind: check.kinds[kind] for kind in KINDS} == {
        kind: expected.get(kind, 0) for kind in KINDS
    }
    assert sorted(check.changed) == expected["changed"]
    assert sorted(check.touched) == expected["touched"]


def test_lines_are_numbered_in_the_file_across_blocks():
    lines = ["Бір.", "", "Екі жаксы.", "Үш.", "Төрт жаксы."]
    check = check_lines(lines, lambda text: text.replace("жаксы", "жақсы"), block=2)
    assert check.lines == 4 and sorted(check.changed) == [2, 4]
    assert check.summary()["changed_percent"] == 50.0
    assert check.shown["letters"] == [
        "line 3: Екі жаксы. ⏎ Үш. -> Екі жақсы. ⏎ Үш.",
        "line 5: Төрт жаксы. -> Төрт жақсы.",
    ]


def test_the_printout_gives_the_share_the_kinds_and_examples():
    lines = ["Бір сөйлем. Екі сөйлем.", "Kөп адам", "Ол жаксы."]

    def clean(text: str) -> str:
        return text.replace(". Е", ".\nЕ").replace("K", "К").replace("жаксы", "жақсы")

    text = check_lines(lines, clean, LOOKALIKES).render("clean.txt")
    assert text.splitlines() == [
        "unchanged clean.txt: 3 lines, 2 changed in a character other than white space (66.67 %; "
        "1 only by Latin look-alikes made Cyrillic), 1 in white space only; characters changed: "
        "letters 1, punctuation 0, spacing 0, line breaks 1, look-alikes 1; 1 of 8 words changed "
        "(12.500 %)",
        "  - letters: line 3: Ол жаксы. -> Ол жақсы.",
        "  - line breaks: line 1: сөйлем. Екі -> сөйлем. ⏎ Екі",
        "  - look-alikes: line 2: сөйлем. ⏎ Kөп адам -> сөйлем. ⏎ Көп адам",
    ]

"""Language per paragraph, so later stages apply Kazakh rules to Kazakh text only."""

from __future__ import annotations

import pytest
from cases import load_cases

from flows.kazakh.language import paragraph_language, paragraph_languages


@pytest.mark.parametrize("case", load_cases("languages.json"))
def test_paragraph_language(case):
    assert paragraph_language(case["input"]) == case["expected"]


def test_short_paragraphs_take_the_documents_language():
    paragraphs = [
        ["ІІ ТАРАУ"],
        ["Қазақстан Республикасы Орталық Азияда орналасқан мемлекет."],
        ["Москва — столица России, крупнейший город страны."],
    ]
    assert paragraph_languages(paragraphs) == ["kk", "kk", "ru"]

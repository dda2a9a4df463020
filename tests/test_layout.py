"""The layout stage removes page chrome and never a sentence of content."""

from __future__ import annotations

import pytest
from cases import load_cases
from conftest import DATA, PROJECT

from flows.stages import Context
from flows.stages.layout import remove_boilerplate

PAGE = (DATA / "pages" / "news_page.txt").read_text(encoding="utf-8")
CONTENT = PAGE.split("\n\nМәлімет")[0].split("\n\n", 1)[1]  # between the stray line and chrome
CHROME = PAGE.split("\n\nМәлімет")[1]


def test_page_chrome_is_removed_and_content_kept(rules):
    cleaned, changes = remove_boilerplate(PAGE, Context(rules))
    for paragraph in CONTENT.split("\n\n"):
        assert paragraph in cleaned, "a content paragraph was removed"
    removed = sum(len(e.before.strip()) for e in changes.edits)
    chrome = len("Мәлімет") + sum(len(line.strip()) for line in CHROME.splitlines()) + len("KZ")
    assert removed / chrome >= 0.95
    assert "ТОЛЫҒЫРАҚ" not in cleaned and "Қаралды" not in cleaned and "KZ" not in cleaned
    assert {e.rule for e in changes.edits} >= {
        "boilerplate:read-more",
        "boilerplate:read-more-teaser",
        "boilerplate:published-views",
        "boilerplate:was-this-helpful",
        "boilerplate:ellipsis",
        "boilerplate:stray",
    }


@pytest.mark.parametrize("case", load_cases("layout.json"))
def test_layout_cases(case, rules):
    assert remove_boilerplate(case["input"], Context(rules))[0] == case["expected"]


@pytest.mark.parametrize(
    "name",
    [
        "000_eab411ab6f5748c4",
        "001_187a33716211c11e",
        "002_7a11aeba47da4e4f",
        "004_f34a1f35fc6797c2",
    ],
)
def test_documents_without_chrome_lose_nothing(name, rules):
    text = (PROJECT / "corpus" / f"{name}.txt").read_text(encoding="utf-8")
    assert not remove_boilerplate(text, Context(rules))[1].edits


@pytest.mark.parametrize("case", load_cases("chrome.json"))
def test_chrome_by_structure(case, rules):
    """Menus, link lines, share bars and chrome blocks at the edges go; poems, refrains,
    lists, short last paragraphs and one-line documents stay."""
    assert remove_boilerplate(case["input"], Context(rules))[0] == case["expected"]


@pytest.mark.parametrize(
    "patterns, combined",
    [
        (["views\\s*\\d+", "share"], True),
        (["(views)\\s*\\d+", "share"], False),  # a group: numbered otherwise in the alternation
        (["(?i)views", "share"], False),  # inline flags
        ([], False),
    ],
)
def test_boilerplate_patterns_are_one_alternation_only_where_that_means_the_same(
    patterns, combined
):
    import regex

    from flows.rules import BoilerplateRule
    from flows.stages.layout import any_boilerplate

    rules = tuple(
        BoilerplateRule(f"rule{i}", "line", regex.compile(p, regex.IGNORECASE | regex.V1))
        for i, p in enumerate(patterns)
    )
    assert (any_boilerplate(rules) is not None) == combined

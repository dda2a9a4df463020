"""The spelling stage: golden cases (a small corpus, a text, what must come out) for merges
that must happen and merges that must not, the evidence a merge carries, and the curated
overrides of rules/kk/variants.tsv."""

from __future__ import annotations

import shutil
from types import MappingProxyType

import pytest
from cases import load_cases
from conftest import PROJECT

from flows.kazakh.variants import describe_edit, doubled
from flows.rules import RulesError, load_rules
from flows.stages.base import Context
from flows.stages.spelling import fix_spelling
from flows.statistics import CorpusStatistics, count_words

RULES = load_rules(PROJECT / "rules")


def context_for(corpus: str, text: str, rules=RULES) -> Context:
    """The corpus statistics of a run over `corpus` and `text` (the text is part of it)."""
    counts = count_words(corpus + "\n\n" + text)
    return Context(rules, CorpusStatistics(MappingProxyType(dict(counts))))


@pytest.mark.parametrize("case", load_cases("spelling.json"))
def test_text_comes_out_as_expected(case):
    text, _ = fix_spelling(case["input"], context_for(case["corpus"], case["input"]))
    assert text == case["expected"], case["why"]


def test_a_merge_carries_its_evidence():
    text = "Хрушев баяндама жасады."
    out, changes = fix_spelling(text, context_for("Хрущев сөйледі. " * 4, text))
    (edit,) = changes.edits
    assert (edit.stage, edit.rule, edit.before, edit.after) == (
        "spelling",
        "spelling:variant",
        "Хрушев",
        "Хрущев",
    )
    assert edit.evidence["edit"] == "ш>щ"
    assert (edit.evidence["count"], edit.evidence["canonical_count"]) == (1, 4)
    assert edit.confidence >= RULES.threshold("spelling")
    assert out[edit.position :].startswith("Хрущев")


def test_without_corpus_statistics_nothing_changes():
    text = "Хрушев баяндама жасады."
    out, changes = fix_spelling(text, Context(RULES))
    assert out == text and not changes.edits and not changes.suggestions


def test_two_neighbours_of_one_standing_go_to_review():
    # көнші and копші: both words, both one confusion from конші, used as often
    text = "Конші келді."
    corpus = "Көнші келді. Копші келді. " * 3
    out, changes = fix_spelling(text, context_for(corpus, text))
    assert out == text and not changes.edits
    (suggestion,) = changes.suggestions
    assert suggestion.confidence < RULES.threshold("spelling")
    assert suggestion.alternatives


@pytest.mark.parametrize(
    ("form", "other", "expected"),
    [
        ("хрушев", "хрущев", ("ш>щ", 3)),
        ("комунизм", "коммунизм", ("+м", 3)),
        ("коммунизим", "коммунизм", ("-и", 8)),
        ("ауыдла", "ауылда", ("дл<>лд", 3)),
        ("ауыл", "ауыл", None),
        ("кітап", "кітаптар", None),
    ],
)
def test_describe_edit_names_the_one_edit(form, other, expected):
    assert describe_edit(form, other) == expected


def test_doubled_tells_a_doubled_letter():
    assert doubled("смирнова", 4) is False and doubled("коммунизм", 3) and doubled("коммунизм", 2)


def rules_with_variants(tmp_path, table: str):
    folder = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", folder)
    (folder / "kk" / "variants.tsv").write_text(table, encoding="utf-8")
    return load_rules(folder)


def test_a_pinned_variant_is_applied_with_its_forms(tmp_path):
    rules = rules_with_variants(tmp_path, "черенко\tчерненко\tpin\ta name the OCR cut\n")
    text = "Черенко сөйледі. Черенконың баяндамасы."
    out, changes = fix_spelling(text, context_for("", text, rules))
    assert out == "Черненко сөйледі. Черненконың баяндамасы."
    assert {e.rule for e in changes.edits} == {"spelling:pinned"}


def test_a_forbidden_merge_is_not_made(tmp_path):
    rules = rules_with_variants(tmp_path, "хрушев\tхрущев\tforbid\ttwo people\n")
    text = "Хрушев баяндама жасады."
    out, changes = fix_spelling(text, context_for("Хрущев сөйледі. " * 4, text, rules))
    assert out == text and not changes.edits and not changes.suggestions


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ("хрушев\tхрущев\tkeep\n", "action 'keep'"),
        ("Хрушев\tхрущев\tpin\n", "lower-case Cyrillic"),
        ("хрушев\tхрушев\tpin\n", "the same"),
        ("хрушев\tхрущев\tpin\nхрушев\tхрущёв\tpin\n", "pinned twice"),
        ("хрушев\tхрущев\tpin\nхрущев\tхрущёв\tpin\n", "itself pinned"),
        ("хрушев\tхрущев\tpin\nхрушев\tхрущев\tforbid\n", "both pinned and forbidden"),
    ],
)
def test_a_broken_variants_table_is_rejected(tmp_path, table, problem):
    with pytest.raises(RulesError, match=problem) as error:
        rules_with_variants(tmp_path, table)
    assert "variants.tsv" in str(error.value)

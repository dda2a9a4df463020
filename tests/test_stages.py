"""Each stage on its golden cases, and what every stage owes: purity and a logged letter."""

from __future__ import annotations

import pytest
from cases import load_cases

from flows.evaluate import LETTERS_AND_DIGITS
from flows.stages import STAGES, Context
from flows.stages.characters import fix_characters
from flows.stages.encoding import fix_encoding, replay_plan
from flows.stages.sentences import split_sentences


@pytest.mark.parametrize("case", load_cases("encoding.json"))
def test_encoding_cases(case, rules):
    assert fix_encoding(case["input"], Context(rules))[0] == case["expected"]


@pytest.mark.parametrize("case", load_cases("characters.json"))
def test_characters_cases(case, rules):
    assert fix_characters(case["input"], Context(rules))[0] == case["expected"]


@pytest.mark.parametrize("case", load_cases("sentences.json"))
def test_sentences_cases(case, rules):
    assert split_sentences(case["input"], Context(rules))[0] == case["expected"]


ALL_CASES = (
    load_cases("encoding.json") + load_cases("characters.json") + load_cases("sentences.json")
)


@pytest.mark.parametrize("name", sorted(STAGES))
@pytest.mark.parametrize("case", ALL_CASES)
def test_every_letter_change_is_logged(name, case, rules):
    """A stage whose output letters differ from its input's must have logged an edit."""
    text, changes = STAGES[name].fix(case["input"], Context(rules))
    if LETTERS_AND_DIGITS.findall(text) != LETTERS_AND_DIGITS.findall(case["input"]):
        assert changes.edits, f"{name} changed letters without logging them"
    assert all(e.stage == name and e.rule and e.before != e.after for e in changes.edits)
    if text == case["input"]:
        assert not changes.edits, "an edit was logged for a text that did not change"


@pytest.mark.parametrize("name", sorted(STAGES))
@pytest.mark.parametrize("case", ALL_CASES)
def test_stages_are_deterministic_and_idempotent(name, case, rules):
    fix = STAGES[name].fix
    once, _ = fix(case["input"], Context(rules))
    assert fix(case["input"], Context(rules))[0] == once
    assert fix(once, Context(rules))[0] == once


def test_logged_edit_points_at_the_change(rules):
    text = "Бірінші жол.\nи\u0306е"
    _, changes = fix_characters(text, Context(rules))
    (edit,) = changes.edits
    assert (edit.rule, edit.before, edit.after) == ("nfc", "и\u0306", "й")
    assert text[edit.position : edit.position + len(edit.before)] == edit.before


def test_encoding_edit_records_ftfy_plan(rules):
    broken = "Қазақ".encode().decode("cp1251")
    _, changes = fix_encoding("Жол.\n" + broken, Context(rules))
    (edit,) = changes.edits
    assert edit.after == "Қазақ" and edit.position == len("Жол.\n")
    assert edit.evidence["plan"], "the repair plan is kept as evidence"


def test_white_space_is_counted_not_logged(rules):
    _, changes = fix_characters("бір  екі   үш\tтөрт", Context(rules))
    assert not changes.edits
    assert changes.counts["space-run"] == 2 and changes.counts["space-like"] == 1


@pytest.mark.parametrize("case", load_cases("encoding.json"))
def test_encoding_plans_replay(case, rules):
    """Each logged repair carries a plan that reproduces it from the original line."""
    _, changes = fix_encoding(case["input"], Context(rules))
    for edit in changes.edits:
        line = edit.evidence["line"]
        replayed = replay_plan(line, edit.evidence["plan"], rules)
        assert edit.after in replayed and edit.before in line


@pytest.mark.parametrize(
    "setting, text, expected",
    [
        ({}, "«Абай» “жолы” - роман", "«Абай» “жолы” - роман"),
        ({"quotes": "guillemets"}, "“Абай жолы” роман", "«Абай жолы» роман"),
        ({"quotes": "straight"}, "«Абай» роман", '"Абай" роман'),
        ({"dashes": "em"}, "Абай - ақын, Алматы – қала", "Абай — ақын, Алматы — қала"),
        ({"dashes": "en"}, "жан-жақты - сөз", "жан-жақты – сөз"),
    ],
    ids=["default keeps the document's style", "guillemets", "straight", "em dash", "en dash"],
)
def test_quote_and_dash_style_is_a_setting(setting, text, expected, rules):
    from dataclasses import replace

    configured = replace(rules, parameters={**rules.parameters, "characters": setting})
    assert fix_characters(text, Context(configured))[0] == expected


def test_encoding_examines_a_suspect_line_once_when_run_again(rules, monkeypatch):
    """The encoding stage runs again after the stages that can give it work (SETTLE in
    flows/clean.py): a suspect line it left alone (Serbian here) is not examined again."""
    import flows.stages.encoding as encoding

    monkeypatch.setattr(encoding, "_MEMO", type(encoding._MEMO)())  # nothing seen before
    monkeypatch.setattr(encoding, "_memo_size", 0)
    calls = []
    real = encoding.fix_line
    monkeypatch.setattr(encoding, "fix_line", lambda *args: calls.append(1) or real(*args))
    text = "Јован је отишао у Ниш и вратио се кући у недељу увече са својом породицом."
    assert fix_encoding(text, Context(rules))[0] == text
    assert fix_encoding(text, Context(rules))[0] == text
    assert len(calls) == 1

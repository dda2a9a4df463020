"""The rules folder is validated at load: each problem names file and line."""

from __future__ import annotations

import shutil

import pytest
from cases import load_cases
from conftest import PROJECT

from flows.rules import RulesError, fingerprint_folder, load_rules


@pytest.fixture
def rules_copy(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", folder)
    return folder


def test_project_rules_load(rules):
    assert rules.repair == ("encoding", "characters", "layout", "sentences")
    assert rules.correct == ("repeats", "ocr", "spelling")
    assert "т.б." in rules.abbreviations.ends_sentence
    assert "жж." in rules.abbreviations.all - rules.abbreviations.ends_sentence
    assert 0 < rules.threshold("ocr") <= 1


@pytest.mark.parametrize("case", load_cases("rules_errors.json"))
def test_broken_rules_are_rejected_with_file_and_line(case, rules_copy):
    (rules_copy / case["file"]).write_text(case["content"], encoding="utf-8")
    with pytest.raises(RulesError) as error:
        load_rules(rules_copy)
    assert case["error"] in str(error.value)


def test_missing_rules_folder_says_what_to_do(tmp_path):
    with pytest.raises(RulesError, match="--rules"):
        load_rules(tmp_path)


def test_any_edit_changes_the_fingerprint(rules_copy):
    before = fingerprint_folder(rules_copy)
    with (rules_copy / "kk" / "abbreviations.txt").open("a", encoding="utf-8") as f:
        f.write("мысалы.\n")
    assert fingerprint_folder(rules_copy) != before
    assert load_rules(rules_copy).fingerprint != before

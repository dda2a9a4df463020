"""The Kazakh suffix analyser (issue 5, first version): stems found, garbage refused."""

from __future__ import annotations

import pytest
from cases import load_cases
from conftest import PROJECT

from flows.kazakh.morphology import analyser, expand, harmonious


@pytest.mark.parametrize("case", load_cases("morphology.json"))
def test_analysis_finds_the_stem_or_refuses(case):
    analysis = analyser(str(PROJECT / "rules")).analyze(case["input"])
    assert (analysis.stem if analysis else None) == case["expected"]


def test_templates_expand_by_harmony_and_onset():
    assert set(expand("ЛАр")) == {"лар", "лер", "дар", "дер", "тар", "тер"}
    assert set(expand("ҒАн")) == {"ған", "қан", "ген", "кен"}  # no "кан", no "ғен"
    assert not harmonious("кан") and harmonious("қан")

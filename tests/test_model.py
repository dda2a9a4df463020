"""The OCR stage's decision model: the fit recovers what generated the data, its file reads
back as written, its probabilities are calibrated on held-out simulated errors, and with
`decision = "model"` the stage decides by it and keeps both answers as evidence."""

from __future__ import annotations

import math
import random
import re
import shutil

import pytest
from cases import load_cases
from conftest import PROJECT, assert_calibrated

from flows.kazakh.model import (
    DecisionModel,
    Logistic,
    fit_logistic,
    fit_platt,
    precision_thresholds,
    read_model,
    write_model,
)
from flows.rules import load_rules
from flows.stages.base import Context
from flows.stages.ocr import fix_ocr_swaps


def test_the_fit_recovers_the_coefficients_that_made_the_data():
    rng = random.Random(3)
    true = [-0.5, 2.0, -1.0]
    rows, labels = [], []
    for _ in range(20000):
        x = [1.0, rng.gauss(0, 1), rng.gauss(0, 1)]
        p = 1 / (1 + math.exp(-sum(b * v for b, v in zip(true, x, strict=True))))
        rows.append(x)
        labels.append(int(rng.random() < p))
    beta = fit_logistic(rows, labels, ridge=0.0)
    assert beta == pytest.approx(true, abs=0.1)


def test_isotonic_calibration_is_monotone_and_interpolated():
    from flows.kazakh.model import fit_isotonic, interpolate

    curve = fit_isotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 1, 0, 1, 1, 1])
    assert list(curve[1]) == sorted(curve[1])
    assert interpolate(curve, 0.0) == 0.0 and interpolate(curve, 1.0) == 1.0
    assert 0.0 < interpolate(curve, 0.3) < 1.0


def test_platt_scaling_undoes_an_overconfident_logit():
    rng = random.Random(5)
    logits, labels = [], []
    for _ in range(3000):
        z = rng.uniform(-4, 4)
        logits.append(3 * z)  # three times too sure
        labels.append(int(rng.random() < 1 / (1 + math.exp(-z))))
    a, b = fit_platt(logits, labels)
    assert a == pytest.approx(1 / 3, abs=0.05) and abs(b) < 0.15


def test_precision_thresholds_pick_the_lowest_probability_that_keeps_the_precision():
    outcomes = [(0.99, True)] * 50 + [(0.6, True)] * 40 + [(0.6, False)] * 10 + [(0.2, False)] * 50
    table = precision_thresholds(outcomes)
    assert table[0.90] == 0.6  # 90 right of 100 at 0.6 or more
    assert table[0.95] == 0.99
    model = DecisionModel(Logistic({}), Logistic({}), {}, table)
    assert model.threshold_for(0.9) == 0.6 and model.threshold_for(0.999) == 0.999


def test_the_model_file_reads_back_as_written(tmp_path):
    model = DecisionModel(
        Logistic({"bias": 0.5, "margin": 1.25}, (0.9, -0.1)),
        Logistic({"bias": -1.0, "listed": 2.0}),
        {"seed": 7, "made_by": "test"},
        {0.95: 0.5},
        ((0.1, 0.5, 0.9), (0.0, 0.4, 0.95)),
    )
    path = tmp_path / "decision_model.toml"
    write_model(model, path)
    assert read_model(path) == model


def test_the_shipped_model_is_calibrated_on_held_out_simulated_errors():
    from flows.calibration import synthetic_outcomes

    outcomes = synthetic_outcomes(load_rules(PROJECT / "rules"), 1500)
    assert assert_calibrated(outcomes) >= 1


def test_deciding_by_the_model_keeps_both_answers_as_evidence(tmp_path):
    context = rules_deciding_by(tmp_path, "model")
    text, changes = fix_ocr_swaps("Олар ауылдагы мектепте окиды.", context)
    edit = next(e for e in changes.edits if e.before == "ауылдагы")
    assert edit.after == "ауылдағы" and "ауылдағы" in text
    evidence = edit.evidence
    assert edit.confidence == evidence["model"]["right"] >= 0.5
    assert set(evidence["channel"]) == {"wrong", "choice"}
    assert "margin" in evidence["features"]


def rules_deciding_by(tmp_path, decision: str):
    rules = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", rules)
    toml = rules / "pipeline.toml"
    text = re.sub(r'(?m)^decision = ".*"$', f'decision = "{decision}"', toml.read_text("utf-8"))
    toml.write_text(text, encoding="utf-8")
    return Context(load_rules(rules))


VETOED = [
    (
        "Олар Лайлды танымайды.",
        "a foreign name with a Kazakh ending, in a text that lost its letters",
    ),
]


@pytest.mark.parametrize(("text", "why"), VETOED)
def test_the_model_vetoes_a_channel_edit_of_a_word_it_finds_right(tmp_path, text, why):
    out, changes = fix_ocr_swaps(text, rules_deciding_by(tmp_path, "channel+veto"))
    assert out == text, why
    assert all(s.evidence["model"]["wrong"] < 0.5 for s in changes.suggestions), why


def test_bench_calibration_prints_a_reliability_table(capsys, monkeypatch, tmp_path):
    """One table for the OCR edits, one for the spelling merges, each with its precision."""
    from flows.cli import main

    monkeypatch.chdir(tmp_path)  # no release here: no corpus statistics
    assert (
        main(["bench", "calibration", "--examples", "300", "--rules", str(PROJECT / "rules")]) == 0
    )
    out = capsys.readouterr().out
    assert "mean predicted   share right" in out
    assert "model at precision 0.97" in out
    assert "held-out simulated spelling merges" in out
    assert "predicted     merges" in out


def test_a_corpus_teaches_the_model_its_own_words_and_names():
    from flows.training import draw_examples

    rules = load_rules(PROJECT / "rules")
    corpus = {"Жетісудағы": 40, "Қарасайұлы": 12, "кітаптарды": 9, "Ахметбековтың": 1}
    examples, counts = draw_examples(rules, 400, 2, corpus)
    right = {e.word for e in examples if e.intended is None}
    damaged = {e.intended.lower() for e in examples if e.intended}
    assert "Қарасайұлы" in right  # a name the corpus writes with its capital stays right
    assert "кітаптарды" in damaged  # the corpus' own known words are damaged too
    assert "Ахметбековтың" not in right  # used once: maybe an error itself
    assert counts["Жетісудағы"] >= 40


@pytest.mark.parametrize("case", load_cases("edit_rightness.json"), ids=lambda c: c["why"][:40])
def test_a_gold_edit_is_right_where_it_gives_the_aligned_word(case):
    from flows.calibration import WORD, edit_is_right, words_meant

    meant = words_meant(case["raw"], case["gold"])
    gold_words = set(WORD.findall(case["gold"]))
    assert edit_is_right(case["before"], case["after"], meant, gold_words) == case["right"]


def test_the_shipped_model_is_what_fit_model_makes_from_its_seed(tmp_path):
    """rules/kk/decision_model.toml is reproducible: `tazala fit-model` with the seed and the
    example count its [about] names writes the same file. A change to the features, the
    candidates or the confusion table that leaves it stale fails here: refit it
    (`tazala fit-model --only ocr`) and say the eval before and after in the commit."""
    from flows.kazakh.model import write_model
    from flows.training import fit_decision_model

    shipped = PROJECT / "rules" / "kk" / "decision_model.toml"
    about = re.search(r"seed = (\d+)\nexamples_drawn = (\d+)", shipped.read_text())
    assert about, "the shipped model names its seed and examples"
    rules = load_rules(PROJECT / "rules")
    refitted = tmp_path / "decision_model.toml"
    write_model(fit_decision_model(rules, int(about[2]), int(about[1])), refitted)
    assert refitted.read_text() == shipped.read_text()

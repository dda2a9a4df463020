"""The spelling stage's merge model (rules/kk/spelling_model.toml): fitted from a seed on merges
the product simulates, calibrated on held-out ones, read with the rules, and the source of a
merge's confidence, which the evidence keeps with the features it weighed."""

from __future__ import annotations

import re
import shutil
from types import MappingProxyType

from conftest import PROJECT, assert_calibrated

from flows.kazakh.model import (
    Logistic,
    SpellingModel,
    read_spelling_model,
    spelling_model_text,
    write_spelling_model,
)
from flows.kazakh.variants import MERGE_FEATURES
from flows.rules import SPELLING_MODEL_PATH, load_rules
from flows.stages.base import Context
from flows.stages.spelling import fix_spelling, merge_threshold
from flows.statistics import CorpusStatistics, count_words

RULES = load_rules(PROJECT / "rules")
CORPUS = "Хрущев сөйледі. " * 4
TEXT = "Хрушев баяндама жасады."


def merge_of(rules, corpus: str = CORPUS, text: str = TEXT):
    counts = count_words(corpus + "\n\n" + text)
    context = Context(rules, CorpusStatistics(MappingProxyType(dict(counts))))
    _, changes = fix_spelling(text, context)
    (merge,) = changes.edits + changes.suggestions
    return merge


def test_the_rules_ship_a_spelling_model_read_with_them():
    model = RULES.spelling_model
    assert isinstance(model, SpellingModel)
    assert set(model.merge.weights) == {"bias", *MERGE_FEATURES}
    assert (PROJECT / "rules" / SPELLING_MODEL_PATH).is_file()


def test_the_spelling_model_file_reads_back_as_written(tmp_path):
    model = SpellingModel(
        Logistic({"bias": 0.5, "canonical_valid": 2.0}, (0.9, -0.1)),
        {"seed": 3, "made_by": "test"},
        {0.95: 0.8},
    )
    path = tmp_path / "spelling_model.toml"
    write_spelling_model(model, path)
    assert read_spelling_model(path) == model


def test_the_fitted_model_file_is_reproducible_from_its_seed():
    from flows.spelling_training import fit_spelling_model

    first = spelling_model_text(fit_spelling_model(RULES, 600, 5))
    again = spelling_model_text(fit_spelling_model(RULES, 600, 5))
    other = spelling_model_text(fit_spelling_model(RULES, 600, 6))
    assert first == again and first != other


def test_the_merge_confidence_is_the_models_probability():
    merge = merge_of(RULES)
    evidence = merge.evidence
    assert evidence["decided_by"] == "spelling model"
    assert merge.confidence == evidence["probability"]
    assert set(evidence["features"]) == set(MERGE_FEATURES)
    expected = RULES.spelling_model.right(merge_features_of(evidence))
    assert abs(merge.confidence - expected) < 0.001


def merge_features_of(evidence: dict) -> dict[str, float]:
    return {name: float(v) for name, v in evidence["features"].items()}


def test_a_changed_weight_in_a_copy_of_the_rules_changes_the_confidence(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", folder)
    path = folder / SPELLING_MODEL_PATH
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^canonical_valid = .*$", "canonical_valid = -3.0", text)
    path.write_text(text, encoding="utf-8")
    changed = load_rules(folder)
    assert changed.fingerprint != RULES.fingerprint
    before, after = merge_of(RULES), merge_of(changed)
    assert after.confidence < before.confidence


def test_without_a_model_file_the_hand_set_odds_decide(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", folder)
    (folder / SPELLING_MODEL_PATH).unlink()
    rules = load_rules(folder)
    merge = merge_of(rules)
    assert rules.spelling_model is None and merge.evidence["decided_by"] == "hand-set odds"
    assert merge_threshold(rules) == rules.threshold("spelling")
    assert merge.confidence == 0.988  # 20 x 4/1 odds against the form itself: 80/81


def test_the_shipped_spelling_model_is_calibrated_on_held_out_simulated_merges():
    from flows.calibration import spelling_outcomes

    outcomes = spelling_outcomes(RULES, 3000)
    assert assert_calibrated(outcomes) >= 3


def test_fit_model_writes_the_spelling_model_from_its_seed(tmp_path):
    from flows.cli import main
    from flows.spelling_training import fit_spelling_model

    folder = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", folder)
    arguments = ["fit-model", "--rules", str(folder), "--seed", "5", "--spelling-examples", "600"]
    assert main([*arguments, "--only", "spelling"]) == 0
    written = (folder / SPELLING_MODEL_PATH).read_text(encoding="utf-8")
    assert written == spelling_model_text(fit_spelling_model(RULES, 600, 5))
    assert load_rules(folder).fingerprint != RULES.fingerprint  # part of the rules' fingerprint

"""[ocr] model = "corpus": the real flow fits the decision model on the run's own corpus,
publishes it with the release, and corrects with it (through a real temporary Prefect API)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import DATA, PROJECT

EXAMPLES = 600  # a small fit: the test is about the flow, not the model's quality


def corpus_rules_folder(parent: Path, seed: int = 1) -> Path:
    folder = parent / "rules"
    shutil.copytree(PROJECT / "rules", folder)
    pipeline = folder / "pipeline.toml"
    text = pipeline.read_text(encoding="utf-8")
    for old, new in (
        ('model = "rules"', 'model = "corpus"'),
        ("model_seed = 1", f"model_seed = {seed}"),
        ("model_examples = 8000", f"model_examples = {EXAMPLES}"),
    ):
        assert old in text, f"pipeline.toml has no {old!r}"
        text = text.replace(old, new, 1)
    pipeline.write_text(text, encoding="utf-8")
    return folder


def run(rules: Path, output: Path) -> dict:
    from flows.pipeline import run_pipeline

    return run_pipeline(str(DATA / "corpus"), str(output), str(rules))


@pytest.fixture(scope="module")
def fitted_run(prefect_api, tmp_path_factory):
    rules = corpus_rules_folder(tmp_path_factory.mktemp("seed1"))
    output = tmp_path_factory.mktemp("output")
    return rules, output, run(rules, output)


def test_a_run_publishes_the_model_it_fitted_on_its_corpus(fitted_run):
    from flows.kazakh.model import read_model

    rules, output, result = fitted_run
    release = output / result["release"]
    fitted = (release / "decision_model.toml").read_bytes()
    assert fitted != (PROJECT / "rules" / "kk" / "decision_model.toml").read_bytes()
    model = read_model(release / "decision_model.toml")
    assert model.about["corpus_forms"] > 0 and model.about["examples_drawn"] == EXAMPLES
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["decision_model"] == {
        "source": "corpus",
        "file": "decision_model.toml",
        "sha256": hashlib.sha256(fitted).hexdigest(),
        "seed": 1,
        "examples": EXAMPLES,
    }
    assert result["run"]["decision_model"].startswith("fitted")


def test_the_fit_is_the_one_fit_model_makes_on_the_release(fitted_run):
    """The same function as `tazala fit-model --release`: only [about] made_by differs."""
    from flows.kazakh.model import model_text
    from flows.rules import load_rules
    from flows.statistics import load_statistics
    from flows.training import fit_decision_model

    rules, output, result = fitted_run
    release = output / result["release"]
    counts = dict(load_statistics(release / "lexicon.tsv").counts)
    again = model_text(fit_decision_model(load_rules(rules), EXAMPLES, 1, counts))
    published = (release / "decision_model.toml").read_text(encoding="utf-8")
    assert [line for line in published.splitlines() if not line.startswith("made_by")] == [
        line for line in again.splitlines() if not line.startswith("made_by")
    ]


def test_edits_were_decided_by_the_fitted_model_and_clean_release_loads_it(fitted_run):
    from flows.cli import build_parser, corpus_rules
    from flows.kazakh.model import read_model

    rules, output, result = fitted_run
    release = output / result["release"]
    fitted = read_model(release / "decision_model.toml")
    shipped = read_model(PROJECT / "rules" / "kk" / "decision_model.toml")
    decided = [
        json.loads(line)["evidence"]
        for name in ("changes.jsonl", "review.jsonl")
        for line in (release / name).read_text(encoding="utf-8").splitlines()
        if json.loads(line)["stage"] == "ocr"
    ]
    assert decided, "the test corpus has an OCR decision"
    for evidence in decided:
        features, said = evidence["features"], evidence["model"]["wrong"]
        assert said == pytest.approx(fitted.wrong.probability(features), abs=0.005)
        assert said != pytest.approx(shipped.wrong.probability(features), abs=0.005)
    args = build_parser().parse_args(["clean", "--rules", str(rules), "--release", str(release)])
    assert corpus_rules(args).decision_model == fitted


def test_same_seed_same_model_another_seed_another_and_the_caches_follow(fitted_run, tmp_path):
    rules, output, result = fitted_run
    first = (output / result["release"] / "decision_model.toml").read_bytes()
    # from empty caches: byte for byte the same model
    again = run(rules, tmp_path / "again")
    assert (tmp_path / "again" / again["release"] / "decision_model.toml").read_bytes() == first
    # the release gone, nothing else changed: the model and the corrections from the cache
    shutil.rmtree(tmp_path / "again" / again["release"])
    warm = run(rules, tmp_path / "again")
    assert warm["run"]["decision_model"] == "cache"
    assert warm["run"]["correct"]["reused"] == warm["run"]["correct"]["of"]
    assert (tmp_path / "again" / warm["release"] / "decision_model.toml").read_bytes() == first
    # another seed: another model, and no correction made with the first one is reused
    other_rules = corpus_rules_folder(tmp_path / "seed2", seed=2)
    other = run(other_rules, tmp_path / "again")
    assert other["run"]["decision_model"].startswith("fitted")
    assert other["run"]["correct"]["reused"] == 0
    assert (tmp_path / "again" / other["release"] / "decision_model.toml").read_bytes() != first


def test_a_run_with_the_rules_model_names_the_shipped_file(prefect_api, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", rules)
    result = run(rules, tmp_path / "output")
    release = tmp_path / "output" / result["release"]
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    shipped = (rules / "kk" / "decision_model.toml").read_bytes()
    assert manifest["decision_model"] == {
        "source": "rules",
        "file": "kk/decision_model.toml",
        "sha256": hashlib.sha256(shipped).hexdigest(),
    }
    assert not (release / "decision_model.toml").exists()
    assert result["run"]["decision_model"] == "rules"


def test_a_fit_draws_from_the_corpus_most_frequent_forms_only(rules, monkeypatch):
    """A large archive costs a fit what CORPUS_FORMS forms do: each is analysed once."""
    from flows import training

    monkeypatch.setattr(training, "CORPUS_FORMS", 2)
    corpus = {"алма": 9, "Блэквуд": 5, "бала": 3, "Морган": 2, "кітап": 2, "қала": 1}
    assert training.corpus_sources(rules, corpus) == (["алма"], ["Блэквуд"])
    monkeypatch.setattr(training, "CORPUS_FORMS", 10)
    assert training.corpus_sources(rules, corpus) == (
        ["алма", "бала", "кітап"],
        ["Блэквуд", "Морган"],
    )

"""The metrics, on passages small enough to score by hand, and against the shared scorer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import PROJECT

from flows.evaluate import (
    evaluate_gold,
    score_passage,
    summarize,
)

PASSAGES = [
    {"id": "a", "raw": "мен келдім ол кетті", "gold": "мен келдім.\nол кетті."},
    {"id": "b", "raw": "кеке адам", "gold": "жеке адам."},
]
OUTPUTS = {"мен келдім ол кетті": "мен келдім.\nол кетті.", "кеке адам": "жеке адам"}


def write_gold(path):
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in PASSAGES))
    return path


def test_metrics_scored_by_hand(tmp_path):
    summary = evaluate_gold(write_gold(tmp_path / "gold.jsonl"), OUTPUTS.__getitem__)
    # 31 gold characters; raw is 4 edits away, the output 1 (the missing final period).
    assert summary["CER_raw"] == 12.90 and summary["CER"] == 3.23 and summary["CER_red"] == 75.0
    # One wrong raw word (кеке), fixed; no right word broken.
    assert summary["word_fix"] == 100.0 and summary["word_break"] == 0.0
    assert (summary["sent_P"], summary["sent_R"], summary["sent_F"]) == (100.0, 100.0, 100.0)


def test_doing_nothing_scores_zero_reduction(tmp_path):
    summary = evaluate_gold(write_gold(tmp_path / "gold.jsonl"), lambda raw: raw)
    assert summary["CER"] == summary["CER_raw"] and summary["word_fix"] == 0.0


def test_a_broken_word_counts():
    score = score_passage("жеке адам", "жеке адам", "кеке адам")
    assert (score.broken, score.fixed) == (1, 0)
    assert summarize([score])["word_break"] == 50.0


SHARED_SCORER = PROJECT.parent / "shared" / "eval" / "score.py"


@pytest.mark.skipif(not SHARED_SCORER.is_file(), reason="the shared scorer is not beside us")
def test_same_figures_as_the_shared_scorer(tmp_path):
    gold = write_gold(tmp_path / "gold.jsonl")
    hyp = tmp_path / "hyp.jsonl"
    hyp.write_text(
        "".join(
            json.dumps({"id": p["id"], "text": OUTPUTS[p["raw"]]}, ensure_ascii=False) + "\n"
            for p in PASSAGES
        )
    )
    run = subprocess.run(
        [sys.executable, SHARED_SCORER, gold, "--hyp", hyp, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(run.stdout) == evaluate_gold(gold, OUTPUTS.__getitem__)

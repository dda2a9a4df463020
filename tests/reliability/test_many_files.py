"""An archive of tens of thousands of files runs: the plan travels to the tasks as a file of
the run's work folder, not as a flow-run parameter (Prefect refuses parameters over 512 KB,
about 3,000 files' worth of plan)."""

from __future__ import annotations

import json
import random

from conftest import PROJECT

from flows.pipeline import run_pipeline

FILES = 20_000
WORDS = [
    "бұл",
    "жыл",
    "қазақ",
    "тілі",
    "мектеп",
    "оқушы",
    "кітап",
    "үй",
    "жер",
    "су",
    "ел",
    "халық",
    "тарих",
    "мәдениет",
]


def test_a_corpus_of_twenty_thousand_files_publishes(prefect_api, tmp_path):
    corpus, output = tmp_path / "corpus", tmp_path / "output"
    pick = random.Random(19)
    for n in range(FILES):
        folder = corpus / f"box{n // 1000:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        sentence = " ".join(pick.choice(WORDS) for _ in range(12)).capitalize()
        (folder / f"page{n:05d}.txt").write_text(f"{sentence}.\n", encoding="utf-8")
    result = run_pipeline(str(corpus), str(output), str(PROJECT / "rules"))
    manifest = json.loads((output / result["release"] / "manifest.json").read_text("utf-8"))
    assert len(manifest["inputs"]) == FILES and manifest["skipped"] == []
    assert manifest["totals"]["documents"] == FILES
    assert len(list((output / result["release"] / "text").iterdir())) == FILES

"""`tazala fit-confusions`: the confusion costs re-estimated from a corpus' unknown forms."""

from __future__ import annotations

import random
import shutil

from conftest import PROJECT
from test_cli import tazala

from flows.kazakh.channel_fit import fit_confusion_costs, write_costs
from flows.kazakh.confusions import read_confusions
from flows.kazakh.lexicon import base_lexicon
from flows.rules import load_rules
from flows.stages.ocr import index_for
from flows.statistics import write_counts

RULES = load_rules(PROJECT / "rules")
# known words with ө and with ү, none with both (so that each error shows one confusion)
WITH_O = ["көп", "өзен", "өмір", "көрді", "өнер", "сөз", "төрт", "бөлім", "көше", "өлең"]
WITH_U = ["күн", "үй", "түс", "үлкен", "күз", "жүз", "түн", "үміт", "сүт", "күміс"]


def scanned_corpus(lose_o: float, lose_u: float, seed: int = 0) -> dict[str, int]:
    """Counts of a corpus whose scanner writes о for ө at `lose_o` and у for ү at `lose_u`."""
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    for _ in range(4000):
        word = rng.choice(WITH_O + WITH_U)
        rate = lose_o if "ө" in word else lose_u
        if rng.random() < rate:
            word = word.replace("ө", "о").replace("ү", "у")
        counts[word] = counts.get(word, 0) + 1
    return counts


def fitted_costs(counts: dict[str, int]) -> dict[str, float]:
    lexicon = base_lexicon(RULES).with_counts(counts)
    fitted = fit_confusion_costs(index_for(RULES), lexicon, counts)
    return {str(f.confusion): f.cost for f in fitted}


def test_a_scan_that_drops_o_more_than_u_teaches_the_table_so():
    dropping_o = fitted_costs(scanned_corpus(lose_o=0.5, lose_u=0.02))
    dropping_u = fitted_costs(scanned_corpus(lose_o=0.02, lose_u=0.5))
    assert dropping_o["о>ө"] < dropping_u["о>ө"]
    assert dropping_u["у>ү"] < dropping_o["у>ү"]
    assert dropping_o["о>ө"] < dropping_o["у>ү"]


def test_a_clean_corpus_leaves_the_costs_near_the_table():
    costs = fitted_costs(scanned_corpus(lose_o=0.0, lose_u=0.0))
    for confusion in RULES.confusions:
        assert abs(costs[str(confusion)] - confusion.cost) < 0.5, confusion


def test_written_costs_keep_the_table_as_it_was_but_for_the_costs(tmp_path):
    path = tmp_path / "confusions.tsv"
    shutil.copy(PROJECT / "rules" / "kk" / "confusions.tsv", path)
    before = path.read_text(encoding="utf-8").splitlines()
    counts = scanned_corpus(lose_o=0.5, lose_u=0.02)
    lexicon = base_lexicon(RULES).with_counts(counts)
    write_costs(path, fit_confusion_costs(index_for(RULES), lexicon, counts))
    after = path.read_text(encoding="utf-8").splitlines()
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        old_cells, new_cells = old.split("\t"), new.split("\t")
        if old.startswith("#") or len(old_cells) < 4:
            assert new == old
        else:
            assert old_cells[:2] + old_cells[3:] == new_cells[:2] + new_cells[3:]
    read = read_confusions(path)
    assert [(c.observed, c.intended, c.kind) for c in read] == [
        (c.observed, c.intended, c.kind) for c in RULES.confusions
    ]
    assert {c.cost for c in read} != {c.cost for c in RULES.confusions}


def test_fit_confusions_needs_corpus_statistics(tmp_path):
    run = tazala("fit-confusions", "--rules", str(PROJECT / "rules"), cwd=tmp_path)
    assert run.returncode == 2
    assert b"tazala run" in run.stderr
    assert b"Traceback" not in run.stderr


def test_fit_confusions_prints_each_confusion_and_writes_nothing_unasked(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", rules)
    release = tmp_path / "release"
    release.mkdir()
    write_counts(release / "lexicon.tsv", scanned_corpus(lose_o=0.5, lose_u=0.02))
    before = (rules / "kk" / "confusions.tsv").read_bytes()
    run = tazala("fit-confusions", "--rules", str(rules), "--release", str(release))
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode().count("\n") == len(RULES.confusions) + 1
    assert (rules / "kk" / "confusions.tsv").read_bytes() == before
    run = tazala("fit-confusions", "--rules", str(rules), "--release", str(release), "--write")
    assert run.returncode == 0, run.stderr
    assert (rules / "kk" / "confusions.tsv").read_bytes() != before


def test_a_long_fit_says_how_far_it_is(monkeypatch, caplog):
    import flows.kazakh.channel_fit as channel_fit

    monkeypatch.setattr(channel_fit, "PROGRESS_SECONDS", 0.0)
    counts = scanned_corpus(lose_o=0.5, lose_u=0.02)
    with caplog.at_level("INFO", logger="tazala"):
        fitted_costs(counts)
    lines = [r.getMessage() for r in caplog.records if "fit-confusions" in r.getMessage()]
    assert lines[-1] == f"fit-confusions: {len(counts):,} of {len(counts):,} word forms read"

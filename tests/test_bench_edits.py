"""`tazala bench flow`'s three edits (issue 24): one file changed, one added (1 % of the
corpus), one deleted; the generated files they write and the table of their reruns."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import DATA

from flows.statistics import count_words

FIGURES = DATA / "bench" / "rerun_figures.json"


@pytest.fixture(scope="module")
def sources():
    return sorted((DATA / "corpus").rglob("*.txt"))


def longest_line(sources) -> int:
    return max(len(line.encode("utf-8")) for s in sources for line in s.read_text().splitlines())


def test_an_added_file_is_new_about_the_size_asked_and_the_same_for_the_same_seed(
    rules, sources, tmp_path
):
    from flows.synthetic import add_file

    folders = [tmp_path / name for name in ("a", "b", "c")]
    for folder in folders:
        folder.mkdir()
    a = add_file(sources, rules, folders[0], 12, 3, 20_000)
    b = add_file(sources, rules, folders[1], 12, 3, 20_000)
    other_seed = add_file(sources, rules, folders[2], 12, 4, 20_000)
    assert a.name == "gen-00012.txt"
    # whole lines are written until the size is reached; a varied line can grow by a stem
    assert 20_000 <= a.stat().st_size <= 20_000 + 2 * longest_line(sources) + 2
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != other_seed.read_bytes()
    with pytest.raises(FileExistsError):
        add_file(sources, rules, folders[0], 12, 3, 20_000)


def test_the_three_edits_change_words_add_a_new_file_and_delete_one(rules, sources, tmp_path):
    from flows.bench import ADDED_SHARE, corpus_edits
    from flows.synthetic import generate_corpus

    generated = generate_corpus(sources, rules, tmp_path / "corpus", 0.6, seed=5)
    folder = generated.folder

    def snapshot() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in folder.iterdir()}

    before = snapshot()
    assert len(before) == generated.files == 2
    edits = corpus_edits(sources, rules, generated, seed=5)
    assert [name for name, _ in edits] == ["changed", "added", "deleted"]
    made = {}
    for name, edit in edits:
        made[name] = (edit(), snapshot())

    changed, after_change = made["changed"]
    assert changed == "gen-00001.txt" and after_change.keys() == before.keys()
    words = [Counter(count_words(files[changed].decode())) for files in (before, after_change)]
    assert words[0] != words[1], "the change alters the words, not only the punctuation"
    assert after_change["gen-00002.txt"] == before["gen-00002.txt"]

    added, after_add = made["added"]
    assert added == "gen-00003.txt" and added not in before
    assert after_add.keys() == {*before, added}
    share = len(after_add[added]) / generated.bytes
    assert ADDED_SHARE <= share <= 2 * ADDED_SHARE
    assert not set(count_words(after_add[added].decode())) <= set(
        count_words(after_add[changed].decode() + after_add["gen-00002.txt"].decode())
    ), "the added file brings word forms of its own"

    deleted, after_delete = made["deleted"]
    assert deleted == "gen-00002.txt" and deleted not in after_delete
    assert after_delete == {n: b for n, b in after_add.items() if n != deleted}


def test_the_rerun_table_sets_each_edit_against_the_one_worker_full_run():
    from flows.bench import flow_table

    figures = json.loads(FIGURES.read_text(encoding="utf-8"))

    def full_run(figure: dict) -> dict:
        counts = {"reused": 0, "of": figures["files"]}
        extra = {"word_forms": 1000, "stage_seconds": {"ocr": 4.0}, "peak_total": 1e9}
        return {**figure, **extra, "repair": counts, "correct": counts}

    runs = {int(n): full_run(f) for n, f in figures["full_runs"].items()}
    reruns = {r["edit"]: r for r in figures["reruns"]}
    rows = flow_table(figures["size"], figures["files"], 0, runs, reruns, 10.0)
    header = next(r for r in rows if r.startswith("| rerun after"))
    assert [c.strip() for c in header.split("|")[2:-1]] == [
        "wall s",
        "share of full run",
        "files repaired from cache",
        "docs corrected from cache",
        "largest process MB",
    ]
    for rerun in figures["reruns"]:
        row = next(r for r in rows if r.startswith(f"| {rerun['edit']} "))
        assert [c.strip() for c in row.split("|")[2:-1]] == rerun["cells"], rerun["edit"]
    table = rows[rows.index(header) :]
    assert len({len(r) for r in table}) == 1, "the rerun table's rows line up"
    assert "1 % of the corpus' bytes" in "\n".join(rows)


def test_no_reruns_leave_the_table_as_before():
    from flows.bench import flow_table, rerun_table

    full = {"wall": 10.0, "word_forms": 5, "stage_seconds": {}, "peak_total": 1e8}
    full["peak_single"] = 1e8
    assert rerun_table(full, {}) == []
    assert not any("rerun" in r for r in flow_table(1_000_000, 1, 0, {1: full}, {}, 1.0))

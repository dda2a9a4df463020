"""A release's files for data tools (flows/datafiles.py, issue 25): Parquet tables and a
dataset card that `datasets` and pandas read as the README says, ids kept as strings."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import DATA, PROJECT

from flows.datafiles import DOCUMENTS, ROW_GROUP, SENTENCES, join_parts, schema
from flows.reader import open_release

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def numbered_release(prefect_api, tmp_path_factory):
    """A release of files named 001.txt, 002.txt (ids that look like numbers), copied to
    output/v0002 as the README's lines name it."""
    from flows.pipeline import run_pipeline

    root = tmp_path_factory.mktemp("numbered")
    corpus = root / "corpus"
    corpus.mkdir()
    texts = sorted((DATA / "corpus").rglob("*.txt"))[:2]
    for number, path in enumerate(texts, 1):
        shutil.copy(path, corpus / f"{number:03d}.txt")
    run_pipeline(str(corpus), str(root / "made"), str(PROJECT / "rules"))
    shutil.copytree(root / "made" / "v0001", root / "output" / "v0002")
    return root


def readme_lines() -> str:
    """The README's python block that reads a release with datasets and pandas."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    return next(b for b in blocks if "load_dataset" in b and "read_parquet" in b)


def test_the_readme_lines_load_a_release_with_string_ids(numbered_release, monkeypatch):
    pytest.importorskip("pandas")
    pytest.importorskip("datasets")
    monkeypatch.chdir(numbered_release)
    names: dict = {}
    exec(readme_lines(), names)  # the README's exact lines
    release = open_release(numbered_release / "output", 2)
    totals = release.manifest["totals"]
    documents, sentences = names["documents"], names["sentences"]
    assert documents["id"] == ["001", "002"] and names["frame"]["id"].tolist() == ["001", "002"]
    assert names["rows"]["id"].tolist() == ["001", "002"]
    assert len(sentences) == totals["sentences"] and len(documents) == totals["documents"]
    assert sentences[0]["id"] == "001:p1:s1" and isinstance(sentences[0]["paragraph"], int)
    assert [s.text for s in release.sentences()] == sentences["text"]


def test_the_dataset_card_names_both_tables_and_their_features(numbered_release):
    card = (numbered_release / "output" / "v0002" / "README.md").read_text(encoding="utf-8")
    front = card.split("---\n")[1]
    for table in (DOCUMENTS, SENTENCES):
        assert f"path: {table}" in front
    assert "- config_name: sentences" in front and "default: true" in front
    assert "  - name: paragraph\n    dtype: int32" in front


def test_parquet_row_groups_do_not_depend_on_the_shards(tmp_path, monkeypatch):
    """The same rows cut into parts two ways give the same bytes: row groups of a fixed
    number of rows, whatever the parts."""
    monkeypatch.setitem(ROW_GROUP, SENTENCES, 3)
    monkeypatch.setitem(ROW_GROUP, DOCUMENTS, 3)
    rows = [
        {
            "id": f"d:p1:s{n}",
            "document": "d",
            "paragraph": 1,
            "number": n,
            "language": "kk",
            "text": f"Сөйлем {n}.",
        }
        for n in range(1, 8)
    ]
    outputs = []
    for cut in ([7], [2, 2, 3], [1, 6]):
        folder = tmp_path / "-".join(map(str, cut))
        folder.mkdir()
        chunks, start = [], 0
        for number, size in enumerate(cut):
            chunk = folder / f"chunk{number}"
            chunk.mkdir()
            pq.write_table(
                pa.Table.from_pylist(rows[start : start + size], schema=schema(SENTENCES)),
                chunk / SENTENCES,
            )
            pq.write_table(schema(DOCUMENTS).empty_table(), chunk / DOCUMENTS)
            chunks.append(chunk)
            start += size
        join_parts(folder, chunks)
        outputs.append((folder / SENTENCES).read_bytes())
        assert pq.ParquetFile(folder / SENTENCES).metadata.num_row_groups == 3
        assert pq.read_table(folder / DOCUMENTS).num_rows == 0
    assert outputs[0] == outputs[1] == outputs[2]
    assert pq.read_table(tmp_path / "7" / SENTENCES).to_pylist() == rows

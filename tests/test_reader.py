"""The light reader (flows/reader.py, issue 25): a release read with Python's standard library
alone, its documents, sentences, changes and review queue."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import PROJECT

from flows.reader import open_release

FRESH_IMPORT = """
import json, sys
before = set(sys.modules)
{statement}
print(json.dumps(sorted(set(sys.modules) - before)))
"""


@pytest.mark.parametrize(
    "statement", ["import flows.reader", "from flows import open_release"], ids=str
)
def test_the_reader_imports_nothing_but_the_standard_library(statement):
    """In a fresh interpreter: no Prefect, Dask, FastAPI (nor regex, nor any other package
    outside the standard library) comes in with the reader."""
    code = FRESH_IMPORT.format(statement=statement)
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, check=True
    )
    new = json.loads(found.stdout)
    assert "flows.reader" in new
    for heavy in ("prefect", "dask", "fastapi", "regex", "pandas", "datasets"):
        assert heavy not in new, heavy
    outside = {name.split(".")[0] for name in new} - set(sys.stdlib_module_names) - {"flows"}
    assert not outside, outside


def test_a_release_reads_whole_with_the_reader(published_output):
    release = open_release(published_output, 1)
    totals = release.manifest["totals"]
    assert sum(1 for _ in release.documents()) == totals["documents"]
    sentences = list(release.sentences())
    assert len(sentences) == totals["sentences"]
    assert len({s.id for s in sentences}) == len(sentences)
    assert sum(1 for _ in release.changes()) == totals["edits"]
    assert sum(1 for _ in release.review()) == totals["suggestions"]
    edit = next(release.changes())
    assert {"document", "stage", "rule", "before", "after", "position"} <= set(edit)
    counts = release.word_counts()
    assert counts and all(isinstance(n, int) for n in counts.values())


@pytest.mark.parametrize("table", ["documents", "sentences", "changes", "review"])
def test_each_table_has_string_ids_and_flat_values(published_output, table):
    release = open_release(published_output)
    rows = list(release.rows(table))
    assert rows
    key = "id" if table in ("documents", "sentences") else "document"
    assert all(isinstance(row[key], str) for row in rows)
    assert all(not isinstance(v, dict) for row in rows for v in row.values())


def test_to_pandas_and_to_dataset_need_their_package_and_say_so(published_output):
    release = open_release(published_output)
    for method, package in (("to_pandas", "pandas"), ("to_dataset", "datasets")):
        try:
            __import__(package)
        except ImportError:
            with pytest.raises(ImportError, match=f"pip install {package}"):
                getattr(release, method)("sentences")
        else:
            table = getattr(release, method)("sentences")
            assert len(table) == release.manifest["totals"]["sentences"]
    with pytest.raises(ValueError, match="no table"):
        next(release.rows("words"))

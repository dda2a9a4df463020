"""Damage to the result cache, of every kind a disk, a copy or a person can do: each damaged
entry is found on read, recomputed with a warning, and the release is byte for byte the one
an undamaged run publishes. Nothing damaged is released; no damage fails a run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CASES, DATA, PROJECT

from flows.cache import CACHE
from flows.pipeline import run_pipeline
from flows.release import LATEST

from .test_crashes import tree

DAMAGE_CASES = json.loads((CASES / "cache_damage.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def undamaged(prefect_api, tmp_path_factory):
    """An output folder with its cache, and the tree of the release it published."""
    output = tmp_path_factory.mktemp("undamaged") / "output"
    run_pipeline(str(DATA / "corpus"), str(output), str(PROJECT / "rules"))
    return output, tree(output / "v0001")


def entries(cache: Path, entry: str) -> list[Path]:
    folder, pattern = {
        "repair_meta": ("repair", "*.json"),
        "repair_document": ("repair", "*.doc.json"),
        "correct_document": ("correct", "*.doc.json"),
    }[entry]
    found = sorted((cache / folder).glob(pattern))
    return [p for p in found if entry != "repair_meta" or not p.name.endswith(".doc.json")]


def flip(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    header, _, content = data.partition(b"\n")
    assert old in content, f"nothing to flip in {path.name}"
    path.write_bytes(header + b"\n" + content.replace(old, new, 1))


def damage(cache: Path, entry: str, kind: str) -> None:
    first, second = entries(cache, entry)[:2]
    data = first.read_bytes()
    if kind == "flip_letter":
        flip(first, "а".encode(), "о".encode())
    elif kind == "flip_digit":
        flip(first, b": 1", b": 7")
    elif kind == "truncate":
        first.write_bytes(data[: len(data) // 2])
    elif kind == "empty":
        first.write_bytes(b"")
    elif kind == "swap":
        first.write_bytes(second.read_bytes())
        second.write_bytes(data)
    elif kind == "strip_digest":
        first.write_bytes(data.partition(b"\n")[2])
    elif kind == "not_utf8":
        first.write_bytes(bytes(range(128, 256)) * 4)
    elif kind == "other_kind":
        from flows.cache import write_entry

        document = entries(cache, "repair_document")[0].read_bytes().partition(b"\n")[2]
        write_entry(Path(str(first) + ".other"), document.decode())
        Path(str(first) + ".other").replace(first)
    else:
        raise ValueError(kind)


@pytest.mark.parametrize(
    "case", DAMAGE_CASES, ids=[f"{c['entry']}-{c['damage']}" for c in DAMAGE_CASES]
)
def test_a_damaged_cache_entry_is_recomputed_with_a_warning(case, undamaged, tmp_path, caplog):
    source, expected = undamaged
    output = tmp_path / "output"
    shutil.copytree(source, output)
    shutil.rmtree(output / "v0001")
    (output / LATEST).unlink()
    damage(output / CACHE, case["entry"], case["damage"])
    with caplog.at_level("WARNING", logger="tazala"):
        run_pipeline(str(DATA / "corpus"), str(output), str(PROJECT / "rules"))
    assert tree(output / "v0001") == expected, case["why"]
    warnings = [r.getMessage() for r in caplog.records if "is damaged" in r.getMessage()]
    assert warnings, "the damage is not reported"

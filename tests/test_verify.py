"""Verifiable releases (issue 25): the manifest's checksums and `published_at`, `tazala verify`,
`tazala versions --json`."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from flows.cli import main
from flows.release import (
    MANIFEST,
    UnverifiableRelease,
    open_release,
    release_checksums,
    verify_release,
)


@pytest.fixture
def output(published_output, tmp_path):
    copy = tmp_path / "output"
    shutil.copytree(published_output, copy, ignore=shutil.ignore_patterns(".cache"))
    return copy


def verify(output, *args, capsys) -> tuple[int, str]:
    status = main(["verify", *args, "--output", str(output)])
    return status, capsys.readouterr().out


def test_a_release_records_every_file_and_verifies(output, capsys):
    manifest = json.loads((output / "v0001" / MANIFEST).read_text(encoding="utf-8"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["published_at"])
    files = manifest["files"]
    assert MANIFEST not in files and {"documents.jsonl", "report.html", "lexicon.tsv"} <= set(files)
    assert any(name.startswith("text/") for name in files)
    assert files == release_checksums(output / "v0001")
    status, said = verify(output, capsys=capsys)
    assert status == 0 and said == f"v0001: all {len(files)} files as published\n"


def test_verify_finds_one_flipped_byte_in_any_released_file(output, capsys):
    """Every file the manifest lists, each in turn: one byte flipped, `tazala verify` names
    that file and no other, exit 1; restored, the release verifies again."""
    folder = output / "v0001"
    names = list(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"])
    assert len(names) >= 8
    for name in names:
        path = folder / name
        original = path.read_bytes()
        flipped = bytearray(original)
        flipped[len(flipped) // 2] ^= 0x01
        path.write_bytes(bytes(flipped))
        status, said = verify(output, "1", capsys=capsys)
        assert status == 1, name
        assert f"  {name}: changed\n" in said and said.count(": changed") == 1, said
        path.write_bytes(original)
    assert verify(output, "v0001", capsys=capsys)[0] == 0


def test_verify_names_missing_and_extra_files(output):
    folder = output / "v0001"
    (folder / "review.jsonl").unlink()
    (folder / "text" / "stray.txt").write_text("not published\n", encoding="utf-8")
    assert verify_release(folder) == [
        "review.jsonl: missing",
        "text/stray.txt: not in the manifest",
    ]


def test_a_release_without_checksums_cannot_be_verified_and_says_so(output, capsys):
    folder = output / "v0001"
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    del manifest["files"]
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(UnverifiableRelease):
        verify_release(folder)
    assert main(["verify", "--output", str(output)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("tazala: error: v0001 records no checksums") and "tazala run" in error


def test_versions_json_lists_each_release_with_its_publishing_time(output, capsys):
    assert main(["versions", "--json", "--output", str(output)]) == 0
    [row] = json.loads(capsys.readouterr().out)
    manifest = json.loads((output / "v0001" / MANIFEST).read_text(encoding="utf-8"))
    assert row["version"] == "v0001" and row["latest"] is True
    assert row["published_at"] == manifest["published_at"]
    assert row["documents"] == manifest["totals"]["documents"]
    (output / "empty").mkdir()
    assert main(["versions", "--json", "--output", str(output / "empty")]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["versions", "--json", "--output", str(output / "none")]) == 2


def test_open_release_takes_a_version_number(output):
    assert open_release(output, 1).version == "v0001"
    assert open_release(output, "1").version == open_release(output, "v0001").version

"""A release that is already wrong can be replaced: one published (by an older tazala, or while
a share was away) with planned files skipped as unreadable is published again once they read,
instead of "up to date" forever. A file skipped for what its bytes are (a PNG, an empty file)
is skipped again, and the release stays up to date."""

from __future__ import annotations

import json

from conftest import PROJECT

from flows.pipeline import run_pipeline
from flows.release import release_versions

from .inputs import write_png

MISSING = "tarikh.txt"


def run(corpus, output):
    return run_pipeline(str(corpus), str(output), str(PROJECT / "rules"))


def skip_in_manifest(release, path: str, reason: str) -> None:
    """What a release made while `path` could not be read says (its text left out as well)."""
    manifest_path = release / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["skipped"] = [*manifest["skipped"], {"path": path, "reason": reason}]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def test_a_release_published_without_files_that_read_now_is_published_again(
    prefect_api, corpus, tmp_path
):
    output = tmp_path / "output"
    run(corpus, output)
    skip_in_manifest(output / "v0001", MISSING, "No such file or directory")
    again = run(corpus, output)
    assert (again["status"], again["release"]) == ("published", "v0002")
    manifest = json.loads((output / "v0002" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["skipped"] == []
    assert run(corpus, output)["status"] == "up-to-date"  # v0002 is whole: nothing more
    assert release_versions(output) == ["v0001", "v0002"]


def test_a_file_skipped_for_its_bytes_leaves_the_release_up_to_date(prefect_api, corpus, tmp_path):
    name = write_png(corpus)
    output = tmp_path / "output"
    first = run(corpus, output)
    manifest = json.loads((output / "v0001" / "manifest.json").read_text(encoding="utf-8"))
    assert [s["path"] for s in manifest["skipped"]] == [name]
    again = run(corpus, output)
    assert (again["status"], again["release"]) == ("up-to-date", first["release"])

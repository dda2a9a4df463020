"""Files and rules that change while a run works: a release never holds text whose hash its
manifest does not give, and what one run saw (a file mid-save, a rules file mid-edit) never
sticks in the cache for later runs.

Each case changes the corpus or the rules at one moment of a real run (just after planning, or
just after the rules were copied for the tasks), as an editor, a sync client or a linguist
would, and checks what the run published and what the next run publishes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import DATA, PROJECT

import flows.pipeline
from flows.cache import CACHE
from flows.pipeline import run_pipeline
from flows.release import LATEST, release_versions

from .test_crashes import tree

EDITED = "Бұл мәтін жоспардан кейін өзгертілді.\n"
FILE = "tarikh.txt"


@pytest.fixture(scope="module")
def undisturbed(prefect_api, tmp_path_factory):
    """The release an undisturbed run publishes from the test corpus."""
    output = tmp_path_factory.mktemp("undisturbed") / "output"
    run_pipeline(str(DATA / "corpus"), str(output), str(PROJECT / "rules"))
    return tree(output / "v0001")


def after_planning(monkeypatch, change) -> None:
    """Make `change()` happen right after the run's plan is made (its files hashed)."""
    plan_run = flows.pipeline.plan_run

    def plan_then_change(*args, **kwargs):
        plan = plan_run(*args, **kwargs)
        change()
        return plan

    monkeypatch.setattr(flows.pipeline, "plan_run", plan_then_change)


def cached_texts(output: Path) -> str:
    """Every cache file's content, to look for text the cache must not hold."""
    folder = output / CACHE
    return "".join(p.read_text("utf-8", "replace") for p in folder.rglob("*") if p.is_file())


def assert_manifest_holds(output: Path, corpus: Path) -> None:
    """Every input the release names has the sha256 of the file as it is now."""
    for version in release_versions(output):
        manifest = json.loads((output / version / "manifest.json").read_text("utf-8"))
        for entry in manifest["inputs"]:
            data = (corpus / entry["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]


def test_a_file_edited_after_planning_fails_the_run_and_is_not_cached(
    prefect_api, corpus, tmp_path, monkeypatch, undisturbed
):
    original = (corpus / FILE).read_bytes()
    output = tmp_path / "output"
    after_planning(monkeypatch, lambda: (corpus / FILE).write_text(EDITED, encoding="utf-8"))
    with pytest.raises(Exception, match=f"{FILE} changed after the run was planned"):
        run_pipeline(str(corpus), str(output), str(PROJECT / "rules"))
    assert release_versions(output) == [] and not (output / LATEST).exists()
    assert "өзгертілді" not in cached_texts(output)
    # reverted, the file comes out as it always did (the edit was never cached)
    monkeypatch.undo()
    (corpus / FILE).write_bytes(original)
    run_pipeline(str(corpus), str(output), str(PROJECT / "rules"))
    assert tree(output / "v0001") == undisturbed
    assert_manifest_holds(output, corpus)


def test_a_file_deleted_after_planning_fails_the_run_and_counts_once_it_is_back(
    prefect_api, corpus, tmp_path, monkeypatch, undisturbed
):
    """A file unreadable for a moment (an editor's atomic save, a network share) is not
    cached as skipped: once it is back, the release holds it."""
    original = (corpus / FILE).read_bytes()
    output = tmp_path / "output"
    after_planning(monkeypatch, (corpus / FILE).unlink)
    with pytest.raises(Exception, match=FILE):
        run_pipeline(str(corpus), str(output), str(PROJECT / "rules"))
    assert release_versions(output) == []
    monkeypatch.undo()
    (corpus / FILE).write_bytes(original)
    run_pipeline(str(corpus), str(output), str(PROJECT / "rules"))
    manifest = json.loads((output / "v0001" / "manifest.json").read_text("utf-8"))
    assert manifest["skipped"] == []
    assert tree(output / "v0001") == undisturbed


def test_a_file_edited_between_runs_is_released_with_its_new_hash(prefect_api, corpus, tmp_path):
    output = tmp_path / "output"
    run_pipeline(str(corpus), str(output), str(PROJECT / "rules"))
    (corpus / FILE).write_text(EDITED, encoding="utf-8")
    run_pipeline(str(corpus), str(output), str(PROJECT / "rules"))
    assert release_versions(output) == ["v0001", "v0002"]
    text = "".join(p.read_text("utf-8") for p in (output / "v0002" / "text").glob("*.txt"))
    assert "өзгертілді" in text
    manifest = json.loads((output / "v0002" / "manifest.json").read_text("utf-8"))
    (entry,) = [e for e in manifest["inputs"] if e["path"] == FILE]
    assert entry["sha256"] == hashlib.sha256(EDITED.encode()).hexdigest()


def edit_rules(folder: Path) -> None:
    """A linguist's edit: one more abbreviation (any change makes other rules)."""
    with (folder / "kk" / "abbreviations.txt").open("a", encoding="utf-8") as rules:
        rules.write("\n# added during a run\nжсж.\n")


def test_rules_edited_after_planning_fail_the_run(prefect_api, corpus, tmp_path, monkeypatch):
    rules, output = tmp_path / "rules", tmp_path / "output"
    shutil.copytree(PROJECT / "rules", rules)
    after_planning(monkeypatch, lambda: edit_rules(rules))
    with pytest.raises(Exception, match="rules .* changed after the run was planned"):
        run_pipeline(str(corpus), str(output), str(rules))
    assert release_versions(output) == []


def test_rules_edited_while_tasks_run_do_not_reach_this_run(
    prefect_api, corpus, tmp_path, monkeypatch, undisturbed
):
    """Every task reads the run's copy of the rules: an edit once the run has started makes
    the next run's release, and this run's release is the undisturbed one, under the
    fingerprint of the rules it was made with."""
    rules, output = tmp_path / "rules", tmp_path / "output"
    shutil.copytree(PROJECT / "rules", rules)
    snapshot_rules = flows.pipeline.snapshot_rules

    def snapshot_then_edit(*args, **kwargs):
        copy = snapshot_rules(*args, **kwargs)
        edit_rules(rules)
        return copy

    monkeypatch.setattr(flows.pipeline, "snapshot_rules", snapshot_then_edit)
    run_pipeline(str(corpus), str(output), str(rules))
    assert tree(output / "v0001") == undisturbed
    monkeypatch.undo()
    run_pipeline(str(corpus), str(output), str(rules))
    assert release_versions(output) == ["v0001", "v0002"]

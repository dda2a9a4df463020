"""An output folder that is not followed, and review decisions that are checked (issue 19).

Links planted inside output/ (the run lock, the cache folders, leftovers) are never written
or deleted through; version arguments are release names, never paths; a damaged manifest is
one line naming it; an output folder inside the corpus (or the other way round) is refused;
and a crafted review.jsonl cannot put an unreviewed line into rules/kk/variants.tsv. The
hostile inputs are data: tests/cases/hostile_versions.json, damaged_manifests.json and
crafted_reviews.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cases import load_cases
from conftest import DATA, PROJECT

from flows.cli import main
from flows.release import (
    LATEST,
    MANIFEST,
    TEMPORARY_PREFIX,
    new_release_folder,
    open_release,
    write_latest,
)
from flows.safety import OutputNotWritable, output_lock, remove_leftovers

from .test_crashes import tazala_command

SECRET = "a file outside the output folder"
TEXT = "Бұл оқиға туралы М.Х. Дулати «Тарих-и Рашиди» еңбегінде жазды."
SUGGESTED = ("рашиди", "рашиді")


def tree(folder: Path) -> dict[str, str]:
    """Every file below `folder` (links not followed) with its content's digest."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def good_manifest(version: str) -> dict:
    totals = dict.fromkeys(
        ("documents", "paragraphs", "sentences", "characters", "words", "edits", "suggestions"), 1
    )
    return {
        "release": version,
        "fingerprint": hashlib.sha256(version.encode()).hexdigest(),
        "code_version": "0+test",
        "rules_fingerprint": "r",
        "rules_files": {},
        "parameters": {},
        "inputs": [{"path": "tarikh.txt", "sha256": "00"}],
        "skipped": [],
        "totals": totals,
        "stages": {},
    }


def suggestion(**changes: object) -> dict:
    row = {
        "document": "tarikh",
        "stage": "ocr",
        "rule": "ocr:lost",
        "before": "Рашиди",
        "after": "Рашиді",
        "position": TEXT.index("Рашиди"),
        "confidence": 0.8,
        "evidence": {},
        "alternatives": [],
    }
    return {**row, **changes}


def fake_release(folder: Path, report: str = "the report\n", review: dict | None = None) -> Path:
    """A release folder as a run writes it (one document, one suggestion for review)."""
    folder.mkdir(parents=True)
    (folder / MANIFEST).write_text(json.dumps(good_manifest(folder.name)), encoding="utf-8")
    (folder / "report.md").write_text(report, encoding="utf-8")
    document = {"id": "tarikh", "source": "tarikh.txt", "encoding": "utf-8", "text": TEXT}
    document |= {"paragraphs": [[TEXT]], "languages": ["kk"]}
    (folder / "documents.jsonl").write_text(
        json.dumps(document, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (folder / "review.jsonl").write_text(
        json.dumps(review or suggestion(), ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return folder


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("tazala: error: ") and err.count("\n") == 1, err
    return err


# --- the run lock --------------------------------------------------------------------------------


@pytest.fixture
def linked_lock(tmp_path):
    """output/.lock a link to a file outside output/ (`dangling`: to one that does not exist)."""

    def make(dangling: bool) -> tuple[Path, Path]:
        output, target = tmp_path / "output", tmp_path / "victim.txt"
        output.mkdir()
        if not dangling:
            target.write_text(SECRET, encoding="utf-8")
        (output / ".lock").symlink_to(target)
        return output, target

    return make


@pytest.mark.parametrize("dangling", [False, True], ids=["to a file", "dangling"])
def test_a_linked_lock_is_refused_and_its_target_untouched(linked_lock, dangling):
    output, target = linked_lock(dangling)
    linked = pytest.raises(OutputNotWritable, match=r"\.lock is a symbolic link")
    with linked as error, output_lock(output):
        pass
    assert "\n" not in str(error.value)
    if dangling:
        assert not target.exists(), "the lock created the file its link points to"
    else:
        assert target.read_text(encoding="utf-8") == SECRET


def test_run_with_a_linked_lock_fails_before_prefect(linked_lock):
    output, target = linked_lock(dangling=False)
    command = [*tazala_command(), "run", "--corpus", str(DATA / "corpus"), "--output", str(output)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 2, run.stderr[-2000:]
    assert run.stderr.count("\n") == 1 and f"{output / '.lock'}" in run.stderr
    assert target.read_text(encoding="utf-8") == SECRET
    assert sorted(p.name for p in output.iterdir()) == [".lock"]


# --- the cache and the leftovers -----------------------------------------------------------------


def outside_folder(path: Path) -> Path:
    """A folder outside output/ holding files a cache folder would hold."""
    path.mkdir(parents=True)
    for name in ("keep.txt", "0123abcd.json", "0123abcd.doc.json"):
        (path / name).write_text(SECRET, encoding="utf-8")
    return path


@pytest.mark.parametrize("linked", [".cache", ".cache/repair", ".cache/correct"])
def test_pruning_removes_a_linked_cache_folder_not_its_files(tmp_path, linked):
    from flows.cache import prune_cache

    output, target = tmp_path / "output", tmp_path / "elsewhere"
    for step in ("repair", "correct"):  # a whole cache's worth of files
        outside_folder(target / step)
    (output / linked).parent.mkdir(parents=True, exist_ok=True)
    points_to = target if linked == ".cache" else target / Path(linked).name
    (output / linked).symlink_to(points_to, target_is_directory=True)
    before = tree(target)
    prune_cache(output / ".cache", used=[])
    assert tree(target) == before
    assert not (output / linked).is_symlink()


@pytest.mark.parametrize("linked", [".cache", ".cache/repair", ".cache/correct"])
def test_a_linked_cache_folder_is_removed_before_a_run_uses_it(tmp_path, linked, caplog):
    output, target = tmp_path / "output", outside_folder(tmp_path / "elsewhere")
    (output / linked).parent.mkdir(parents=True, exist_ok=True)
    (output / linked).symlink_to(target, target_is_directory=True)
    before = tree(target)
    remove_leftovers(output)
    assert not (output / linked).is_symlink() and not (output / linked).exists()
    assert tree(target) == before
    assert f"{output / linked} was a symbolic link" in caplog.text


def test_a_run_never_writes_or_deletes_through_linked_cache_folders(prefect_api, tmp_path):
    """One real run: both cache folders are links to folders of files elsewhere."""
    from flows.pipeline import run_pipeline

    output = tmp_path / "output"
    (output / ".cache").mkdir(parents=True)
    targets = {}
    for step in ("repair", "correct"):
        targets[step] = outside_folder(tmp_path / f"elsewhere-{step}")
        (output / ".cache" / step).symlink_to(targets[step], target_is_directory=True)
    before = {step: tree(target) for step, target in targets.items()}
    result = run_pipeline(str(DATA / "corpus"), str(output), str(PROJECT / "rules"))
    assert result["release"] == "v0001"
    assert {step: tree(target) for step, target in targets.items()} == before
    for step in targets:
        folder = output / ".cache" / step
        assert folder.is_dir() and not folder.is_symlink() and any(folder.iterdir())


def test_a_linked_temporary_release_folder_is_not_followed(tmp_path):
    output, target = tmp_path / "output", outside_folder(tmp_path / "elsewhere")
    output.mkdir()
    fingerprint = "f" * 64
    planted = output / f"{TEMPORARY_PREFIX}{fingerprint[:16]}-{os.getpid()}"
    planted.symlink_to(target, target_is_directory=True)
    before = tree(target)
    folder = new_release_folder(output, fingerprint)
    assert folder == planted and folder.is_dir() and not folder.is_symlink()
    assert tree(target) == before


def test_latest_is_not_written_through_a_planted_link(tmp_path):
    output, target = tmp_path / "output", tmp_path / "victim.txt"
    output.mkdir()
    target.write_text(SECRET, encoding="utf-8")
    (output / f"{TEMPORARY_PREFIX}{LATEST}-{os.getpid()}").symlink_to(target)
    write_latest(output, "v0001")
    assert target.read_text(encoding="utf-8") == SECRET
    assert (output / LATEST).read_text(encoding="utf-8") == "v0001\n"


# --- version arguments ---------------------------------------------------------------------------


@pytest.fixture
def releases_and_a_secret(tmp_path):
    """output/ (two folders down) with v0001, and release-like folders with a secret report at
    the places the hostile names point to."""
    output = tmp_path / "a" / "b" / "output"
    fake_release(output / "v0001")
    for place in (tmp_path / "a" / "x", tmp_path / "a" / "b" / "x"):
        fake_release(place, report=SECRET)
    return output, tmp_path / "a" / "x"


COMMANDS = {
    "show": lambda name: ["show", name],
    "diff old": lambda name: ["diff", name],
    "diff new": lambda name: ["diff", "1", name],
    "review": lambda name: ["review", name],
    "variants": lambda name: ["variants", name],
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", load_cases("hostile_versions.json"))
def test_a_version_argument_is_a_release_name_not_a_path(
    case, command, releases_and_a_secret, capsys
):
    output, outside = releases_and_a_secret
    name = case["input"].replace("{outside}", str(outside))
    assert main([*COMMANDS[command](name), "--output", str(output)]) == 2
    captured = capsys.readouterr()
    assert SECRET not in captured.out
    assert "is not a release name" in captured.err and captured.err.count("\n") == 1
    with pytest.raises(ValueError, match="is not a release name"):
        open_release(output, name)


def test_release_numbers_and_names_still_open(releases_and_a_secret):
    output, _ = releases_and_a_secret
    assert open_release(output, "1").version == open_release(output, "v0001").version == "v0001"
    assert open_release(output, "0001").version == "v0001"


# --- damaged manifests ---------------------------------------------------------------------------


def damage(path: Path, case: dict) -> None:
    text = case["input"]
    if text.startswith("{GOOD,"):
        changes = json.loads("{" + text.removeprefix("{GOOD,"))
        text = json.dumps({**good_manifest("v0002"), **changes})
    path.write_bytes(text.encode(case.get("encoding", "utf-8")))


@pytest.fixture
def damaged(tmp_path, request):
    """output/ with v0001 whole and v0002 (LATEST) with a damaged manifest."""
    output = tmp_path / "output"
    fake_release(output / "v0001")
    fake_release(output / "v0002")
    damage(output / "v0002" / MANIFEST, request.param)
    (output / LATEST).write_text("v0002\n", encoding="utf-8")
    return output


DAMAGED_MANIFESTS = load_cases("damaged_manifests.json")


@pytest.mark.parametrize("damaged", DAMAGED_MANIFESTS, indirect=True)
def test_versions_lists_the_whole_releases_and_names_a_damaged_manifest(damaged, capsys):
    assert main(["versions", "--output", str(damaged)]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("v0001 ") and captured.out.count("\n") == 1
    assert f"{damaged / 'v0002' / MANIFEST} is damaged" in captured.err
    assert captured.err.count("\n") == 1


@pytest.mark.parametrize("damaged", DAMAGED_MANIFESTS, indirect=True)
@pytest.mark.parametrize(
    "command", [["show"], ["show", "2"], ["show", "--manifest"], ["diff", "1"], ["diff", "2", "1"]]
)
def test_show_and_diff_name_a_damaged_manifest_in_one_line(damaged, command, capsys):
    assert main([*command, "--output", str(damaged)]) == 2
    assert f"{damaged / 'v0002' / MANIFEST} is damaged" in one_line_error(capsys)


# --- output and corpus ---------------------------------------------------------------------------


NESTINGS = {
    "output inside the corpus": ("corpus", "corpus/output"),
    "output is the corpus": ("corpus", "corpus"),
    "corpus inside the output": ("output/corpus", "output"),
    "output a link into the corpus": ("corpus", "link-to-corpus/output"),
}


@pytest.mark.parametrize("nesting", NESTINGS)
def test_output_and_corpus_inside_each_other_are_refused_before_anything_runs(tmp_path, nesting):
    corpus_name, output_name = NESTINGS[nesting]
    corpus = tmp_path / corpus_name
    shutil.copytree(DATA / "corpus", corpus)
    (tmp_path / "link-to-corpus").symlink_to(tmp_path / "corpus", target_is_directory=True)
    before = tree(tmp_path)
    command = [*tazala_command(), "run", "--corpus", corpus_name, "--output", output_name]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 2, run.stderr[-2000:]
    assert run.stderr.count("\n") == 1 and "--output" in run.stderr and "--corpus" in run.stderr
    assert tree(tmp_path) == before, "nothing was written"


# --- review decisions ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", load_cases("crafted_reviews.json"))
@pytest.mark.parametrize("decision", ["--accept", "--reject"])
def test_a_crafted_review_entry_is_refused_and_the_rules_are_unchanged(
    case, decision, tmp_path, capsys
):
    output, rules = tmp_path / "output", tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", rules)
    fake_release(output / "v0001", review=suggestion(**{case["field"]: case["value"]}))
    variants = (rules / "kk" / "variants.tsv").read_bytes()
    arguments = ["review", "--output", str(output), "--rules", str(rules)]
    assert main([*arguments, decision, *SUGGESTED]) == 2
    err = one_line_error(capsys)
    assert f"{output / 'v0001' / 'review.jsonl'}:1:" in err and case["field"] in err
    assert (rules / "kk" / "variants.tsv").read_bytes() == variants


def test_a_review_entry_as_a_run_writes_it_is_still_accepted(tmp_path, capsys):
    output, rules = tmp_path / "output", tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", rules)
    fake_release(output / "v0001")
    arguments = ["review", "--output", str(output), "--rules", str(rules)]
    assert main([*arguments, "--accept", *SUGGESTED]) == 0
    written = (rules / "kk" / "variants.tsv").read_text(encoding="utf-8").splitlines()[-1]
    assert written == "рашиди\tрашиді\tpin\taccepted in review of v0001 (ocr:lost, 1 suggestion)"

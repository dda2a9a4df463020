"""Kill a run (SIGKILL, as `kill -9` or a power cut would) at each crash point of
flows/crash.py, and start two runs at once: output/ keeps its releases and LATEST, no partial
release appears, the next run cleans up and publishes the very release an uninterrupted run
publishes, and two runs together publish one."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, PROJECT

from flows.crash import CRASH_POINTS, CRASH_VARIABLE, ONCE_VARIABLE
from flows.reader import release_content
from flows.release import LATEST, release_versions

from .inputs import GOOD_TEXT

NEW_FILE = "жаңа.txt"


def tazala_command() -> list[str]:
    tazala = PROJECT / ".venv" / "bin" / "tazala"
    return [str(tazala)] if tazala.exists() else [sys.executable, "-m", "flows.cli"]


def tree(folder: Path) -> dict[str, str]:
    """Every file of a release with its content's digest (the manifest's without the moment
    it was published)."""
    return release_content(folder)


@pytest.fixture(scope="module")
def api_url(prefect_api):
    """The session's Prefect API, for the runs started as commands (no temporary API each)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copytree(DATA / "corpus", folder, dirs_exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def published(prefect_api, corpus, tmp_path_factory):
    """`first`: output/ with v0001 of the corpus; `second`: v0002 added by an uninterrupted
    run after one more file came in (what every killed run must end up publishing)."""
    from flows.pipeline import run_pipeline

    first = tmp_path_factory.mktemp("first") / "output"
    run_pipeline(str(corpus), str(first), str(PROJECT / "rules"))
    second = tmp_path_factory.mktemp("second") / "output"
    shutil.copytree(first, second)
    (corpus / NEW_FILE).write_text(GOOD_TEXT, encoding="utf-8")
    run_pipeline(str(corpus), str(second), str(PROJECT / "rules"))
    assert release_versions(second) == ["v0001", "v0002"]
    return first, second


def run_tazala(corpus: Path, output: Path, api_url: str, crash_at: str | None = None):
    env = {**os.environ, "PREFECT_API_URL": api_url}
    env.pop(CRASH_VARIABLE, None)
    if crash_at:
        env[CRASH_VARIABLE] = crash_at
    command = [*tazala_command(), "run", "--corpus", str(corpus), "--output", str(output)]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)


def assert_no_partial_release(output: Path, first: Path, second: Path, latest: str) -> None:
    releases = release_versions(output)
    assert releases in (["v0001"], ["v0001", "v0002"])
    assert tree(output / "v0001") == tree(first / "v0001")
    if len(releases) == 2:  # renamed into place whole, before LATEST moved
        assert tree(output / "v0002") == tree(second / "v0002")
    assert (output / LATEST).read_text(encoding="utf-8").strip() == latest


def assert_no_leftovers(output: Path) -> None:
    hidden = {p.name for p in output.iterdir() if p.name.startswith(".")}
    assert hidden <= {".cache", ".lock"}, hidden
    assert not [p for p in (output / ".cache").rglob("*.tmp")]


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_killed_run_leaves_output_whole_and_the_next_run_finishes(
    point, published, corpus, api_url, tmp_path
):
    first, second = published
    output = tmp_path / "output"
    shutil.copytree(first, output)
    killed = run_tazala(corpus, output, api_url, crash_at=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    # LATEST moves last, as the release's final act; pruning the cache comes after it
    assert_no_partial_release(output, first, second, "v0002" if point == "prune" else "v0001")
    rerun = run_tazala(corpus, output, api_url)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert release_versions(output) == ["v0001", "v0002"]
    assert (output / LATEST).read_text(encoding="utf-8").strip() == "v0002"
    assert tree(output / "v0002") == tree(second / "v0002")
    assert_no_leftovers(output)


def test_two_runs_started_together_publish_one_release(published, corpus, api_url, tmp_path):
    first, second = published
    output = tmp_path / "output"
    shutil.copytree(first, output)
    env = {**os.environ, "PREFECT_API_URL": api_url}
    env.pop(CRASH_VARIABLE, None)
    command = [*tazala_command(), "run", "--corpus", str(corpus), "--output", str(output)]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, "env": env}
    runs = [subprocess.Popen(command, **pipes) for _ in range(2)]
    outcomes = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-2000:] for _, err in outcomes]
    said = sorted(out.split(" ")[0] for out, _ in outcomes)
    assert said == ["published", "up"]  # the second waited, then found it: "up to date"
    assert release_versions(output) == ["v0001", "v0002"]
    assert tree(output / "v0002") == tree(second / "v0002")
    assert_no_leftovers(output)


def test_a_dask_worker_killed_mid_shard_costs_nothing(published, corpus, api_url, tmp_path):
    """One of two workers dies while correcting (as an out-of-memory kill would): Dask gives
    the shard to a new worker, which starts the shard's part of the release over, and the run
    publishes the release an undisturbed run publishes."""
    first, second = published
    output = tmp_path / "output"
    shutil.copytree(first, output)
    env = {**os.environ, "PREFECT_API_URL": api_url, CRASH_VARIABLE: "correct"}
    env[ONCE_VARIABLE] = str(tmp_path / "died")
    command = [*tazala_command(), "run", "--corpus", str(corpus), "--output", str(output)]
    done = subprocess.run(
        [*command, "--workers", "2"], capture_output=True, text=True, timeout=600, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "died").exists(), "a worker did die"
    assert tree(output / "v0002") == tree(second / "v0002")
    assert_no_leftovers(output)

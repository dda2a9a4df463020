"""SIGTERM, Ctrl-C and kill -9 of a real `tazala run` (each with its own temporary Prefect
API, as a user's run has): it stops within 10 s with exit 143 or 130, says so in one line,
publishes nothing and leaves no process behind. The random-moment version of this, 40 runs,
is tests/reliability/signal_soak.py."""

from __future__ import annotations

import shutil
import signal

import pytest
from conftest import DATA

from flows.crash import STALL_MARKER, STALL_VARIABLE
from flows.release import read_manifest
from flows.signals import child_pids

from .signal_soak import run_command, run_environment, signal_run


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(DATA / "corpus", folder)
    return folder


def prefect_starting(pid: int) -> bool:
    """The run has started its temporary Prefect API, which is not answering yet."""
    return bool(child_pids(pid))


def assert_stopped_and_nothing_published(outcome, errors, output) -> None:
    assert not outcome.problems, (outcome.line(), errors[-3000:])
    assert not outcome.finished_first
    assert (
        errors.strip()
        .splitlines()[-1]
        .endswith(f"nothing was published and {output}/ is as it was")
    )
    visible = [p.name for p in output.iterdir() if not p.name.startswith(".")]
    assert visible == []  # no release, no LATEST


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_prefect_start_up_stops_the_run_and_its_api(number, corpus, tmp_path):
    output = tmp_path / "output"
    command = run_command(corpus, output, workers=1)
    outcome, errors = signal_run(command, run_environment(), number, ready=prefect_starting)
    assert_stopped_and_nothing_published(outcome, errors, output)


@pytest.mark.parametrize(
    ("number", "point"),
    [(signal.SIGTERM, "correct"), (signal.SIGINT, "repair")],
    ids=["SIGTERM-correct", "SIGINT-repair"],
)
def test_a_signal_while_a_task_computes_stops_the_run(number, point, corpus, tmp_path):
    """The task never ends by itself (flows/crash.py `stall`): only the signal stops it."""
    output, marker = tmp_path / "output", tmp_path / "computing"
    env = run_environment({STALL_VARIABLE: point, STALL_MARKER: str(marker)})
    command = run_command(corpus, output, workers=1)
    outcome, errors = signal_run(command, env, number, ready=lambda pid: marker.exists())
    assert_stopped_and_nothing_published(outcome, errors, output)


def test_kill_9_of_a_run_leaves_no_prefect_api_and_no_dask_worker(corpus, tmp_path):
    output, marker = tmp_path / "output", tmp_path / "computing"
    env = run_environment({STALL_VARIABLE: "correct", STALL_MARKER: str(marker)})
    command = run_command(corpus, output, workers=2)
    outcome, errors = signal_run(command, env, signal.SIGKILL, ready=lambda pid: marker.exists())
    assert not outcome.problems, (outcome.line(), errors[-3000:])
    assert not [p.name for p in output.iterdir() if not p.name.startswith(".")]


def test_a_signal_after_publishing_says_what_was_published(corpus, tmp_path):
    """The release is renamed into place and LATEST names it; the run, still pruning its
    cache, is stopped: it says it published, and the release is whole."""
    output, marker = tmp_path / "output", tmp_path / "pruning"
    env = run_environment({STALL_VARIABLE: "prune", STALL_MARKER: str(marker)})
    command = run_command(corpus, output, workers=1)
    outcome, errors = signal_run(command, env, signal.SIGTERM, ready=lambda pid: marker.exists())
    assert not outcome.problems, (outcome.line(), errors[-3000:])
    assert outcome.published
    assert errors.strip().splitlines()[-1] == (
        f"tazala: stopped by SIGTERM after publishing v0001 (complete; {output}/LATEST names it)"
    )
    assert (output / "LATEST").read_text(encoding="utf-8").strip() == "v0001"
    assert read_manifest(output / "v0001")["release"] == "v0001"

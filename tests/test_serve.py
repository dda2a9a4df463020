"""The served deployment, as a user runs it: a Prefect server, `tazala serve --cron`, a run
triggered with `prefect deployment run`, the release on disk."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import DATA, PROJECT

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(
    not (BIN / "prefect").exists() or not (BIN / "tazala").exists(),
    reason="needs the prefect and tazala commands of the project's virtual environment",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """Serve and server processes are stopped by process group (PREFECT.md: they ignore
    SIGINT when started from a non-interactive shell)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(check, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(1)
    pytest.fail(f"{what} within {seconds} s; log:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
    }
    log = home / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{env['PREFECT_API_URL']}/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        wait_for(healthy, 120, "the Prefect server did not start", log)
        yield env, home
    finally:
        stop(server)


def prefect(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "prefect"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def inspect_artifact(env, key: str) -> str:
    """`prefect artifact inspect KEY`'s output, or "" while there is no such artifact."""
    shown = prefect(env, "artifact", "inspect", key)
    return shown.stdout if shown.returncode == 0 else ""


def test_served_deployment_runs_when_triggered(prefect_server, tmp_path):
    env, home = prefect_server
    output = tmp_path / "output"
    log = home / "serve.log"
    command = [str(BIN / "tazala"), "serve", "--name", "test", "--cron", "0 3 * * *"]
    command += ["--corpus", str(DATA / "corpus"), "--output", str(output)]
    command += ["--rules", str(PROJECT / "rules")]
    with log.open("w") as out:
        serving = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deployment = wait_for(
            lambda: (
                (r := prefect(env, "deployment", "inspect", "clean-corpus/test")).returncode == 0
                and r.stdout
            ),
            120,
            "the deployment was not served",
            log,
        )
        assert "0 3 * * *" in deployment  # the cron schedule is on the deployment
        triggered = prefect(env, "deployment", "run", "clean-corpus/test")
        assert triggered.returncode == 0, triggered.stderr
        wait_for(lambda: (output / "LATEST").is_file(), 240, "no release appeared", log)
        assert (output / "LATEST").read_text().strip() == "v0001"
        assert len((output / "v0001" / "documents.jsonl").read_text().splitlines()) == 2
        summary, table = (
            wait_for(lambda key=key: inspect_artifact(env, key), 60, f"no {key} artifact", log)
            for key in ("run-summary", "top-corrections")
        )
        assert "tazala: published v0001" in summary
        assert "'type': 'table'" in table
        assert '"stage": "encoding", "rule": "ftfy"' in table and '"count": 1' in table
        # (the ftfy edit spans lines: its type is its rule, before and after "…")
        # the table's data as stored (orjson, whatever the console): letters, not escapes
        stored = prefect(env, "artifact", "inspect", "top-corrections", "--output", "json")
        data = json.loads(stored.stdout)[0]["data"]
        assert "\\u" not in data and any(ord(c) > 127 for c in data), data
    finally:
        stop(serving)


def test_prefect_yaml_deploys_to_a_work_pool(prefect_server):
    """The README's work-pool route: the project's prefect.yaml is accepted by `prefect deploy`
    and gives a scheduled deployment of the flow (a worker would run it)."""
    env, _ = prefect_server
    assert prefect(env, "work-pool", "create", "tazala", "--type", "process").returncode == 0
    deployed = subprocess.run(
        [str(BIN / "prefect"), "--no-prompt", "deploy", "--all"],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    inspected = prefect(env, "deployment", "inspect", "clean-corpus/nightly-pool")
    assert inspected.returncode == 0, inspected.stderr
    assert "0 3 * * *" in inspected.stdout and "flows/pipeline.py:clean_corpus" in inspected.stdout

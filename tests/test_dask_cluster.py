"""A Dask cluster of the user's own, as the README's "Scaling out" starts it: a scheduler and two
workers as separate processes, in a folder other than the project's, and `tazala run
--dask-address` started from the project folder with its default relative options.

One cluster serves the module. Its workers report to the session's Prefect API, as the README
asks (PREFECT_API_URL exported)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DATA, PROJECT
from test_scale import same_release

from flows.preflight import Expected
from flows.release import release_versions

DASK = Path(sys.executable).with_name("dask")
TAZALA = Path(sys.executable).with_name("tazala")
DELETED = "web/abai.txt"  # deleted after planning; tarikh.txt, the file preflight looks at, stays


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cluster_env(api_url: str) -> dict[str, str]:
    return {**os.environ, "PREFECT_API_URL": api_url, "DASK_LOGGING__DISTRIBUTED": "error"}


def start(command: list[str], folder: Path, env: dict[str, str], log: str) -> subprocess.Popen:
    """A process in a session of its own, so that stopping its group stops its children too."""
    with open(folder / log, "wb") as out:
        return subprocess.Popen(
            command,
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout=60, set_as_default=False) as client:
        client.wait_for_workers(count, timeout=120)


def start_cluster(folder: Path, env: dict[str, str], workers: list[list[str]]) -> tuple:
    """`dask scheduler` and one `dask worker` per prefix (e.g. `[]`, or `unshare ...`)."""
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    scheduler = [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", port]
    processes = [start([*scheduler, "--dashboard-address", ":0"], folder, env, "scheduler.log")]
    for number, prefix in enumerate(workers, 1):
        worker = [str(DASK), "worker", address, "--nthreads", "1", "--name", f"w{number}"]
        processes.append(
            start([*prefix, *worker, "--no-dashboard"], folder, env, f"worker-{number}.log")
        )
    try:
        wait_for_workers(address, len(workers))
    except BaseException:
        stop(processes)
        raise
    return address, processes


@pytest.fixture(scope="module")
def api_url(prefect_api):
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


@pytest.fixture(scope="module")
def cluster(api_url, tmp_path_factory):
    """A scheduler and two workers, started in a folder of their own."""
    folder = tmp_path_factory.mktemp("cluster-folder")
    address, processes = start_cluster(folder, cluster_env(api_url), [[], []])
    yield address
    stop(processes)


def project(folder: Path) -> Path:
    """A project folder as a user has it: corpus/ and rules/ (output/ comes with the run)."""
    shutil.copytree(DATA / "corpus", folder / "corpus")
    shutil.copytree(PROJECT / "rules", folder / "rules")
    return folder


def tazala(folder: Path, api_url: str, *options: str, env: dict | None = None, script=None):
    """`tazala run OPTIONS` started in `folder`; `script` runs first in its process (a hook)."""
    command = [str(TAZALA), "run", *options]
    if script:
        prelude = f"{script}\nimport sys\nfrom flows.cli import main\nsys.exit(main(sys.argv[1:]))"
        command = [sys.executable, "-c", prelude, "run", *options]
    environment = {**cluster_env(api_url), **(env or {})}
    return subprocess.run(
        command, cwd=folder, env=environment, capture_output=True, text=True, timeout=600
    )


def test_default_relative_options_give_the_in_process_release(cluster, api_url, tmp_path):
    here = project(tmp_path)
    on_cluster = tazala(here, api_url, "--dask-address", cluster)
    assert on_cluster.returncode == 0, on_cluster.stderr[-3000:]
    assert "0 files skipped" not in on_cluster.stdout and "skipped" not in on_cluster.stdout
    alone = tazala(here, api_url, "--output", "alone")
    assert alone.returncode == 0, alone.stderr[-3000:]
    same_release(here / "alone" / "v0001", here / "output" / "v0001")
    manifest = json.loads((here / "output" / "v0001" / "manifest.json").read_text())
    assert manifest["skipped"] == [] and manifest["totals"]["documents"] == 2


def test_a_model_fitted_on_the_corpus_reaches_the_cluster_workers(cluster, api_url, tmp_path):
    """[ocr] model = "corpus": the workers correct with the run's fitted model (each edit's
    evidence holds its probabilities), so the release is the in-process one, byte for byte."""
    here = project(tmp_path)
    pipeline = here / "rules" / "pipeline.toml"
    text = pipeline.read_text(encoding="utf-8").replace('model = "rules"', 'model = "corpus"')
    pipeline.write_text(text.replace("model_examples = 8000", "model_examples = 600"), "utf-8")
    on_cluster = tazala(here, api_url, "--dask-address", cluster)
    assert on_cluster.returncode == 0, on_cluster.stderr[-3000:]
    alone = tazala(here, api_url, "--output", "alone")
    assert alone.returncode == 0, alone.stderr[-3000:]
    same_release(here / "alone" / "v0001", here / "output" / "v0001")
    fitted = (here / "output" / "v0001" / "decision_model.toml").read_bytes()
    assert fitted == (here / "alone" / "v0001" / "decision_model.toml").read_bytes()
    assert fitted != (PROJECT / "rules" / "kk" / "decision_model.toml").read_bytes()


DELETE_AFTER_PLANNING = f"""
import os, flows.pipeline as pipeline
plan_run = pipeline.plan_run
def plan_then_delete(*args, **kwargs):
    plan = plan_run(*args, **kwargs)
    os.remove(os.path.join(plan.corpus, {DELETED!r}))
    return plan
pipeline.plan_run = plan_then_delete
"""


def test_a_file_deleted_after_planning_fails_the_run_naming_it_and_the_worker(
    cluster, api_url, tmp_path
):
    here = project(tmp_path)
    run = tazala(here, api_url, "--dask-address", cluster, script=DELETE_AFTER_PLANNING)
    assert_fails_naming_the_file(run, here, "(Dask worker w")


def test_on_a_local_cluster_too_with_no_traceback_from_its_workers(api_url, tmp_path):
    here = project(tmp_path)
    run = tazala(here, api_url, "--workers", "2", script=DELETE_AFTER_PLANNING)
    assert_fails_naming_the_file(run, here, "(Dask worker ")


def assert_fails_naming_the_file(run, here: Path, worker: str) -> None:
    assert run.returncode == 1, run.stderr[-3000:]
    message = run.stderr.strip().splitlines()[-1]
    assert message.startswith("tazala: error: 1 planned file(s) could not be read"), message
    assert f"{DELETED}: No such file or directory" in message
    assert worker in message and "nothing was published" in message
    assert "Traceback" not in run.stderr
    assert "the work done so far is reused" not in run.stderr  # running again cannot bring it
    assert release_versions(here / "output") == []


@pytest.mark.parametrize("address", ["foo", "tcp://127.0.0.1:{port}", "tcp://host:99999"])
def test_a_bad_address_exits_2_within_10_seconds(address, api_url, tmp_path):
    here = project(tmp_path)
    started = time.monotonic()
    run = tazala(here, api_url, "--dask-address", address.format(port=free_port()))
    assert time.monotonic() - started < 10
    assert run.returncode == 2, run.stderr[-3000:]
    assert run.stderr.startswith("tazala: error: ") and len(run.stderr.splitlines()) == 1
    assert not (here / "output").exists() or release_versions(here / "output") == []


@pytest.mark.parametrize("address", ["foo", "tcp://127.0.0.1:{port}"])
def test_serve_checks_the_cluster_address_before_serving(address, tmp_path):
    """A deployment served with a wrong address would fail at every scheduled run: `serve`
    says so at once, before it asks the Prefect server for anything."""
    here = project(tmp_path)
    started = time.monotonic()
    serve = subprocess.run(
        [str(TAZALA), "serve", "--dask-address", address.format(port=free_port())],
        cwd=here,
        env={**cluster_env(f"http://127.0.0.1:{free_port()}/api")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert time.monotonic() - started < 10
    assert serve.returncode == 2, serve.stderr[-3000:]
    assert serve.stderr.startswith("tazala: error: ") and len(serve.stderr.splitlines()) == 1


def test_dask_scheduler_address_is_honoured_when_no_option_is_given(api_url, tmp_path):
    here = project(tmp_path)
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    run = tazala(here, api_url, env={"DASK_SCHEDULER_ADDRESS": address})
    assert run.returncode == 2, run.stderr[-3000:]
    assert f"no Dask scheduler answers at {address}" in run.stderr


def test_an_empty_corpus_publishes_nothing_and_exits_2(api_url, tmp_path):
    (tmp_path / "corpus").mkdir()
    run = tazala(tmp_path, api_url)
    assert run.returncode == 2, run.stderr[-3000:]
    assert "holds no files; nothing was published" in run.stderr
    assert release_versions(tmp_path / "output") == []


def can_hide_folders() -> bool:
    """A mount namespace of its own (root, or unprivileged user namespaces) hides a folder
    from one process: a worker that does not see what the others see."""
    if not shutil.which("unshare"):
        return False
    probe = ["unshare", "--mount", "--propagation", "private", "mount", "-t", "tmpfs", "x", "/mnt"]
    return subprocess.run(probe, capture_output=True).returncode == 0


@pytest.mark.skipif(not can_hide_folders(), reason="needs unshare --mount (mount namespaces)")
def test_a_worker_that_cannot_see_the_rules_fails_preflight_with_its_name(api_url, tmp_path):
    here = project(tmp_path / "project")
    rules = here / "rules"
    blind = [
        "unshare", "--mount", "--propagation", "private", "sh", "-c",
        f'mount -t tmpfs none "{rules}" && exec "$0" "$@"',
    ]  # fmt: skip
    folder = tmp_path / "cluster"
    folder.mkdir()
    address, processes = start_cluster(folder, cluster_env(api_url), [[], blind])
    try:
        started = time.monotonic()
        run = tazala(here, api_url, "--dask-address", address)
        seconds = time.monotonic() - started
    finally:
        stop(processes)
    assert run.returncode == 2, run.stderr[-3000:]
    assert "worker w2 (tcp://127.0.0.1:" in run.stderr
    assert f"cannot see the rules folder {rules}" in run.stderr
    assert "worker w1" not in run.stderr and "Traceback" not in run.stderr
    assert not (here / "output").exists() or release_versions(here / "output") == []
    assert seconds < 30, "preflight comes before Prefect and any work"


def descendants(pid: int) -> dict[int, str]:
    """Every living process below `pid`, with its command line."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = (Path("/proc") / str(child) / "cmdline").read_bytes().decode()
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_workers_temporary_prefect_api_stops_with_the_worker(api_url, tmp_path):
    """With no Prefect server configured, preflight starts each worker's temporary API (the one
    its task runs would start) tied to the worker process: when that process dies, even by
    kill -9 (out of memory), the API stops too."""
    from flows.preflight import check_cluster

    here = project(tmp_path / "project")
    (here / "output").mkdir()
    env = {k: v for k, v in cluster_env(api_url).items() if k != "PREFECT_API_URL"}
    folder = tmp_path / "cluster"
    folder.mkdir()
    address, processes = start_cluster(folder, env, [[]])
    try:
        warnings = check_cluster(address, expected_for(here, prefect_api=None))
        assert len(warnings) == 1 and "PREFECT_API_URL is not set" in warnings[0]
        below = descendants(processes[1].pid)  # the nanny: its worker process, the API
        apis = [pid for pid, command in below.items() if "uvicorn" in command]
        assert len(apis) == 1, below
        parent = int((Path("/proc") / str(apis[0]) / "stat").read_text().rsplit(")")[1].split()[1])
        os.kill(parent, signal.SIGKILL)  # the worker process dies (out of memory, kill -9)
        deadline = time.monotonic() + 15
        while alive(apis[0]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(apis[0]), "the worker's Prefect API outlived it"
    finally:
        stop(processes)


def test_a_prefect_server_that_does_not_answer_is_said_before_the_run(tmp_path):
    from flows.preflight import PreflightError, check_prefect_api

    url = f"http://127.0.0.1:{free_port()}/api"  # nothing listens there
    with pytest.raises(PreflightError, match=f"no Prefect server answers at PREFECT_API_URL={url}"):
        check_prefect_api(url, wait=1)


def expected_for(here: Path, **changes) -> Expected:
    from flows.release import code_version
    from flows.rules import fingerprint_folder

    fields = {
        "corpus": str(here / "corpus"),
        "rules": str(here / "rules"),
        "output": str(here / "output"),
        "rules_fingerprint": fingerprint_folder(here / "rules"),
        "code_version": code_version(),
        "probe": "tarikh.txt",
        "prefect_api": "http://127.0.0.1:4200/api",  # set: the check starts no API here
    }
    return Expected(**{**fields, **changes})


WORKER_LACKS = [
    ({"corpus": "/nowhere/corpus"}, "cannot see the corpus folder /nowhere/corpus"),
    ({"probe": "gone.txt"}, "but not its file gone.txt"),
    ({"rules": "/nowhere/rules"}, "cannot see the rules folder /nowhere/rules"),
    ({"rules_fingerprint": "0" * 64}, "sees other rules in"),
    ({"output": "/nowhere/output"}, "cannot write to the output folder /nowhere/output"),
    ({"code_version": "0.0.1+000000000000"}, "this run 0.0.1+000000000000: install the same"),
]


@pytest.mark.parametrize(("changes", "said"), WORKER_LACKS, ids=[w[1][:24] for w in WORKER_LACKS])
def test_a_worker_check_names_what_the_worker_lacks(changes, said, tmp_path):
    from flows.preflight import check_worker

    here = project(tmp_path)
    (here / "output").mkdir()
    assert check_worker(expected_for(here))["problems"] == []
    report = check_worker(expected_for(here, **changes))
    assert len(report["problems"]) == 1 and said in report["problems"][0], report


def test_a_worker_without_tazala_is_named(api_url, tmp_path):
    """A worker whose Python finds another `flows` (no tazala, or an old one) cannot run the
    check: it is named, exit 2, before anything runs."""
    here = project(tmp_path / "project")
    other = tmp_path / "other" / "flows"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("")
    shadowed = ["env", f"PYTHONPATH={other.parent}"]
    folder = tmp_path / "cluster"
    folder.mkdir()
    address, processes = start_cluster(folder, cluster_env(api_url), [[], shadowed])
    try:
        run = tazala(here, api_url, "--dask-address", address)
    finally:
        stop(processes)
    assert run.returncode == 2, run.stderr[-3000:]
    assert "worker w2 (tcp://127.0.0.1:" in run.stderr and "cannot run tazala's check" in run.stderr
    assert "worker w1" not in run.stderr and "Traceback" not in run.stderr
    assert not (here / "output").exists() or release_versions(here / "output") == []

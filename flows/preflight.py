"""Checks made before a run starts any work: paths that mean the same on every machine, a
corpus with something in it, and, for a run on a Dask cluster of the user's own, a scheduler
that answers and workers that see what the run will ask of them.

A worker started in another folder, or on a machine that does not mount the corpus, the rules
or the output folder, would otherwise fail every task after the temporary Prefect API has
started (or, before, publish a release with every file skipped). Here it is named, with what
it lacks, and the run stops with exit 2 before anything is done.

No Prefect here; `distributed` is imported only when a cluster address is given.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flows.ingest import SourcesError

log = logging.getLogger("tazala")

ADDRESS_VARIABLE = "DASK_SCHEDULER_ADDRESS"  # what dask itself reads when given no address
# the schemes `distributed` can connect through, then a host (a name, IPv4 or [IPv6]) and port
ADDRESS = re.compile(r"(tcp|tls|ws|wss|ucx)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})")
CONNECT_SECONDS = 5.0
WORKER_SECONDS = 20.0  # for a first worker to join (the README starts them together)
API_WAIT_SECONDS = 30.0  # for a Prefect server started in the background just before
API_START_SECONDS = 120  # a worker's temporary Prefect API: 4-8 s on 2 idle cores, more loaded


class PreflightError(SourcesError):
    """The cluster or the corpus cannot give a correct release; nothing was started."""


class EmptyCorpus(PreflightError):
    """The corpus folder holds no file at all."""


# --- paths and options ------------------------------------------------------------------------


def resolve_run_paths(args: argparse.Namespace) -> None:
    """--corpus, --output and --rules made absolute, as `serve` does: a relative path sent to
    a Dask worker would be read from the worker's own folder."""
    for name in ("corpus", "output", "rules"):
        setattr(args, name, str(Path(getattr(args, name)).resolve()))


def cluster_address(given: str | None) -> str | None:
    """--dask-address, else DASK_SCHEDULER_ADDRESS (as dask's own tools honour it), else
    None: no external cluster."""
    return given or os.environ.get(ADDRESS_VARIABLE) or None


def check_corpus_not_empty(corpus: str, files: int, skipped: int) -> None:
    if not files and not skipped:
        raise EmptyCorpus(
            f"the corpus folder {corpus} holds no files; nothing was published. Put the raw "
            "text files there (any encoding), or pass --corpus DIR"
        )


# --- the cluster ------------------------------------------------------------------------------


def check_address_form(address: str) -> None:
    match = ADDRESS.fullmatch(address)
    if not match or not 0 < int(match.group(3)) < 65536:
        raise PreflightError(
            f"{address!r} (--dask-address or {ADDRESS_VARIABLE}) is not a Dask scheduler "
            "address; give it as tcp://HOST:PORT (what `dask scheduler` prints)"
        )


def connect(address: str, timeout: float = CONNECT_SECONDS) -> Any:
    """A `distributed` client of the scheduler at `address`, or one line saying why not."""
    check_address_form(address)
    from distributed import Client

    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as problem:
        raise PreflightError(
            f"no Dask scheduler answers at {address} (within {timeout:.0f} s: {problem}); "
            f"start one with `dask scheduler`, or check --dask-address ({ADDRESS_VARIABLE}); "
            "nothing was started"
        ) from None


@dataclass(frozen=True)
class Expected:
    """What every worker must see as this process does."""

    corpus: str
    rules: str
    output: str
    rules_fingerprint: str
    code_version: str
    probe: str | None  # one planned file, relative to the corpus: the worker must see it
    prefect_api: str | None


def check_cluster(address: str, expected: Expected) -> list[str]:
    """Connect, then run `check_worker` once on every worker: a worker that lacks anything is
    named with what it lacks (PreflightError). Returns warnings (said, not fatal)."""
    client = connect(address)
    try:
        try:
            client.wait_for_workers(1, timeout=WORKER_SECONDS)
        except (OSError, TimeoutError):
            raise PreflightError(
                f"the Dask scheduler at {address} has no workers; start some with "
                f"`dask worker {address}`; nothing was started"
            ) from None
        # a worker whose check raises (no tazala there, an older one) is named like the others
        reports = client.run(check_worker, expected, on_error="return")
        names = {a: w.get("name") for a, w in client.scheduler_info()["workers"].items()}
        try:
            on_scheduler = client.run_on_scheduler(scheduler_code_version)
        except Exception as problem:  # raised on the scheduler: no tazala there, most likely
            on_scheduler = f"nothing it can import ({type(problem).__name__}: {problem})"
    finally:
        client.close()
    problems, without_api = [], []
    if on_scheduler != expected.code_version:
        problems.append(
            f"the scheduler runs tazala {on_scheduler}, this run {expected.code_version}: "
            "restart it with the same code"
        )
    for address_of_worker, report in sorted(reports.items()):
        name = worker_label(names.get(address_of_worker), address_of_worker)
        if isinstance(report, BaseException):
            problems.append(
                f"worker {name} cannot run tazala's check ({type(report).__name__}: {report}): "
                "install the same tazala there"
            )
            continue
        problems += [f"worker {name} {problem}" for problem in report["problems"]]
        if not report["prefect_api"]:
            without_api.append(name)
        for warning in report["warnings"]:
            log.warning("worker %s %s", name, warning)
    if problems:
        raise PreflightError(
            "the Dask cluster cannot run this corpus; nothing was started:\n  "
            + "\n  ".join(problems)
            + "\nEvery worker needs the same paths (a shared file system mounted at the same "
            "place) and the same tazala installed."
        )
    warnings = []
    if not expected.prefect_api and without_api:
        # With PREFECT_API_URL set for the run, Prefect hands it to the workers' task runs.
        warnings.append(
            "PREFECT_API_URL is not set: each Dask worker (here "
            + ", ".join(without_api)
            + ") reports its task runs to a temporary Prefect API of its own (~200 MB, stopped "
            "with the worker), not to this run's; for one run history, start a Prefect server "
            "and export PREFECT_API_URL for the run and the workers (README: Scaling out)"
        )
    for warning in warnings:
        log.warning("%s", warning)
    return warnings


def worker_label(name: object, address: str) -> str:
    return address if name in (None, "", address) else f"{name} ({address})"


def check_worker(expected: Expected) -> dict[str, Any]:
    """Run on each Dask worker (`Client.run`): what it lacks of what the run needs."""
    problems = [
        problem
        for problem in (
            corpus_problem(expected),
            rules_problem(expected),
            output_problem(expected.output),
            code_problem(expected.code_version),
        )
        if problem
    ]
    warnings = []
    if not problems and not expected.prefect_api and not os.environ.get("PREFECT_API_URL"):
        try:
            start_worker_api()
        except Exception as problem:  # its tasks start Prefect's own API, as they would anyway
            warnings.append(f"could not start its temporary Prefect API ({problem})")
    return {
        "problems": problems,
        "warnings": warnings,
        "prefect_api": os.environ.get("PREFECT_API_URL"),
    }


def corpus_problem(expected: Expected) -> str | None:
    corpus = Path(expected.corpus)
    if not corpus.is_dir():
        return f"cannot see the corpus folder {corpus}"
    if expected.probe and not (corpus / expected.probe).is_file():
        return f"sees the corpus folder {corpus} but not its file {expected.probe}"
    return None


def rules_problem(expected: Expected) -> str | None:
    from flows.rules import fingerprint_folder

    rules = Path(expected.rules)
    if not (rules / "pipeline.toml").is_file():
        return f"cannot see the rules folder {rules} (no pipeline.toml there)"
    try:
        fingerprint = fingerprint_folder(rules)
    except OSError as problem:
        return f"cannot read the rules folder {rules}: {problem}"
    if fingerprint != expected.rules_fingerprint:
        return (
            f"sees other rules in {rules} (fingerprint {fingerprint[:12]}, this run's "
            f"{expected.rules_fingerprint[:12]})"
        )
    return None


def output_problem(output: str) -> str | None:
    try:
        with tempfile.NamedTemporaryFile(dir=output, prefix=".preflight-"):
            pass
    except OSError as problem:
        return f"cannot write to the output folder {output}: {problem.strerror or problem}"
    return None


@lru_cache(maxsize=1)
def loaded_code_version() -> str:
    """The code version when this process first asked: a worker or scheduler that imported
    tazala before it was updated on disk keeps running the old code, and says so."""
    from flows.release import code_version

    return code_version()


def code_problem(expected: str) -> str | None:
    if (version := loaded_code_version()) != expected:
        return (
            f"runs tazala {version}, this run {expected}: install the same code everywhere "
            "and restart the workers"
        )
    return None


def scheduler_code_version(dask_scheduler: Any = None) -> str:
    return loaded_code_version()


def start_worker_api() -> None:
    """Start, on a Dask worker with no Prefect server configured, the temporary Prefect API its
    task runs would start on first use (Prefect keeps one per process and reuses it), tied to
    the worker process: the kernel stops it when the worker ends (a parent-death signal), where
    Prefect's own would be left running, orphaned. Client.run calls this in the worker's event
    loop thread, which lives as long as the worker (the signal follows the starting thread)."""
    import subprocess
    from types import SimpleNamespace

    from prefect.server.api import server as server_module

    server = server_module.SubprocessASGIServer()
    if server.running:
        return

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen:
        return subprocess.Popen(*args, preexec_fn=die_with_parent, **kwargs)  # noqa: PLW1509

    original = server_module.subprocess
    server_module.subprocess = SimpleNamespace(**{**vars(subprocess), "Popen": popen})
    try:
        server.start(timeout=API_START_SECONDS)
    finally:
        server_module.subprocess = original


def die_with_parent() -> None:
    """In a child process, before it runs: the kernel sends it SIGTERM when its parent ends."""
    import ctypes
    import signal

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


# --- a run's preflight, as `tazala run` calls it ----------------------------------------------


def prepare_run(args: argparse.Namespace) -> None:
    """Before planning: absolute paths, and a cluster address that answers."""
    resolve_run_paths(args)
    args.dask_address = cluster_address(args.dask_address)
    if args.dask_address:
        connect(args.dask_address).close()  # a wrong address fails now, in seconds


def preflight_run(args: argparse.Namespace, plan: Any) -> None:
    """After planning, before Prefect starts: something to clean, a Prefect server that
    answers when one is configured, and a cluster that can."""
    check_corpus_not_empty(plan.corpus, len(plan.inputs), len(plan.skipped))
    if url := os.environ.get("PREFECT_API_URL"):
        check_prefect_api(url)
    if args.dask_address:
        check_cluster(args.dask_address, expected_of(plan))


def expected_of(plan: Any) -> Expected:
    probe = next((i.path for i in plan.inputs if i.raw is None), None)
    return Expected(
        corpus=plan.corpus,
        rules=plan.rules,
        output=plan.output,
        rules_fingerprint=plan.rules_fingerprint,
        code_version=plan.code_version,
        probe=probe,
        prefect_api=os.environ.get("PREFECT_API_URL"),
    )


def check_prefect_api(url: str, wait: float = API_WAIT_SECONDS) -> None:
    """The Prefect server of PREFECT_API_URL answers (a server just started in the background
    takes a few seconds: it is given `wait`)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (OSError, ValueError):  # refused, timed out, not a URL
            pass
        if time.monotonic() > deadline:
            raise PreflightError(
                f"no Prefect server answers at PREFECT_API_URL={url} (waited {wait:.0f} s); "
                "start one with `prefect server start`, or unset PREFECT_API_URL for a "
                "temporary one; nothing was started"
            )
        time.sleep(0.5)


# --- a release that is already wrong ----------------------------------------------------------


def published_release(output: Path, plan: Any, say: bool = True) -> str | None:
    """The release published under the plan's fingerprint, unless it was made without files
    that read now (published while a share was away, by an older tazala that skipped a
    planned file it could not read): that is said, and the release is published again."""
    from flows.release import find_release, read_manifest

    version = find_release(output, plan.fingerprint)
    if version is None:
        return None
    missing = readable_now(read_manifest(output / version)["skipped"], plan)
    if not missing:
        return version
    if say:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        log.warning(
            "%s was published without %d file(s) that read now (%s%s); publishing it again",
            version,
            len(missing),
            ", ".join(missing[:5]),
            more,
        )
    return None


def readable_now(skipped: list[dict[str, str]], plan: Any) -> list[str]:
    """The files a release skipped that planning has just read and hashed and that decode
    now (a file skipped as binary or as not text is skipped again: its bytes are the same)."""
    from flows.ingest import SkippedInput, decode_bytes, pinned_encoding
    from flows.rules import load_rules

    first_input = {}
    for item in plan.inputs:
        first_input.setdefault(item.path, item)
    candidates = [s["path"] for s in skipped if s["path"] in first_input]
    if not candidates:
        return []
    rules = load_rules(plan.rules)
    pins = plan.parameters.get("encoding_pins", {})
    readable = []
    for path in candidates:
        item = first_input[path]
        try:
            data = item.read_bytes(Path(plan.corpus))
            decode_bytes(data, rules.encodings, pinned_encoding(path, pins) or item.encoding)
        except (OSError, SkippedInput):
            continue
        readable.append(path)
    return readable

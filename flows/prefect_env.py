"""Prefect settings tazala needs, applied before Prefect is first imported.

Without them Prefect tries to reach its telemetry hosts (and logs ERROR tracebacks on a machine
with no network), writes `~/.prefect`, and prints a line per task. A setting the user has
already made in the environment is kept.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # server-side telemetry
    "DO_NOT_TRACK": "1",  # client-side telemetry
    "PREFECT_LOGGING_LEVEL": "WARNING",  # tazala prints its own run log
    "PREFECT_SERVER_UI_ENABLED": "false",  # the temporary local API needs no UI
    # tazala's own log lines (shards done, statistics, published) go to Prefect's run log too
    "PREFECT_LOGGING_EXTRA_LOGGERS": "tazala",
    # A Dask LocalCluster logs ~100 INFO lines a run (workers inherit this setting).
    "DASK_LOGGING__DISTRIBUTED": "warning",
    # The temporary local API takes 4-8 s to start on 2 cores; a loaded machine needs more.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def configure_prefect(home: Path | None = None) -> None:
    os.environ.setdefault("PREFECT_HOME", str(home or Path.cwd() / ".prefect"))
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)


def start_temporary_api() -> Any:
    """Start the temporary local Prefect API that this process' Prefect client uses (the one
    Prefect would start on first use, when no PREFECT_API_URL is set), tied to this process:
    it is killed when this process dies, kill -9 included (see flows/signals.py
    `die_with_parent`). Call it in the main thread: the kernel's parent-death signal follows
    the thread that started the child.

    Prefect starts that server with a plain subprocess.Popen, which takes no such option: for
    the duration of the start, its server module sees a `subprocess` whose Popen adds it."""
    import subprocess
    import threading
    from types import SimpleNamespace

    from prefect.server.api import server as server_module

    from flows.signals import die_with_parent

    preexec = die_with_parent()

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen:
        return subprocess.Popen(*args, preexec_fn=preexec, **kwargs)  # noqa: PLW1509

    server = server_module.SubprocessASGIServer()  # one per process: the client's own
    if threading.current_thread() is not threading.main_thread():
        server.start()  # tied to this thread it would die with it: Prefect's own way
        return server
    original = server_module.subprocess
    server_module.subprocess = SimpleNamespace(**{**vars(subprocess), "Popen": popen})
    try:
        server.start()
    finally:
        server_module.subprocess = original
    return server

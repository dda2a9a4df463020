"""Prefect settings tazala needs, applied before Prefect is first imported.

Without them Prefect tries to reach its telemetry hosts (and logs ERROR tracebacks on a machine
with no network), writes `~/.prefect`, and prints a line per task. A setting the user has
already made in the environment is kept.
"""

from __future__ import annotations

import os
from pathlib import Path

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

"""What `tazala run` says when a run fails: one line that names the cause and the next step.

"Run again" is said only when running again can help: a lost worker or connection, a full
disk once there is room, a file that changed during the run. Prefect's tracebacks are shown
with --verbose only (they are the same failure, 50-150 lines long).
"""

from __future__ import annotations

import errno
import logging
import os

# Raised when a Dask worker or the connection to it is lost; matched by name so that a run
# without a cluster never imports `distributed`.
LOST_WORKER = {"KilledWorker", "CommClosedError", "FutureCancelledError", "CancelledError"}
PREFIXES = ("prefect", "distributed", "root")
REUSED = "the work done so far is reused from the cache"


def failure_message(failure: BaseException, output: str) -> str:
    return " ".join(explain(failure, output).split())  # one line, whatever the exception says


def explain(failure: BaseException, output: str) -> str:
    unchanged = f"nothing was published and {output}/ is as it was"
    name = type(failure).__name__
    if name == "InputsNotAsPlanned" or name == "InputChanged":
        return (
            f"{failure}; {unchanged}. A file edited or deleted during the run: run again once "
            "the corpus is settled. A file a worker cannot see: mount the corpus at the same "
            "path on every worker."
        )
    if name in ("RulesChanged", "CacheChangedDuringRun"):
        return f"{failure} ({output}/ is as it was)"
    if name in LOST_WORKER or isinstance(failure, ConnectionError | TimeoutError):
        return (
            f"the run failed ({name}: {failure}): a Dask worker or the connection to it was "
            f"lost; {unchanged}. Run again: {REUSED}."
        )
    if isinstance(failure, OSError):
        step = "there is free space" if failure.errno == errno.ENOSPC else "that is fixed"
        return f"the run failed ({name}: {failure}); {unchanged}. Run again once {step}: {REUSED}."
    return (
        f"the run failed ({name}: {failure}); {unchanged}. This is not something running "
        "again fixes: `tazala -v run` shows the traceback (please report it)."
    )


class NoTraceback(logging.Filter):
    """Drops the traceback of a log record; its message, which names the failure, stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text = None, None
        return True


QUIET_VARIABLE = "TAZALA_HIDE_TRACEBACKS"  # inherited by the processes of a LocalCluster


def hide_tracebacks() -> None:
    """Prefect logs a failed task or flow with its traceback; without --verbose, the one line
    tazala prints says what failed and what to do, so the tracebacks are left out (here, and
    in the worker processes of a LocalCluster, which print to the same terminal: they see
    QUIET_VARIABLE when they import the flow's module)."""
    os.environ[QUIET_VARIABLE] = "1"
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for logger in [logging.root, *loggers]:
        if not isinstance(logger, logging.Logger) or not logger.name.startswith(PREFIXES):
            continue
        for handler in logger.handlers:
            if not any(isinstance(f, NoTraceback) for f in handler.filters):
                handler.addFilter(NoTraceback())

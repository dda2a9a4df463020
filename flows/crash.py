"""Crash points: where the reliability tests (tests/reliability/) kill a run, as a user's
kill -9 or a power cut would, to show that output/ survives any of them. Running with
TAZALA_CRASH_AT=NAME kills the run at the point NAME; without that variable nothing happens.
With TAZALA_CRASH_ONCE=FILE as well, only the first process to get there dies (it creates
FILE): one Dask worker lost mid-task, as an out-of-memory kill would, while the run goes on.

    repair      a repair-shard task, just after a file's cache entry is written
    statistics  just after the corpus statistics are written
    correct     a correct-shard task, just after a document's cache entry is written
    publish     the release half written in its temporary folder (no manifest yet)
    rename      the release written whole, just before it is renamed into place
    latest      the release renamed into place, LATEST not yet pointing at it
    prune       the release published, before the cache is pruned

TAZALA_STALL_AT=NAME makes the point compute without end instead (as a task on a huge
paragraph would), after creating the file TAZALA_STALL_MARKER names: where the signal tests
(tests/reliability/test_signals.py) stop a run that is busy in a task.
"""

from __future__ import annotations

import os
import signal

CRASH_POINTS = ("repair", "statistics", "correct", "publish", "rename", "latest", "prune")
CRASH_VARIABLE = "TAZALA_CRASH_AT"
ONCE_VARIABLE = "TAZALA_CRASH_ONCE"
STALL_VARIABLE = "TAZALA_STALL_AT"
STALL_MARKER = "TAZALA_STALL_MARKER"


def crash_point(name: str) -> None:
    """Die here, at once and without cleaning up, when TAZALA_CRASH_AT names this point."""
    if os.environ.get(STALL_VARIABLE) == name:
        stall()
    if os.environ.get(CRASH_VARIABLE) != name:
        return
    if marker := os.environ.get(ONCE_VARIABLE):
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return  # another process died here already
    os.kill(os.getpid(), signal.SIGKILL)


def stall() -> None:
    """Compute forever, in Python, holding the GIL as stage code does."""
    if marker := os.environ.get(STALL_MARKER):
        with open(marker, "a", encoding="utf-8") as reached:
            reached.write(f"{os.getpid()}\n")
    while True:
        sum(i * i for i in range(100_000))

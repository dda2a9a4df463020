"""What keeps `output/` whole when runs overlap or die: one run at a time, leftovers cleaned.

A run holds an exclusive lock on `output/.lock` from the moment it looks for a published
release until it has published its own, so two runs started together produce one release: the
second waits, then finds the first one's release and publishes nothing. The lock is the
operating system's (flock): it goes with the process, so a killed run never leaves a stale
lock behind. It needs a file system with working locks (local disks do; some network shares
do not).

A run killed at any moment leaves only hidden folders beside the releases (`.tmp-*`, the
release it was writing; `.work-*`, its work folder) and cache files it did not finish; the
next run removes them under the lock, and its cache reads only entries written whole.

`flows/crash.py` marks the places where the reliability tests kill a run.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.plan import WORK_PREFIX
from flows.release import LATEST, TEMPORARY_PREFIX, release_versions, write_latest

LOCK = ".lock"

log = logging.getLogger("tazala")


class OutputNotWritable(OSError):
    """The output folder cannot be created or written; the message says which and why."""


@contextmanager
def output_lock(output: Path, wait: bool = True) -> Iterator[bool]:
    """Hold `output`'s run lock; wait for it (saying so) when another run holds it. With
    `wait` False, yield False at once instead of waiting."""
    try:
        output.mkdir(parents=True, exist_ok=True)
        handle = open(output / LOCK, "a+", encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError as error:
        raise OutputNotWritable(
            f"cannot write to the output folder {output} ({error.strerror}); pass --output DIR "
            "with a folder you can write to"
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            log.info("another run (process %s) is writing to %s; waiting for it", holder, output)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tidy_output(output: Path) -> None:
    """Remove leftovers now if no run is writing to `output` (one that is will do it)."""
    with output_lock(output, wait=False) as held:
        if held:
            remove_leftovers(output)


def remove_leftovers(output: Path) -> list[str]:
    """Remove what killed runs left in `output` (call with the lock held: no other run is
    writing) and point LATEST at the newest release when a run died before it could."""
    removed = []
    for path in sorted(output.iterdir()):
        if path.name.startswith((TEMPORARY_PREFIX, WORK_PREFIX)):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    if removed:
        log.info("removed what an interrupted run left: %s", ", ".join(removed))
    versions = release_versions(output)
    latest = output / LATEST
    named = latest.read_text(encoding="utf-8").strip() if latest.is_file() else None
    if versions and named != versions[-1]:
        write_latest(output, versions[-1])
        log.info("LATEST now names %s (its run died before it could say so)", versions[-1])
    return removed

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

Nothing in `output/` is written or deleted through a symbolic link: the lock is opened with
O_NOFOLLOW, leftovers and cache folders that are links lose the link (never what it points
to), and a run refuses an output folder inside its corpus (or a corpus inside its output).

`flows/crash.py` marks the places where the reliability tests kill a run.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from flows.cache import CACHE, PASSES
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
    handle = open_lock_file(output / LOCK)
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


def open_lock_file(path: Path) -> TextIO:
    """Open (create) the lock file for reading and writing, never through a link: a link
    named .lock would have the run truncate whatever file it points to."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.fdopen(os.open(path, flags, 0o666), "r+", encoding="utf-8")
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OutputNotWritable(
                f"{path} is a symbolic link, and tazala writes nothing in the output folder "
                f"through a link: remove it (rm {path}) and run again"
            ) from None
        raise OutputNotWritable(
            f"cannot write to the output folder {path.parent} ({error.strerror}); pass "
            "--output DIR with a folder you can write to"
        ) from None


def overlap_problem(corpus: str | Path, output: str | Path) -> str | None:
    """Why this corpus and output folder cannot go together (one inside the other, links
    resolved: a run would read its own releases as input), or None."""
    corpus_path, output_path = Path(corpus).resolve(), Path(output).resolve()
    if output_path == corpus_path or output_path.is_relative_to(corpus_path):
        where = "is" if output_path == corpus_path else "is inside"
        return (
            f"--output {output} {where} --corpus {corpus}: a run would read its own releases "
            "as input; give an output folder outside the corpus"
        )
    if corpus_path.is_relative_to(output_path):
        return (
            f"--corpus {corpus} is inside --output {output}: the output folder is tazala's own; "
            "move the corpus out of it or give another --output"
        )
    return None


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
    unlink_linked_cache(output)
    versions = release_versions(output)
    latest = output / LATEST
    named = latest.read_text(encoding="utf-8").strip() if latest.is_file() else None
    if versions and named != versions[-1]:
        write_latest(output, versions[-1])
        log.info("LATEST now names %s (its run died before it could say so)", versions[-1])
    return removed


def unlink_linked_cache(output: Path) -> None:
    """A cache folder that is a symbolic link is damage: the run would write its entries into
    the folder it points to, and pruning would delete that folder's files. Remove the link
    itself (never its target); the run rebuilds the cache in a folder of its own."""
    cache = output / CACHE
    for folder in (cache, *(cache / step for step in PASSES)):
        if folder.is_symlink():
            folder.unlink()
            log.warning(
                "%s was a symbolic link; removed the link (not what it pointed to), the cache "
                "is rebuilt in a folder of its own",
                folder,
            )

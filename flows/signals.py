"""Stopping `tazala run` on SIGTERM or SIGINT: within seconds, at any moment, publishing
nothing and leaving no process behind.

Why not a plain signal handler: Python runs handlers in the main thread only, between two of
its bytecodes. While a task computes in a worker thread, the main thread sleeps in a lock wait;
the kernel may deliver the signal to the worker thread, and then the handler runs only when
the task ends (minutes later). Prefect also swaps SIGTERM for its own handler during a flow,
which raises in the main thread and then waits for the running tasks, and interpreter exit
waits for every task thread too.

So the C-level handler's byte goes to a pipe (signal.set_wakeup_fd: written whichever thread
the kernel picked), and a watcher thread waiting on that pipe stops the run:

 1. no publish may start after that; one under way (the rename and LATEST: milliseconds) ends;
 2. every child process is killed (the temporary Prefect API, Dask worker processes);
 3. the run's own temporary folders are removed (what a hung step leaves, the next run does);
 4. one line says what happened, and the process exits at once with os._exit (a thread
    cannot be stopped from outside): 143 after SIGTERM, 130 after SIGINT.

A timer started with the watcher exits the process STOP_SECONDS after the signal even if a
step hangs. The main thread, when its own handler runs, waits for the watcher instead of
going on with the run. Children that outlive a kill -9 of this process: see
`die_with_parent` (the Prefect API) and flows/pipeline.py `one_local_api` (Dask workers).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

STOP_SECONDS = 8.0  # the hard deadline: a stop never takes longer than this
PUBLISH_WAIT_SECONDS = 5.0  # a rename and a LATEST write take milliseconds; a hung disk not
WATCHER_SECONDS = 1.0  # the main thread stops the run itself if the watcher has not by then
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class RunStopped(Exception):
    """A stop was requested: nothing more may be published."""


class Stopper:
    """The watcher of one `tazala run` process (see the module's docstring)."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.signal: int | None = None
        self.cleanups: list[Callable[[], None]] = []
        self.published: list[str] = []
        self.publish_lock = threading.Lock()
        self.publisher: int | None = None  # the thread publishing, while it does
        self.requested = threading.Event()
        self.stopping = threading.Lock()
        self.read_end, self.write_end = os.pipe()

    def install(self) -> None:
        os.set_blocking(self.write_end, False)  # a C handler must never block
        signal.set_wakeup_fd(self.write_end, warn_on_full_buffer=False)
        for number in STOP_SIGNALS:
            signal.signal(number, self.in_main_thread)
        threading.Thread(target=self.watch, name="tazala-stop", daemon=True).start()
        threading.Thread(target=self.deadline, name="tazala-deadline", daemon=True).start()

    def in_main_thread(self, number: int, frame: object) -> None:
        """The Python-level handler: hold the main thread still while the watcher stops the
        run (so it neither goes on nor prints tracebacks); a publish it is doing ends first.
        Should the watcher not have started (another library took the wakeup pipe), stop the
        run from here."""
        self.signal = self.signal or number
        self.requested.set()
        if self.publisher == threading.get_ident():
            return
        time.sleep(WATCHER_SECONDS)
        self.stop(number)
        time.sleep(STOP_SECONDS)

    def watch(self) -> None:
        number = os.read(self.read_end, 1)[0]
        self.signal = self.signal or number
        self.requested.set()
        self.stop(number)

    def deadline(self) -> None:
        self.requested.wait()
        time.sleep(STOP_SECONDS)
        os._exit(128 + (self.signal or signal.SIGTERM))

    def stop(self, number: int) -> None:
        if not self.stopping.acquire(blocking=False):
            return  # the other thread is at it
        # Nothing another thread prints from now on reaches the user: the run's one line does.
        stderr = os.dup(2)
        silence = os.open(os.devnull, os.O_WRONLY)
        os.dup2(silence, 1)
        os.dup2(silence, 2)
        finished = self.publish_lock.acquire(timeout=PUBLISH_WAIT_SECONDS)
        kill_children()
        for cleanup in self.cleanups:
            with contextlib.suppress(Exception):  # best effort: the next run removes leftovers
                cleanup()
        with contextlib.suppress(OSError):  # stderr may be a pipe nobody reads any more
            os.write(stderr, (self.message(number, finished) + "\n").encode())
        os._exit(128 + number)

    def message(self, number: int, publish_finished: bool) -> str:
        name = signal.Signals(number).name
        if self.published:
            return (
                f"tazala: stopped by {name} after publishing {self.published[-1]} (complete; "
                f"{self.output}/LATEST names it)"
            )
        if not publish_finished:  # a disk that hangs: the rename is atomic all the same
            return (
                f"tazala: stopped by {name} while a release was being renamed into place; "
                f"the next run finishes or removes it"
            )
        return f"tazala: stopped by {name}; nothing was published and {self.output}/ is as it was"


_STOPPER: Stopper | None = None


def stop_on_signals(output: Path) -> Stopper:
    """Make SIGTERM and SIGINT stop this process' run promptly (call in the main thread)."""
    global _STOPPER
    _STOPPER = Stopper(output)
    _STOPPER.install()
    return _STOPPER


def on_stop(cleanup: Callable[[], None]) -> Callable[[], None]:
    """Run `cleanup` (quick, best effort) when a signal stops the run; returns a function
    that takes it back."""
    stopper = _STOPPER
    if stopper is None:
        return lambda: None
    stopper.cleanups.append(cleanup)
    return lambda: stopper.cleanups.remove(cleanup) if cleanup in stopper.cleanups else None


def remove_folders(*folders: Path) -> Callable[[], None]:
    return lambda: [shutil.rmtree(folder, ignore_errors=True) for folder in folders]


def publish_uninterrupted(publish: Callable[[], str]) -> str:
    """Run `publish` (the rename into place and the LATEST write) so that a signal either
    comes before it, and it does not start, or waits until it has ended."""
    stopper = _STOPPER
    if stopper is None:
        return publish()
    with stopper.publish_lock:
        if stopper.requested.is_set():
            raise RunStopped("the run was stopped by a signal before publishing")
        stopper.publisher = threading.get_ident()
        try:
            version = publish()
            stopper.published.append(version)
        finally:
            stopper.publisher = None
    return version


def exit_while_stoppable(status: int) -> None:
    """End a run's process with `status` while a signal still stops it as promised.

    Left to itself, the interpreter's exit drains Prefect's log and event queues and joins
    the threads, then stops the temporary Prefect API (atexit): seconds on a loaded machine,
    after which it puts the default signal handlers back, and a Ctrl-C then killed the
    process with no word (exit -2). So take those steps here, in the interpreter's order,
    with the watcher still in place, and exit at once after them."""
    if _STOPPER is None:
        return
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    threading._shutdown()  # type: ignore[attr-defined]  # what the interpreter's exit calls
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def child_pids(pid: int | str = "self") -> list[int]:
    """The processes whose parent is `pid` (any of its threads)."""
    pids = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                pids += [int(child) for child in children.read().split()]
        except OSError:
            continue
    return pids


def kill_children() -> None:
    """SIGKILL every child process of this one, and the process group of one that leads its
    own (the Prefect API; see die_with_parent)."""
    for pid in child_pids():
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except OSError:
            continue  # gone already


def _prctl() -> Callable[..., int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: no parent-death signal
        return None


_PRCTL = _prctl()  # looked up before any fork: the child must not load anything


def die_with_parent() -> Callable[[], None]:
    """A `preexec_fn` for a child process: SIGKILL it when this process dies, however it dies
    (kill -9 included), and keep it out of the terminal's process group so that Ctrl-C
    reaches only tazala, which then stops it.

    The kernel sends the parent-death signal when the *thread* that forked the child ends: so
    start such a child from the main thread. If the parent died before the prctl call, the
    signal will never come: the child exits at once."""
    parent = os.getpid()

    def in_child() -> None:
        os.setpgid(0, 0)
        if _PRCTL is not None:
            _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return in_child

"""Signal soak: stop real `tazala run`s with SIGTERM and SIGINT at random moments.

    .venv/bin/python tests/reliability/signal_soak.py --sigterm 20 --sigint 20

Generates a small corpus (flows/synthetic.py) in a temporary folder, publishes v0001 of
another corpus into an output folder, then, for each run: copies that output folder, starts
`tazala run` (in a session of its own, as a terminal job is; with no PREFECT_API_URL, so that
it starts its own temporary Prefect API), sends the signal after a random delay (SIGTERM to
the process, as `kill` or `timeout` do; SIGINT to its process group, as Ctrl-C does) and
checks:

- it stopped within 10 s of the signal, with exit code 143 (SIGTERM) or 130 (SIGINT);
- it said so in one line, and no traceback;
- no process it started is left: neither the processes seen below it just before the signal
  nor any that got orphaned (this script is a child subreaper: orphans come to it);
- no partial release: every vNNNN is v0001 as it was or, when the run says it published, the
  very release an undisturbed run publishes; LATEST names a complete release.

One line per run, then totals; the exit status is 1 if any run failed a check. Every
--workers-every'th run uses --workers 2 (a Dask LocalCluster). The delays are drawn over the
length of an undisturbed run, so they fall in planning, Prefect's start-up, the tasks and
publishing alike; a run that ends before its signal (the machine was faster this time) is
listed, checked and not counted: another run takes its place.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
STOP_SECONDS = 10.0
ORPHAN_GRACE_SECONDS = 5.0
EXIT_CODES = {signal.SIGTERM: 143, signal.SIGINT: 130, signal.SIGKILL: -9}
PR_SET_CHILD_SUBREAPER = 36


def tazala_command() -> list[str]:
    tazala = PROJECT / ".venv" / "bin" / "tazala"
    return [str(tazala)] if tazala.exists() else [sys.executable, "-m", "flows.cli"]


def run_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a run: no Prefect server configured (the run starts its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "TAZALA_"))}
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("DO_NOT_TRACK", "1")
    return {**env, **(extra or {})}


def child_pids(pid: int | str) -> list[int]:
    from flows.signals import child_pids as children

    return children(pid)


def descendants(pid: int) -> list[int]:
    found = []
    for child in child_pids(pid):
        found += [child, *descendants(child)]
    return found


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie (dead, waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
    except OSError:
        return "?"


def become_subreaper() -> bool:
    """Orphans of the runs become this process' children (so none can hide under pid 1)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def reap_orphans() -> None:
    """Collect the exit status of orphans that died (call only when no run is going)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def tree(folder: Path) -> dict[str, str]:
    """Every file of a release with its content's digest (the manifest's without the moment
    it was published)."""
    from flows.reader import release_content

    return release_content(folder)


@dataclass
class Outcome:
    """What one signalled run did."""

    signal_name: str
    delay: float
    workers: int
    returncode: int | None = None
    seconds: float | None = None  # from the signal to the exit
    finished_first: bool = False  # the run ended before the signal came
    phase: str = ""  # the run's last log line before the signal
    leftovers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    published: bool = False

    def line(self) -> str:
        state = "ok" if not self.problems else "FAIL " + "; ".join(self.problems)
        took = f"{self.seconds:.2f} s" if self.seconds is not None else "-"
        moment = "finished before the signal" if self.finished_first else self.phase
        return (
            f"{self.signal_name:<7} after {self.delay:5.1f} s  workers {self.workers}  "
            f"exit {self.returncode}  stopped in {took}  "
            f"{'published' if self.published else 'nothing published'}  [{moment}]  {state}"
        )


def last_phase(errors: str) -> str:
    """The run's last log line: where it was when the signal came."""
    lines = [line for line in errors.splitlines() if line[:9].count(":") == 2]
    return lines[-1][9:60] if lines else "planning / starting Prefect"


def signal_run(
    command: list[str],
    env: dict[str, str],
    number: int,
    delay: float | None = None,
    ready: Callable[[int], bool] | None = None,
    ready_timeout: float = 120.0,
) -> tuple[Outcome, str]:
    """Start `command`, signal it after `delay` seconds (or once `ready(pid)` is true), and
    check it stops in time with the right code, leaving no process; returns the outcome and
    the run's stderr."""
    name = signal.Signals(number).name
    ours = set(child_pids("self"))  # a test session's own Prefect API, say: not the run's
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a job started from a terminal
    )
    started = time.monotonic()
    workers = int(command[command.index("--workers") + 1]) if "--workers" in command else 1
    outcome = Outcome(name, 0.0, workers)
    while process.poll() is None:
        waited = time.monotonic() - started
        if (ready is not None and ready(process.pid)) or (delay is not None and waited >= delay):
            break
        if ready is not None and waited > ready_timeout:
            outcome.problems.append(f"the moment to signal did not come in {ready_timeout:.0f} s")
            break
        time.sleep(0.05)
    outcome.delay = time.monotonic() - started
    below = descendants(process.pid)
    signalled = time.monotonic()
    if process.poll() is not None:
        outcome.finished_first = True
    elif number == signal.SIGINT:
        os.killpg(process.pid, number)  # Ctrl-C: the terminal signals the whole job
    else:
        os.kill(process.pid, number)
    try:
        _, errors = process.communicate(timeout=STOP_SECONDS + 20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, errors = process.communicate()
        outcome.problems.append(f"still running {STOP_SECONDS + 20:.0f} s after {name}")
    outcome.returncode = process.returncode
    if not outcome.finished_first:
        outcome.seconds = time.monotonic() - signalled
        if outcome.seconds > STOP_SECONDS:
            outcome.problems.append(f"took {outcome.seconds:.1f} s to stop")
    outcome.phase = last_phase(errors)
    outcome.leftovers = processes_left(below, ours)
    if outcome.leftovers:
        outcome.problems.append("left " + ", ".join(outcome.leftovers))
    if not outcome.finished_first:
        check_stop_message(outcome, number, errors)
    return outcome, errors


def processes_left(below: list[int], ours: set[int]) -> list[str]:
    """The processes seen below the run, and orphans come to this process (but not the
    children it had before the run: `ours`), still running ORPHAN_GRACE_SECONDS after the run
    ended (a Dask worker exits when it sees its parent's pipe close; the Prefect API gets
    SIGKILL from the kernel at once)."""
    deadline = time.monotonic() + ORPHAN_GRACE_SECONDS
    while True:
        orphans = [pid for pid in child_pids("self") if pid not in ours]
        left = [pid for pid in below + orphans if alive(pid)]
        if not left or time.monotonic() > deadline:
            return [f"{pid} ({command_line(pid)})" for pid in dict.fromkeys(left)]
        time.sleep(0.1)


def check_stop_message(outcome: Outcome, number: int, errors: str) -> None:
    expected = EXIT_CODES[number]
    if outcome.returncode != expected:
        outcome.problems.append(f"exit {outcome.returncode}, not {expected}")
    if number == signal.SIGKILL:
        return
    said = [line for line in errors.splitlines() if line.startswith("tazala: stopped by")]
    if len(said) != 1:
        outcome.problems.append(f"{len(said)} 'stopped by' lines")
    elif "after publishing" in said[0]:
        outcome.published = True
    if "Traceback" in errors:
        outcome.problems.append("a traceback")


def check_releases(outcome: Outcome, output: Path, first: Path, reference: Path) -> None:
    """v0001 as it was; v0002 only whole, and only when the run says it published it;
    LATEST names a complete release; nothing else visible."""
    visible = sorted(p.name for p in output.iterdir() if not p.name.startswith("."))
    expected = ["LATEST", "v0001", "v0002"] if outcome.published else ["LATEST", "v0001"]
    if outcome.finished_first and "v0002" in visible:
        expected = ["LATEST", "v0001", "v0002"]
        outcome.published = True
    if visible != expected:
        outcome.problems.append(f"output holds {visible}, not {expected}")
        return
    if tree(output / "v0001") != tree(first / "v0001"):
        outcome.problems.append("v0001 changed")
    if "v0002" in visible and tree(output / "v0002") != tree(reference / "v0002"):
        outcome.problems.append("v0002 is not the release an undisturbed run publishes")
    latest = (output / "LATEST").read_text(encoding="utf-8").strip()
    if latest != visible[-1]:
        outcome.problems.append(f"LATEST names {latest}, not {visible[-1]}")


def prepare(folder: Path, megabytes: float, seed: int) -> tuple[Path, Path]:
    """The generated corpus, and an output folder holding v0001 of its first file alone."""
    from flows.rules import load_rules
    from flows.synthetic import generate_corpus

    sources = sorted((PROJECT / "corpus").glob("*.txt"))
    corpus = folder / "corpus"
    generate_corpus(sources, load_rules(PROJECT / "rules"), corpus, megabytes, seed)
    small = folder / "first-corpus"
    small.mkdir()
    shutil.copy(sorted(corpus.iterdir())[0], small)
    first = folder / "first"
    undisturbed(small, first / "output", 1)
    return corpus, first / "output"


def run_command(corpus: Path, output: Path, workers: int) -> list[str]:
    return [
        *tazala_command(),
        "run",
        "--corpus",
        str(corpus),
        "--output",
        str(output),
        "--rules",
        str(PROJECT / "rules"),
        "--shard-mb",
        "0.5",
        "--workers",
        str(workers),
    ]


def undisturbed(corpus: Path, output: Path, workers: int) -> float:
    started = time.monotonic()
    done = subprocess.run(
        run_command(corpus, output, workers), env=run_environment(), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"the undisturbed run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return time.monotonic() - started


def soak(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    reaper = become_subreaper()
    folder = Path(args.folder or tempfile.mkdtemp(prefix="tazala-signals-"))
    corpus, first = prepare(folder, args.megabytes, args.seed)
    lengths = {}
    for workers in sorted({1, 2}):
        reference = folder / f"reference-{workers}"
        shutil.copytree(first, reference)
        lengths[workers] = undisturbed(corpus, reference, workers)
    reference = folder / "reference-1"
    if tree(reference / "v0002") != tree(folder / "reference-2" / "v0002"):
        raise SystemExit("the 1- and 2-worker runs published different releases")
    print(
        f"corpus {args.megabytes} MB in {folder}; undisturbed run: "
        f"{lengths[1]:.1f} s (1 worker), {lengths[2]:.1f} s (2 workers); "
        f"orphan check by subreaper: {'yes' if reaper else 'no'}",
        flush=True,
    )
    wanted = {signal.SIGTERM: args.sigterm, signal.SIGINT: args.sigint}
    outcomes: list[Outcome] = []
    while any(wanted.values()):
        # a run that ends before its signal is reported and does not count: draw again
        number = rng.choice([n for n, left in wanted.items() if left])
        run = len(outcomes) + 1
        workers = 2 if args.workers_every and run % args.workers_every == 0 else 1
        output = folder / "output"
        shutil.rmtree(output, ignore_errors=True)
        shutil.copytree(first, output)
        delay = rng.uniform(0, lengths[workers])
        command = run_command(corpus, output, workers)
        outcome, _ = signal_run(command, run_environment(), number, delay)
        check_releases(outcome, output, first, reference)
        reap_orphans()
        outcomes.append(outcome)
        if not outcome.finished_first:
            wanted[number] -= 1
        print(f"{run:3d}  {outcome.line()}", flush=True)
    return summarize(outcomes)


def summarize(outcomes: list[Outcome]) -> int:
    stopped = [o for o in outcomes if not o.finished_first]
    failed = [o for o in outcomes if o.problems]
    slowest = max((o.seconds or 0.0 for o in stopped), default=0.0)
    for name in ("SIGTERM", "SIGINT"):
        mine = [o for o in outcomes if o.signal_name == name]
        print(
            f"{name}: {len(mine)} runs, {sum(not o.finished_first for o in mine)} stopped by "
            f"it, {sum(o.finished_first for o in mine)} finished first, "
            f"{sum(bool(o.problems) for o in mine)} failed"
        )
    print(
        f"total: {len(outcomes)} runs, {len(failed)} failed; slowest stop {slowest:.2f} s; "
        f"leftover processes {sum(len(o.leftovers) for o in outcomes)}; "
        f"stopped after publishing {sum(o.published for o in stopped)}"
    )
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sigterm", type=int, default=20, help="runs to stop with SIGTERM")
    parser.add_argument("--sigint", type=int, default=20, help="runs to stop with SIGINT")
    parser.add_argument("--megabytes", type=float, default=1.0, help="generated corpus size")
    parser.add_argument("--workers-every", type=int, default=4, help="every Nth run: 2 workers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", help="work here (default: a new temporary folder)")
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="tazala-prefect-"))
    return soak(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())

"""The `tazala` command as a user runs it (no Prefect needed for any of these)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import PROJECT


def tazala(*args: str, stdin: bytes = b"", cwd=PROJECT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        timeout=120,
    )


def test_clean_writes_one_sentence_per_line():
    raw = "Бірінші  сөйлем.Екінші сөйлем\n\n\nЖаңа абзац , соңы".encode()
    run = tazala("clean", "--no-corpus", stdin=raw)
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode() == "Бірінші сөйлем.\nЕкінші сөйлем\n\nЖаңа абзац, соңы\n"


def test_clean_does_not_import_prefect():
    code = (
        "import sys; from flows.cli import main; main(['clean', '--no-corpus']); "
        "sys.stderr.write(str(sorted(m for m in sys.modules if m.startswith('prefect'))))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        input="Сөз.".encode(),
        capture_output=True,
        cwd=PROJECT,
        timeout=60,
    )
    assert run.returncode == 0 and run.stderr.decode().endswith("[]")


def test_clean_uses_a_release_lexicon_or_says_why_not(tmp_path):
    run = tazala("clean", "--release", str(tmp_path), stdin="Сөз.".encode())
    assert run.returncode == 2 and b"not a release folder" in run.stderr


def test_clean_with_empty_input_prints_nothing():
    run = tazala("clean", "--no-corpus", stdin=b"")
    assert (run.returncode, run.stdout) == (0, b"")


def test_clean_refuses_binary_input():
    run = tazala("clean", "--no-corpus", stdin=b"\x89PNG\r\n\x1a\n\x00\x00")
    assert run.returncode == 2 and b"binary" in run.stderr


def test_versions_of_an_empty_output(tmp_path):
    run = tazala("versions", "--output", str(tmp_path))
    assert run.returncode == 0 and b"no releases" in run.stdout


def test_run_with_a_missing_corpus_fails_before_prefect(tmp_path):
    run = tazala("run", "--corpus", str(tmp_path / "nope"), "--output", str(tmp_path / "o"))
    assert run.returncode == 2 and b"--corpus" in run.stderr
    assert not (tmp_path / "o").exists()


def test_run_with_broken_rules_names_file_and_line(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", rules)
    (rules / "pipeline.toml").write_text('[pipeline]\nrepair = ["encodng"]\n')
    run = tazala("run", "--rules", str(rules), "--output", str(tmp_path / "o"))
    assert run.returncode == 2
    assert b"pipeline.toml:2: unknown repair stage 'encodng'" in run.stderr


def test_run_into_an_output_that_cannot_be_written_fails_before_prefect(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    run = tazala("run", "--output", str(blocker / "output"))
    assert run.returncode == 2, run.stderr
    assert b"cannot write to the output folder" in run.stderr and b"--output DIR" in run.stderr
    assert b"Traceback" not in run.stderr


@pytest.mark.parametrize("flag", ["--shard-mb=0", "--workers=0"])
def test_run_rejects_bad_numbers(flag, tmp_path):
    assert tazala("run", flag, "--output", str(tmp_path)).returncode == 2


def test_evaluate_prints_a_scoreboard_line(tmp_path):
    gold = tmp_path / "mini.jsonl"
    gold.write_text(
        json.dumps(
            {"id": "x", "raw": "бір сөз. екі сөз", "gold": "бір сөз. екі сөз"}, ensure_ascii=False
        )
        + "\n"
    )
    clean = tmp_path / "clean.txt"
    clean.write_text("Бұл таза мәтін.\nОны өзгертуге болмайды.\n")
    run = tazala("evaluate", str(gold), "--unchanged", str(clean), "--no-corpus")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.decode().splitlines()
    assert lines[0].startswith("mini") and "CER=0.0" in lines[0] and "sent_F=" in lines[0]
    assert lines[1] == (
        "unchanged clean.txt: 2 lines, 0 changed in a character other than white space "
        "(0.00 %; 0 only by Latin look-alikes made Cyrillic), 0 in white space only; characters "
        "changed: letters 0, punctuation 0, spacing 0, line breaks 0, look-alikes 0; 0 of 6 "
        "words changed (0.000 %)"
    )


def test_bench_speed_reports_every_stage_of_both_passes(tmp_path):
    sample = tmp_path / "a.txt"
    sample.write_text("Олар ауылдагы мектепте окиды.\n\nБұл жерде 15 км2 жер бар.\n", "utf-8")
    run = tazala("bench", "speed", str(sample), "--megabytes", "0.001")
    assert run.returncode == 0, run.stderr
    report = run.stdout.decode()
    for stage in ("encoding", "characters", "layout", "sentences", "ocr", "spelling"):
        assert f"  {stage} " in report
    assert "correct pass" in report and "first copy cold" in report
    assert "ftfy.fix_text over the same text" in report and "against ftfy: repair pass" in report


def test_bench_flow_table_sets_each_run_beside_ftfy_per_core():
    """10 MB: ftfy took 5 s, one worker 20 s, two workers 12 s: one worker runs at 0.25 of
    ftfy's MB/s, two at 0.42; per core, two workers make 0.42 MB/s. Reruns of 4, 5 and 3 s
    after the three edits are 20, 25 and 15 % of the one-worker run."""
    from flows.bench import flow_table

    def run(wall: float) -> dict:
        counts = {"reused": 0, "of": 3}
        return {
            "wall": wall,
            "word_forms": 1000,
            "stage_seconds": {"ocr": 4.0},
            "peak_total": 1e8,
            "peak_single": 5e7,
            "repair": counts,
            "correct": counts,
        }

    reruns = {"changed a.txt": run(4.0), "added b.txt": run(5.0), "deleted c.txt": run(3.0)}
    rows = flow_table(10_000_000, 3, 0, {1: run(20.0), 2: run(12.0)}, reruns, 5.0)
    table = "\n".join(rows)
    assert "| share of ftfy's MB/s" in table
    share = next(r for r in rows if r.startswith("| share of ftfy"))
    assert share.split("|")[2].strip() == "0.25" and share.split("|")[3].strip() == "0.42"
    per_core = next(r for r in rows if r.startswith("| end to end MB/s per core"))
    assert per_core.split("|")[3].strip() == "0.42"
    assert "ftfy.fix_text over the same files, same run, one core: 5.0 s = 2.00 MB/s" in table
    assert "speed-up, 2 workers against 1: 1.67x" in table
    shares = [
        r.split("|")[3].strip() for r in rows if r.startswith(("| changed", "| added", "| de"))
    ]
    assert shares == ["20 %", "25 %", "15 %"], "each rerun against the 1-worker full run"


def test_a_failed_run_says_nothing_was_published_and_what_to_do(tmp_path):
    """A run that fails (here: the disk fills while the flow runs) exits 1 with one message,
    and output/ holds no release."""
    script = (
        "import sys, flows.pipeline as pipeline\n"
        "def fill_the_disk(*args, **kwargs):\n"
        "    raise OSError(28, 'No space left on device')\n"
        "pipeline.run_pipeline = fill_the_disk\n"
        "from flows.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    output = tmp_path / "output"
    run = subprocess.run(
        [sys.executable, "-c", script, "run", "--output", str(output)],
        capture_output=True,
        cwd=PROJECT,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert b"the run failed (OSError: [Errno 28] No space left on device)" in run.stderr
    assert b"nothing was published" in run.stderr and b"Run again" in run.stderr
    assert not list(output.glob("v*"))


def test_help_lists_every_command_and_every_benchmark(capsys):
    """`tazala --help` names each command in its summary, and each benchmark."""
    import argparse

    from flows.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    summary = capsys.readouterr().out.split("positional arguments")[0]
    for name in commands.choices:
        assert f"tazala {name} " in summary, name
    bench = commands.choices["bench"]
    what = next(a for a in bench._actions if a.dest == "what")
    for name in what.choices:
        assert f"{name} (" in summary or f"{name}," in summary, name


@pytest.mark.parametrize(
    "args, error",
    [
        (["evaluate"], "nothing to score"),
        (["evaluate", "GARBAGE"], "GARBAGE:1: not JSON"),
        (["evaluate", "NOKEY"], 'NOKEY:1: no "raw" text'),
        (["evaluate", "FOLDER"], "FOLDER is a folder"),
        (["evaluate", "MISSING"], "MISSING: no such file"),
        (["evaluate", "--unchanged", "FOLDER"], "FOLDER is a folder"),
        (["versions", "--output", "MISSING"], "no folder MISSING"),
        (["verify", "--output", "MISSING"], "no release in MISSING"),
        (["show", "../x", "--output", "FOLDER"], "is not a release name"),
    ],
    ids=str,
)
def test_bad_input_gets_one_line_and_exit_2(args, error, tmp_path, capsys):
    """Each bad input the issue found (and its neighbours): one line naming the problem and
    the next step, exit 2, no traceback."""
    (tmp_path / "GARBAGE").write_text("garbage\n", encoding="utf-8")
    (tmp_path / "NOKEY").write_text('{"gold": "a"}\n', encoding="utf-8")
    (tmp_path / "FOLDER").mkdir()
    from flows.cli import main

    for name in ("GARBAGE", "NOKEY", "FOLDER", "MISSING"):
        args = [str(tmp_path / name) if a == name else a for a in args]
        error = error.replace(name, str(tmp_path / name))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("tazala: error: ") and err.count("\n") == 1, err
    assert error in err and "Traceback" not in err


def test_serve_refuses_a_bad_cron_before_asking_for_a_server(capsys):
    from flows.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--cron", "every night"])
    assert stopped.value.code == 2
    assert 'not a cron schedule: "every night"' in capsys.readouterr().err

"""The `tazala` command.

    tazala run             clean a corpus folder into a new versioned release (the Prefect flow)
    tazala serve           serve that flow as a Prefect deployment: a schedule, runs on demand
    tazala clean           stdin -> stdout, one sentence per line (no Prefect, starts fast)
    tazala versions        list the releases of an output folder (--json: as JSON)
    tazala show V          print a release's report (or its manifest, or the chrome it removed)
    tazala verify V        hash a release's files again: which differ from its manifest
    tazala variants V      a release's spelling-variant clusters, for review
    tazala diff OLD NEW    what changed between two releases, and why
    tazala review V        a release's suggestions grouped; accept or reject them into the rules
    tazala evaluate        score `tazala clean` against gold passages
    tazala lexicon         words on stdin -> what the lexicon knows of each (TSV)
    tazala fit-model       fit the decision models on errors simulated from the word lists
    tazala fit-confusions  re-estimate the confusion costs from a corpus' unknown words
    tazala bench WHAT      benchmarks: encoding (mojibake restoration), speed (the repair
                           stages), lexicon, flow (the whole flow, 1 and N workers, reruns),
                           scale (50-200 MB runs fitted and extrapolated), hostile (hostile
                           text), calibration (the models' probabilities)

Prefect is imported only by `run` and `serve`: the other commands stay fast.
"""

from __future__ import annotations

import argparse
import codecs
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

from flows.ingest import InputChanged, SkippedInput, SourcesError, decode_bytes
from flows.release import (
    DECISION_MODEL,
    LEXICON,
    MANIFEST_TOTALS,
    DamagedRelease,
    Release,
    ReleaseNameError,
    UnverifiableRelease,
    latest_version,
    open_release,
    read_manifest,
    release_versions,
    verify_release,
)
from flows.rules import Rules, RulesError, load_rules, with_decision_model
from flows.safety import OutputNotWritable, overlap_problem
from flows.statistics import CorpusStatistics, load_statistics

PROJECT = Path(__file__).resolve().parent.parent


class UsageError(Exception):
    """A problem the user can fix; the message says how."""


def default_rules() -> str:
    """./rules when the current folder has one, else the rules shipped with the project."""
    return "rules" if Path("rules/pipeline.toml").is_file() else str(PROJECT / "rules")


def known_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise argparse.ArgumentTypeError(
            f"unknown encoding {name!r}; use a Python codec name such as kz1048, ptcp154, cp1251"
        ) from None


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("tazala")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False


# --- run --------------------------------------------------------------------------------------


def command_run(args: argparse.Namespace) -> int:
    from flows.failures import failure_message, hide_tracebacks
    from flows.plan import plan_run
    from flows.prefect_env import configure_prefect
    from flows.preflight import preflight_run, prepare_run, published_release
    from flows.safety import tidy_output
    from flows.signals import stop_on_signals

    check_run_options(args)
    # SIGTERM and Ctrl-C stop the run within seconds at any moment, publish nothing and leave
    # no process behind (exit 143 / 130): see flows/signals.py.
    stop_on_signals(Path(args.output))
    prepare_run(args)  # absolute paths (a Dask worker has a folder of its own), the cluster
    # Planning first fails fast on a broken rules file or a missing corpus, and answers
    # "up to date" without starting Prefect.
    plan = plan_run(args.corpus, args.output, args.rules, args.shard_mb)
    tidy_output(Path(args.output))  # fails now if it cannot be written; what a killed run left
    preflight_run(args, plan)  # something to clean; every Dask worker sees what it needs
    if existing := published_release(Path(args.output), plan):
        print(f"up to date: {existing} ({Path(args.output) / existing}); nothing published")
        return run_status(open_release(args.output, existing))
    configure_prefect()
    from flows.pipeline import run_pipeline

    if not args.verbose:
        hide_tracebacks()  # the failure is said in one line below
    started = time.perf_counter()
    try:
        result = run_pipeline(
            args.corpus, args.output, args.rules, args.shard_mb, args.workers, args.dask_address
        )
    except Exception as failure:  # a task's bug, a lost cluster, a full disk: say what now
        print(f"tazala: error: {failure_message(failure, args.output)}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    release = open_release(args.output, result["release"])
    if result["status"] == "up-to-date":
        print(f"up to date: {release.version} ({release.path}); nothing published")
        return run_status(release)
    print(f"published {release.version} in {seconds:.1f} s: {release.path}")
    print(release_summary(release.manifest))
    print(reuse_summary(result["run"]))
    if args.timings:
        Path(args.timings).write_text(json.dumps({**result["run"], "wall_seconds": seconds}))
    return run_status(release)


SKIPPED_STATUS = 3  # the release is published, but without some files (see its report.md)


def run_status(release: Release) -> int:
    """0 when the release holds every file of the corpus; SKIPPED_STATUS when some were
    skipped, so that a scheduler or script notices without reading the report."""
    return SKIPPED_STATUS if release.manifest["skipped"] else 0


def reuse_summary(run: dict) -> str:
    """What the cache saved this run (a rerun after one file changed redoes only that file's
    repair; the correct pass is redone wherever the corpus statistics changed)."""
    repair, correct = run["repair"], run["correct"]
    return (
        f"  from the cache: {repair['reused']:,} of {repair['of']:,} files repaired, "
        f"{correct['reused']:,} of {correct['of']:,} documents corrected"
    )


def check_run_options(args: argparse.Namespace) -> None:
    if args.shard_mb <= 0 or args.workers < 1:
        raise UsageError("--shard-mb must be above 0 and --workers at least 1")
    if problem := overlap_problem(args.corpus, args.output):
        raise UsageError(problem)


def cron_schedule(text: str) -> str:
    """A cron schedule as Prefect takes it (five fields, no random or hashed ones); the
    argument's error otherwise, in one line, before any server is asked."""
    from prefect._internal.schemas.validators import validate_cron_string

    try:
        return validate_cron_string(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'not a cron schedule: "{text}" (five fields: minute hour day month weekday, '
            'e.g. "0 3 * * *" for 03:00 every day)'
        ) from None


def command_serve(args: argparse.Namespace) -> int:
    """Serve the clean-corpus deployment: scheduled and on-demand runs through Prefect."""
    import os

    check_run_options(args)
    from flows.prefect_env import configure_prefect

    if not os.environ.get("PREFECT_API_URL"):
        raise UsageError(
            "schedules need a Prefect server: start one with `prefect server start` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api (the temporary API `tazala run` starts "
            "lives only as long as one run)"
        )
    # Absolute paths, DASK_SCHEDULER_ADDRESS, and a cluster that answers; planning once
    # checks the corpus and rules, and the cluster's workers: now, not at 3 a.m.
    from flows.plan import plan_run
    from flows.preflight import check_cluster, expected_of, prepare_run

    prepare_run(args)
    plan = plan_run(args.corpus, args.output, args.rules, args.shard_mb)
    if args.dask_address:
        check_cluster(args.dask_address, expected_of(plan))
    configure_prefect()
    from flows.pipeline import serve_clean_corpus

    parameters = {
        "corpus": args.corpus,
        "output": args.output,
        "rules": args.rules,
        "shard_mb": args.shard_mb,
        "workers": args.workers,
    }
    if args.dask_address:
        parameters["dask_address"] = args.dask_address
    serve_clean_corpus(args.name, args.cron, parameters)
    return 0


def release_summary(manifest: dict) -> str:
    t = manifest["totals"]
    lines = [
        f"  {t['documents']:,} documents, {t['paragraphs']:,} paragraphs, "
        f"{t['sentences']:,} sentences, {t['words']:,} words",
        f"  {t['edits']:,} edits logged (changes.jsonl), "
        f"{t['suggestions']:,} suggestions for review (review.jsonl)",
    ]
    for stage, counts in manifest["stages"].items():
        lines.append(f"  {stage:<10} {sum(counts.values()):>7,} changes")
    if manifest["skipped"]:
        lines.append(f"  {len(manifest['skipped'])} files skipped: see report.md")
    return "\n".join(lines)


# --- clean ------------------------------------------------------------------------------------


def corpus_release(args: argparse.Namespace) -> Path | None:
    """--no-corpus: none; --release DIR: that release; else the latest in ./output, if any."""
    if args.no_corpus:
        return None
    if args.release:
        if not (Path(args.release) / LEXICON).is_file():
            raise UsageError(f"{args.release} is not a release folder (no {LEXICON})")
        return Path(args.release)
    output = Path("output")
    version = latest_version(output)
    return output / version if version else None


def corpus_statistics(args: argparse.Namespace) -> CorpusStatistics:
    """The corpus statistics of the release `corpus_release` names (none without one)."""
    release = corpus_release(args)
    return load_statistics(release / LEXICON) if release else CorpusStatistics()


def corpus_rules(args: argparse.Namespace) -> Rules:
    """The rules, with the decision model of the release whose statistics are used when its
    run fitted one on its corpus ([ocr] model = "corpus"): statistics and model together."""
    rules = load_rules(args.rules)
    release = corpus_release(args)
    if release and (release / DECISION_MODEL).is_file():
        return with_decision_model(rules, release / DECISION_MODEL)
    return rules


def command_lexicon(args: argparse.Namespace) -> int:
    """One TSV row per distinct word of stdin, in order of first appearance."""
    from flows.kazakh.lexicon import corpus_lexicon, describe
    from flows.statistics import WORD

    rules = load_rules(args.rules)
    lexicon = corpus_lexicon(rules, corpus_statistics(args).counts)
    words = dict.fromkeys(WORD.findall(sys.stdin.read()))
    out = sys.stdout
    out.write("word\tstatus\tanalysis\tsource\tfrequency\tharmony\tnote\n")
    for word in words:
        entry = lexicon.lookup(word)
        row = (
            word,
            entry.status,
            describe(entry),
            entry.source,
            str(lexicon.frequency(word)),
            lexicon.harmony(word),
            entry.note,
        )
        out.write("\t".join(row) + "\n")
    return 0


def command_clean(args: argparse.Namespace) -> int:
    from flows.clean import clean_text

    rules = corpus_rules(args)
    data = sys.stdin.buffer.read()
    try:
        text = decode_bytes(data, rules.encodings, args.encoding).text
    except SkippedInput as reason:
        if not data.strip():
            return 0  # nothing in, nothing out
        raise UsageError(f"stdin: {reason}") from None
    document = clean_text(text, rules, corpus_statistics(args))
    sys.stdout.write(document.text + "\n" if document.text else "")
    return 0


# --- versions, show -----------------------------------------------------------------------------


def command_versions(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if not output.is_dir():
        raise UsageError(
            f"no folder {output}: give the output folder `tazala run` wrote (--output; "
            "default: output)"
        )
    versions = release_versions(output)
    if not versions:
        if args.json:
            print("[]")
        else:
            print(f"no releases in {output}/ yet; `tazala run` publishes the first")
        return 0
    latest = latest_version(output)
    listed, damaged = [], []
    for version in versions:
        try:
            manifest = read_manifest(output / version)
        except DamagedRelease as problem:
            damaged.append(problem)  # said after the list: the other releases are listed
            continue
        listed.append(version_row(output, version, manifest, version == latest))
    if args.json:
        print(json.dumps(listed, ensure_ascii=False, indent=2))
    for row in [] if args.json else listed:
        mark = "  LATEST" if row["latest"] else ""
        print(
            f"{row['version']}  {row['published_at']:<20}  {row['documents']:>5,} documents  "
            f"{row['sentences']:>8,} sentences  {row['edits']:>6,} edits  "
            f"{row['fingerprint'][:12]}{mark}"
        )
    for problem in damaged:
        print(f"tazala: error: {problem}", file=sys.stderr)
    return 2 if damaged else 0


def version_row(output: Path, version: str, manifest: dict, latest: bool) -> dict:
    """What `tazala versions` says of one release. A release published before manifests
    recorded `published_at` gives its folder's modification time (UTC) instead."""
    published = manifest.get("published_at")
    if not isinstance(published, str):
        stamp = time.gmtime((output / version).stat().st_mtime)
        published = time.strftime("%Y-%m-%dT%H:%M:%SZ", stamp)
    totals = manifest["totals"]
    return {
        "version": version,
        "published_at": published,
        "latest": latest,
        "fingerprint": manifest["fingerprint"],
        **{name: totals[name] for name in MANIFEST_TOTALS},
    }


def command_verify(args: argparse.Namespace) -> int:
    """Hash every file of a release again and compare with its manifest: 0 when all match,
    1 naming each file that does not."""
    release = open_release(args.output, args.version)
    problems = verify_release(release.path)
    if not problems:
        files = len(release.manifest["files"])
        print(f"{release.version}: all {files:,} files as published")
        return 0
    print(f"{release.version}: {len(problems):,} file(s) differ from the manifest:")
    for problem in problems:
        print(f"  {problem}")
    print("restore the release from a copy, or publish it again with `tazala run`")
    return 1


def command_show(args: argparse.Namespace) -> int:
    release = open_release(args.output, args.version)
    if args.manifest:
        print(json.dumps(release.manifest, ensure_ascii=False, indent=2))
    elif args.removed:
        from flows.removed import render_removed

        print(render_removed(release, args.lines), end="")
    else:
        print((release.path / "report.md").read_text(encoding="utf-8"), end="")
    return 0


def command_variants(args: argparse.Namespace) -> int:
    from flows.clusters import render_variants

    release = open_release(args.output, args.version)
    print(render_variants(release, load_rules(args.rules), args.contexts), end="")
    return 0


# --- evaluate ---------------------------------------------------------------------------------


def command_diff(args: argparse.Namespace) -> int:
    from flows.diff import diff_releases, render_diff

    old = open_release(args.output, args.old)
    new = open_release(args.output, args.new)
    print(render_diff(diff_releases(old, new), args.documents), end="")
    return 0


def command_review(args: argparse.Namespace) -> int:
    from flows.review import (
        VARIANTS,
        ReviewError,
        record_decisions,
        render_groups,
        suggestion_groups,
    )

    release = open_release(args.output, args.version)
    try:
        if not args.accept and not args.reject:
            listing = render_groups(*suggestion_groups(release), args.limit)
            print(f"{release.version}: {listing}", end="")
            return 0
        written = record_decisions(Path(args.rules), release, args.accept, args.reject)
    except ReviewError as problem:
        raise UsageError(str(problem)) from None
    target = Path(args.rules) / VARIANTS
    for line in written:
        print(f"{target}: {line.replace(chr(9), '  ')}")
    if written:
        print("the next `tazala run` applies these and publishes a new release")
    else:
        print("already decided: nothing written")
    return 0


def command_evaluate(args: argparse.Namespace) -> int:
    from flows.clean import clean_text
    from flows.evaluate import (
        GoldError,
        evaluate_gold,
        format_summary,
        read_gold,
        read_text_file,
    )
    from flows.unchanged import check_lines

    if not args.gold and not args.unchanged:
        raise UsageError(
            "nothing to score: give gold .jsonl files and/or --unchanged TXT files "
            "(`make eval` gives the shared gold sets)"
        )
    # every file checked before the first is scored: a typo in the last one fails at once
    try:
        passages = {gold: read_gold(Path(gold)) for gold in args.gold}
        unchanged = {
            path: read_text_file(Path(path), "give the .txt files in it") for path in args.unchanged
        }
    except GoldError as problem:
        raise UsageError(str(problem)) from None
    rules = corpus_rules(args)
    statistics = corpus_statistics(args)

    def clean(text: str) -> str:
        return clean_text(text, rules, statistics).text

    for gold in args.gold:
        summary = evaluate_gold(passages[gold], clean)
        shown = json.dumps(summary) if args.json else format_summary(summary)
        print(f"{Path(gold).stem:<14} {shown}")
    for path in args.unchanged:
        lines = unchanged[path].splitlines()
        check = check_lines(lines, clean, rules.homoglyphs, args.show_changed)
        name = Path(path).name
        shown = f"unchanged {name} {json.dumps(check.summary())}"
        print(shown if args.json else check.render(name))
    return 0


# --- bench ------------------------------------------------------------------------------------


def command_bench(args: argparse.Namespace) -> int:
    from flows.bench import bench_encoding, bench_flow, bench_lexicon, bench_speed

    rules = load_rules(args.rules)
    if args.what == "calibration":
        from flows.calibration import bench_calibration

        args.no_corpus, args.release = False, None  # the latest release in ./output, if any
        statistics = corpus_statistics(args)
        gold = [Path(g) for g in args.gold]
        print("\n".join(bench_calibration(rules, gold, statistics, args.examples)))
        return 0
    if args.what == "hostile":  # FILES are pattern names here (default: all)
        from flows.bench import bench_hostile

        try:
            rows, passed = bench_hostile(rules, args.rules, args.files)
        except ValueError as problem:  # a pattern name it does not know
            raise UsageError(str(problem)) from None
        print("\n".join(rows))
        return 0 if passed else 1
    if args.what == "scale" and args.points:  # the figures of an earlier scale bench
        from flows.bench import scale_report

        print("\n".join(scale_report(json.loads(Path(args.points).read_text()))))
        return 0
    paths = [Path(p) for p in args.files] or sorted(Path("corpus").glob("**/*.txt"))
    if not paths:
        raise UsageError("no files to benchmark; pass some, or run where corpus/ has .txt files")
    if args.what == "encoding":
        rows = bench_encoding(paths, rules, args.limit)
    elif args.what == "lexicon":
        rows = bench_lexicon(paths, [Path(g) for g in args.gold], rules)
    elif args.what == "flow":
        from flows.prefect_env import configure_prefect

        configure_prefect()  # the runs' processes inherit it
        with tempfile.TemporaryDirectory(prefix="tazala-bench-") as temporary:
            folder = Path(args.folder or temporary)
            workers = args.workers or 2
            rows = bench_flow(paths, rules, args.rules, args.megabytes, workers, folder, args.seed)
    elif args.what == "scale":
        rows = command_bench_scale(args, paths, rules)
    else:
        rows = bench_speed(paths, rules, args.megabytes)
    print("\n".join(rows))
    return 0


def command_bench_scale(args: argparse.Namespace, paths: list[Path], rules: Rules) -> list[str]:
    from flows.bench import SCALE_SIZES, bench_scale
    from flows.prefect_env import configure_prefect

    configure_prefect()  # the runs' processes inherit it
    with tempfile.TemporaryDirectory(prefix="tazala-bench-") as temporary:
        folder = Path(args.folder or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        workers = args.workers or 1
        sizes = args.sizes or SCALE_SIZES
        return bench_scale(paths, rules, args.rules, sizes, workers, folder, args.seed)


def megabyte_sizes(text: str) -> tuple[float, ...]:
    try:
        sizes = tuple(float(size) for size in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of MB such as 50,100,200")
    return sizes


def command_fit_model(args: argparse.Namespace) -> int:
    """Fit the OCR decision model and the spelling merge model and write them into the rules
    folder (kk/decision_model.toml, kk/spelling_model.toml), both from one seed."""
    from flows.kazakh.model import write_model, write_spelling_model
    from flows.rules import SPELLING_MODEL_PATH
    from flows.spelling_training import fit_spelling_model
    from flows.training import fit_decision_model

    rules = load_rules(args.rules)
    corpus = None
    if args.release:
        args.no_corpus = False
        corpus = dict(corpus_statistics(args).counts)
    if args.only != "spelling":
        model = fit_decision_model(rules, args.examples, args.seed, corpus)
        path = Path(args.rules) / "kk" / "decision_model.toml"
        write_model(model, path)
        print(
            f"wrote {path}: {model.about['examples_fitted']} examples fitted, "
            f"{model.about['examples_held_out']} held out for calibration (seed {args.seed})"
        )
    if args.only == "ocr":
        return 0
    spelling = fit_spelling_model(rules, args.spelling_examples, args.seed)
    path = Path(args.rules) / SPELLING_MODEL_PATH
    write_spelling_model(spelling, path)
    print(
        f"wrote {path}: {spelling.about['merges_fitted']} simulated merges fitted, "
        f"{spelling.about['merges_held_out']} held out for calibration (seed {args.seed})"
    )
    return 0


def command_fit_confusions(args: argparse.Namespace) -> int:
    """Re-estimate the costs of kk/confusions.tsv from a release's corpus statistics."""
    from flows.kazakh.channel_fit import fit_confusion_costs, write_costs
    from flows.kazakh.lexicon import corpus_lexicon
    from flows.stages.ocr import index_for

    rules = load_rules(args.rules)
    args.no_corpus = False
    statistics = corpus_statistics(args)
    if not statistics.counts:
        raise UsageError("no corpus statistics: run `tazala run` first, or pass --release DIR")
    fitted = fit_confusion_costs(
        index_for(rules), corpus_lexicon(rules, statistics.counts), statistics.counts
    )
    print("confusion   kind       cost -> fitted   explains   chances")
    for f in sorted(fitted, key=lambda f: -f.expected):
        c = f.confusion
        print(
            f"{str(c):<11} {c.kind:<9} {c.cost:>5.2f} -> {f.cost:>5.2f}  {f.expected:>9,.1f}"
            f"  {f.chances:>8,}"
        )
    if args.write:
        path = Path(args.rules) / "kk" / "confusions.tsv"
        write_costs(path, fitted)
        print(f"wrote the fitted costs into {path}; refit the decision model: tazala fit-model")
    return 0


# --- parser -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tazala", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail in the log")
    commands = parser.add_subparsers(dest="command", required=True)

    def add_run_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--corpus", default="corpus", help="folder of raw files (default: corpus)")
        sub.add_argument("--output", default="output", help="releases folder (default: output)")
        sub.add_argument("--rules", default=default_rules(), help="rules folder (default: rules)")
        sub.add_argument(
            "--shard-mb", type=float, default=4.0, help="megabytes of input per shard (default: 4)"
        )
        sub.add_argument(
            "--workers",
            type=int,
            default=1,
            help="worker processes; above 1 runs shards on a Dask LocalCluster",
        )
        sub.add_argument(
            "--dask-address",
            metavar="tcp://HOST:PORT",
            help="run the shard tasks on this running Dask cluster instead",
        )

    run = commands.add_parser("run", help="clean a corpus into a new versioned release")
    add_run_options(run)
    run.add_argument("--timings", metavar="JSON", help="write the run's timings to this file")
    run.set_defaults(handler=command_run)

    serve = commands.add_parser(
        "serve", help="serve the clean-corpus deployment: on a schedule and on demand"
    )
    add_run_options(serve)
    serve.add_argument("--name", default="nightly", help="deployment name (default: nightly)")
    serve.add_argument(
        "--cron",
        type=cron_schedule,
        help='schedule, e.g. "0 3 * * *" (default: none, runs on demand only)',
    )
    serve.set_defaults(handler=command_serve)

    def add_release_options(command: argparse.ArgumentParser) -> None:
        command.add_argument("version", nargs="?", help="v0002 or 2 (default: the latest)")
        command.add_argument("--output", default="output")

    def add_corpus_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--rules", default=default_rules(), help="rules folder")
        group = sub.add_mutually_exclusive_group()
        group.add_argument(
            "--release",
            metavar="DIR",
            help="use the corpus statistics of this release folder (and the decision model its "
            "run fitted on its corpus, if any)",
        )
        group.add_argument("--no-corpus", action="store_true", help="use no corpus statistics")

    clean = commands.add_parser("clean", help="clean stdin to stdout, one sentence per line")
    add_corpus_options(clean)
    clean.add_argument(
        "--encoding", type=known_encoding, help="read stdin in this encoding (default: detect it)"
    )
    clean.set_defaults(handler=command_clean)

    versions = commands.add_parser("versions", help="list the releases")
    versions.add_argument("--output", default="output")
    versions.add_argument("--json", action="store_true", help="print them as a JSON list")
    versions.set_defaults(handler=command_versions)

    verify = commands.add_parser(
        "verify", help="hash a release's files again and name those that differ"
    )
    add_release_options(verify)
    verify.set_defaults(handler=command_verify)

    show = commands.add_parser("show", help="print a release's report")
    add_release_options(show)
    shown = show.add_mutually_exclusive_group()
    shown.add_argument("--manifest", action="store_true", help="print manifest.json instead")
    shown.add_argument(
        "--removed", action="store_true", help="list the lines removed as page chrome, by reason"
    )
    show.add_argument(
        "--lines",
        type=positive_int,
        default=20,
        help="with --removed: lines shown per reason (default: 20)",
    )
    show.set_defaults(handler=command_show)

    variants = commands.add_parser(
        "variants", help="list a release's spelling-variant clusters for review"
    )
    add_release_options(variants)
    variants.add_argument("--rules", default=default_rules(), help="rules folder")
    variants.add_argument(
        "--contexts", type=int, default=2, help="contexts shown per variant (default: 2)"
    )
    variants.set_defaults(handler=command_variants)

    diff = commands.add_parser("diff", help="what changed between two releases, and why")
    diff.add_argument("old", help="the earlier release: v0002 or 2")
    diff.add_argument("new", nargs="?", help="the later release (default: the latest)")
    diff.add_argument("--output", default="output")
    diff.add_argument("--documents", type=int, default=20, help="documents listed (default: 20)")
    diff.set_defaults(handler=command_diff)

    review = commands.add_parser(
        "review", help="a release's suggestions grouped; accept or reject them into the rules"
    )
    add_release_options(review)
    review.add_argument("--rules", default=default_rules(), help="rules folder to write to")
    review.add_argument("--limit", type=int, default=30, help="groups listed (default: 30)")
    for flag, what in (("--accept", "pin AFTER for BEFORE"), ("--reject", "forbid the pair")):
        review.add_argument(
            flag,
            nargs=2,
            action="append",
            default=[],
            metavar=("BEFORE", "AFTER"),
            help=f"{what} in rules/kk/variants.tsv (repeatable)",
        )
    review.set_defaults(handler=command_review)

    evaluate = commands.add_parser("evaluate", help="score `tazala clean` on gold passages")
    evaluate.add_argument("gold", nargs="*", help="gold .jsonl files")
    evaluate.add_argument(
        "--unchanged",
        nargs="*",
        default=[],
        metavar="TXT",
        help="clean text files that must come out with no letter changed",
    )
    evaluate.add_argument(
        "--show-changed",
        type=int,
        default=5,
        metavar="N",
        help="examples to show per kind of change in an --unchanged file (default: 5)",
    )
    evaluate.add_argument("--json", action="store_true")
    add_corpus_options(evaluate)
    evaluate.set_defaults(handler=command_evaluate)
    lexicon = commands.add_parser(
        "lexicon", help="words on stdin -> TSV: word, status, analysis, source, frequency"
    )
    add_corpus_options(lexicon)
    lexicon.set_defaults(handler=command_lexicon)
    bench = commands.add_parser(
        "bench", help="benchmarks: encoding, speed, lexicon, flow, scale, hostile, calibration"
    )
    bench.add_argument(
        "what",
        choices=["encoding", "speed", "lexicon", "flow", "scale", "hostile", "calibration"],
    )
    bench.add_argument(
        "--gold",
        nargs="*",
        default=[],
        metavar="JSONL",
        help="lexicon: gold files whose raw/gold word pairs give error tokens; calibration: "
        "gold files to measure the decision model on (with the latest release's statistics)",
    )
    bench.add_argument(
        "files",
        nargs="*",
        help="UTF-8 text files (default: corpus/**/*.txt); hostile: pattern names (default: all)",
    )
    bench.add_argument("--rules", default=default_rules(), help="rules folder")
    bench.add_argument("--limit", type=int, help="encoding: at most N sentences a file")
    bench.add_argument(
        "--megabytes",
        type=float,
        default=50.0,
        help="speed: repeat the files up to this much text; flow: generate this much (default: 50)",
    )
    bench.add_argument(
        "--workers",
        type=positive_int,
        help="flow: also run with this many workers (default: 2); scale: also with this many "
        "(default: 1 only)",
    )
    bench.add_argument(
        "--sizes",
        type=megabyte_sizes,
        help="scale: MB to generate and run, comma-separated (default: 50,100,200)",
    )
    bench.add_argument(
        "--points",
        help="scale: fit and extrapolate the figures of an earlier run (its scale.json) "
        "instead of measuring",
    )
    bench.add_argument("--seed", type=int, default=0, help="flow: the generator's seed")
    bench.add_argument(
        "--examples",
        type=int,
        default=3000,
        help="calibration: held-out synthetic examples to draw (default: 3000)",
    )
    bench.add_argument(
        "--folder",
        help="flow: keep the generated corpus, releases and runs' timings JSON here; scale: "
        "the runs' timings JSON and scale.json (default: temporary)",
    )
    bench.set_defaults(handler=command_bench)
    fit = commands.add_parser(
        "fit-model",
        help="fit the OCR decision model and the spelling merge model on errors simulated "
        "from the installed word lists",
    )
    fit.add_argument("--rules", default=default_rules(), help="rules folder")
    fit.add_argument("--seed", type=int, default=1, help="the examples' seed (default: 1)")
    fit.add_argument(
        "--release",
        metavar="DIR",
        help="also draw words and names from this release's corpus statistics",
    )
    fit.add_argument("--examples", type=int, default=8000, help="examples to draw (default: 8000)")
    fit.add_argument(
        "--only",
        choices=["ocr", "spelling"],
        help="fit and write only the OCR decision model or only the spelling merge model",
    )
    fit.add_argument(
        "--spelling-examples",
        type=int,
        default=8000,
        help="simulated spelling merges to draw for kk/spelling_model.toml (default: 8000)",
    )
    fit.set_defaults(handler=command_fit_model)

    confusions = commands.add_parser(
        "fit-confusions",
        help="re-estimate the costs of kk/confusions.tsv from a corpus' unknown words (EM)",
    )
    confusions.add_argument("--rules", default=default_rules(), help="rules folder")
    confusions.add_argument(
        "--release",
        metavar="DIR",
        help="the release whose corpus statistics to learn from (default: the latest in ./output)",
    )
    confusions.add_argument(
        "--write", action="store_true", help="write the fitted costs into kk/confusions.tsv"
    )
    confusions.set_defaults(handler=command_fit_confusions)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose)
    status = handle(args)
    if args.command == "run":
        from flows.signals import exit_while_stoppable

        exit_while_stoppable(status)  # a signal stops the run until its very end
    return status


def handle(args: argparse.Namespace) -> int:
    try:
        return args.handler(args)
    except (
        UsageError,
        RulesError,
        SourcesError,
        FileNotFoundError,
        OutputNotWritable,
        ReleaseNameError,
        DamagedRelease,
        UnverifiableRelease,
    ) as problem:
        print(f"tazala: error: {problem}", file=sys.stderr)
        return 2
    except InputChanged as problem:  # a file saved while planning read it: running again helps
        print(f"tazala: error: {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tazala: interrupted; no release was published by this run", file=sys.stderr)
        return 130
    except Exception as problem:  # a bug, not bad input: one line, the traceback on request
        if args.verbose or args.command in ("run", "serve"):  # a run reports its own failures
            raise
        print(
            f"tazala: error: {type(problem).__name__}: {problem} (unexpected: run again with "
            "--verbose for the traceback, and report it)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmarks: restoration rates and throughput, reported (never asserted in tests).

tazala bench encoding FILE...   corrupt every sentence by each mojibake chain, repair it
tazala bench speed FILE...      MB/s and peak memory of the repair stages
tazala bench flow FILE...       the whole flow on a generated corpus, 1 and N workers, and
                                reruns after one file changed, one added, one deleted
tazala bench scale FILE...      the flow at 50, 100 and 200 MB: word types, memory and each
                                step's time fitted, extrapolated to 1 and 10 GB archives
tazala bench hostile [NAME...]  time, growth and memory of `tazala clean` on hostile text
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from types import MappingProxyType
from typing import IO, TYPE_CHECKING

import regex

from flows.rules import Rules
from flows.stages import STAGES
from flows.stages.base import Context
from flows.stages.encoding import fix_encoding
from flows.statistics import CorpusStatistics, count_words

if TYPE_CHECKING:
    from flows.synthetic import GeneratedCorpus


def _through(true: str, read_as: str) -> Callable[[str], str | None]:
    def corrupt(text: str) -> str | None:
        try:
            return text.encode(true).decode(read_as)
        except (UnicodeEncodeError, UnicodeDecodeError):
            return None  # the chain destroys this text: counted apart

    return corrupt


def _twice(corrupt: Callable[[str], str | None]) -> Callable[[str], str | None]:
    def double(text: str) -> str | None:
        once = corrupt(text)
        return corrupt(once) if once is not None else None

    return double


def corruptions(rules: Rules) -> dict[str, Callable[[str], str | None]]:
    """Every way of garbling text the encoding stage claims to repair."""
    chains: dict[str, Callable[[str], str | None]] = {}
    for chain in rules.mojibake:
        chains[chain.name] = _through(chain.true_encoding, chain.read_as)
    for read_as in ("cp1251", "cp1252", "latin-1"):
        chains[f"utf8-as-{read_as} twice"] = _twice(_through("utf-8", read_as))
    font = str.maketrans({meant: stored for stored, meant in rules.legacy_fonts.items()})
    chains["kz-font"] = lambda text: text.translate(font)
    return chains


def read_sentences(paths: list[Path], limit: int | None) -> list[str]:
    sentences = []
    for path in paths:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        lines = [line for line in lines if line and not line.isascii()]
        sentences += lines[:limit] if limit else lines
    return sentences


def bench_encoding(paths: list[Path], rules: Rules, limit: int | None = None) -> list[str]:
    """Each chain garbles every sentence; the encoding stage repairs (a) every file as a whole,
    as garbling happens in an archive, and (b) every sentence alone, with no document around
    it. Sentences whose bytes the chain destroys (Ә through cp1251's hole at 0x98) are counted
    apart; "harmed" counts clean sentences the stage changed."""
    context = Context(rules)
    files = [read_sentences([path], limit) for path in paths]
    total = sum(len(f) for f in files)
    rows = [f"{total:,} sentences from {len(paths)} files", ""]
    header = f"{'chain':<24}{'garbled':>9}{'whole files':>13}{'alone':>9}{'destroyed':>11}"
    rows += [header, "-" * len(header)]
    for name, corrupt in corruptions(rules).items():
        tally: Counter[str] = Counter()
        for sentences in files:
            kept, garbled_lines = [], []
            for sentence in sentences:
                garbled = corrupt(sentence)
                if garbled is None:
                    tally["destroyed"] += 1
                    continue
                kept.append(sentence)
                garbled_lines.append(garbled)
                if garbled != sentence:
                    tally["garbled"] += 1
                    tally["alone"] += fix_encoding(garbled, context)[0] == sentence
            if not kept:
                continue
            whole = fix_encoding("\n".join(garbled_lines), context)[0].split("\n")
            tally["whole"] += sum(
                1 for s, g, w in zip(kept, garbled_lines, whole, strict=True) if g != s and w == s
            )
        rows.append(
            f"{name:<24}{tally['garbled']:>9,}{_rate(tally['whole'], tally['garbled'])}"
            f"{_rate(tally['alone'], tally['garbled'], 9)}{tally['destroyed']:>11,}"
        )
    harmed = sum(1 for f in files for s in f if fix_encoding(s, context)[0] != s)
    harmed_whole = sum(
        sum(
            1
            for s, w in zip(f, fix_encoding("\n".join(f), context)[0].split("\n"), strict=True)
            if s != w
        )
        for f in files
    )
    rows.append(f"clean sentences changed: {harmed_whole} (whole files), {harmed} (alone)")
    return rows


def _rate(part: int, whole: int, width: int = 13) -> str:
    return f"{100 * part / whole if whole else 100.0:>{width - 1}.2f}%"


def bench_speed(paths: list[Path], rules: Rules, megabytes: float = 50.0) -> list[str]:
    """Each stage on the files repeated to `megabytes`, one core, one document at a time as
    the flow runs them; MB/s per stage (of the text it receives) and per pass. The correct
    pass reads the corpus statistics of the repaired text, as the flow's reduce step gives
    them. Its stages cache their decisions per word type, so the first copy (cold, with the
    start-up of lexicon and candidate index) is reported apart from the whole run."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in paths)
    size = len(text.encode("utf-8"))
    repeats = max(1, int(megabytes * 1e6 / size))
    repaired, repair_seconds = _time_stages(text, rules.repair, Context(rules), repeats)
    statistics = CorpusStatistics(MappingProxyType(count_words(repaired)))
    context = Context(rules, statistics)
    started = time.perf_counter()
    _time_stages(repaired, rules.correct, context, 1)
    cold = time.perf_counter() - started
    _, correct_seconds = _time_stages(repaired, rules.correct, context, repeats)
    total = size * repeats / 1e6
    ftfy_seconds = time_ftfy([text] * repeats)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [f"{total:.1f} MB ({len(paths)} files x {repeats}), one core:"]
    for seconds in (repair_seconds, correct_seconds):
        rows += [f"  {name:<12}{total / s:>8.1f} MB/s" for name, s in seconds.items()]
    repair_all, correct_all = sum(repair_seconds.values()), sum(correct_seconds.values())
    encoding_and_characters = repair_seconds["encoding"] + repair_seconds["characters"]
    both = repair_all + correct_all
    rows += [
        f"  {'repair pass':<12}{total / repair_all:>8.1f} MB/s  ({repair_all:.1f} s);"
        f" encoding + characters {total / encoding_and_characters:.1f} MB/s",
        f"  {'correct pass':<12}{total / correct_all:>8.1f} MB/s  ({correct_all:.1f} s); first copy"
        f" cold {size / 1e6 / cold:.2f} MB/s ({cold:.1f} s with start-up)",
        f"  {'both passes':<12}{total / both:>8.1f} MB/s  ({both:.1f} s)",
        f"  {'ftfy':<12}{total / ftfy_seconds:>8.1f} MB/s  ({ftfy_seconds:.1f} s, ftfy.fix_text "
        "over the same text, in the same run)",
        f"  against ftfy: repair pass {ftfy_seconds / repair_all:.2f}x of its MB/s, both passes "
        f"{ftfy_seconds / both:.2f}x",
        f"  peak memory {peak:.0f} MB",
    ]
    return rows


def time_ftfy(texts: Iterable[str]) -> float:
    """Seconds `ftfy.fix_text` takes over the texts, one after the other on this core: the
    peer every speed figure is set beside."""
    import ftfy

    seconds = 0.0
    for text in texts:
        started = time.perf_counter()
        ftfy.fix_text(text)
        seconds += time.perf_counter() - started
    return seconds


def time_ftfy_files(folder: Path) -> float:
    """Seconds ftfy takes to read every file of `folder` and fix its text (UTF-8, as
    `generate_corpus` writes it): the work `tazala run` does on the same files, less all the
    Kazakh-specific repair and correction."""
    import ftfy

    started = time.perf_counter()
    for path in sorted(folder.iterdir()):
        ftfy.fix_text(path.read_bytes().decode("utf-8", errors="replace"))
    return time.perf_counter() - started


def _time_stages(
    text: str, stages: tuple[str, ...], context: Context, repeats: int
) -> tuple[str, dict[str, float]]:
    """Run `stages` over `text` `repeats` times; the output and the seconds per stage."""
    seconds = dict.fromkeys(stages, 0.0)
    document = text
    for _ in range(repeats):
        document = text
        for name in stages:
            started = time.perf_counter()
            document, _ = STAGES[name].fix(document, context)
            seconds[name] += time.perf_counter() - started
    return document, seconds


def bench_lexicon(paths: list[Path], gold: list[Path], rules: Rules) -> list[str]:
    """The lexicon without corpus help: its coverage of clean text (Cyrillic tokens valid, the
    unknown ones by kind), the share of OCR-error tokens it refuses (raw words aligned to a
    different gold word), its start-up time and its lookups per second."""
    from collections import Counter

    import regex

    from flows.kazakh.lexicon import base_lexicon

    started = time.perf_counter()
    lexicon = base_lexicon(rules)
    lexicon.is_word("бала")
    startup = time.perf_counter() - started
    cyrillic = regex.compile(r"\p{Cyrillic}+")
    tokens = [w for p in paths for w in cyrillic.findall(p.read_text(encoding="utf-8"))]
    started = time.perf_counter()
    unknown = Counter(token for token in tokens if not lexicon.is_word(token))
    cold = time.perf_counter() - started
    started = time.perf_counter()
    for token in tokens:
        lexicon.is_word(token)
    warm = time.perf_counter() - started
    valid = len(tokens) - unknown.total()
    rows = [
        f"start-up {startup:.2f} s (word lists, grammar, first lookup)",
        f"clean text: {len(tokens):,} Cyrillic tokens, {100 * valid / max(len(tokens), 1):.2f} % "
        f"valid; {len(tokens) / cold:,.0f} lookups/s cold, {len(tokens) / warm:,.0f} warm",
    ]
    kinds = Counter()
    examples: dict[str, list[str]] = {}
    for word, n in unknown.most_common():
        kind = unknown_kind(word)
        kinds[kind] += n
        examples.setdefault(kind, []).append(word)
    for kind, n in kinds.most_common():
        sample = ", ".join(examples[kind][:8])
        share = 100 * n / len(tokens)
        rows.append(f"  unknown {kind}: {n:,} tokens ({share:.2f} %), e.g. {sample}")
    errors = error_tokens(gold)
    if errors:
        missed = [w for w in errors if lexicon.is_word(w)]
        rows.append(
            f"gold: {len(errors):,} error tokens, {100 * (1 - len(missed) / len(errors)):.1f} % "
            "not valid (the lexicon sees the error)"
        )
        common = Counter(missed).most_common(12)
        rows.append("  valid errors, most frequent: " + ", ".join(f"{w} {n}" for w, n in common))
    return rows


def unknown_kind(word: str) -> str:
    """A rough kind for a word the lexicon does not know, for the report."""
    if len(word) == 1:
        return "single letters"
    if word.isupper():
        return "abbreviations"
    if word[:1].isupper():
        return "names (capitalised)"
    if set(word.lower()) & set("вфцчщъьэёюяһ"):
        return "loans (Russian or Arabic-Persian letters)"
    return "grammar or stem-list gaps"


def error_tokens(gold: list[Path]) -> list[str]:
    """Cyrillic raw words aligned one-to-one with a different gold word: in equal-length
    replaced runs of the word-level alignment of raw and gold."""
    import json

    import regex
    from rapidfuzz.distance import Levenshtein

    from flows.evaluate import WORD, fold_style

    cyrillic = regex.compile(r"\p{Cyrillic}+")
    errors = []
    for path in gold:
        for line in path.open(encoding="utf-8"):
            passage = json.loads(line)
            raw = WORD.findall(fold_style(passage["raw"].replace("\n", " ")))
            right = WORD.findall(fold_style(passage["gold"]))
            for block in Levenshtein.opcodes(raw, right):
                if block.tag == "replace" and (
                    block.src_end - block.src_start == block.dest_end - block.dest_start
                ):
                    errors += [
                        w for w in raw[block.src_start : block.src_end] if cyrillic.fullmatch(w)
                    ]
    return errors


# --- the whole flow on a generated corpus -------------------------------------------------------


def bench_flow(
    sources: list[Path],
    rules: Rules,
    rules_folder: str,
    megabytes: float,
    workers: int,
    folder: Path,
    seed: int = 0,
) -> list[str]:
    """Generate `megabytes` of corpus from `sources`, run `tazala run` on it with one worker
    and with `workers`, then make three edits one after another (one file changed, one file of
    1 % of the corpus added, one file deleted) and run again with one worker after each, on the
    one-worker run's output and cache, as a nightly run does: wall time, MB/s end to end and
    per stage, peak memory of all the run's processes, and each rerun's share of the full run.
    Every run's figures are also kept as JSON beside its release (`*.timings.json`)."""
    from flows.synthetic import generate_corpus

    corpus = folder / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    generated = generate_corpus(sources, rules, corpus, megabytes, seed)
    runs = {}
    for count in sorted({1, workers}):
        output = folder / f"output-{count}"
        shutil.rmtree(output, ignore_errors=True)
        runs[count] = measure_run(corpus, output, rules_folder, count)
    ftfy_seconds = time_ftfy_files(corpus)
    reruns = {}
    for edit, make_edit in corpus_edits(sources, rules, generated, seed):
        what = make_edit()
        rerun = measure_run(corpus, folder / "output-1", rules_folder, 1, f"rerun-{edit}")
        reruns[f"{edit} {what}"] = rerun
        keep_rerun_figures(rerun, edit, what, runs[1])
    return flow_table(generated.bytes, generated.files, seed, runs, reruns, ftfy_seconds)


# The share of the corpus' bytes the added file holds (issue 24: "one file added, 1 %").
ADDED_SHARE = 0.01


def corpus_edits(
    sources: list[Path], rules: Rules, generated: GeneratedCorpus, seed: int
) -> list[tuple[str, Callable[[], str]]]:
    """The three edits a nightly archive sees, each a name and a function that makes it and
    returns the file's name: file 1 redrawn (its words change, not only its punctuation), a
    new file of ADDED_SHARE of the corpus' bytes, the last generated file deleted."""
    from flows.synthetic import add_file, change_file, file_name

    def change() -> str:
        return change_file(sources, rules, generated.folder, 1, seed).name

    def add() -> str:
        size = round(ADDED_SHARE * generated.bytes)
        return add_file(sources, rules, generated.folder, generated.files + 1, seed, size).name

    def delete() -> str:
        path = generated.folder / file_name(generated.files)
        path.unlink()
        return path.name

    return [("changed", change), ("added", add), ("deleted", delete)]


def keep_rerun_figures(rerun: dict, edit: str, what: str, full: dict) -> None:
    """Add the edit and the rerun's share of the full run to the rerun's timings JSON, so a
    script reads the figures of the table there."""
    rerun.update(edit=edit, file=what, share_of_full_run=round(rerun["wall"] / full["wall"], 4))
    Path(rerun["timings_file"]).write_text(json.dumps(rerun), encoding="utf-8")


def measure_run(
    corpus: Path, output: Path, rules_folder: str, workers: int, label: str = ""
) -> dict:
    """`tazala run` in a process of its own, its process tree's memory sampled as it runs and
    its log lines timed as they come. The run's timings JSON (named after `output`, and
    `label` for a rerun into the same folder) gets the wall time, the CPU seconds of the
    whole tree, the peaks per kind of process and each step's wall seconds measured here
    beside the run's own figures."""
    suffix = f".{label}" if label else ""
    timings = output.with_name(f"{output.name}{suffix}.timings.json")
    command = [sys.executable, "-m", "flows.cli", "run", "--corpus", str(corpus)]
    command += ["--output", str(output), "--rules", rules_folder, "--workers", str(workers)]
    command += ["--timings", str(timings)]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[tuple[float, str]] = []
    # stderr is read as it comes (a thread, so the memory sampling goes on): each log line's
    # arrival time marks a step's end to a fraction of a second, finer than its HH:MM:SS
    reader = threading.Thread(target=_timed_lines, args=(process.stderr, started, lines))
    reader.start()
    peaks: Counter[str] = Counter()
    while process.poll() is None:
        _sample_peaks(process.pid, peaks)
        time.sleep(0.2)
    wall = time.perf_counter() - started
    reader.join()
    process.stdout.read()
    cpu = _children_cpu() - cpu_before
    if process.returncode != 0:
        errors = "\n".join(line for _, line in lines)
        raise RuntimeError(f"tazala run failed ({process.returncode}):\n{errors[-2000:]}")
    run = json.loads(timings.read_text(encoding="utf-8"))
    run.update(wall=wall, cpu=cpu, workers=workers, step_seconds=step_seconds(lines, wall))
    run.update(peak_total=peaks["total"], peak_single=peaks["single"])
    run.update({f"peak_{kind}": peaks[kind] for kind in PROCESS_KINDS})
    run["timings_file"] = str(timings)
    timings.write_text(json.dumps(run), encoding="utf-8")
    return run


def _children_cpu() -> float:
    """CPU seconds of this process' ended children and the children they waited for (the
    run, its Dask workers and its temporary Prefect API)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed_lines(stream: IO[str], started: float, lines: list[tuple[float, str]]) -> None:
    for line in stream:
        lines.append((time.perf_counter() - started, line.rstrip("\n")))


# The kinds of process a run's tree holds: the flow process (`tazala run` itself: planning,
# the statistics reduce, publishing, and with one worker every task), the Dask workers
# (started through multiprocessing) and the rest (the temporary Prefect API).
PROCESS_KINDS = ("flow", "worker", "other")


def _sample_peaks(pid: int, peaks: Counter[str]) -> None:
    processes = tree_processes(pid)
    peaks["total"] = max(peaks["total"], sum(rss for _, rss, _ in processes))
    for number, rss, command in processes:
        kind = process_kind(number, command, pid)
        peaks["single"] = max(peaks["single"], rss)
        peaks[kind] = max(peaks[kind], rss)


def process_kind(number: int, command: str, root: int) -> str:
    if number == root:
        return "flow"
    return "worker" if "multiprocessing" in command else "other"


def tree_processes(pid: int) -> list[tuple[int, int, str]]:
    """A process and all its descendants (Linux /proc): pid, resident bytes, command line."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            resident = int((entry / "statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
        rss[int(entry.name)] = resident
    processes, todo = [], [pid]
    while todo:
        current = todo.pop()
        processes.append((current, rss.get(current, 0), _command_line(current)))
        todo += children.get(current, [])
    return processes


def _command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def flow_table(
    size: int,
    files: int,
    seed: int,
    runs: dict[int, dict],
    reruns: dict[str, dict],
    ftfy_seconds: float,
) -> list[str]:
    """The full runs' table, then one row per rerun (keyed by its edit, e.g. "changed
    gen-00001.txt"), each set against the one-worker full run."""
    mb = size / 1e6
    columns = sorted(runs)
    cores = os.cpu_count()
    rows = [
        f"tazala bench flow: {mb:.1f} MB generated ({files} files, seed {seed}), "
        f"{cores} CPU cores, {runs[columns[0]]['word_forms']:,} word forms",
        "",
        f"| {'':<34} |"
        + "".join(f" {f'{n} worker' + ('s' if n > 1 else ''):>10} |" for n in columns),
        f"|{'-' * 36}|" + "".join(f"{'-' * 11}:|" for _ in columns),
    ]

    def row(label: str, values: list[str]) -> None:
        rows.append(f"| {label:<34} |" + "".join(f" {v:>10} |" for v in values))

    row("wall seconds, start-up included", [f"{runs[n]['wall']:.1f}" for n in columns])
    row("end to end MB/s", [f"{mb / runs[n]['wall']:.2f}" for n in columns])
    row("end to end MB/s per core", [f"{mb / runs[n]['wall'] / n:.2f}" for n in columns])
    row("share of ftfy's MB/s", [f"{ftfy_seconds / runs[n]['wall']:.2f}" for n in columns])
    stages = list(runs[columns[0]]["stage_seconds"])
    for stage in stages:
        row(f"  {stage} MB/s (per core)", [_stage_rate(runs[n], stage, mb) for n in columns])
    row("peak memory, all processes (MB)", [f"{runs[n]['peak_total'] / 1e6:.0f}" for n in columns])
    row(
        "peak memory, largest process (MB)",
        [f"{runs[n]['peak_single'] / 1e6:.0f}" for n in columns],
    )
    rows += [
        "",
        f"ftfy.fix_text over the same files, same run, one core: {ftfy_seconds:.1f} s = "
        f"{mb / ftfy_seconds:.2f} MB/s",
    ]
    if len(columns) > 1:
        speedup = runs[columns[0]]["wall"] / runs[columns[-1]]["wall"]
        rows += [f"speed-up, {columns[-1]} workers against 1: {speedup:.2f}x"]
    return rows + rerun_table(runs[1], reruns)


# The rerun table's columns after the edit's: heading and width (a markdown table, as above).
RERUN_COLUMNS = (
    ("wall s", 7),
    ("share of full run", 17),
    ("files repaired from cache", 25),
    ("docs corrected from cache", 25),
    ("largest process MB", 18),
)


def rerun_table(full: dict, reruns: dict[str, dict]) -> list[str]:
    """One row per edit: the rerun's wall time and share of the one-worker full run, what it
    took from the cache, and the peak memory of its largest process. Each rerun starts from
    the cache the one before it left, as nightly runs do."""
    if not reruns:
        return []
    width = max(34, *(len(edit) for edit in reruns))
    rows = [
        "",
        f"reruns with 1 worker on the 1-worker run's output, one edit after another (the added "
        f"file holds {100 * ADDED_SHARE:g} % of the corpus' bytes):",
        "",
        f"| {'rerun after':<{width}} |" + "".join(f" {h:>{w}} |" for h, w in RERUN_COLUMNS),
        f"|{'-' * (width + 2)}|" + "".join(f"{'-' * (w + 1)}:|" for _, w in RERUN_COLUMNS),
    ]
    for edit, rerun in reruns.items():
        values = [
            f"{rerun['wall']:.1f}",
            f"{100 * rerun['wall'] / full['wall']:.0f} %",
            _from_cache(rerun["repair"]),
            _from_cache(rerun["correct"]),
            f"{rerun['peak_single'] / 1e6:.0f}",
        ]
        cells = "".join(f" {v:>{w}} |" for v, (_, w) in zip(values, RERUN_COLUMNS, strict=True))
        rows.append(f"| {edit:<{width}} |{cells}")
    return rows


def _from_cache(counts: dict) -> str:
    return f"{counts['reused']} of {counts['of']}"


def _stage_rate(run: dict, stage: str, mb: float) -> str:
    seconds = run["stage_seconds"].get(stage, 0.0)
    return f"{mb / seconds:.2f}" if seconds else "-"


# --- the scale model -------------------------------------------------------------------------

SCALE_SIZES = (50.0, 100.0, 200.0)  # MB generated (issue 24: measure at 50, 100 and 200 MB)
ARCHIVES = (1_000.0, 10_000.0)  # MB: the archives the model extrapolates to
SCALE_WORKERS = (1, 8, 64)

# A run's steps in order, each ended by the last log line of the flow that matches it: the
# plan's line (start-up: Prefect, and planning, which hashes every file), the last repaired
# shard, the statistics reduce, the decided word types (or a fitted decision model), the last
# corrected shard, the published release; `finish` is the rest (artifacts, Prefect stopping).
STEP_ENDS = (
    ("start-up", regex.compile(r" shard\(s\); fingerprint ")),
    ("repair", regex.compile(r" repair: shard \d+/\d+ done")),
    ("statistics", regex.compile(r" statistics: \d+ word forms")),
    ("decide", regex.compile(r" word types decided in | decision model (taken|fitted)")),
    ("correct", regex.compile(r" correct: shard \d+/\d+ done")),
    ("publish", regex.compile(r" published v\d+")),
)
STEPS = (*(step for step, _ in STEP_ENDS), "finish")
# Steps whose work is cut into shards or partitions that the workers share; the others run in
# the flow process, one after another, whatever the number of workers.
PARALLEL_STEPS = ("repair", "decide", "correct")
# The flow process hands out one task per shard and pass, one after another: through Prefect's
# Dask runner a task costs it 60-85 ms (PREFECT.md), so a pass over S shards takes at least
# S x 85 ms however many workers share it. Shards are `--shard-mb` (4 MB by default).
TASK_SECONDS = 0.085
SHARD_MB = 4.0
SHARD_STEPS = ("repair", "correct")


def step_seconds(lines: list[tuple[float, str]], wall: float) -> dict[str, float]:
    """Each step's wall seconds from the times (since the run started) its log lines came.
    A step whose line never came took no time (decide with one worker: the correct tasks
    decide for themselves)."""
    ends: dict[str, float] = {}
    for at, line in lines:
        for step, pattern in STEP_ENDS:
            if pattern.search(line):
                ends[step] = at  # the last shard's line ends the pass
    seconds, previous = {}, 0.0
    for step in STEPS:
        end = wall if step == "finish" else ends.get(step, previous)
        seconds[step] = round(max(end - previous, 0.0), 3)
        previous = max(previous, end)
    return seconds


def bench_scale(
    sources: list[Path],
    rules: Rules,
    rules_folder: str,
    sizes: tuple[float, ...],
    workers: int,
    folder: Path,
    seed: int = 0,
) -> list[str]:
    """Generate a corpus of each size, run `tazala run` on it with one worker (and with
    `workers` if more), fit the scale model on the figures and extrapolate it. The figures
    are kept in `folder`/scale.json, which `scale_report` reads again without running."""
    from flows.synthetic import generate_corpus

    points = []
    for megabytes in sizes:
        corpus = folder / f"corpus-{megabytes:g}"
        shutil.rmtree(corpus, ignore_errors=True)
        generated = generate_corpus(sources, rules, corpus, megabytes, seed)
        for count in sorted({1, workers}):
            output = folder / f"output-{megabytes:g}-{count}"
            shutil.rmtree(output, ignore_errors=True)
            run = measure_run(corpus, output, rules_folder, count)
            points.append(scale_point(generated.bytes, run))
            shutil.rmtree(output)  # a 200 MB release and its cache take as much disk again
        shutil.rmtree(corpus)
    (folder / "scale.json").write_text(json.dumps(points, indent=1), encoding="utf-8")
    return scale_report(points)


def scale_point(size: int, run: dict) -> dict:
    """What the scale model reads of one measured run."""
    peaks = {f"peak_{kind}": run[f"peak_{kind}"] for kind in PROCESS_KINDS}
    return {
        "mb": round(size / 1e6, 3),
        "workers": run["workers"],
        "tokens": run["word_tokens"],
        "types": run["word_forms"],
        "wall": round(run["wall"], 3),
        "cpu": round(run["cpu"], 3),
        "steps": run["step_seconds"],
        **peaks,
        "peak_total": run["peak_total"],
    }


def fit_line(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares y = a + b x: (a, b)."""
    n, mean_x, mean_y = len(xs), sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if n < 2 or spread == 0:
        return mean_y, 0.0  # one size measured: no slope to see
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return mean_y - slope * mean_x, slope


def fit_power(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares in log space, y = k x^beta: (k, beta). Heaps' law for word types."""
    intercept, beta = fit_line([math.log(x) for x in xs], [math.log(y) for y in ys])
    return math.exp(intercept), beta


def relative_rms(predicted: list[float], actual: list[float]) -> float:
    """Root mean square of the relative residuals: how well a fit meets its inputs."""
    errors = [(p - a) / a for p, a in zip(predicted, actual, strict=True)]
    return math.sqrt(sum(e * e for e in errors) / len(errors))


def fit_memory(points: list[dict], kind: str) -> dict[str, dict]:
    """Peak resident bytes of one kind of process, both as base + bytes per word type x types
    (what the design holds per type: counts, answers) and as base + bytes per MB x MB; each
    with how well it meets the figures. Three sizes hardly tell them apart, and they part far
    apart at 10 GB, so both are kept and shown."""
    memory = [p[f"peak_{kind}"] for p in points]
    fits = {}
    for by in ("types", "mb"):
        xs = [p[by] for p in points]
        base, slope = fit_line(xs, memory)
        error = relative_rms([base + slope * x for x in xs], memory)
        fits[by] = {"base": base, "slope": slope, "error": error}
    return fits


def better_memory_fit(fits: dict[str, dict]) -> str:
    """ "types" or "mb": the fit with the smaller residuals (types when they tie)."""
    return "mb" if fits["mb"]["error"] < fits["types"]["error"] else "types"


def fit_scale_model(points: list[dict]) -> dict:
    """The scale model's constants from the measured points: tokens per MB (a line through
    zero), Heaps' law V = K N^beta, memory per kind of process, and for each number of
    workers measured each step's and the CPU's fixed seconds and seconds per MB."""
    one = [p for p in points if p["workers"] == 1]
    tokens_per_mb = sum(p["tokens"] * p["mb"] for p in one) / sum(p["mb"] ** 2 for p in one)
    k, beta = fit_power([p["tokens"] for p in one], [p["types"] for p in one])
    heaps_error = relative_rms([k * p["tokens"] ** beta for p in one], [p["types"] for p in one])
    model: dict = {
        "tokens_per_mb": tokens_per_mb,
        "heaps": {"k": k, "beta": beta, "error": heaps_error},
        "memory": {},
        "steps": {},
        "cpu": {},
    }
    for workers in sorted({p["workers"] for p in points}):
        runs = [p for p in points if p["workers"] == workers]
        mbs = [p["mb"] for p in runs]
        kinds = ("flow",) if workers == 1 else ("flow", "worker")
        model["memory"][workers] = {kind: fit_memory(runs, kind) for kind in kinds}
        model["steps"][workers] = {
            step: fit_line(mbs, [p["steps"][step] for p in runs]) for step in STEPS
        }
        model["cpu"][workers] = fit_line(mbs, [p["cpu"] for p in runs])
    return model


def predicted_types(model: dict, megabytes: float) -> float:
    heaps = model["heaps"]
    return heaps["k"] * (model["tokens_per_mb"] * megabytes) ** heaps["beta"]


def predicted_memory(fits: dict[str, dict], megabytes: float, types: float) -> dict[str, float]:
    """Both memory fits' bytes for an archive: by its word types and by its MB."""
    return {
        by: fit["base"] + fit["slope"] * (types if by == "types" else megabytes)
        for by, fit in fits.items()
    }


def extrapolate(model: dict, megabytes: float, workers: int, measured: int = 1) -> dict:
    """Wall seconds per step and memory per process for an archive of `megabytes` on
    `workers` workers, from the runs `measured` with that many workers: the parallel steps'
    seconds per MB divided by the workers beyond those measured (perfect sharing: an upper
    bound on the speed-up) but a shard pass never under its tasks' hand-out time in the flow
    process (TASK_SECONDS a shard), the serial steps' as measured; every intercept kept
    (start-up, a cluster's start), none below zero. From one-worker runs, the correct pass
    holds the deciding (each worker decides the types it meets) and a worker holds what the
    one-worker flow process held: an upper bound, that process also plans and reduces."""
    types = predicted_types(model, megabytes)
    steps = {}
    for step, (fixed, per_mb) in model["steps"][measured].items():
        share = measured / workers if step in PARALLEL_STEPS else 1.0
        seconds = fixed + per_mb * megabytes * share
        if step in SHARD_STEPS and workers > 1:
            seconds = max(seconds, fixed + math.ceil(megabytes / SHARD_MB) * TASK_SECONDS)
        steps[step] = max(seconds, 0.0)
    memory = model["memory"][measured]
    per_worker = memory.get("worker", memory["flow"])
    return {
        "mb": megabytes,
        "workers": workers,
        "tokens": model["tokens_per_mb"] * megabytes,
        "types": types,
        "steps": steps,
        "wall": sum(steps.values()),
        "serial": sum(s for step, s in steps.items() if step not in PARALLEL_STEPS),
        "worker_memory": predicted_memory(per_worker, megabytes, types),
        "flow_memory": predicted_memory(memory["flow"], megabytes, types),
        "measured": measured,
    }


def scale_report(points: list[dict]) -> list[str]:
    """The measured inputs, the fitted constants and the extrapolation, as markdown tables."""
    model = fit_scale_model(points)
    rows = ["tazala bench scale: measured (generated corpora, `tazala run` on each)", ""]
    rows += measured_table(points)
    rows += ["", "fitted (least squares; rel. RMS = root mean square of the relative residuals):"]
    rows += model_lines(model)
    for measured in model["steps"]:
        rows += [
            "",
            f"extrapolated from the {measured}-worker runs (the formulas above; parallel steps "
            "shared perfectly, a shard pass never under its tasks' hand-out):",
            "",
        ]
        rows += extrapolation_table(
            [
                extrapolate(model, mb, n, measured)
                for mb in ARCHIVES
                for n in SCALE_WORKERS
                if n >= measured
            ]
        )
    return rows


def markdown_table(header: list[str], body: list[list[str]]) -> list[str]:
    """Right-aligned columns of equal width, the first one left-aligned."""
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = f" {cells[0]:<{widths[0]}} |"
        return (
            "|"
            + first
            + "".join(f" {c:>{w}} |" for c, w in zip(cells[1:], widths[1:], strict=True))
        )

    rule = f"|{'-' * (widths[0] + 2)}|" + "".join(f"{'-' * (w + 1)}:|" for w in widths[1:])
    return [line(header), rule, *(line(row) for row in body)]


def measured_table(points: list[dict]) -> list[str]:
    header = ["MB", "workers", "tokens", "types", "wall s", "CPU s", *(f"{s} s" for s in STEPS)]
    header += ["flow proc. MB", "largest worker MB", "other MB", "all MB"]
    body = [
        [
            f"{p['mb']:.1f}",
            str(p["workers"]),
            f"{p['tokens']:,.0f}",
            f"{p['types']:,.0f}",
            f"{p['wall']:.1f}",
            f"{p['cpu']:.1f}",
            *(f"{p['steps'][step]:.1f}" for step in STEPS),
            *(_mb(p[f"peak_{kind}"]) for kind in PROCESS_KINDS),
            _mb(p["peak_total"]),
        ]
        for p in points
    ]
    return markdown_table(header, body)


def _mb(size: float) -> str:
    return f"{size / 1e6:,.0f}" if size else "-"


def model_lines(model: dict) -> list[str]:
    heaps = model["heaps"]
    rows = [
        f"- tokens N = {model['tokens_per_mb']:,.0f} x MB",
        f"- Heaps' law: types V = {heaps['k']:.3g} x N^{heaps['beta']:.3f} "
        f"(rel. RMS {100 * heaps['error']:.1f} %)",
    ]
    for workers, kinds in model["memory"].items():
        for kind, fits in kinds.items():
            by_types, by_mb = fits["types"], fits["mb"]
            better = "V" if better_memory_fit(fits) == "types" else "MB"
            rows.append(
                f"- peak memory, {kind} process, {workers} worker(s) = "
                f"{by_types['base'] / 1e6:,.0f} MB + {by_types['slope']:,.0f} bytes per type x V "
                f"(rel. RMS {100 * by_types['error']:.1f} %), or {by_mb['base'] / 1e6:,.0f} MB + "
                f"{by_mb['slope'] / 1e6:.2f} MB per MB x MB (rel. RMS {100 * by_mb['error']:.1f} "
                f"%); by {better} fits better"
            )
    for workers, steps in model["steps"].items():
        terms = ", ".join(f"{step} {a:.1f} + {b:.3f}/MB" for step, (a, b) in steps.items())
        a, b = model["cpu"][workers]
        rows.append(f"- wall s per step, {workers} worker(s) = fixed + s/MB x MB: {terms}")
        rows.append(f"- CPU s of the run, {workers} worker(s) = {a:.1f} + {b:.3f} x MB")
    return rows


def extrapolation_table(predictions: list[dict]) -> list[str]:
    header = ["archive", "workers", "tokens", "types V", "wall", "serial part"]
    header += ["per worker MB, by V", "by MB", "flow process MB, by V", "by MB"]
    body = [
        [
            f"{p['mb'] / 1000:g} GB",
            str(p["workers"]),
            f"{p['tokens'] / 1e6:,.0f} M",
            f"{p['types'] / 1e6:.2f} M",
            _duration(p["wall"]),
            _duration(p["serial"]),
            _mb(p["worker_memory"]["types"]),
            _mb(p["worker_memory"]["mb"]),
            _mb(p["flow_memory"]["types"]),
            _mb(p["flow_memory"]["mb"]),
        ]
        for p in predictions
    ]
    return markdown_table(header, body)


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# --- hostile text -------------------------------------------------------------------------------

HOSTILE_SIZES = (100_000, 200_000, 400_000)  # characters; each twice the one before
MAX_RATIO = 2.5  # time per doubling of the text: 2 is linear, 4 quadratic
MIN_MB_S = 0.5  # at the largest size
MAX_PEAK_MB = 500  # resident memory of one `tazala clean --no-corpus` on the largest size
TIMER_FLOOR = 0.05  # seconds: shorter times are timer noise, not growth
CHILD_SECONDS = 300  # a `tazala clean` child slower than this is stopped and flagged
CHILD_ADDRESS_SPACE = 4 << 30  # bytes: a child that wants more fails instead of the machine


def bench_hostile(
    rules: Rules, rules_folder: str, names: list[str], sizes: tuple[int, ...] = HOSTILE_SIZES
) -> tuple[list[str], bool]:
    """Each hostile pattern (flows/hostile.py) through the path of `tazala clean --no-corpus`:
    its peak memory in a process of its own (`tazala clean` on the largest size, its VmHWM),
    then its CPU time in this process at each size, after one warm-up run on the
    smallest (the per-word memos filled as in a long run). The rows, and whether every
    pattern met the targets."""
    from flows.hostile import HOSTILE

    unknown = sorted(set(names) - set(HOSTILE))
    if unknown:
        raise ValueError(f"no hostile pattern {', '.join(unknown)}; known: {', '.join(HOSTILE)}")
    header = (
        f"{'pattern':<28}"
        + "".join(f"{f'{size // 1000}k cpu s':>11}" for size in sizes)
        + f"{'x/doubling':>11}{'MB/s':>7}{'peak MB':>9}  verdict"
    )
    rows = [
        "tazala clean --no-corpus --encoding utf-8 on each pattern at "
        f"{', '.join(map(str, sizes))} characters; "
        f"targets: <= {MAX_RATIO}x per doubling, >= {MIN_MB_S} MB/s at {sizes[-1]:,}, "
        f"peak RSS <= {MAX_PEAK_MB} MB",
        "",
        header,
        "-" * len(header),
    ]
    warm_up(rules)
    passed = True
    for name in names or list(HOSTILE):
        row, ok = hostile_row(name, rules, rules_folder, sizes)
        passed = passed and ok
        rows.append(row)
        print(row, file=sys.stderr, flush=True)  # progress: the whole table takes minutes
    rows += ["", "all patterns within the targets" if passed else "FAILED: see the rows marked"]
    return rows, passed


def forget_remembered_text() -> None:
    """Empty the memos of lines, words and pieces of text that the stages keep: each size is
    timed from the same start (the warm-up of a pattern that repeats one piece would otherwise
    make the next size nearly free, and the growth per doubling meaningless)."""
    from flows.kazakh.charmodel import kazakh_model, other_cyrillic_model
    from flows.stages.encoding import forget_lines

    forget_lines()
    for model in (kazakh_model(), other_cyrillic_model()):
        model.forget_pieces()


def warm_up(rules: Rules) -> None:
    """Build what the stages build on first use (lexicon, candidate index, restorations of
    lost letters), so that no pattern's row carries the start-up."""
    from flows.hostile import hostile_text, lost_letters

    prose = hostile_text("one-paragraph", 20_000, seed=2)
    for text in (prose, lost_letters(prose), prose.upper()):
        clean_in_process(text, rules)


def hostile_row(
    name: str, rules: Rules, rules_folder: str, sizes: tuple[int, ...]
) -> tuple[str, bool]:
    from flows.hostile import hostile_text

    largest = hostile_text(name, sizes[-1])
    peak, failure = clean_peak_rss(largest, rules_folder)
    if failure:
        return f"{name:<28}{failure}  FAIL", False
    clean_in_process(hostile_text(name, sizes[0], seed=1), rules)  # warm-up
    seconds = []
    for size in sizes:
        text = hostile_text(name, size)
        forget_remembered_text()
        started = time.process_time()  # CPU time: the machine's other load does not count
        clean_in_process(text, rules)
        seconds.append(max(time.process_time() - started, TIMER_FLOOR))
    ratio = (seconds[-1] / seconds[0]) ** (1 / (len(sizes) - 1))
    rate = len(largest.encode("utf-8")) / 1e6 / seconds[-1]
    misses = [
        label
        for label, missed in (
            ("time", ratio > MAX_RATIO),
            ("speed", rate < MIN_MB_S),
            ("memory", peak > MAX_PEAK_MB),
        )
        if missed
    ]
    verdict = "FAIL " + ", ".join(misses) if misses else "ok"
    if reading := detected_reading(largest, rules):
        verdict += f"; unpinned: {reading}"
    times = "".join(f"{s:>11.2f}" for s in seconds)
    return f"{name:<28}{times}{ratio:>11.2f}{rate:>7.2f}{peak:>9.0f}  {verdict}", not misses


def clean_in_process(text: str, rules: Rules) -> str:
    """What `tazala clean --no-corpus --encoding utf-8` does with its stdin: decode the bytes,
    both passes. The encoding is pinned so that the stages see the pattern as generated (a
    run of one letter can read as a code page: `detected_reading` reports it apart)."""
    from flows.clean import clean_text
    from flows.ingest import decode_bytes

    decoded = decode_bytes(text.encode("utf-8"), rules.encodings, "utf-8")
    return clean_text(decoded.text, rules, CorpusStatistics()).text


def detected_reading(text: str, rules: Rules) -> str:
    """How `tazala clean` without --encoding reads the pattern's UTF-8 bytes, when not as
    UTF-8 ("" when it does)."""
    from flows.ingest import SkippedInput, decode_bytes

    try:
        decoded = decode_bytes(text.encode("utf-8"), rules.encodings)
    except SkippedInput as reason:
        return f"refused ({str(reason).split(':')[0]})"
    return "" if decoded.encoding == "utf-8" else f"read as {decoded.encoding}"


# Runs `tazala clean` and reports the high-water mark of its own memory (VmHWM): the rusage
# of a child counts the memory of the parent it was forked from.
CHILD = (
    "import sys\n"
    "from flows.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "status = open('/proc/self/status').read()\n"
    "print('VmHWM', status.split('VmHWM:')[1].split()[0], file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def clean_peak_rss(text: str, rules_folder: str) -> tuple[float, str]:
    """Peak resident MB of `tazala clean --no-corpus` on `text` in a process of its own (its
    VmHWM, which it prints as it exits); or a failure (timed out, out of memory, exit
    status)."""
    import tempfile

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE))

    command = [sys.executable, "-c", CHILD, "clean", "--no-corpus", "--encoding", "utf-8"]
    command += ["--rules", rules_folder]
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as stderr:
        stdin.write(text.encode("utf-8"))
        stdin.seek(0)
        process = subprocess.Popen(
            command, stdin=stdin, stdout=subprocess.DEVNULL, stderr=stderr, preexec_fn=limit
        )
        try:
            process.wait(CHILD_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return 0.0, f"timed out after {CHILD_SECONDS} s"
        stderr.seek(0)
        errors = stderr.read().decode("utf-8", "replace").splitlines()
    peaks = [line.split()[1] for line in errors if line.startswith("VmHWM ")]
    if process.returncode != 0 or not peaks:
        last = [line for line in errors if not line.startswith("VmHWM ")][-1:] or ["no message"]
        return 0.0, f"tazala clean exited {process.returncode}: {last[0][:60]}"
    return int(peaks[0]) / 1024, ""  # kB

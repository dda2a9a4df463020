"""`tazala bench scale` (issue 24, deliverable 3): the steps read from a run's log, the fits
(Heaps' law, memory, seconds per step) and the extrapolation, on made-up figures whose
constants are known; the report's tables. Nothing here runs the flow or times anything."""

from __future__ import annotations

import json

import pytest
from conftest import DATA

FIGURES = json.loads((DATA / "bench" / "scale_figures.json").read_text(encoding="utf-8"))
CONSTANTS = FIGURES["constants"]


@pytest.mark.parametrize("case", ["log", "log_one_worker"])
def test_each_step_lasts_from_the_line_that_ends_the_one_before_to_its_own(case):
    """The last shard's line ends a pass; a step whose line never came (decide with one
    worker) takes nothing, and the correct pass starts at the statistics then."""
    from flows.bench import STEPS, step_seconds

    log = FIGURES[case]
    seconds = step_seconds([(at, line) for at, line in log["lines"]], log["wall"])
    assert list(seconds) == list(STEPS)
    assert seconds == pytest.approx(log["steps"])
    assert sum(seconds.values()) == pytest.approx(log["wall"])


def test_the_fits_give_back_the_constants_the_figures_were_made_from():
    from flows.bench import better_memory_fit, fit_scale_model

    model = fit_scale_model(FIGURES["points"])
    assert model["tokens_per_mb"] == pytest.approx(CONSTANTS["tokens_per_mb"])
    assert model["heaps"]["k"] == pytest.approx(CONSTANTS["k"])
    assert model["heaps"]["beta"] == pytest.approx(CONSTANTS["beta"])
    assert model["heaps"]["error"] == pytest.approx(0.0, abs=1e-9)
    for workers, kinds in CONSTANTS["memory"].items():
        for kind, (base, per_type) in kinds.items():
            fits = model["memory"][int(workers)][kind]
            assert better_memory_fit(fits) == "types", (workers, kind)
            fit = fits["types"]
            assert (fit["base"], fit["slope"]) == pytest.approx((base, per_type), rel=1e-6)
            assert fit["error"] < 1e-9 < fits["mb"]["error"]
    for workers, steps in CONSTANTS["steps"].items():
        for step, (fixed, per_mb) in steps.items():
            fitted = model["steps"][int(workers)][step]
            assert fitted == pytest.approx((fixed, per_mb), abs=1e-9), (workers, step)
        assert model["cpu"][int(workers)] == pytest.approx(CONSTANTS["cpu"][workers])


def test_memory_that_follows_the_megabytes_is_fitted_by_megabytes():
    """A process whose memory grows with the corpus' bytes, not its word types (a buffer of
    text, say), is better met by base + bytes per MB x MB; the fit says so."""
    from flows.bench import better_memory_fit, fit_memory

    points = [{**p, "peak_flow": 100e6 + 1e6 * p["mb"]} for p in FIGURES["points"]]
    fits = fit_memory([p for p in points if p["workers"] == 1], "flow")
    assert better_memory_fit(fits) == "mb"
    assert (fits["mb"]["base"], fits["mb"]["slope"]) == pytest.approx((100e6, 1e6))
    assert fits["types"]["error"] > fits["mb"]["error"]


def test_power_and_line_fits_on_a_few_figures():
    from flows.bench import fit_line, fit_power, relative_rms

    assert fit_line([1, 2, 3], [3, 5, 7]) == pytest.approx((1, 2))
    assert fit_line([4, 4], [1, 3]) == (2, 0.0), "one size measured: its mean, no slope"
    assert fit_power([10, 100, 1000], [5, 50, 500]) == pytest.approx((0.5, 1.0))
    assert relative_rms([11, 9], [10, 10]) == pytest.approx(0.1)


def expected(workers: str, megabytes: float, share: float) -> dict[str, float]:
    """Each step as the model predicts it: the parallel steps' per-MB part shared."""
    steps = {}
    for step, (fixed, per_mb) in CONSTANTS["steps"][workers].items():
        parallel = step in ("repair", "decide", "correct")
        steps[step] = fixed + per_mb * megabytes * (share if parallel else 1.0)
    return steps


def test_one_gigabyte_on_one_and_eight_workers():
    from flows.bench import extrapolate, fit_scale_model

    model = fit_scale_model(FIGURES["points"])
    types = CONSTANTS["k"] * (CONSTANTS["tokens_per_mb"] * 1000) ** CONSTANTS["beta"]

    one = extrapolate(model, 1000.0, 1, measured=1)
    assert one["types"] == pytest.approx(types)
    assert one["steps"] == pytest.approx(expected("1", 1000.0, 1.0))
    flow_base, flow_per_type = CONSTANTS["memory"]["1"]["flow"]
    assert (
        one["worker_memory"]["types"]
        == one["flow_memory"]["types"]
        == pytest.approx(flow_base + flow_per_type * types)
    ), "one worker: the flow process is the worker"

    from_one = extrapolate(model, 1000.0, 8, measured=1)
    assert from_one["steps"] == pytest.approx(expected("1", 1000.0, 1 / 8))
    assert from_one["worker_memory"] == one["worker_memory"], "all a one-worker flow held"

    eight = extrapolate(model, 1000.0, 8, measured=2)
    assert eight["steps"] == pytest.approx(expected("2", 1000.0, 2 / 8))
    assert eight["wall"] == pytest.approx(506.0)  # 110 + 68.5 + 20 + 29 + 177 + 101 + 0.5
    assert eight["serial"] == pytest.approx(231.5)  # start-up, statistics, publish, finish
    base, per_type = CONSTANTS["memory"]["2"]["worker"]
    assert eight["worker_memory"]["types"] == pytest.approx(base + per_type * types)


def test_a_shard_pass_never_beats_handing_out_its_tasks():
    """10 GB on 64 workers: 2,500 shards of 4 MB, 85 ms each to hand out, so the repair pass
    takes 6 + 212.5 s, not 6 + 78 s; the correct pass, longer than that, keeps its share."""
    from flows.bench import extrapolate, fit_scale_model

    model = fit_scale_model(FIGURES["points"])
    steps = extrapolate(model, 10_000.0, 64, measured=2)["steps"]
    assert steps["repair"] == pytest.approx(6 + 2500 * 0.085)
    assert steps["correct"] == pytest.approx(2 + 0.7 * 10_000 * 2 / 64)
    assert steps["decide"] == pytest.approx(4 + 0.1 * 10_000 * 2 / 64), "W partitions: no floor"


def test_the_report_prints_its_inputs_constants_and_a_row_per_archive_and_workers():
    from flows.bench import ARCHIVES, SCALE_WORKERS, scale_report

    rows = scale_report(FIGURES["points"])
    text = "\n".join(rows)
    assert "Heaps' law: types V = 20 x N^0.600" in text
    assert "tokens N = 60,000 x MB" in text
    assert "peak memory, worker process, 2 worker(s) = 250 MB + 3,000 bytes per type x V" in text
    assert "by V fits better" in text
    tables = [[]]
    for row in rows:
        if row.startswith("|"):
            tables[-1].append(row)
        elif tables[-1]:
            tables.append([])
    measured, from_one, from_two = [t for t in tables if t]
    for table in (measured, from_one, from_two):
        assert len({len(row) for row in table}) == 1, "the columns line up"
    assert len(measured) == 2 + len(FIGURES["points"])
    assert len(from_one) == 2 + len(ARCHIVES) * len(SCALE_WORKERS)
    assert len(from_two) == 2 + len(ARCHIVES) * 2, "8 and 64 workers from the 2-worker runs"
    assert "extrapolated from the 2-worker runs" in text
    header = [cell.strip() for cell in from_one[0].split("|")[1:-1]]
    assert header[:2] == ["archive", "workers"] and "per worker MB, by V" in header
    first = [cell.strip() for cell in from_one[2].split("|")[1:-1]]
    assert first[:3] == ["1 GB", "1", "60 M"]


def test_the_cli_reports_earlier_figures_and_refuses_bad_sizes(tmp_path):
    from flows.cli import main

    points = tmp_path / "scale.json"
    points.write_text(json.dumps(FIGURES["points"]), encoding="utf-8")
    assert main(["bench", "scale", "--points", str(points)]) == 0
    with pytest.raises(SystemExit) as refused:
        main(["bench", "scale", "--sizes", "50,-1"])
    assert refused.value.code == 2

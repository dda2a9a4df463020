"""Test set-up: Prefect offline, quiet and in a temporary home, before anything imports it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="tazala-prefect-")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# datasets (the dataset-card test) reads local folders only, caching in a temporary home
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="tazala-hf-")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROJECT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).parent / "cases"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def prefect_api():
    """One real Prefect API (temporary SQLite database) for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def published_output(prefect_api, tmp_path_factory):
    """An output folder with one real release of the test corpus, published by the flow.
    Shared by the session: tests that damage a release damage a copy."""
    from flows.pipeline import run_pipeline

    root = tmp_path_factory.mktemp("published")
    shutil.copytree(DATA / "corpus", root / "corpus")
    run_pipeline(str(root / "corpus"), str(root / "output"), str(PROJECT / "rules"))
    return root / "output"


@pytest.fixture(scope="session")
def rules():
    from flows.rules import load_rules

    return load_rules(PROJECT / "rules")


@pytest.fixture()
def corpus(tmp_path):
    """A copy of the test corpus that a test may change (modules with a corpus of their own
    define their own `corpus`)."""
    folder = tmp_path / "corpus"
    shutil.copytree(DATA / "corpus", folder)
    return folder


def assert_calibrated(outcomes: list[tuple[float, bool]]) -> int:
    """Every probability bin (tenths) with 50 cases or more is within 0.10 of the share of
    its cases that are right (the issue's criterion); returns how many bins were judged."""
    judged = 0
    for low in (i / 10 for i in range(10)):
        inside = [(p, r) for p, r in outcomes if low <= p < low + 0.1 or p == low + 0.1 == 1.0]
        if len(inside) >= 50:
            mean = sum(p for p, _ in inside) / len(inside)
            share = sum(r for _, r in inside) / len(inside)
            assert abs(mean - share) <= 0.10, (low, len(inside), mean, share)
            judged += 1
    return judged

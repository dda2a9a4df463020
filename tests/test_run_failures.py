"""What `tazala run` says when a run fails (flows/failures.py): the cause and the next step, and
"run again" only where running again helps. Cases: tests/cases/run_failures.json."""

from __future__ import annotations

import json

import pytest
from conftest import CASES

from flows.failures import failure_message
from flows.pipeline import InputsNotAsPlanned

CASES_FILE = CASES / "run_failures.json"


def raised(name: str, *args):
    """The exception of a case: tazala's own, a builtin, or one of distributed's by name."""
    if name == "InputsNotAsPlanned":
        return InputsNotAsPlanned(*args)
    if name == "OSError":
        return OSError(*args)
    if name == "ValueError":
        return ValueError(*args)
    return type(name, (Exception,), {})(*args)


@pytest.mark.parametrize(
    "case", json.loads(CASES_FILE.read_text(encoding="utf-8")), ids=lambda c: c["raised"][0]
)
def test_a_failed_run_says_its_cause_and_the_next_step(case):
    message = failure_message(raised(*case["raised"]), "/data/output")
    assert "\n" not in message, case["why"]
    for part in case["says"]:
        assert part in message, case["why"]
    for part in case.get("refuses", []):
        assert part not in message, case["why"]

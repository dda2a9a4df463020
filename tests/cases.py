"""Golden cases live in JSON files under tests/cases: [{"input", "expected", "why"}, ...]."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "cases"


def load_cases(name: str) -> list:
    """The cases of one file as pytest params, each named by its reason."""
    rows = json.loads((CASES / name).read_text(encoding="utf-8"))
    return [pytest.param(row, id=row["why"][:60]) for row in rows]

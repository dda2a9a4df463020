"""report.md: what a person reads first says what needs their attention."""

from __future__ import annotations

import pytest

from flows.report import render_report


def manifest(**input_fields):
    item = {
        "path": "a.txt",
        "document": "a",
        "bytes": 10,
        "sha256": "0" * 64,
        "encoding": "kz1048",
        "encoding_method": "model",
        "encoding_score": -2.7,
        "encoding_runner_up": None,
        "encoding_runner_up_score": None,
        **input_fields,
    }
    return {
        "release": "v0001",
        "fingerprint": "f" * 64,
        "code_version": "0.1.0+x",
        "rules_fingerprint": "r" * 64,
        "inputs": [item],
        "skipped": [{"path": "b.pdf", "reason": "binary file"}],
        "totals": {
            "documents": 1,
            "paragraphs": 1,
            "sentences": 1,
            "words": 1,
            "characters": 1,
            "edits": 0,
            "suggestions": 0,
        },
        "stages": {"spelling": {}},
    }


def test_skipped_files_are_listed_with_their_reason():
    assert "- skipped `b.pdf`: binary file" in render_report(manifest(), [])


def test_a_close_encoding_call_asks_for_a_pin():
    close = manifest(encoding_runner_up="ptcp154", encoding_runner_up_score=-2.72)
    report = render_report(close, [])
    assert "`a.txt`: read as kz1048, but ptcp154 is nearly as plausible" in report
    assert "corpus/sources.toml" in report


def test_a_clear_encoding_call_is_no_warning():
    clear = manifest(encoding_runner_up="ptcp154", encoding_runner_up_score=-3.5)
    assert "nearly as plausible" not in render_report(clear, [])


def test_each_stage_row_says_what_the_stage_does():
    assert "| spelling | one spelling per word" in render_report(manifest(), [])


@pytest.mark.parametrize(
    "before, after, typed",
    [
        ("Жогаргы", "Жоғарғы", ("Жогаргы", "Жоғарғы")),  # a word's edit is a type of its own
        ("Басты бет Жаңалықтар Спорт Мәдениет Байланыс", "", ("…", "…")),  # a removed line
        ("сөз-\nдер", "сөздер", ("…", "…")),  # an edit over lines
    ],
)
def test_frequent_edits_count_edit_types(before, after, typed):
    from flows.publish import edit_type

    assert edit_type("s", "r", before, after) == ("s", "r", *typed)

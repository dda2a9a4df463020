"""Bytes to text, document ids, and finding the corpus files."""

from __future__ import annotations

import codecs

import pytest
from cases import load_cases

from flows.ingest import SkippedInput, decode_bytes, discover_inputs, document_id

KAZAKH = "Қазақстан Республикасы"
TURKISH_CAPITAL = "Түркия астанасы Анкара, ең үлкен қаласы İstanbul."


@pytest.mark.parametrize("case", load_cases("document_ids.json"))
def test_document_ids(case):
    assert document_id(case["input"]) == case["expected"]


@pytest.mark.parametrize(
    "data, encoding, method",
    [
        (KAZAKH.encode("utf-8"), "utf-8", "model"),
        (codecs.BOM_UTF8 + KAZAKH.encode("utf-8"), "utf-8-sig", "bom"),
        (KAZAKH.encode("utf-16"), "utf-16", "bom"),
        (KAZAKH.encode("utf-32"), "utf-32", "bom"),
        (b"plain ASCII", "utf-8", "ascii"),
        # a capital whose small form is two characters (Turkish İ) is scored, not a crash
        (TURKISH_CAPITAL.encode(), "utf-8", "model"),
    ],
)
def test_decode_bytes(data, encoding, method, rules):
    decoded = decode_bytes(data, rules.encodings)
    assert (decoded.encoding, decoded.method) == (encoding, method)
    assert decoded.text in (KAZAKH, "plain ASCII", TURKISH_CAPITAL)


@pytest.mark.parametrize(
    "data, reason",
    [(b"", "empty"), (b"  \n", "empty"), (b"%PDF-1.4\x00\x01", "binary")],
)
def test_undecodable_inputs_are_skipped_with_a_reason(data, reason, rules):
    with pytest.raises(SkippedInput, match=reason):
        decode_bytes(data, rules.encodings)


def test_discover_inputs_orders_names_and_skips_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.txt").write_text("бір")
    (tmp_path / "a.txt").write_text("екі")
    (tmp_path / "a.md").write_text("үш")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("no")
    inputs, skipped = discover_inputs(tmp_path)
    assert skipped == []
    assert [(i.path, i.document) for i in inputs] == [
        ("a.md", "a"),
        ("a.txt", "a_2"),
        ("b/x.txt", "b--x"),
    ]
    assert inputs[0].size == len("үш".encode()) and len(inputs[0].sha256) == 64


def test_missing_corpus_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="--corpus"):
        discover_inputs(tmp_path / "nope")

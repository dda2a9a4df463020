"""Whole files in each encoding a Kazakh archive holds are read in the right one."""

from __future__ import annotations

import codecs

import pytest
from conftest import DATA

from flows.ingest import (
    SkippedInput,
    SourcesError,
    decode_bytes,
    pinned_encoding,
    read_sources,
)

KAZAKH = (DATA / "texts" / "kk.txt").read_text(encoding="utf-8")
RUSSIAN = (DATA / "texts" / "ru.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text, encoding, method",
    [
        (KAZAKH, "utf-8", "model"),
        (KAZAKH, "kz1048", "model"),
        (KAZAKH, "ptcp154", "model"),
        (RUSSIAN, "cp1251", "model"),
        (RUSSIAN, "koi8_r", "model"),
        (RUSSIAN, "cp866", "model"),
        (RUSSIAN, "mac_cyrillic", "model"),
        (RUSSIAN, "iso8859_5", "model"),
        (KAZAKH, "utf-16-le", "model"),
        (KAZAKH, "utf-16-be", "model"),
    ],
)
def test_detects_the_encoding_of_a_whole_file(text, encoding, method, rules):
    data = text.replace("—", "-").encode(encoding)
    decoded = decode_bytes(data, rules.encodings)
    assert (decoded.encoding, decoded.method) == (encoding, method)
    assert decoded.text == text.replace("—", "-")
    assert decoded.score is not None and decoded.runner_up != encoding


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_byte_order_marks_decide(encoding, rules):
    data = KAZAKH.encode(encoding)  # these codecs write their byte-order mark
    assert data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16, codecs.BOM_UTF32))
    decoded = decode_bytes(data, rules.encodings)
    assert (decoded.text, decoded.method) == (KAZAKH, "bom")


def test_kz1048_and_ptcp154_are_told_apart_by_their_letters(rules):
    """The two differ only in the Kazakh letters; the wrong one swaps Ғ and Ә or worse."""
    for encoding, other in (("kz1048", "ptcp154"), ("ptcp154", "kz1048")):
        decoded = decode_bytes(KAZAKH.encode(encoding), rules.encodings)
        assert decoded.encoding == encoding and decoded.runner_up in (other, "cp1251")
        assert decoded.score > decoded.runner_up_score


def test_same_reading_is_no_rival(rules):
    """Russian read as cp1251 or KZ-1048 is the same text: no runner-up to worry about."""
    decoded = decode_bytes(RUSSIAN.encode("cp1251"), rules.encodings)
    assert decoded.runner_up not in ("kz1048",)


def test_pinned_encoding_wins_and_is_checked(rules):
    data = KAZAKH.encode("ptcp154")
    assert decode_bytes(data, rules.encodings, pinned="ptcp154").method == "pinned"
    assert decode_bytes(data, rules.encodings, pinned="kz1048").text != KAZAKH
    with pytest.raises(SkippedInput, match="pinned"):
        decode_bytes(KAZAKH.encode("utf-16-le"), rules.encodings, pinned="utf-8")


def test_binary_data_is_skipped(rules):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    with pytest.raises(SkippedInput, match="binary"):
        decode_bytes(png, rules.encodings)


def test_sources_toml_pins_by_glob(tmp_path):
    (tmp_path / "sources.toml").write_text(
        '[encodings]\n"old/*.txt" = "kz1048"\n"old/1995/*" = "ptcp154"\n', encoding="utf-8"
    )
    pins = read_sources(tmp_path)
    assert pinned_encoding("old/a.txt", pins) == "kz1048"
    assert pinned_encoding("old/1995/b.txt", pins) == "ptcp154"  # the last match wins
    assert pinned_encoding("new/c.txt", pins) is None


def test_sources_toml_errors_name_the_line(tmp_path):
    (tmp_path / "sources.toml").write_text(
        '[encodings]\n"a.txt" = "utf-8"\n"b.txt" = "kz-1048-ish"\n', encoding="utf-8"
    )
    with pytest.raises(SourcesError, match=r"sources.toml:3: unknown encoding 'kz-1048-ish'"):
        read_sources(tmp_path)

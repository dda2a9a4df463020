"""Whole files in each encoding a Kazakh archive holds are read in the right one."""

from __future__ import annotations

import codecs

import pytest
from conftest import CASES, DATA

from flows.clean import clean_text
from flows.ingest import (
    SkippedInput,
    SourcesError,
    decode_bytes,
    pinned_encoding,
    read_sources,
)
from flows.statistics import CorpusStatistics

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


def short_inputs() -> list:
    """tests/cases/short_inputs.tsv: input <TAB> why, after `#` comments and the header."""
    lines = (CASES / "short_inputs.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")][1:]
    return [pytest.param(text, id=f"{text} ({why})") for text, why in rows]


@pytest.mark.parametrize("text", short_inputs())
def test_short_utf8_comes_out_unchanged(text, rules):
    """`echo ғ | tazala clean --no-corpus` printed `Т“`: a letter alone or a short word is
    too short for the character model to prove a code page against valid UTF-8."""
    for data in (text.encode("utf-8"), f"{text}\n".encode()):
        decoded = decode_bytes(data, rules.encodings)
        assert decoded.encoding == "utf-8"
        assert clean_text(decoded.text, rules, CorpusStatistics()).text == text


def test_a_short_utf8_line_in_a_code_page_file_stays_utf8(rules):
    """A file pasted together from cp1251 lines and a UTF-8 line `ғ`: the line is valid
    UTF-8 and too short to prove it is cp1251 (`Т“`)."""
    data = RUSSIAN.encode("cp1251") + b"\n" + "ғ".encode()
    decoded = decode_bytes(data, rules.encodings)
    assert decoded.method == "mixed"
    assert decoded.text.endswith("\nғ")


def utf8_variants() -> list[bytes]:
    """Valid UTF-8 of every kind detection meets: the test texts whole and cut short, with an
    ASCII start longer than the sample, and mojibake saved as UTF-8 (then a code page may win)."""
    texts = [KAZAKH, RUSSIAN, (DATA / "corpus" / "tarikh.txt").read_text(encoding="utf-8")]
    variants = []
    for text in texts:
        variants += [text[:n].encode("utf-8") for n in (3, 12, 40, 300, 5000, 100_000)]
        variants.append(("A" * 70_000 + text[:2000]).encode("utf-8"))
        for reading in ("cp1251", "koi8_r", "cp866", "mac_cyrillic", "iso8859_5"):
            garbled = text[:3000].encode("utf-8").decode(reading, errors="replace")
            variants.append(garbled.encode("utf-8"))
    return variants


def test_valid_utf8_is_decided_as_scoring_every_reading_whole_decides_it(rules, monkeypatch):
    """read_as_valid_utf8 leaves readings that cannot be the runner-up: the answer (encoding,
    scores, runner-up) is the one the full ranking gives."""
    import flows.ingest as ingest

    variants = utf8_variants()
    decided = [ingest.read_as_valid_utf8(data, rules.encodings) for data in variants]
    assert sum(d is not None for d in decided) >= len(variants) // 2  # the quick way is taken
    quick = [decode_bytes(data, rules.encodings) for data in variants]
    monkeypatch.setattr(ingest, "read_as_valid_utf8", lambda data, candidates: None)
    assert [decode_bytes(data, rules.encodings) for data in variants] == quick

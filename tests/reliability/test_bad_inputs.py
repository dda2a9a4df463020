"""A corpus folder as people fill it: binaries, empty files, NUL bytes, mixed encodings, a
huge single line, deep folders, names that are not UTF-8, links out of the folder, unreadable
files. The run goes on, accounts for every file, and the good files come out as they would
without the bad ones."""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import DATA, PROJECT

from flows import open_release
from flows.ingest import SkippedInput, decode_bytes, discover_inputs

from .inputs import (
    BAD_INPUTS,
    GOOD_TEXT,
    write_mixed_encodings,
    write_nul_bytes,
    write_single_line,
)

SKIPPED = {  # case -> words the reason must hold
    "pdf": "PDF document",
    "png": "PNG image",
    "zip": "ZIP archive",
    "executable": "program",
    "empty": "empty file",
    "invalid": "binary file",
    "symlink_outside": "outside the corpus folder",
    "broken_symlink": "broken symbolic link",
    "pipe": "not a regular file (named pipe)",
    "single_line": "cannot be cut into parts",
}
READ = {"deep", "non_utf8_name", "nul_bytes", "mixed"}  # odd, but text: read
ROOT = os.geteuid() == 0  # root reads a file whatever its permissions


def build_corpus(folder: Path, with_bad: bool) -> dict[str, str]:
    """The test corpus, the odd files that are text, and (with_bad) the bad ones: case ->
    relative path."""
    folder.mkdir(parents=True)
    shutil.copytree(DATA / "corpus", folder, dirs_exist_ok=True)
    cases = {
        "deep": BAD_INPUTS["deep"](folder),
        "non_utf8_name": BAD_INPUTS["non_utf8_name"](folder),
        "nul_bytes": write_nul_bytes(folder),
        "mixed": write_mixed_encodings(folder),
    }
    if with_bad:
        for case, build in BAD_INPUTS.items():
            if case not in cases and case != "unreadable":
                cases[case] = build(folder)
        cases["single_line"] = write_single_line(folder, megabytes=3)
        if not ROOT:  # root reads it anyway; see test_an_unreadable_file_is_skipped
            cases["unreadable"] = BAD_INPUTS["unreadable"](folder)
    return cases


@pytest.fixture(scope="module")
def small_parts(tmp_path_factory):
    """The project's rules with 0.25 MB parts: a 3 MB line is then too long to read whole."""
    folder = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(PROJECT / "rules", folder)
    settings = folder / "pipeline.toml"
    text = settings.read_text(encoding="utf-8").replace("part_mb = 4", "part_mb = 0.25")
    assert "part_mb = 0.25" in text
    settings.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def runs(prefect_api, small_parts, tmp_path_factory):
    from flows.pipeline import run_pipeline

    results = {}
    for with_bad in (False, True):
        root = tmp_path_factory.mktemp("bad" if with_bad else "good")
        cases = build_corpus(root / "corpus", with_bad)
        output = root / "output"
        result = run_pipeline(str(root / "corpus"), str(output), str(small_parts))
        results[with_bad] = (root / "corpus", cases, open_release(output, result["release"]))
    return results


def corpus_entries(corpus: Path) -> set[str]:
    """Every file, link, pipe below the corpus, as the release names paths."""
    found = set()
    for folder, _, files in os.walk(os.fsencode(corpus)):
        for name in files:
            relative = os.path.relpath(os.path.join(folder, name), os.fsencode(corpus))
            found.add(relative.decode("utf-8", "backslashreplace"))
    return found


def test_every_file_is_accounted_for(runs):
    corpus, _, release = runs[True]
    read = {i["path"] for i in release.manifest["inputs"]}
    skipped = {s["path"] for s in release.manifest["skipped"]}
    assert read | skipped == corpus_entries(corpus)
    assert not read & skipped
    report = (release.path / "report.md").read_text(encoding="utf-8")
    for entry in release.manifest["skipped"]:
        assert f"skipped `{entry['path']}`: {entry['reason']}" in report


@pytest.mark.parametrize("case", sorted(SKIPPED))
def test_each_bad_file_is_skipped_with_its_reason(runs, case):
    _, cases, release = runs[True]
    reasons = {s["path"]: s["reason"] for s in release.manifest["skipped"]}
    assert SKIPPED[case] in reasons[cases[case]]


def test_an_unreadable_file_is_skipped(tmp_path):
    """chmod 000; as root (who reads it anyway) the discovery runs in a child process that
    has become the user nobody."""
    corpus = Path(tempfile.mkdtemp(prefix="tazala-unreadable-"))
    try:
        corpus.chmod(0o755)
        (corpus / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
        BAD_INPUTS["unreadable"](corpus)
        inputs, skipped = discover_as_nobody(corpus) if ROOT else discover(corpus)
    finally:
        shutil.rmtree(corpus)
    assert inputs == ["good.txt"]
    assert skipped == [{"path": "locked.txt", "reason": "cannot be read: permission denied"}]


def discover(corpus: Path) -> tuple[list[str], list[dict[str, str]]]:
    inputs, skipped = discover_inputs(corpus)
    return [i.path for i in inputs], skipped


def discover_as_nobody(corpus: Path) -> tuple[list[str], list[dict[str, str]]]:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: drop root, discover, report, exit without pytest's cleanup
        try:
            os.close(read)
            os.setgid(65534)
            os.setuid(65534)
            os.write(write, json.dumps(discover(corpus)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        data = answer.read()
    os.waitpid(child, 0)
    return tuple(json.loads(data))


@pytest.mark.parametrize("case", sorted(READ))
def test_odd_files_that_are_text_are_read(runs, case):
    _, cases, release = runs[True]
    inputs = {i["path"]: i for i in release.manifest["inputs"]}
    assert cases[case] in inputs
    document = next(d for d in release.documents() if d.source == cases[case])
    # Kazakh letters intact: no file's text is lost or garbled on the way in
    assert "Қазақстан Республикасы" in document.text or "мемлекеттік тілі қазақ" in document.text
    assert len((document.id + ".part000.txt").encode()) < 255


def test_the_good_files_come_out_as_without_the_bad_ones(runs):
    good, bad = runs[False][2], runs[True][2]

    def rows(release, name):
        lines = (release.path / name).read_text(encoding="utf-8").splitlines()
        return sorted(lines)

    for name in ("documents.jsonl", "changes.jsonl", "review.jsonl", "lexicon.tsv"):
        assert rows(good, name) == rows(bad, name), name
    for text in (good.path / "text").iterdir():
        assert (bad.path / "text" / text.name).read_bytes() == text.read_bytes()


def test_the_manifest_says_how_odd_files_were_read(runs):
    _, cases, release = runs[True]
    inputs = {i["path"]: i for i in release.manifest["inputs"]}
    assert inputs[cases["mixed"]]["encoding_method"] == "mixed"
    assert "two encodings" in inputs[cases["mixed"]]["note"]
    assert "NUL bytes" in inputs[cases["nul_bytes"]]["note"]
    assert cases["non_utf8_name"] == "\\xec\\xe0\\x9d\\xe0\\xeb\\xe0.txt"
    json.dumps(release.manifest, ensure_ascii=False).encode("utf-8")  # valid UTF-8 throughout


def test_a_one_gigabyte_single_line_file_is_skipped_without_reading_it_whole(tmp_path, rules):
    """A 1 GB file with no line break (a sparse file: 8 MB written, the rest a hole)."""
    from flows.plan import plan_run

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    with (corpus / "dump.txt").open("wb") as data:
        data.write(b"x" * (8 << 20))
        data.truncate(1 << 30)
    plan = plan_run(str(corpus), str(tmp_path / "out"), str(PROJECT / "rules"), 4.0)
    assert [i.path for i in plan.inputs] == ["good.txt"]
    [skipped] = plan.skipped
    assert skipped["path"] == "dump.txt" and "1,024 MB that cannot be cut" in skipped["reason"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 32, "Word 97-2003"),
        (b"{\\rtf1\\ansi\\ansicpg1251 \\'c0\\'e1\\'e0\\'e9}", "RTF"),
        (b"\x1f\x8b\x08\x00" + b"\0" * 16, "gzip"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "Windows program"),
    ],
)
def test_binary_formats_are_named(data, words, rules):
    with pytest.raises(SkippedInput, match=words):
        decode_bytes(data, rules.encodings)


@pytest.mark.parametrize(
    "text",
    ["MZ — Мұхтар Зияев туралы.", "BZh: бұл файл атауы.", "GIF туралы мақала."],
)
def test_text_that_begins_like_a_format_is_still_text(text, rules):
    assert decode_bytes(text.encode("utf-8"), rules.encodings).text == text


def test_discovery_does_not_follow_a_folder_link(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "real").mkdir(parents=True)
    (corpus / "real" / "a.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (corpus / "loop").symlink_to(corpus)
    inputs, skipped = discover_inputs(corpus)
    assert [i.path for i in inputs] == ["real/a.txt"]
    assert skipped == [
        {
            "path": "loop",
            "reason": "symbolic link to a folder: not followed (its files are read where they are)",
        }
    ]


def test_a_link_to_a_file_inside_the_corpus_is_read(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (corpus / "b.txt").symlink_to(corpus / "a.txt")
    inputs, skipped = discover_inputs(corpus)
    assert [i.path for i in inputs] == ["a.txt", "b.txt"] and skipped == []


def test_folders_beyond_the_path_limit_are_reported_not_fatal(tmp_path):
    """300 nested folders: a path longer than the system allows (4,096 bytes on Linux)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "top.txt").write_text(GOOD_TEXT, encoding="utf-8")
    folder = os.open(corpus, os.O_RDONLY)
    for n in range(300):  # made one level at a time: no single call sees the whole path
        name = f"folder-number-{n:03d}"
        os.mkdir(name, dir_fd=folder)
        inner = os.open(name, os.O_RDONLY, dir_fd=folder)
        os.close(folder)
        folder = inner
    os.close(os.open("deep.txt", os.O_WRONLY | os.O_CREAT, dir_fd=folder))
    os.close(folder)
    inputs, skipped = discover_inputs(corpus)
    assert [i.path for i in inputs] == ["top.txt"]
    [entry] = skipped
    assert entry["reason"] == "folder cannot be listed: File name too long"
    assert entry["path"].startswith("folder-number-000/")


def test_random_bytes_without_nuls_are_not_text(rules):
    """Encrypted or compressed data with no signature: every code page decodes it, none reads
    it as text."""
    noise = bytes(b for b in random.Random(5).randbytes(8000) if b)
    with pytest.raises(SkippedInput, match="not text: its most plausible reading"):
        decode_bytes(noise, rules.encodings)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Россия - государство в Восточной Европе. Столица - Москва. " * 20, "koi8_r"),
        ("Қазақстан — Орталық Азиядағы мемлекет. Астанасы Астана. " * 20, "kz1048"),
        ("| 1986 | 2,5 % | 14 000 | № 7 |\n" * 40, "cp1251"),
    ],
)
def test_text_in_a_code_page_is_not_mistaken_for_noise(text, encoding, rules):
    assert decode_bytes(text.encode(encoding), rules.encodings).text == text

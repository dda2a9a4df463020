"""Fingerprints, atomic publishing and the reader API, on folders made by the test."""

from __future__ import annotations

import json

import pytest

from flows.release import (
    MANIFEST,
    MANIFEST_TOTALS,
    latest_version,
    open_release,
    publish_folder,
    release_fingerprint,
    release_versions,
)

BASE = ([["a.txt", "00"]], "rules", "code", {"ocr": {"confidence_threshold": 0.9}})


@pytest.mark.parametrize(
    "changed",
    [
        ([["a.txt", "01"]], "rules", "code", BASE[3]),
        ([["b.txt", "00"]], "rules", "code", BASE[3]),
        (BASE[0], "rules2", "code", BASE[3]),
        (BASE[0], "rules", "code2", BASE[3]),
        (BASE[0], "rules", "code", {"ocr": {"confidence_threshold": 0.8}}),
    ],
    ids=["input bytes", "input path", "rules", "code", "parameters"],
)
def test_fingerprint_changes_with_each_part(changed):
    assert release_fingerprint(*changed) != release_fingerprint(*BASE)
    assert release_fingerprint(*BASE) == release_fingerprint(*BASE)


# What every manifest holds (a manifest without it is damaged: see read_manifest)
WHOLE_MANIFEST = {
    "release": None,
    "fingerprint": "f",
    "code_version": "c",
    "rules_fingerprint": "r",
    "parameters": {},
    "inputs": [],
    "skipped": [],
    "totals": dict.fromkeys(MANIFEST_TOTALS, 0),
    "stages": {},
}


def fake_release(folder, documents=()):
    folder.mkdir(parents=True)
    (folder / MANIFEST).write_text(json.dumps(WHOLE_MANIFEST))
    with (folder / "documents.jsonl").open("w", encoding="utf-8") as out:
        for doc_id, paragraphs in documents:
            row = {
                "id": doc_id,
                "source": f"{doc_id}.txt",
                "encoding": "utf-8",
                "text": "\n\n".join("\n".join(p) for p in paragraphs),
                "paragraphs": paragraphs,
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return folder


def finalize(folder, version):
    manifest = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps({**manifest, "release": version}))


def test_publish_takes_the_next_number_and_moves_latest(tmp_path):
    output = tmp_path / "output"
    first = publish_folder(fake_release(output / ".tmp-a"), output, finalize)
    second = publish_folder(fake_release(output / ".tmp-b"), output, finalize)
    assert (first, second) == ("v0001", "v0002")
    assert release_versions(output) == ["v0001", "v0002"]
    assert latest_version(output) == "v0002"
    assert json.loads((output / "v0002" / MANIFEST).read_text())["release"] == "v0002"
    assert not list(output.glob(".tmp-*")), "nothing temporary is left"


def test_publish_skips_a_number_another_run_took(tmp_path):
    output = tmp_path / "output"

    def finalize_while_another_run_publishes(folder, version):
        finalize(folder, version)
        if not (output / "v0001").exists():
            fake_release(output / "v0001")  # the other run wins the race for v0001

    version = publish_folder(
        fake_release(output / ".tmp-a"), output, finalize_while_another_run_publishes
    )
    assert version == "v0002"
    assert json.loads((output / "v0001" / MANIFEST).read_text())["release"] is None


def test_reader_iterates_documents_and_sentences(tmp_path):
    output = tmp_path / "output"
    paragraphs = [["Бірінші сөйлем.", "Екінші сөйлем."], ["Жаңа абзац."]]
    publish_folder(fake_release(output / ".tmp", [("doc", paragraphs)]), output, finalize)
    release = open_release(output)
    assert release.version == "v0001"
    (document,) = release.documents()
    assert document.id == "doc" and list(document.sentences()) == [
        "Бірінші сөйлем.",
        "Екінші сөйлем.",
        "Жаңа абзац.",
    ]
    assert [s.text for s in release.sentences()] == list(document.sentences())
    assert [s.id for s in release.sentences()] == ["doc:p1:s1", "doc:p1:s2", "doc:p2:s1"]
    assert [(p.id, p.number, p.sentences) for p in release.paragraphs()] == [
        ("doc:p1", 1, tuple(paragraphs[0])),
        ("doc:p2", 2, tuple(paragraphs[1])),
    ]
    assert release.document("doc").text == document.text
    with pytest.raises(KeyError, match="no document 'nope' in release v0001"):
        release.document("nope")
    assert open_release(output, "1").version == open_release(output, "v0001").version


def test_reader_errors_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="tazala run"):
        open_release(tmp_path)
    fake_release(tmp_path / "v0001")
    with pytest.raises(FileNotFoundError, match="published: v0001"):
        open_release(tmp_path, "v0007")


def test_temporary_folders_are_not_releases(tmp_path):
    fake_release(tmp_path / ".tmp-abc-1")
    fake_release(tmp_path / "v0003")
    (tmp_path / "vNOTES").mkdir()
    assert release_versions(tmp_path) == ["v0003"]
    assert latest_version(tmp_path) == "v0003"

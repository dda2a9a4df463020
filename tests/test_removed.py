"""`tazala show --removed`: what a release removed as page chrome, by reason."""

from __future__ import annotations

import json

from flows.cli import main
from flows.release import MANIFEST_FIELDS, MANIFEST_TOTALS, Release
from flows.removed import render_removed

EDITS = [
    ("doc_a", "layout", "boilerplate:menu", "Басты бет | Жаңалықтар | Байланыс", ""),
    ("doc_a", "layout", "boilerplate:edge-block", "Ұқсас мақалалар", ""),
    ("doc_b", "layout", "boilerplate:edge-block", "820 рет қаралды", ""),
    ("doc_b", "ocr", "confusion:и>і", "бipiншi", "бірінші"),  # a letter edit: not chrome
    ("doc_b", "characters", "boilerplate:odd", "x", "y"),  # not a removal, not a chrome stage
]


def fake_release(folder, edits=EDITS) -> Release:
    folder.mkdir(parents=True)
    with (folder / "changes.jsonl").open("w", encoding="utf-8") as out:
        for document, stage, rule, before, after in edits:
            row = {"document": document, "stage": stage, "rule": rule}
            out.write(json.dumps({**row, "before": before, "after": after}) + "\n")
    return Release(folder, folder.name, {})


def test_removed_lines_are_listed_by_reason_most_first(tmp_path):
    shown = render_removed(fake_release(tmp_path / "v0003"), limit=20)
    assert shown.splitlines() == [
        "v0003: 3 line(s) removed as page chrome, by reason",
        "",
        "edge-block: 2",
        "  doc_a  Ұқсас мақалалар",
        "  doc_b  820 рет қаралды",
        "",
        "menu: 1",
        "  doc_a  Басты бет | Жаңалықтар | Байланыс",
    ]


def test_a_long_reason_shows_its_first_lines_and_how_many_more(tmp_path):
    shown = render_removed(fake_release(tmp_path / "v0001"), limit=1)
    assert "  doc_b  820 рет қаралды" not in shown
    assert "  … and 1 more (--lines 2 shows all)" in shown


def test_a_release_that_removed_nothing_says_so(tmp_path):
    shown = render_removed(fake_release(tmp_path / "v0001", EDITS[3:]), limit=20)
    assert shown == "v0001: no line was removed as page chrome\n"


def test_show_removed_on_the_command_line(tmp_path, capsys):
    """The command reads the latest release of --output; --lines must be a count."""
    release = fake_release(tmp_path / "v0001")
    manifest = {name: kind() for name, kind in MANIFEST_FIELDS.items()}
    manifest["totals"] = dict.fromkeys(MANIFEST_TOTALS, 0)
    (release.path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (tmp_path / "LATEST").write_text("v0001\n", encoding="utf-8")
    assert main(["show", "--removed", "--output", str(tmp_path)]) == 0
    assert "menu: 1\n  doc_a  Басты бет | Жаңалықтар | Байланыс" in capsys.readouterr().out

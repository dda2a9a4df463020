"""report.html: static, offline, escaped, edits highlighted; and as Chromium renders it."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from flows.charts import APPLIED, BAR
from flows.report_html import place, render_report_html

MANIFEST = {
    "release": "v0007",
    "fingerprint": "f" * 64,
    "code_version": "0.1.0+abc",
    "rules_fingerprint": "r" * 64,
    "inputs": [{"path": "a.txt"}],
    "skipped": [{"path": "scan.pdf", "reason": "binary file (a PDF document)"}],
    "totals": {
        "documents": 1,
        "paragraphs": 1,
        "sentences": 2,
        "words": 9,
        "characters": 60,
        "edits": 2,
        "suggestions": 0,
    },
    "stages": {"ocr": {"ocr:lost": 1}, "layout": {"boilerplate:read-more": 1}},
}
TEXT = "Қазақстан <script>alert(1)</script> мемлекет.\nЖоғарғы Кеңес шешті."
EDITS = [
    {
        "document": "a",
        "stage": "layout",
        "rule": "boilerplate:read-more",
        "before": "Толығырақ",
        "after": "",
        "position": 70,
    },
    {
        "document": "a",
        "stage": "ocr",
        "rule": "ocr:lost",
        "before": "Жогаргы",
        "after": "Жоғарғы",
        "position": 44,
    },
]
TOP = [{"stage": "ocr", "rule": "ocr:lost", "before": "Жогаргы", "after": "Жоғарғы", "count": 1}]


def fake_release(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    row = {"id": "a", "source": "a.txt", "encoding": "utf-8", "text": TEXT}
    (folder / "documents.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n")
    (folder / "changes.jsonl").write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in EDITS)
    )
    return folder


def test_the_page_is_static_escaped_and_marks_edits(tmp_path):
    page = render_report_html(fake_release(tmp_path), MANIFEST, TOP)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "default-src 'none'" in page  # nothing fetched, nothing run
    assert "http://" not in page and "https://" not in page and " src=" not in page
    assert '<del title="ocr ocr:lost">Жогаргы</del><ins title="ocr ocr:lost">Жоғарғы</ins>' in page
    assert "<del>Толығырақ</del> → <ins></ins>" in page  # a removed line: listed apart
    assert "scan.pdf" in page and "binary file (a PDF document)" in page
    assert page.count("<tr>") >= 4  # totals, stage rows, top edits
    # a table of contents over every section, and three charts drawn inline
    for key in ("summary", "charts", "since", "warnings", "stages", "edits", "documents"):
        assert f'<a href="#{key}">' in page and f'id="{key}"' in page
    assert page.count("<svg ") == 3 and page.count("<figure>") == 3
    assert "None: this is the output folder's first release." in page


def test_the_charts_count_what_the_release_holds(tmp_path):
    """Each chart as SVG that parses, with one bar per rule, tenth or band holding edits."""
    from xml.etree import ElementTree

    from flows.charts import confidence_bars, density_bars, rule_bars, tenths

    folder = fake_release(tmp_path)
    assert tenths([0.0, 0.05, 0.5, 0.99, 1.0, 1.0]) == [2, 0, 0, 0, 0, 1, 0, 0, 0, 3]
    for svg, bars in (
        (rule_bars(MANIFEST), 2),  # two rules with changes
        (confidence_bars(folder), 1),  # both edits at confidence 1.0 (no review.jsonl)
        (density_bars(folder, Counter({"a": 2})), 1),  # one document
    ):
        tree = ElementTree.fromstring(svg)
        drawn = [
            r
            for r in tree.iter("rect")
            if float(r.get("height", 0)) > 0 and r.find("title") is not None
        ]
        assert len([r for r in drawn if float(r.get("width", 1)) > 0]) >= bars
        assert tree.find("title").text


def test_an_edit_is_found_nearest_its_recorded_position():
    text = "сөз Жоғарғы сөз сөз Жоғарғы сөз"
    edit = {"after": "Жоғарғы", "position": 22}
    assert place(edit, text).start == text.rindex("Жоғарғы")
    assert place({"after": ".", "position": 3}, text) is None  # nothing to find it by


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if found := shutil.which(name):
            return found
    return None


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and unfiltered rows of an 8-bit RGB/RGBA PNG (standard library only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, {}
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunks.setdefault(kind, []).append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][0][:10])
    assert depth == 8 and color in (2, 6)
    step = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(chunks[b"IDAT"]))
    stride, rows, previous = width * step, [], bytearray(width * step)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (
                    line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)
                ) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows


@pytest.fixture(scope="module")
def sample_release(prefect_api, tmp_path_factory):
    from conftest import DATA, PROJECT

    from flows.pipeline import run_pipeline

    corpus = tmp_path_factory.mktemp("corpus")
    shutil.copytree(DATA / "corpus", corpus, dirs_exist_ok=True)
    output = tmp_path_factory.mktemp("output")
    result = run_pipeline(str(corpus), str(output), str(PROJECT / "rules"))
    return output / result["release"]


# CI installs Chromium (.ci/run): there the test runs, never skipped
@pytest.mark.skipif(
    chromium() is None and not os.environ.get("CI"), reason="no Chromium: apt-get install chromium"
)
def test_chromium_renders_the_report_of_a_real_run(sample_release, tmp_path):
    if chromium() is None:
        pytest.fail("CI runs the browser test: .ci/run installs Debian's chromium package")
    page = (sample_release / "report.html").as_uri()
    browser = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run(
        [*browser, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert "<h1>tazala release v0001</h1>" in dom
    for section in ("warnings", "stages", "edits", "documents"):
        assert f'id="{section}"' in dom
    assert dom.count("<details") >= 1 and "<ins" in dom
    assert dom.count("<svg ") == 3 and dom.count("<rect") > 10  # the charts, drawn
    assert dom.count('<a href="#') == 7  # the table of contents
    shot = tmp_path / "report.png"
    subprocess.run(
        [*browser, "--window-size=800,1000", f"--screenshot={shot}", page],
        capture_output=True,
        timeout=120,
        check=True,
    )
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (800, 1000)
    step = len(rows[0]) // width
    pixels = [row[i : i + 3] for row in rows for i in range(0, len(row), step)]
    inked = sum(1 for p in pixels if min(p) < 160)  # text and table lines
    assert inked / len(pixels) > 0.01, "the page renders as blank"
    assert len(set(pixels)) > 20, "a page of one or two colours is no rendered report"
    # the charts' bars, in their colours, within the first 1,000 px at 800 px wide
    for colour in (BAR, APPLIED):
        rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
        near = sum(1 for p in pixels if all(abs(a - b) <= 12 for a, b in zip(p, rgb, strict=True)))
        assert near > 100, f"no bars of {colour} on screen"

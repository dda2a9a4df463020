"""The report's charts, drawn as inline SVG: no script, no library, nothing fetched.

Three charts of a release (report.html):
- edits by stage and rule (the most frequent rules, horizontal bars);
- the confidence of applied edits and of suggestions, in tenths (grouped bars);
- documents by edit density: logged edits per 1,000 words, in bands (bars).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flows.reader import jsonl_rows

BAR = "#4a7ab5"
APPLIED, SUGGESTED = "#3b7d3b", "#d9822b"
RULES_SHOWN = 12
# edits per 1,000 words: the lower bound of each band
DENSITY_BANDS = (0, 1, 2, 5, 10, 20, 50, 100)


def render_charts(folder: Path, manifest: dict[str, Any], per_document: Counter[str]) -> str:
    charts = [
        _figure("Edits by stage and rule", rule_bars(manifest)),
        _figure("Confidence of applied edits and suggestions", confidence_bars(folder)),
        _figure("Documents by edits per 1,000 words", density_bars(folder, per_document)),
    ]
    return '<div class="charts">' + "".join(charts) + "</div>"


def _figure(title: str, svg: str) -> str:
    return f"<figure><figcaption>{html.escape(title)}</figcaption>{svg}</figure>"


def rule_bars(manifest: dict[str, Any]) -> str:
    counts = [
        (f"{stage} {rule}", n)
        for stage, rules in manifest["stages"].items()
        for rule, n in rules.items()
        if n
    ]
    counts.sort(key=lambda item: (-item[1], item[0]))
    if len(counts) > RULES_SHOWN:
        rest = sum(n for _, n in counts[RULES_SHOWN - 1 :])
        counts = [
            *counts[: RULES_SHOWN - 1],
            (f"{len(counts) - RULES_SHOWN + 1} other rules", rest),
        ]
    return horizontal_bars(counts, "changes logged per rule")


def confidence_bars(folder: Path) -> str:
    """Tenths of confidence: applied edits (changes.jsonl) beside suggestions (review.jsonl)."""
    series = [
        (name, colour, tenths(row.get("confidence", 1.0) for row in rows_of(folder / file)))
        for name, colour, file in (
            ("applied", APPLIED, "changes.jsonl"),
            ("suggested", SUGGESTED, "review.jsonl"),
        )
    ]
    labels = [f"{k / 10:.1f}" for k in range(10)]
    return grouped_bars(labels, series, "edits per tenth of confidence (0.9: 0.9 to 1.0)")


def rows_of(path: Path) -> Iterable[dict[str, Any]]:
    """A release file's rows; none when the file is not there (a report drawn by hand)."""
    return jsonl_rows(path) if path.is_file() else ()


def tenths(confidences: Iterable[float]) -> list[int]:
    counts = [0] * 10
    for confidence in confidences:
        counts[min(9, max(0, int(float(confidence) * 10)))] += 1
    return counts


def density_bars(folder: Path, per_document: Counter[str]) -> str:
    bands = [0] * len(DENSITY_BANDS)
    for row in jsonl_rows(folder / "documents.jsonl"):
        words = len(row["text"].split())
        density = 1000 * per_document.get(row["id"], 0) / words if words else 0.0
        band = max(i for i, low in enumerate(DENSITY_BANDS) if density >= low)
        bands[band] += 1
    labels = [
        f"{low}–{DENSITY_BANDS[i + 1]}" if i + 1 < len(DENSITY_BANDS) else f"{low}+"
        for i, low in enumerate(DENSITY_BANDS)
    ]
    return grouped_bars(labels, [("documents", BAR, bands)], "documents per band")


def horizontal_bars(items: list[tuple[str, int]], title: str) -> str:
    """One bar per item, its label on the left and its count on the right."""
    if not items:
        return _empty(title)
    width, label_width, row = 480, 190, 22
    height = row * len(items) + 10
    top = max(n for _, n in items)
    parts = []
    for i, (label, n) in enumerate(items):
        y = 5 + i * row
        length = (width - label_width - 70) * n / top
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{html.escape(_short(label, 28))}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" '
            f'fill="{BAR}"><title>{html.escape(label)}: {n:,}</title></rect>'
            f'<text x="{label_width + length + 5:.1f}" y="{y + 15}" font-size="12">{n:,}</text>'
        )
    return _svg(width, height, title, "".join(parts))


def grouped_bars(labels: list[str], series: list[tuple[str, str, list[int]]], title: str) -> str:
    """Vertical bars per label, one per series side by side, with a legend."""
    if not any(any(counts) for _, _, counts in series):
        return _empty(title)
    width, height, left, bottom, top_margin = 480, 220, 40, 40, 28
    plot_height = height - bottom - top_margin
    slot = (width - left - 10) / len(labels)
    bar = (slot - 6) / len(series)
    most = max(max(counts) for _, _, counts in series) or 1
    parts = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" '
        'stroke="#888"/>',
        f'<text x="{left - 4}" y="{top_margin + 4}" text-anchor="end" font-size="11">'
        f"{most:,}</text>",
    ]
    for i, label in enumerate(labels):
        x = left + i * slot + 3
        parts.append(
            f'<text x="{x + (slot - 6) / 2:.1f}" y="{height - bottom + 15}" text-anchor="middle" '
            f'font-size="11">{html.escape(label)}</text>'
        )
        for k, (name, colour, counts) in enumerate(series):
            size = plot_height * counts[i] / most
            parts.append(
                f'<rect x="{x + k * bar:.1f}" y="{height - bottom - size:.1f}" '
                f'width="{max(bar - 1, 1):.1f}" height="{size:.1f}" fill="{colour}">'
                f"<title>{html.escape(name)} {html.escape(label)}: {counts[i]:,}</title></rect>"
            )
    for k, (name, colour, _) in enumerate(series):
        x = left + k * 110
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="16" font-size="12">{html.escape(name)}</text>'
        )
    return _svg(width, height, title, "".join(parts))


def _svg(width: int, height: int, title: str, inside: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{html.escape(title)}">'
        f"<title>{html.escape(title)}</title>{inside}</svg>"
    )


def _empty(title: str) -> str:
    return _svg(480, 40, title, '<text x="0" y="24" font-size="13">nothing to show</text>')


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

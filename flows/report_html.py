"""report.html: the release to look at in a browser, offline.

One static page, no script, no font or image downloads (a Content-Security-Policy forbids
them), readable from 800 px wide up: a table of contents; counts; three charts drawn as
inline SVG (edits by stage and rule, the confidence of applied and suggested edits, documents
by edit density); what changed since the previous release (`tazala diff`); warnings; counts
per stage and rule; the most frequent edit types with where they were made; and for the
documents with the most edits their text with each edit highlighted (before struck out,
after underlined). The release's files hold everything; the page shows the top of it, so
that its size stays bounded on a corpus of any size.

Edits record their position in the text as their stage received it; a later stage moves
text. The page finds an edit in the release text as the occurrence of its `after` nearest
to that position, and lists the edits it cannot find (removed lines, joined lines) apart.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.charts import render_charts
from flows.document import context_around, nearest, word_offsets
from flows.release import jsonl_rows
from flows.report import _warnings
from flows.stages import STAGES

DOCUMENTS_SHOWN = 30  # documents with the most edits, shown in full
EDITS_SHOWN = 400  # of one document's edits
TEXT_SHOWN = 20_000  # characters of one document's text
CONTEXTS_SHOWN = 2  # places shown for each of the most frequent edits
CONTEXT = 50  # characters either side of an edit
SEARCH_WINDOW = 2_000  # how far from its recorded position an edit's `after` is looked for

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; padding: 1em 1.5em;
       max-width: 70em; color: #222; }
.wide { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
nav.toc ol { columns: 2; margin: .5em 0 1em; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
figure { margin: 0; flex: 1 1 22em; max-width: 34em; }
figure svg { width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: .3em; }
td.n { text-align: right; }
del { background: #fdd; color: #900; }
ins { background: #dfd; color: #060; text-decoration: underline; }
.text { white-space: pre-wrap; border: 1px solid #ddd; padding: 1em; background: #fafafa; }
.context { color: #555; }
summary { cursor: pointer; font-weight: 600; margin: .5em 0; }
"""


@dataclass(frozen=True)
class Placed:
    """An edit found in the release text: `start`..`end` holds its `after`."""

    start: int
    end: int
    edit: dict[str, Any]


def write_report_html(
    folder: Path, manifest: dict[str, Any], top: list[dict[str, Any]], since: str = ""
) -> None:
    """`since`: the changes since the previous release, as HTML (`render_since`)."""
    page = render_report_html(folder, manifest, top, since)
    (folder / "report.html").write_text(page, encoding="utf-8")


SECTIONS = (
    ("summary", "Summary"),
    ("charts", "Charts"),
    ("since", "Changes since the previous release"),
    ("warnings", "Warnings"),
    ("stages", "Stages"),
    ("edits", "Most frequent edits"),
    ("documents", "Documents with the most edits"),
)


def _contents() -> str:
    links = "".join(f'<li><a href="#{key}">{_e(title)}</a></li>' for key, title in SECTIONS)
    return f'<nav class="toc" aria-label="contents"><strong>Contents</strong><ol>{links}</ol></nav>'


def render_report_html(
    folder: Path, manifest: dict[str, Any], top: list[dict[str, Any]], since: str = ""
) -> str:
    per_document = edit_counts(folder)
    shown = [d for d, _ in sorted(per_document.items(), key=lambda kv: (-kv[1], kv[0]))]
    shown = shown[:DOCUMENTS_SHOWN]
    top_keys = {_key(c) for c in top}
    edits, examples = collect_edits(folder, set(shown), top_keys)
    texts = document_texts(
        folder, set(shown) | {e["document"] for ex in examples.values() for e in ex}
    )
    body = [
        f"<h1>tazala release {_e(manifest['release'])}</h1>",
        _contents(),
        '<h2 id="summary">Summary</h2>',
        _summary(manifest),
        '<h2 id="charts">Charts</h2>',
        render_charts(folder, manifest, per_document),
        '<h2 id="since">Changes since the previous release</h2>',
        since or "<p>None: this is the output folder's first release.</p>",
        '<h2 id="warnings">Warnings</h2>',
        _list([line.removeprefix("- ") for line in _warnings(manifest)]) or "<p>None.</p>",
        '<h2 id="stages">Stages</h2>',
        _stages(manifest),
        '<h2 id="edits">Most frequent edits</h2>',
        _top(top, examples, texts),
        f'<h2 id="documents">Documents with the most edits ({len(shown)} of '
        f"{manifest['totals']['documents']:,})</h2>",
        *(
            _document(d, per_document[d], edits[d], texts.get(d, ""), opened=n == 0)
            for n, d in enumerate(shown)
        ),
    ]
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="kk"><head><meta charset="utf-8">',
            # offline by construction: nothing may be fetched, no script may run
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'\">",
            f"<title>tazala {_e(manifest['release'])}</title>",
            f"<style>{STYLE}</style></head><body>",
            *body,
            "</body></html>",
            "",
        ]
    )


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _key(edit: dict[str, Any]) -> tuple[str, str, str, str]:
    return (edit["stage"], edit["rule"], edit["before"], edit["after"])


def edit_counts(folder: Path) -> Counter[str]:
    return Counter(row["document"] for row in jsonl_rows(folder / "changes.jsonl"))


def collect_edits(
    folder: Path, documents: set[str], top_keys: set[tuple[str, str, str, str]]
) -> tuple[dict[str, list[dict[str, Any]]], dict[tuple[str, str, str, str], list[dict[str, Any]]]]:
    """The edits of the documents shown (at most EDITS_SHOWN each), and the first places of
    each of the most frequent edits."""
    edits: dict[str, list[dict[str, Any]]] = defaultdict(list)
    examples: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in jsonl_rows(folder / "changes.jsonl"):
        if row["document"] in documents and len(edits[row["document"]]) < EDITS_SHOWN:
            edits[row["document"]].append(row)
        key = _key(row)
        if key in top_keys and len(examples[key]) < CONTEXTS_SHOWN:
            examples[key].append(row)
    return edits, examples


def document_texts(folder: Path, documents: set[str]) -> dict[str, str]:
    return {
        row["id"]: row["text"]
        for row in jsonl_rows(folder / "documents.jsonl")
        if row["id"] in documents
    }


def place(edit: dict[str, Any], text: str) -> Placed | None:
    """The occurrence of the edit's `after` nearest its recorded position, if any."""
    after, position = edit["after"], edit["position"]
    if len(after.strip()) < 2:
        return None  # a removal, a space, a single sign: nothing to find it by
    low, high = max(0, position - SEARCH_WINDOW), position + SEARCH_WINDOW + len(after)
    start = nearest(word_offsets(text, after, low, min(high, len(text))), position)
    return None if start is None else Placed(start, start + len(after), edit)


def _summary(manifest: dict[str, Any]) -> str:
    totals = manifest["totals"]
    cells = ["documents", "paragraphs", "sentences", "words", "characters", "edits", "suggestions"]
    names = [*cells[:5], "edits logged", "for review"]
    return (
        f"<p>fingerprint <code>{_e(manifest['fingerprint'][:16])}</code>, code "
        f"<code>{_e(manifest['code_version'])}</code>, rules "
        f"<code>{_e(manifest['rules_fingerprint'][:16])}</code>; "
        f"{len(manifest['inputs']):,} inputs, {len(manifest['skipped']):,} skipped</p>"
        '<div class="wide"><table><tr>'
        + "".join(f"<th>{n}</th>" for n in names)
        + "</tr><tr>"
        + "".join(f'<td class="n">{totals[c]:,}</td>' for c in cells)
        + "</tr></table></div>"
    )


def _list(items: list[str]) -> str:
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in items) + "</ul>"


def _stages(manifest: dict[str, Any]) -> str:
    rows = [
        '<div class="wide"><table>'
        "<tr><th>stage</th><th>what it does</th><th>rule</th><th>changes</th></tr>"
    ]
    for stage, counts in manifest["stages"].items():
        items = list(counts.items()) or [("none", 0)]
        for n, (rule, count) in enumerate(items):
            head = (
                f'<td rowspan="{len(items)}">{_e(stage)}</td>'
                f'<td rowspan="{len(items)}">{_e(STAGES[stage].does)}</td>'
                if n == 0
                else ""
            )
            rows.append(f'<tr>{head}<td>{_e(rule)}</td><td class="n">{count:,}</td></tr>')
    return "\n".join([*rows, "</table></div>"])


def _context(edit: dict[str, Any], texts: dict[str, str]) -> str:
    text = texts.get(edit["document"], "")
    placed = place(edit, text)
    where = f"<code>{_e(edit['document'])}</code>"
    if placed is None:
        return f"{where}: <del>{_e(edit['before'])}</del> → <ins>{_e(edit['after'])}</ins>"
    left, right = context_around(text, placed.start, placed.end, CONTEXT)
    return (
        f'{where}: <span class="context">…{_e(left)}</span><del>{_e(edit["before"])}</del>'
        f'<ins>{_e(edit["after"])}</ins><span class="context">{_e(right)}…</span>'
    )


def _top(
    top: list[dict[str, Any]],
    examples: dict[tuple[str, str, str, str], list[dict[str, Any]]],
    texts: dict[str, str],
) -> str:
    if not top:
        return "<p>None: no stage logged an edit.</p>"
    rows = [
        '<div class="wide"><table><tr><th>stage</th><th>rule</th><th>before</th><th>after</th>'
        "<th>count</th><th>where</th></tr>"
    ]
    for c in top:
        places = "<br>".join(_context(e, texts) for e in examples.get(_key(c), []))
        rows.append(
            f"<tr><td>{_e(c['stage'])}</td><td>{_e(c['rule'])}</td>"
            f"<td><del>{_e(c['before'])}</del></td><td><ins>{_e(c['after'])}</ins></td>"
            f'<td class="n">{c["count"]:,}</td><td>{places}</td></tr>'
        )
    return "\n".join([*rows, "</table></div>"])


def highlight(text: str, edits: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The text as HTML with each edit found in it marked; and the edits not found."""
    placed: list[Placed] = []
    apart = []
    for edit in edits:
        spot = place(edit, text)
        if spot is None or any(spot.start < p.end and p.start < spot.end for p in placed):
            apart.append(edit)
        else:
            placed.append(spot)
    parts, cursor = [], 0
    for spot in sorted(placed, key=lambda p: p.start):
        parts.append(_e(text[cursor : spot.start]))
        title = f"{spot.edit['stage']} {spot.edit['rule']}"
        parts.append(
            f'<del title="{_e(title)}">{_e(spot.edit["before"])}</del>'
            f'<ins title="{_e(title)}">{_e(text[spot.start : spot.end])}</ins>'
        )
        cursor = spot.end
    parts.append(_e(text[cursor:]))
    return "".join(parts), apart


def _document(
    document: str, count: int, edits: list[dict[str, Any]], text: str, opened: bool
) -> str:
    shown = text[:TEXT_SHOWN]
    inside = [e for e in edits if e["position"] < len(shown) + SEARCH_WINDOW]
    marked, apart = highlight(shown, inside)
    more = len(text) - len(shown)
    tail = f"\n… {more:,} more characters in text/{document}.txt" if more > 0 else ""
    listed = "".join(
        f"<li>{_e(e['stage'])} <code>{_e(e['rule'])}</code>: <del>{_e(e['before'])}</del> → "
        f"<ins>{_e(e['after'])}</ins></li>"
        for e in apart
    )
    return (
        f"<details{' open' if opened else ''}><summary>{_e(document)}: {count:,} edits</summary>"
        f'<div class="text">{marked}{_e(tail)}</div>'
        + (
            f"<p>Edits not marked in the text (removed or joined lines):</p><ul>{listed}</ul>"
            if listed
            else ""
        )
        + "</details>"
    )


SINCE_DOCUMENTS = 10  # documents listed in "Changes since the previous release"


def render_since(output: Path, new: Any) -> str:
    """What changed since the output folder's latest release (`tazala diff`), as HTML; ""
    when there is none. `new` is the release being published (flows.reader.Release)."""
    from flows.diff import diff_releases
    from flows.reader import DamagedRelease, latest_version, open_release

    previous = latest_version(output)
    if previous is None:
        return ""
    try:
        diff = diff_releases(open_release(output, previous), new)
    except (DamagedRelease, OSError, ValueError) as problem:
        return f"<p>{_e(previous)} cannot be read ({_e(problem)}): nothing compared.</p>"
    causes = _list(diff.causes) or "<p>Nothing: the same inputs, rules and code.</p>"
    totals = "".join(
        f'<tr><td>{_e(name)}</td><td class="n">{n:,}</td></tr>' for name, n in diff.totals().items()
    )
    ranked = sorted(diff.documents, key=lambda d: (-(d.added + d.removed + d.changed), d.id))
    rows = "".join(
        f"<tr><td><code>{_e(d.id)}</code></td><td>{_e(d.status)}</td>"
        f'<td class="n">{d.added:,}</td><td class="n">{d.removed:,}</td>'
        f'<td class="n">{d.changed:,}</td></tr>'
        for d in ranked[:SINCE_DOCUMENTS]
    )
    listed = (
        f"<p>The documents that differ most ({min(SINCE_DOCUMENTS, len(ranked))} of "
        f"{len(ranked):,}; `tazala diff {_e(previous)} {_e(diff.new)}` lists them all):</p>"
        '<div class="wide"><table><tr><th>document</th><th>status</th><th>sentences added</th>'
        f"<th>removed</th><th>changed</th></tr>{rows}</table></div>"
        if ranked
        else ""
    )
    return (
        f"<p>Against {_e(previous)}. What changed between them:</p>{causes}"
        f'<div class="wide"><table>{totals}</table></div>{listed}'
    )

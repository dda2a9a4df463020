"""The repeats stage: lines repeated across a corpus' documents (menus, footers) go, prose,
refrains, quotations and lone headings stay; the statistics step counts documents per line."""

from __future__ import annotations

from collections import Counter

import pytest
from cases import load_cases
from conftest import PROJECT

from flows.cache import write_meta
from flows.pipeline import build_statistics
from flows.stages import Context
from flows.stages.repeats import chrome_line_digests, remove_repeated_lines
from flows.statistics import CorpusStatistics, load_statistics


def corpus_statistics(documents: list[str], rules) -> CorpusStatistics:
    """What pass 1 and the statistics step give the repeats stage: documents per line."""
    counts = Counter(d for text in documents for d in chrome_line_digests(text, rules))
    return CorpusStatistics(repeated=dict(counts))


@pytest.mark.parametrize("case", load_cases("repeats.json"))
def test_repeated_lines(case, rules):
    context = Context(rules, corpus_statistics(case["documents"], rules))
    cleaned = [remove_repeated_lines(text, context)[0] for text in case["documents"]]
    assert cleaned == case["expected"]


def test_each_removed_line_is_logged_with_its_reason_and_count(rules):
    documents = load_cases("repeats.json")[0].values[0]["documents"]
    context = Context(rules, corpus_statistics(documents, rules))
    edits = remove_repeated_lines(documents[0], context)[1].edits
    assert [(e.stage, e.rule, e.before, e.evidence) for e in edits] == [
        ("repeats", "boilerplate:repeated", "Басты бет Жаңалықтар Спорт", {"documents": 3}),
        ("repeats", "boilerplate:repeated", "Дала ақпарат агенттігі", {"documents": 3}),
        ("repeats", "boilerplate:repeated", "Редакция телефоны 8 727 000 00 00", {"documents": 3}),
    ]


def test_without_a_corpus_nothing_is_removed(rules):
    text = "Басты бет Жаңалықтар Спорт\n\nАуылда той болды."
    cleaned, changes = remove_repeated_lines(text, Context(rules))
    assert cleaned == text and not changes.edits


def test_the_statistics_step_counts_documents_per_line(tmp_path):
    """Each document's lines once; only lines of two or more documents are kept, and they are
    part of the statistics' digest (a changed footer corrects the documents again)."""
    metas = []
    for number, lines in enumerate([["aa", "bb"], ["aa", "cc"], ["aa", "bb"]]):
        metas.append(str(tmp_path / f"meta{number}.json"))
        write_meta(tmp_path / f"meta{number}.json", {"counts": {"сөз": 1}, "lines": lines})
    statistics = build_statistics.fn(metas, str(tmp_path))
    loaded = load_statistics(tmp_path / "lexicon.tsv", tmp_path / "repeated.tsv")
    assert dict(loaded.repeated) == {"aa": 3, "bb": 2}
    write_meta(tmp_path / "meta1.json", {"counts": {"сөз": 1}, "lines": ["aa", "bb"]})
    assert build_statistics.fn(metas, str(tmp_path))["digest"] != statistics["digest"]


def test_a_run_removes_the_chrome_its_documents_share(prefect_api, tmp_path, capsys):
    """Pass 1 counts, the statistics step sums, pass 2 removes: through the real flow, and
    `tazala show --removed` lists the lines under their reason."""
    from flows.cli import main
    from flows.pipeline import run_pipeline

    case = load_cases("repeats.json")[0].values[0]
    (tmp_path / "corpus").mkdir()
    for number, text in enumerate(case["documents"]):
        (tmp_path / "corpus" / f"page{number}.txt").write_text(text, encoding="utf-8")
    output = tmp_path / "output"
    run_pipeline(str(tmp_path / "corpus"), str(output), str(PROJECT / "rules"), shard_mb=4.0)
    texts = sorted((output / "v0001" / "text").iterdir())
    assert [path.read_text(encoding="utf-8") for path in texts] == [
        expected.replace(". ", ".\n") + "\n" for expected in case["expected"]
    ]
    assert main(["show", "--removed", "--output", str(output)]) == 0
    assert "repeated: 9\n" in capsys.readouterr().out


def test_a_long_document_of_short_lines_sends_a_bounded_number_of_lines(rules):
    """A dictionary or a table (thousands of short lines) sends at most
    MAX_DIGESTS_PER_DOCUMENT of them to the statistics step, from its edges, where a site's
    menus and footers stand; memory then grows with documents, not with their lines."""
    from flows.stages.repeats import MAX_DIGESTS_PER_DOCUMENT, line_digest

    lines = [f"Сөздік мақаласы {n}" for n in range(5000)]
    digests = chrome_line_digests("\n".join(lines), rules)
    assert len(digests) == MAX_DIGESTS_PER_DOCUMENT
    assert {line_digest(lines[0]), line_digest(lines[-1])} <= set(digests)
    assert line_digest(lines[2500]) not in digests

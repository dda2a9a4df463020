"""The OCR stage: golden sentences that must be corrected and sentences that must stay, and
the evidence every correction carries."""

from __future__ import annotations

import pytest
from cases import load_cases
from conftest import PROJECT

from flows.kazakh.confusions import read_confusions
from flows.rules import RulesError, load_rules
from flows.stages.base import Context
from flows.stages.ocr import fix_ocr_swaps, kept_share

CONTEXT = Context(load_rules(PROJECT / "rules"))


@pytest.mark.parametrize("case", load_cases("ocr.json"), ids=lambda c: c["why"][:40])
def test_sentence_comes_out_as_expected(case):
    text, _ = fix_ocr_swaps(case["input"], CONTEXT)
    assert text == case["expected"], case["why"]


def test_a_correction_carries_its_evidence():
    text, changes = fix_ocr_swaps("Олар ауылдагы мектепте окиды.", CONTEXT)
    edit = next(e for e in changes.edits if e.before == "ауылдагы")
    assert (edit.after, edit.stage, edit.rule) == ("ауылдағы", "ocr", "ocr:lost")
    assert edit.position == text.index("ауылдағы")
    assert edit.evidence["candidates"][0][0] == "ауылдағы"
    assert edit.evidence["edits"] == ["г>ғ"]
    assert edit.evidence["wrong"] >= CONTEXT.rules.threshold("ocr")
    assert edit.confidence >= CONTEXT.rules.parameter("ocr", "choice_threshold", 1.0)


def test_a_doubtful_correction_is_suggested_not_applied():
    text, changes = fix_ocr_swaps("Ол шиит дінбасыларымен кездесті.", CONTEXT)
    assert "шиит" in text and not changes.edits
    assert [s.before for s in changes.suggestions] == ["шиит"]
    assert changes.suggestions[0].confidence < CONTEXT.rules.threshold("ocr")


def test_kept_share_tells_a_text_that_lost_its_letters():
    assert kept_share("Біздің ауылда жақсы адамдар тұрады.") == 1.0
    assert kept_share("Бизд1н облыстын шаруашылыгы дамып келеди.") == 0.0


def test_confusion_table_is_validated(tmp_path):
    table = tmp_path / "confusions.tsv"
    table.write_text("к\tқ\tcheap\tlost\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"confusions.tsv:1: cost 'cheap' is not a number"):
        read_confusions(table)
    table.write_text("кк\tқ\t1.0\tlost\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"confusions.tsv:1: a lost confusion is one letter"):
        read_confusions(table)


@pytest.mark.parametrize(
    ("text", "counts", "suggested"),
    [
        ("1985 жылы ОК-тің пленумы болды.", {"ОК": 14}, False),
        ("1985 жылы ОК-тің пленумы болды.", {}, True),
    ],
    ids=["the corpus writes ОК in capitals: an abbreviation", "no corpus: unknown, suggested"],
)
def test_the_ending_after_an_abbreviation_is_no_ocr_error(text, counts, suggested):
    """-тің after ОК is its genitive (ОК-тің, of the CC); alone, тің looks like тін lost its
    letter. Where the corpus writes ОК in capitals again and again, the stage leaves it."""
    from flows.statistics import CorpusStatistics

    context = Context(load_rules(PROJECT / "rules"), CorpusStatistics(counts))
    fixed, changes = fix_ocr_swaps(text, context)
    assert fixed == text
    assert any(e.before == "тің" for e in changes.suggestions) is suggested

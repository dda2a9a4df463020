"""The Kazakh lexicon: forms that must be valid (with the analysis that makes them so), forms
that must not be, the suffix grammar's tables, corpus evidence and the `tazala lexicon`
command."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest
from cases import load_cases
from conftest import PROJECT

from flows.kazakh.lexicon import base_lexicon, describe, harmony, restorations, second_person
from flows.kazakh.morphology import expand
from flows.rules import RulesError, load_rules

RULES = load_rules(PROJECT / "rules")


@pytest.fixture(scope="module")
def lexicon():
    return base_lexicon(RULES)


@pytest.mark.parametrize("case", load_cases("lexicon.json"), ids=lambda c: c["input"])
def test_form_is_judged_by_the_language(lexicon, case):
    entry = lexicon.lookup(case["input"])
    assert entry.status == case["status"], case["why"]
    if "reading" in case:
        assert case["reading"] in [str(r) for r in entry.readings], describe(entry)


def test_templates_expand_by_harmony_and_onset():
    onsets = RULES.grammar.onsets
    assert set(expand("ЛАр", onsets)) == {"лар", "лер", "дар", "дер", "тар", "тер"}
    assert set(expand("ҒАн", onsets)) == {"ған", "қан", "ген", "кен"}  # no кан, no ғен
    # an inner archiphoneme follows the letter before it inside the suffix
    assert set(expand("ДАҒЫ", onsets)) == {"дағы", "дегі", "тағы", "тегі"}
    assert set(expand("Бен", onsets)) == {"мен", "бен", "пен"}  # invariant vowel


def test_assimilation_picks_the_onset_from_the_sound_before(lexicon):
    assert lexicon.is_word("жерлер") and not lexicon.is_word("жердер")
    assert lexicon.is_word("елдер") and not lexicon.is_word("елтер")
    assert lexicon.is_word("адамның") and lexicon.is_word("адамды")
    assert not lexicon.is_word("адамтың")  # т only after a voiceless consonant
    assert not lexicon.is_word("жердер")  # no verb suffix on a Russian loan (жердь)


def test_restorations_give_back_the_kazakh_letters():
    assert "қазақ" in set(restorations("казак"))
    assert "казак" not in set(restorations("казак"))
    assert list(restorations("а" * 20)) == []  # bounded


def all_shadows(lexicon, form: str) -> tuple[str, ...]:
    """The lost-letter check the slow way: every restoration analysed."""
    found = [
        r
        for r in restorations(form)
        if any(len(x.stem) > 2 and not second_person(x) for x in lexicon.native.analyze(r))
    ]
    return tuple(found[:5])


# words of the lexicon cases with their Kazakh letters read as Russian look-alikes, so that
# the restorations are many and some of them are words
LOST = str.maketrans("әөқғңұүіһ", "аокгнууих")
LOST_FORMS = sorted(
    {case.values[0]["input"].lower().translate(LOST) for case in load_cases("lexicon.json")}
    | {case.values[0]["input"].lower() for case in load_cases("lexicon.json")}
)


@pytest.mark.parametrize("form", LOST_FORMS)
def test_lost_letter_check_skips_only_restorations_that_cannot_be_read(lexicon, form):
    assert lexicon._shadows(form) == all_shadows(lexicon, form)


def inflected_forms(lexicon, count: int, seed: int = 7) -> list[str]:
    """Stems of the installed lists with one or two suffix forms of the grammar, some with
    their Kazakh letters read as Russian look-alikes: a reading then hides among many
    restorations, on a stem changed at its end (кітаб-ы, ерн-і, оқи-ды) or not."""
    rng = random.Random(seed)
    stems = sorted(s for s in lexicon.native.stems if len(s) > 2)
    suffixes = sorted(lexicon.native.by_form)
    forms = []
    for _ in range(count):
        stem = rng.choice(stems)
        if stem[-1] in "пкқ" and rng.random() < 0.5:
            stem = stem[:-1] + {"п": "б", "к": "г", "қ": "ғ"}[stem[-1]]
        elif len(stem) > 3 and stem[-2] in "ыі" and rng.random() < 0.5:
            stem = stem[:-2] + stem[-1]
        form = stem + "".join(rng.choices(suffixes, k=rng.randint(1, 2)))
        if stem[-1] in "ыі" and rng.random() < 0.5:
            form = stem[:-1] + "и" + rng.choice(["ды", "ді", "тын", "тін", "мын"])  # оқиды
        forms.append(form.translate(LOST) if rng.random() < 0.7 else form)
    return forms


def test_lost_letter_check_agrees_with_analysing_every_restoration(lexicon):
    forms = inflected_forms(lexicon, 600)
    assert [lexicon._shadows(f) for f in forms] == [all_shadows(lexicon, f) for f in forms]


def test_harmony_is_a_signal():
    assert harmony("балалар") == "back"
    assert harmony("үйлер") == "front"
    assert harmony("жаксы") == "mixed"  # к among back vowels: a lost қ
    assert harmony("су") == "neutral"


def test_corpus_evidence_is_kept_apart_from_validity(lexicon):
    corpus = lexicon.with_counts({"Айгерімнің": 4, "касында": 5, "бала": 9, "ҚҰЖЖ": 3})
    assert corpus.status("Айгерімнің") == "attested"
    assert corpus.lookup("Айгерімнің").source == "name"
    assert corpus.lookup("ҚҰЖЖ").source == "abbreviation"
    assert corpus.status("касында") == "attested"  # a recurring error is attested, not valid
    assert not corpus.is_word("касында")
    assert corpus.frequency("Бала") == 9 and corpus.is_word("бала")
    assert lexicon.status("касында") == "unknown"  # the base lexicon did not change


def test_broken_suffix_table_is_rejected_naming_file_and_line(tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", rules)
    table = rules / "kk" / "suffixes.tsv"
    table.write_text(table.read_text(encoding="utf-8") + "ЛАр\tplural\t*\tstem\tno name\n")
    lines = table.read_text(encoding="utf-8").count("\n")
    with pytest.raises(RulesError, match=rf"suffixes.tsv:{lines}: tag 'plural' must be"):
        load_rules(rules)


def test_stem_without_a_reason_is_rejected(tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", rules)
    (rules / "kk" / "stems.tsv").write_text("бала\tnoun\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"stems.tsv:1: expected 3 tab-separated columns"):
        load_rules(rules)


def test_lexicon_command_writes_tsv():
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "lexicon", "--no-corpus"],
        input="кітабымды жаксы кітабымды\n",
        capture_output=True,
        text=True,
        cwd=PROJECT,
        check=True,
    )
    header, *rows = result.stdout.splitlines()
    assert header.split("\t")[:4] == ["word", "status", "analysis", "source"]
    assert [row.split("\t")[:2] for row in rows] == [["кітабымды", "valid"], ["жаксы", "unknown"]]
    assert "кітап+ым(possessive.1sg)+ды(case.accusative)" in rows[0]


def test_corpus_lexicons_build_the_restoration_index_once(rules, monkeypatch):
    """Each run (each `tazala clean`) makes a corpus lexicon of the base one; the index of
    lost-letter restorations is the base analyser's, built once, not once per lexicon (a
    tenth of a second each time)."""
    from weakref import WeakKeyDictionary

    import flows.kazakh.lexicon as lexicon_module

    built = []

    class Counted(lexicon_module.ReadableRestorations):
        def __init__(self, analyser):
            built.append(analyser)
            super().__init__(analyser)

    monkeypatch.setattr(lexicon_module, "ReadableRestorations", Counted)
    monkeypatch.setattr(lexicon_module, "_READABLE", WeakKeyDictionary(), raising=False)
    base = lexicon_module.base_lexicon(rules)
    for counts in ({"баска": 3}, {"баска": 5}):
        assert base.with_counts(counts).shadows("баска") == ("басқа",)
    assert len(built) == 1

"""The fast reading search (flows/kazakh/search.py) and the family table against the plain
reference code they replace: the same readings, in the same order, and so the same verdicts,
on 100,000+ word forms: the kk list, words of a generated corpus, and those words and the list's
forms damaged by the confusions of rules/kk/confusions.tsv."""

from __future__ import annotations

import copy
import random

import pytest
from conftest import PROJECT

from flows.kazakh.confusions import read_confusions
from flows.kazakh.lexicon import Lexicon, base_lexicon, family_counts
from flows.kazakh.tables import read_table
from flows.memo import per_word_type
from flows.rules import load_rules
from flows.statistics import WORD
from flows.synthetic import LineVariator, generate_file, source_lines

RULES = load_rules(PROJECT / "rules")
GENERATED_FILES, FILE_BYTES = 12, 60_000


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return base_lexicon(RULES)


@pytest.fixture(scope="module")
def corpus_words() -> list[str]:
    """The word types of a generated corpus (flows/synthetic.py, seed 0) from the sample
    corpus: its words, stems of the kk list with case endings, OCR look-alikes."""
    lines = source_lines(sorted((PROJECT / "corpus").glob("*.txt")), RULES)
    variator = LineVariator(random.Random(0))
    words: dict[str, None] = {}
    for number in range(GENERATED_FILES):
        variator.rng = random.Random(f"0-{number}")
        text = generate_file(lines, variator, FILE_BYTES)
        words.update(dict.fromkeys(w.lower() for w in WORD.findall(text)))
    return list(words)


@pytest.fixture(scope="module")
def forms(lexicon, corpus_words) -> list[str]:
    listed = sorted(form for form, source in lexicon.native.stems.items() if source == "kk")
    damaged = error_words(listed + corpus_words, random.Random(1))
    return list(dict.fromkeys(listed + corpus_words + damaged))


def error_words(words: list[str], rng: random.Random) -> list[str]:
    """Each word with one confusion of the table undone (қ read as к, і as !, ы as ьі), where
    it has the intended letters: what OCR makes of correct words."""
    confusions = [
        c for c in read_confusions(PROJECT / "rules" / "kk" / "confusions.tsv") if c.observed
    ]
    damaged = []
    for word in words:
        fitting = [c for c in confusions if c.intended in word]
        if fitting:
            confusion = rng.choice(fitting)
            damaged.append(word.replace(confusion.intended, confusion.observed, 1))
    return damaged


def test_the_forms_are_many_and_varied(forms, corpus_words):
    assert len(forms) >= 100_000
    assert len(corpus_words) >= 5_000


@pytest.mark.parametrize("which", ["analyser", "native"])
def test_fast_search_reads_as_the_reference(lexicon, forms, which):
    analyser = getattr(lexicon, which)
    differ = [w for w in forms if analyser._analyze(w) != analyser.reference_analyze(w)]
    assert differ == []
    # and the forms are not all unknown: the readings compared are the grammar's many
    assert sum(1 for w in forms[::10] if analyser._analyze(w)) > len(forms) // 40


def reference_lexicon(lexicon: Lexicon) -> Lexicon:
    """The lexicon with the plain search and the per-stem family count."""
    analysers = []
    for analyser in (lexicon.analyser, lexicon.native):
        plain = copy.copy(analyser)
        plain.analyze = per_word_type(plain.reference_analyze)
        analysers.append(plain)
    plain = Lexicon(
        *analysers,
        lexicon.russian_forms,
        lexicon.abbreviations,
        None,
        lexicon.attested_min_count,
    )
    plain.family = per_word_type(plain.reference_family)
    return plain


def test_verdicts_and_families_are_the_reference_ones(lexicon, forms):
    plain = reference_lexicon(lexicon)
    sample = forms[::7]
    differ = [
        w
        for w in sample
        if (lexicon.status(w), lexicon.analyze(w)) != (plain.status(w), plain.analyze(w))
    ]
    assert differ == []
    stems = {r.stem for w in sample for r in lexicon.analyze(w)} | set(sample[::4])
    assert [s for s in stems if lexicon.family(s) != plain.family(s)] == []


def test_family_table_is_cached_on_disk_and_rebuilt_when_damaged(lexicon, tmp_path, monkeypatch):
    monkeypatch.setenv("TAZALA_CACHE", str(tmp_path))
    native = copy.copy(lexicon.native)  # a new analyser: the table is kept per analyser
    table = family_counts(native, "key")
    (path,) = tmp_path.glob("tazala/family-*.marshal")
    assert read_table(path) == table
    path.write_bytes(path.read_bytes()[:-10])  # damaged: cut short
    assert family_counts(copy.copy(native), "key") == table
    assert read_table(path) == table
    # another rules fingerprint, another file
    family_counts(copy.copy(native), "other")
    assert len(list(tmp_path.glob("tazala/family-*.marshal"))) == 2


def test_family_table_without_a_writable_cache_is_counted_in_memory(lexicon, tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("TAZALA_CACHE", str(blocked))
    native = copy.copy(lexicon.native)
    assert family_counts(native, "key") == family_counts(lexicon.native, lexicon.tables_key)
    assert blocked.read_text(encoding="utf-8") == "not a folder"

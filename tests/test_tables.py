"""The on-disk cache of tables built from the word lists and the rules (flows/kazakh/tables.py):
a cached build answers as a fresh one, its key follows what it was built from, a damaged file is
built again, an unwritable cache folder still works, and `tazala clean` starts without Prefect,
Dask or FastAPI."""

from __future__ import annotations

import functools
import json
import pickle
import random
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from cases import load_cases
from conftest import DATA, PROJECT

from flows.kazakh import tables
from flows.kazakh.confusions import CandidateIndex, file_stems
from flows.kazakh.dictionaries import kazakh_stems, russian_lemmas
from flows.kazakh.lexicon import (
    VOWEL_LETTERS,
    Lexicon,
    build_lexicon,
    capitalised_counts,
    counts_by_lower_case,
    curated_stems,
    is_fragment,
    lexicon_stems,
    part_of_speech_hints,
)
from flows.kazakh.morphology import TRUE_VOWELS, Analyser
from flows.kazakh.tables import FullTable, LazyTable, bucketed, cached_table, table_key
from flows.rules import load_rules
from flows.statistics import WORD, read_counts, read_counts_by_line

RULES = load_rules(PROJECT / "rules")


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    """An empty cache folder of the test's own."""
    monkeypatch.setenv("TAZALA_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "tazala"


def reference_accept(stems: dict[str, str], russian: frozenset[str]):
    """The lexicon's verdict on a listed stem as it was made before the cache (each kk stem
    judged when asked, against the Russian lemmas)."""
    prefixes = frozenset(stem[:4] for stem in russian)

    @functools.cache
    def accept(stem: str) -> bool:
        if not set(stem) & VOWEL_LETTERS or not set(stem) - (TRUE_VOWELS - set("яюё")):
            return False
        source = stems[stem]
        if source == "kk":
            return not is_fragment(stem, russian, prefixes)
        return source == "curated" or len(stem) >= 3

    return accept


def reference_lexicon() -> Lexicon:
    """The lexicon as it was built before the cache: plain dicts, the reference verdicts."""
    stems, native = lexicon_stems(RULES)
    accept = reference_accept(stems, russian_lemmas())
    curated = curated_stems(RULES)
    hints = part_of_speech_hints(
        kazakh_stems(), frozenset(s for s, kind in curated.items() if kind == "verb")
    )
    fresh = build_lexicon(RULES, None)
    return Lexicon(
        Analyser(RULES.grammar, stems, accept, hints),
        Analyser(RULES.grammar, native, accept, hints),
        fresh.russian_forms,
        fresh.abbreviations,
        None,
        fresh.attested_min_count,
    )


def sample_words() -> list[str]:
    """Words of the test corpus, and a spread of the kk list with and without endings."""
    words = set()
    for path in sorted((DATA / "corpus").rglob("*.txt")):
        words.update(WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
    listed = sorted(kazakh_stems())
    for stem in listed[::97]:
        words.update((stem, stem + "лар", stem + "дың", stem + "ға", stem.replace("қ", "к")))
    return sorted(words)


def test_a_cached_lexicon_answers_as_a_fresh_one(cache):
    cold = build_lexicon(RULES, None)  # builds the tables and writes them
    assert sorted(p.name.split("-")[0] for p in cache.glob("lexicon-*.marshal")) == ["lexicon"]
    warm = build_lexicon(RULES, None)  # reads them back
    reference = reference_lexicon()
    # the tables themselves: the analysers' stems, and the verdict on every listed stem
    for built in (cold, warm):
        assert dict(built.analyser.stems.items()) == reference.analyser.stems
        assert dict(built.native.stems.items()) == reference.native.stems
        for stem in reference.analyser.stems:
            assert built.analyser.accept(stem) == reference.analyser.accept(stem), stem
    # and what they answer
    fresh = reference_lexicon()
    for word in sample_words():
        got, expected = warm.lookup(word), fresh.lookup(word)
        assert (got.status, got.source, got.readings, got.note) == (
            expected.status,
            expected.source,
            expected.readings,
            expected.note,
        ), word


def test_a_cached_candidate_index_finds_what_a_fresh_one_does(cache):
    warm = build_lexicon(RULES, None)
    cached = CandidateIndex(build_lexicon(RULES, None), RULES.confusions)
    fresh = CandidateIndex(reference_lexicon(), RULES.confusions)
    assert list(cache.glob("candidate-stems-*.marshal"))
    assert cached.longest_listed == fresh.longest_listed
    filed, _ = file_stems(reference_lexicon().native.stems, fresh.fold)
    assert {k: sorted(v) for k, v in cached.stems.items()} == {
        k: sorted(v) for k, v in filed.items()
    }
    damaged = [w.replace("қ", "к").replace("ә", "а").replace("і", "!") for w in sample_words()]
    for word in damaged[::23]:
        lower = word.lower()
        assert cached.candidates(lower) == fresh.candidates(lower), word
    assert warm.analyser.stems.key  # the key the index was cached beside


def test_a_new_rules_fingerprint_or_code_version_is_a_new_key(cache, tmp_path, monkeypatch):
    key = table_key("lexicon", RULES.fingerprint)
    assert table_key("lexicon", RULES.fingerprint) == key  # stable
    changed = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", changed)
    with (changed / "kk" / "stems.tsv").open("a", encoding="utf-8") as out:
        out.write("зыңғырлақ\tnoun\ta stem no list has, for the test\n")
    rules = load_rules(changed)
    assert table_key("lexicon", rules.fingerprint) != key
    lexicon = build_lexicon(rules, None)
    assert lexicon.lookup("зыңғырлақтар").valid  # built from the changed rules, not reused
    assert not build_lexicon(RULES, None).lookup("зыңғырлақтар").valid
    assert len(list(cache.glob("lexicon-*.marshal"))) == 2
    monkeypatch.setattr(tables, "source_digest", lambda: "another version of the code")
    assert table_key("lexicon", RULES.fingerprint) != key


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flip_byte":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(random.Random(0).randbytes(4096))
    elif how == "header_only":
        path.write_bytes(data[: len(tables.MAGIC) + 4])
    elif how == "directory":
        path.unlink()
        path.mkdir()
    else:
        raise ValueError(how)


@pytest.mark.parametrize("case", load_cases("table_cache_damage.json"))
def test_a_damaged_cache_file_is_built_again(cache, case):
    built = {"calls": 0}

    def build() -> dict:
        built["calls"] += 1
        return bucketed({"кітап": "kk", "карта": "ru", "әке": "kk"})

    key = table_key("test-table")
    expected = cached_table("test-table", key, build)
    path = cache / f"test-table-{key}.marshal"
    damage(path, case["damage"])
    assert cached_table("test-table", key, build) == expected
    assert built["calls"] == 2
    if case["damage"] != "directory":  # written again, whole: the next process reads it
        assert cached_table("test-table", key, build) == expected
        assert built["calls"] == 2


def test_an_unwritable_cache_folder_builds_every_time(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TAZALA_CACHE", str(blocker))  # cache_folder() is a-file/tazala
    lexicon = build_lexicon(RULES, None)
    assert lexicon.lookup("кітаптар").valid
    assert blocker.read_text() == "not a folder"


def test_the_cache_keeps_a_few_files_per_table(cache):
    for version in range(tables.KEEP_PER_NAME + 2):
        cached_table("test-table", table_key("test-table", str(version)), lambda: {"a": 1})
    assert len(list(cache.glob("test-table-*.marshal"))) == tables.KEEP_PER_NAME


def test_a_lazy_table_answers_as_the_dict_it_was_made_from(monkeypatch):
    whole = {"кітап": "kk", "кітаб": "kk", "карта": "ru", "әке": "kk", "ақ": "kk", "а": "x"}
    lazy = LazyTable(bucketed(whole), "key")
    assert "карта" in lazy and "картоп" not in lazy and 3 not in lazy
    assert lazy["кітап"] == "kk" and lazy.get("жоқ") is None and lazy.get("жоқ", 1) == 1
    with pytest.raises(KeyError):
        lazy["жоқ"]
    assert type(lazy) is LazyTable  # only the buckets asked for are filled
    assert lazy == whole and len(lazy) == len(whole) and sorted(lazy) == sorted(whole)
    assert type(lazy) is FullTable and lazy.key == "key"
    assert pickle.loads(pickle.dumps(lazy)) == whole
    with pytest.raises(TypeError):
        LazyTable(bucketed(whole))["жаңа"] = "kk"
    # a run's lookups fill it all, and it becomes a plain dict's speed
    monkeypatch.setattr(tables, "LAZY_LOOKUPS", 3)
    busy = LazyTable(bucketed(whole))
    for word in ("кітап", "жоқ", "әке", "ақ"):
        assert (word in busy) == (word in whole)
    assert type(busy) is FullTable and dict(busy) == whole


def test_threads_sharing_a_lazy_table_get_the_same_answers(monkeypatch):
    """A run's worker threads share the lexicon: a bucket being filled by one thread is never
    missing for another."""
    whole = {f"{a}{b}{c}": "kk" for a in "абвгд" for b in "еёжзи" for c in "клмн"}
    asked = [word[:2] + letter for word in whole for letter in "кп"]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads interleave at nearly every step
    try:
        for limit in (10**9, 50):  # bucket by bucket; all buckets at once after 50 lookups
            monkeypatch.setattr(tables, "LAZY_LOOKUPS", limit)
            for _ in range(20):
                table = LazyTable(bucketed(whole))
                wrong: list[str] = []

                def ask(table: LazyTable = table, wrong: list[str] = wrong) -> None:
                    wrong.extend(w for w in asked if (w in table) != (w in whole))

                threads = [threading.Thread(target=ask) for _ in range(4)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                assert not wrong
    finally:
        sys.setswitchinterval(switch)


@pytest.mark.parametrize("case", load_cases("lexicon_files.json"))
def test_a_lexicon_file_reads_as_the_line_reader_reads_it(tmp_path, case):
    path = tmp_path / "lexicon.tsv"
    path.write_bytes(case["input"].encode("utf-8"))
    if case["expected"] == "error":
        with pytest.raises(ValueError):
            read_counts_by_line(path)
        with pytest.raises(ValueError):
            read_counts(path)
        return
    counts = read_counts(path)
    assert list(counts.items()) == list(case["expected"].items())
    assert list(counts.items()) == list(read_counts_by_line(path).items())


def test_letter_case_folding_adds_up_as_the_loop_did():
    def reference(counts: dict[str, int]) -> tuple[Counter, Counter]:
        total, capitalised = Counter(), Counter()
        for form, n in counts.items():
            total[form.lower()] += n
            if form[:1].isupper():
                capitalised[form.lower()] += n
        return total, capitalised

    rng = random.Random(1)
    letters = "аАқҚіІİiIℋßẞΣσςǅǆǄ"  # with capitals whose small letter is two, or none
    for _ in range(2000):
        counts = {
            "".join(rng.choice(letters) for _ in range(rng.randint(1, 3))): rng.randint(1, 50)
            for _ in range(rng.randint(0, 12))
        }
        total, capitalised = reference(counts)
        assert list(counts_by_lower_case(counts).items()) == list(total.items()), counts
        assert list(capitalised_counts(counts).items()) == list(capitalised.items()), counts


def test_clean_starts_without_prefect_dask_or_fastapi(tmp_path):
    code = (
        "import io, json, sys\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO('Қазақстан тарихы бай.\\n'.encode()))\n"
        "from flows.cli import main\n"
        "status = main(['clean', '--no-corpus'])\n"
        "print(json.dumps([status, sorted(sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    text, modules = done.stdout.rsplit("\n", 2)[:2]
    status, loaded = json.loads(modules)
    assert status == 0 and text == "Қазақстан тарихы бай."
    heavy = {m.split(".")[0] for m in loaded} & {"prefect", "dask", "distributed", "fastapi"}
    assert not heavy

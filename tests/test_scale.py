"""Scale-out and incremental runs: a real Dask LocalCluster, the result cache, progress, the
benchmark's corpus generator."""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
import shutil
from itertools import pairwise

import pytest
from conftest import DATA, PROJECT

from flows.cache import CACHE

RELEASE_BYTES = ("documents.jsonl", "changes.jsonl", "review.jsonl", "lexicon.tsv")


def same_release(a, b) -> None:
    """The same release content, byte for byte; the version number may differ."""
    for name in RELEASE_BYTES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    # the same but for the version, the moment of publishing, and the checksums of the
    # reports and the dataset card (each names its version)
    manifests = [json.loads((r / "manifest.json").read_text()) for r in (a, b)]
    same = [{**m, "release": None, "published_at": None, "files": None} for m in manifests]
    assert same[0] == same[1]
    files = [
        {k: v for k, v in m["files"].items() if not k.startswith(("report.", "README"))}
        for m in manifests
    ]
    assert files[0] == files[1]
    for text in (a / "text").iterdir():
        assert text.read_bytes() == (b / "text" / text.name).read_bytes(), text.name


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(DATA / "corpus", folder)
    (folder / "tarikh-2.txt").write_text(
        "Абай Құнанбайұлы қазақтың ұлы ақыны. Ол Семей өңірінде туған.\n", encoding="utf-8"
    )
    return folder


def run(corpus, output, **options):
    from flows.pipeline import run_pipeline

    return run_pipeline(str(corpus), str(output), str(PROJECT / "rules"), **options)


def test_a_rerun_redoes_only_the_changed_file_and_equals_a_fresh_run(prefect_api, corpus, tmp_path):
    output = tmp_path / "output"
    first = run(corpus, output, shard_mb=0.0001)
    assert first["run"]["repair"]["reused"] == 0
    with (corpus / "tarikh-2.txt").open("a", encoding="utf-8") as changed:
        changed.write("Ақын өлеңдері көп тілге аударылды.\n")
    second = run(corpus, output, shard_mb=0.0001)
    assert second["release"] == "v0002"
    assert (second["run"]["repair"]["reused"], second["run"]["repair"]["of"]) == (2, 3)
    # the word counts changed, so every document is corrected again with the new statistics
    assert second["run"]["correct"]["reused"] == 0
    fresh = tmp_path / "fresh"
    run(corpus, fresh, shard_mb=0.0001)
    same_release(output / "v0002", fresh / "v0001")


def test_the_cache_holds_only_the_last_run_and_recovers_from_damage(prefect_api, corpus, tmp_path):
    output = tmp_path / "output"
    run(corpus, output)
    cache = output / CACHE
    files = 3
    assert len(list((cache / "repair").glob("*.json"))) == 2 * files  # metadata and document
    assert len(list((cache / "correct").glob("*.doc.json"))) == files
    (corpus / "tarikh-2.txt").unlink()
    run(corpus, output)
    assert len(list((cache / "repair").glob("*.doc.json"))) == files - 1, "stale entries pruned"
    # a damaged metadata file and a lost document are computed again, not trusted
    meta = sorted(p for p in (cache / "repair").glob("*.json") if ".doc." not in p.name)[0]
    meta.write_text("{not json")
    next((cache / "correct").glob("*.doc.json")).unlink()
    shutil.copy(DATA / "corpus" / "tarikh.txt", corpus / "tarikh-3.txt")
    result = run(corpus, output)
    assert result["run"]["repair"]["reused"] == 1  # of 3: one damaged, one new
    fresh = tmp_path / "fresh"
    run(corpus, fresh)
    same_release(output / result["release"], fresh / "v0001")


def test_two_dask_workers_publish_the_same_bytes(prefect_api, corpus, tmp_path):
    """A real LocalCluster of 2 worker processes, three shards: the release is byte for byte
    the in-process one."""
    alone, cluster = tmp_path / "alone", tmp_path / "cluster"
    run(corpus, alone, shard_mb=0.0001)
    result = run(corpus, cluster, shard_mb=0.0001, workers=2)
    assert result["run"]["shards"] == 3
    same_release(alone / "v0001", cluster / "v0001")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_a_bar_on_a_terminal_and_logs_elsewhere(caplog):
    from flows.progress import Progress

    screen = Terminal()
    bar = Progress("repair", 2, 2_000_000, screen)
    bar.advance(1_000_000, 1_000_000, 0, 0.5)
    bar.advance(1_000_000, 0, 3, 0.1)
    bar.close()
    last = screen.getvalue().rstrip("\n").split("\r")[-1]
    assert last.startswith("repair   [" + "#" * 24 + "] 2/2 shards, 2.0/2.0 MB")
    assert last.endswith("MB/s, 3 cached")
    with caplog.at_level(logging.INFO, logger="tazala"):
        quiet = Progress("correct", 2, 10, io.StringIO())
        quiet.advance(5, 5, 0, 1.25)
        quiet.advance(5, 0, 2, 0.0)
    assert [r.getMessage() for r in caplog.records] == [
        "correct: shard 1/2 done (1.2 s)",
        "correct: shard 2/2 done (0.0 s, 2 file(s) from cache)",
    ]


def test_generated_corpus_is_seeded_and_keeps_bringing_new_words(rules, tmp_path):
    from flows.statistics import count_words
    from flows.synthetic import change_file, generate_corpus

    sources = sorted((DATA / "corpus").rglob("*.txt"))
    a = generate_corpus(sources, rules, tmp_path / "a", 1.5, seed=7)
    b = generate_corpus(sources, rules, tmp_path / "b", 1.5, seed=7)
    names = sorted(p.name for p in a.folder.iterdir())
    assert a.files == len(names) == 6 and a.bytes >= 1.5e6
    assert all((a.folder / n).read_bytes() == (b.folder / n).read_bytes() for n in names)
    forms = [set(count_words((a.folder / n).read_text())) for n in names]
    seen = set()
    for new in forms:
        assert len(new - seen) > 200, "every file brings word forms not seen before"
        seen |= new
    before = (a.folder / names[0]).read_bytes()
    change_file(sources, rules, a.folder, 1, seed=7)
    assert (a.folder / names[0]).read_bytes() != before
    assert (a.folder / names[1]).read_bytes() == (b.folder / names[1]).read_bytes()


def test_shards_of_one_run_share_the_statistics_and_so_the_word_decisions(tmp_path):
    """The stages keep their per-word-type decisions beside the statistics object: shards
    corrected by one process must get the very same object, a new corpus a new one."""
    from flows.pipeline import shared_statistics

    lexicon = tmp_path / "lexicon.tsv"
    lexicon.write_text("бала\t3\n", encoding="utf-8")
    first = shared_statistics(str(lexicon), "digest-1")
    assert shared_statistics(str(lexicon), "digest-1") is first
    assert first.count("бала") == 3
    lexicon.write_text("бала\t4\n", encoding="utf-8")
    assert shared_statistics(str(lexicon), "digest-2").count("бала") == 4


def paragraphs_file(path, paragraphs: int, encoding: str = "utf-8") -> bytes:
    """A long file of distinct Kazakh paragraphs, each a few sentences, blank lines between."""
    text = "".join(
        f"Абай Құнанбайұлы {n}-ші өлеңін Семей өңірінде жазды. Ол қазақтың ұлы ақыны.\n"
        f"Ақынның өлеңдері көп тілге аударылды.\n\n"
        for n in range(1, paragraphs + 1)
    )
    data = text.encode(encoding)
    path.write_bytes(data)
    return data


@pytest.mark.parametrize(
    ("layout", "separator"),
    [("blank lines", b"\n\n"), ("blank lines with spaces", b"\n  \n"), ("lines only", b"\n")],
)
def test_a_large_file_is_cut_after_paragraph_breaks(tmp_path, layout, separator):
    from flows.plan import paragraph_cuts

    path = tmp_path / "big.txt"
    data = separator.join(f"Абзац {n}: бір сөйлем.".encode() for n in range(2000)) + b"\n"
    path.write_bytes(data)
    cuts = paragraph_cuts(path, len(data), 4096)
    assert cuts[0] == 0 and cuts[-1] == len(data)
    assert len(cuts) - 1 == len(data) // 4096 or len(cuts) - 1 == len(data) // 4096 + 1
    for start, end in zip(cuts, cuts[1:-1], strict=False):
        assert end - start >= 4096, layout  # parts are at least the part size
        assert data[:end].endswith(separator), layout  # and end on the break


def test_a_file_without_line_breaks_is_cut_between_words(tmp_path):
    from flows.plan import paragraph_cuts

    path = tmp_path / "one-line.txt"
    data = "сөз ".encode() * 10_000
    path.write_bytes(data)
    cuts = paragraph_cuts(path, len(data), 4096)
    assert len(cuts) > 2 and cuts[-1] == len(data)
    assert all(data[:cut].endswith(b" ") for cut in cuts[1:-1])


def test_a_stretch_with_no_break_or_space_cannot_be_cut(tmp_path):
    from flows.plan import LOOK_AHEAD, paragraph_cuts

    path = tmp_path / "dump.txt"
    path.write_bytes(b"x" * (LOOK_AHEAD + 8192))
    assert paragraph_cuts(path, path.stat().st_size, 4096) is None


def test_a_large_file_becomes_parts_with_one_encoding(prefect_api, tmp_path):
    from flows.plan import paragraph_cuts

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data = paragraphs_file(corpus / "kitap.txt", 400, encoding="kz1048")
    rules = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", rules)
    toml = rules / "pipeline.toml"
    toml.write_text(toml.read_text().replace("part_mb = 4\n", "part_mb = 0.004\n"))  # 4 KB
    from flows.pipeline import run_pipeline

    result = run_pipeline(str(corpus), str(tmp_path / "split"), str(rules))
    release = tmp_path / "split" / result["release"]
    manifest = json.loads((release / "manifest.json").read_text())
    parts = [entry["part"] for entry in manifest["inputs"]]
    cuts = paragraph_cuts(corpus / "kitap.txt", len(data), int(0.004 * 1024 * 1024))
    assert len(parts) > 5 and parts == [list(p) for p in pairwise(cuts)]  # nothing lost
    assert {(e["encoding"], e["encoding_method"]) for e in manifest["inputs"]} == {
        ("kz1048", "first part")
    }
    rows = [json.loads(line) for line in (release / "documents.jsonl").open()]
    assert [row["id"] for row in rows] == [f"kitap.part{n:03d}" for n in range(1, len(parts) + 1)]
    # each part starts with a paragraph: the file's text, part after part
    whole = run_pipeline(str(corpus), str(tmp_path / "whole"), str(PROJECT / "rules"))
    text = (tmp_path / "whole" / whole["release"] / "text" / "kitap.txt").read_text()
    assert "\n\n".join(row["text"] for row in rows) + "\n" == text


def test_dask_workers_are_handed_this_process_prefect_api(prefect_api, monkeypatch):
    """Without the address in their environment each worker process would start a temporary
    Prefect API of its own (4-8 s and ~200 MB each)."""
    from prefect.settings import PREFECT_API_URL

    from flows.pipeline import one_local_api

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with one_local_api(for_workers=True):
        assert os.environ["PREFECT_API_URL"] == PREFECT_API_URL.value()
    assert "PREFECT_API_URL" not in os.environ
    with one_local_api(for_workers=False):
        assert "PREFECT_API_URL" not in os.environ


def test_word_memo_keeps_given_answers_and_a_bounded_number_of_asked_ones():
    from flows.memo import WordMemo

    asked = []
    memo = WordMemo(lambda word: asked.append(word) or word.upper(), size=4)
    assert [memo(w) for w in ["ақ", "көк", "ақ"]] == ["АҚ", "КӨК", "АҚ"]
    assert asked == ["ақ", "көк"]  # once per word type
    memo.prime({"қызыл": "given", "көк": "given too"})
    for word in ["a", "b", "c", "d", "e", "f"]:
        memo(word)
    assert len(memo) <= 4 + 2  # the asked answers are bounded; the given ones stay
    assert memo("қызыл") == "given" and memo("көк") == "given too"
    assert "қызыл" not in asked
    # the next shard's answers take the place of the first's: a process holds one shard's
    memo.prime({"сары": "given next"})
    assert memo.given == 1 and "қызыл" not in memo and memo("сары") == "given next"
    assert memo("қызыл") == "ҚЫЗЫЛ" and "қызыл" in asked  # asked now: answered, the same way


def decided_by_partition(statistics, rules, folder) -> list[str]:
    """The statistics' word types decided in two partitions, each by stages of its own (as
    in other processes); the files of answers."""
    from flows.decisions import answer_word_types, partition_of
    from flows.stages import Context
    from flows.statistics import CorpusStatistics

    paths = []
    for k in range(2):
        deciding = CorpusStatistics(dict(statistics.counts))
        forms = [f for f in deciding.counts if partition_of(f, 2) == k]
        path = folder / f"answers-{k}.pickle"
        path.write_bytes(pickle.dumps(answer_word_types(forms, Context(rules, deciding))))
        paths.append(str(path))
    return paths


def test_word_types_decided_by_partition_are_the_stages_own_answers(rules, tmp_path):
    """Answers made in another process, by partition, are what the stages decide alone."""
    from flows.clean import clean_text
    from flows.decisions import prime_stages
    from flows.stages import Context
    from flows.stages.ocr import corrector_for
    from flows.statistics import CorpusStatistics, count_words

    text = (DATA / "corpus" / "tarikh.txt").read_text(encoding="utf-8")
    text += "\nКазак хандыгы курылды. Хандыктын негізін қалады.\n" * 3
    statistics = CorpusStatistics(dict(count_words(text)))
    alone = clean_text(text, rules, statistics)
    # each partition decided by stages of its own (as in other processes), the answers
    # given to fresh stages, which then clean the text
    paths = decided_by_partition(statistics, rules, tmp_path)
    primed = CorpusStatistics(dict(statistics.counts))
    prime_stages(Context(rules, primed), paths)
    corrector = corrector_for(Context(rules, primed))
    assert corrector.decide.given and corrector.quiet  # answers given before any text
    document = clean_text(text, rules, primed)
    assert (document.text, document.edits) == (alone.text, alone.edits)
    assert any(edit.stage == "ocr" for edit in alone.edits), "the text has words to correct"


def test_a_shard_is_primed_only_with_the_answers_of_its_own_word_forms(rules, tmp_path):
    """A correct task is given the answers of its documents' forms, not the corpus': the
    text comes out as the stages clean it alone, and no other form's answer is held."""
    from flows.clean import clean_text
    from flows.decisions import prime_stages
    from flows.stages import Context
    from flows.stages.ocr import corrector_for
    from flows.stages.spelling import finder_for
    from flows.statistics import CorpusStatistics, count_words

    text = (DATA / "corpus" / "tarikh.txt").read_text(encoding="utf-8")
    text += "\nКазак хандыгы курылды. Хандыктын негізін қалады.\n" * 3
    other = "Мемлекеттiк тiлдi окыту. Балалар мектепке барады, мұғалiмдер сабак бередi.\n" * 3
    statistics = CorpusStatistics(dict(count_words(text) + count_words(other)))
    alone = clean_text(text, rules, statistics)
    paths = decided_by_partition(statistics, rules, tmp_path)
    primed = CorpusStatistics(dict(statistics.counts))
    context = Context(rules, primed)
    prime_stages(context, paths)  # every answer first (another shard's, say): then replaced
    own = set(count_words(text))
    prime_stages(context, paths, own)
    corrector, finder = corrector_for(context), finder_for(context)
    lowers = {form.lower() for form in own}

    def given(memo) -> set:
        return set(list(memo)[: memo.given])

    assert corrector.quiet and corrector.quiet <= own
    assert given(corrector.lexicon.lookup) <= own and given(corrector.glued_parts) <= own
    assert given(corrector.decide) <= lowers and given(finder.variant) <= lowers
    assert corrector.decide.given and finder.variant.given
    strangers = set(count_words(other)) - own
    assert strangers and not strangers & corrector.quiet
    assert not {form.lower() for form in strangers} & given(finder.variant)
    document = clean_text(text, rules, primed)
    assert (document.text, document.edits) == (alone.text, alone.edits)


def test_a_partition_is_decided_in_batches_and_read_back_whole(rules, tmp_path, monkeypatch):
    """A deciding task holds one batch of answers at a time; the file gives them all back."""
    from flows import decisions
    from flows.stages import Context
    from flows.statistics import CorpusStatistics, count_words

    counts = dict(count_words((DATA / "corpus" / "tarikh.txt").read_text(encoding="utf-8")))
    forms = [f for f in counts if decisions.partition_of(f, 2) == 0]
    whole = decisions.answer_word_types(forms, Context(rules, CorpusStatistics(dict(counts))))
    monkeypatch.setattr(decisions, "DECIDE_BATCH", 6)
    path = decisions.decide_partition(
        Context(rules, CorpusStatistics(dict(counts))), 0, 2, tmp_path / "answers.pickle"
    )
    batches = list(decisions.read_answers(path))
    assert len(batches) == -(-len(forms) // 6) > 1
    assert set().union(*(b.quiet for b in batches)) == whole.quiet
    for table in ("lookups", "decisions", "glued", "variants"):
        keys = [key for b in batches for key in getattr(b, table)]
        assert sorted(keys) == sorted(getattr(whole, table)), table


def test_a_file_changed_while_planning_cuts_it_is_named_and_the_run_ends_with_1(tmp_path, capsys):
    """Planning hashes a large file, then reads it again to hash its parts: if it changed in
    between, the plan would name a hash no part has. The run stops with one line, exit 1."""
    import argparse

    from flows.cli import handle
    from flows.ingest import Input, InputChanged
    from flows.plan import part_digests

    (tmp_path / "book.txt").write_bytes(b"a\n\nb\n" * 10)
    stale = Input("book.txt", "book", 60, "0" * 64)  # the hash of the file as it was
    with pytest.raises(InputChanged, match="book.txt changed while the run was being planned"):
        part_digests(stale, tmp_path, [0, 30, 60])

    def plan(args):
        return part_digests(stale, tmp_path, [0, 30, 60])

    assert handle(argparse.Namespace(handler=plan)) == 1
    assert capsys.readouterr().err.startswith("tazala: error: book.txt changed")

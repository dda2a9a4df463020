"""The real `clean-corpus` flow on a small corpus, through a real (temporary) Prefect API."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import DATA, PROJECT

from flows import open_release
from flows.release import LATEST

RELEASE_FILES = {
    "manifest.json",
    "documents.jsonl",
    "changes.jsonl",
    "review.jsonl",
    "report.md",
    "report.html",
    "lexicon.tsv",
    "text",
    "documents.parquet",
    "sentences.parquet",
    "README.md",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The test corpus plus files a corpus folder really gets: legacy-encoded and empty."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copytree(DATA / "corpus", folder, dirs_exist_ok=True)
    kazakh = "Алматы — Қазақстанның ең үлкен қаласы. Ол Іле Алатауының етегінде орналасқан."
    (folder / "ескі.txt").write_bytes(kazakh.encode("kz1048"))
    (folder / "empty.txt").write_bytes(b"")
    return folder


@pytest.fixture(scope="module")
def rules_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(PROJECT / "rules", folder)
    return folder


@pytest.fixture(scope="module")
def first_run(prefect_api, corpus, rules_folder, tmp_path_factory):
    from flows.pipeline import run_pipeline

    output = tmp_path_factory.mktemp("output")
    result = run_pipeline(str(corpus), str(output), str(rules_folder), shard_mb=4.0)
    return output, result


def test_first_run_publishes_a_complete_release(first_run):
    output, result = first_run
    assert (result["status"], result["release"], result["output"]) == (
        "published",
        "v0001",
        str(output),
    )
    assert (output / LATEST).read_text().strip() == "v0001"
    assert {p.name for p in (output / "v0001").iterdir()} == RELEASE_FILES
    listing = sorted(p.name for p in output.iterdir())
    assert listing == [".cache", ".lock", LATEST, "v0001"], "no temporary"
    run = result["run"]
    assert (run["files"], run["repair"]["reused"], run["correct"]["reused"]) == (4, 0, 0)
    manifest = json.loads((output / "v0001" / "manifest.json").read_text())
    assert list(run["stage_seconds"]) == list(manifest["stages"]), "every stage timed"


def test_manifest_records_inputs_rules_code_and_counts(first_run, corpus):
    output, _ = first_run
    manifest = json.loads((output / "v0001" / "manifest.json").read_text())
    assert manifest["release"] == "v0001" and len(manifest["fingerprint"]) == 64
    assert manifest["code_version"].startswith("0.") and manifest["rules_fingerprint"]
    inputs = {i["path"]: i for i in manifest["inputs"]}
    assert set(inputs) == {"tarikh.txt", "web/abai.txt", "ескі.txt"}  # skipped: not an input
    assert inputs["tarikh.txt"]["bytes"] == (corpus / "tarikh.txt").stat().st_size
    assert inputs["tarikh.txt"]["encoding"] == "utf-8"
    assert (inputs["ескі.txt"]["encoding"], inputs["ескі.txt"]["encoding_method"]) == (
        "kz1048",
        "model",
    )
    assert manifest["skipped"] == [{"path": "empty.txt", "reason": "empty file"}]
    assert list(manifest["stages"]) == [
        "encoding",
        "characters",
        "layout",
        "sentences",
        "repeats",
        "ocr",
        "spelling",
    ]
    assert manifest["stages"]["sentences"]["glued-end"] == 1
    assert manifest["totals"]["documents"] == 3
    report = (output / "v0001" / "report.md").read_text()
    assert "skipped `empty.txt`: empty file" in report
    assert "| ocr | corrects words the lexicon does not know" in report
    assert "| spelling | one spelling per word" in report


def test_letter_edits_are_logged_with_document_and_position(first_run):
    output, _ = first_run
    edits = [json.loads(line) for line in (output / "v0001" / "changes.jsonl").open()]
    (edit,) = [e for e in edits if e["stage"] == "encoding"]
    assert edit["document"] == "web--abai" and edit["rule"] == "ftfy"
    assert edit["after"].startswith("Абай Құнанбайұлы") and edit["position"] == len(
        "Жаңалықтар\n\n"
    )
    assert set(edit) >= {"before", "confidence", "evidence"}


def test_documents_read_back_through_the_reader(first_run):
    output, _ = first_run
    release = open_release(output)
    documents = {d.id: d for d in release.documents()}
    assert set(documents) == {"tarikh", "web--abai", "ескі"}
    tarikh = documents["tarikh"]
    assert list(tarikh.sentences())[:3] == [
        "Қазақ хандығы XV ғасырда құрылды.",  # its lost period restored
        "Хандықтың негізін Керей мен Жәнібек қалады.",
        "Олар Әбілқайыр хандығынан бөлініп шықты.",
    ]
    assert "Бұл оқиға туралы М.Х. Дулати «Тарих-и Рашиди» еңбегінде жазды." in tarikh.sentences()
    assert tarikh.paragraphs[-1] == ["Жаңа абзац мұнда басталады.", "Ол екі сөйлемнен тұрады."]
    text = (release.path / "text" / "tarikh.txt").read_text()
    assert text == "\n\n".join("\n".join(p) for p in tarikh.paragraphs) + "\n"
    assert release.statistics().count("хандығы") == 2
    assert tarikh.languages == ["kk"] * len(tarikh.paragraphs)


def test_second_run_publishes_nothing(first_run, corpus, rules_folder):
    from flows.pipeline import run_pipeline

    output, _ = first_run
    result = run_pipeline(str(corpus), str(output), str(rules_folder))
    assert result["status"] == "up-to-date" and result["release"] == "v0001"
    assert [p.name for p in output.iterdir() if p.name.startswith("v")] == ["v0001"]


def test_shard_size_does_not_change_the_release(first_run, corpus, rules_folder, tmp_path):
    from flows.pipeline import run_pipeline

    output, _ = first_run
    sharded = tmp_path / "sharded"
    run_pipeline(str(corpus), str(sharded), str(rules_folder), shard_mb=0.0001)  # a shard a file
    names = ("documents.jsonl", "changes.jsonl", "report.md", "lexicon.tsv", "README.md")
    for name in (*names, "documents.parquet", "sentences.parquet"):
        assert (sharded / "v0001" / name).read_bytes() == (output / "v0001" / name).read_bytes()
    # the manifests differ only in the moment they were published
    manifests = [json.loads((o / "v0001" / "manifest.json").read_text()) for o in (sharded, output)]
    assert manifests[0].pop("published_at") and manifests[1].pop("published_at")
    assert manifests[0] == manifests[1]


def test_a_rules_change_publishes_a_new_version(first_run, corpus, rules_folder):
    from flows.pipeline import run_pipeline

    output, _ = first_run
    pipeline = rules_folder / "pipeline.toml"
    pipeline.write_text(pipeline.read_text().replace("0.95", "0.9", 1))
    result = run_pipeline(str(corpus), str(output), str(rules_folder))
    assert (result["status"], result["release"]) == ("published", "v0002")
    assert (output / LATEST).read_text().strip() == "v0002"
    old, new = (json.loads((output / v / "manifest.json").read_text()) for v in ("v0001", "v0002"))
    assert old["rules_fingerprint"] != new["rules_fingerprint"]
    assert (output / "v0001" / "documents.jsonl").exists(), "old releases stay"


def test_tazala_run_command(corpus, tmp_path):
    """The command as a user runs it: its own temporary Prefect API, a summary on stdout."""
    tazala = Path(PROJECT / ".venv" / "bin" / "tazala")
    command = [str(tazala)] if tazala.exists() else ["python", "-m", "flows.cli"]
    args = ["run", "--corpus", str(corpus), "--output", str(tmp_path / "out")]
    first = subprocess.run(command + args, capture_output=True, text=True, timeout=300)
    assert first.returncode == 3, first.stderr  # published, but empty.txt was skipped
    assert "published v0001" in first.stdout and "3 documents" in first.stdout
    assert "1 files skipped: see report.md" in first.stdout
    assert "repair: shard 1/1 done" in first.stderr
    assert "Traceback" not in first.stderr and "ERROR" not in first.stderr
    again = subprocess.run(command + args, capture_output=True, text=True, timeout=300)
    assert again.returncode == 3 and again.stdout.startswith("up to date: v0001")
    (corpus / "empty.txt").unlink()
    whole = subprocess.run(command + args, capture_output=True, text=True, timeout=300)
    assert whole.returncode == 0 and "published v0002" in whole.stdout, whole.stderr
    (corpus / "empty.txt").write_bytes(b"")  # the module's corpus as it was


def test_a_run_makes_a_name_one_spelling_and_variants_lists_it(prefect_api, tmp_path):
    """Corpus level: the corpus writes Хрущев four times, Хрушев and Хрушевтің once each; the
    release has one spelling, changes.jsonl says why, and `tazala variants` lists the cluster."""
    import sys

    from flows.pipeline import run_pipeline

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = (
        "Хрущев партия съезінде баяндама жасады. Хрущев елді он жыл басқарды. "
        "Хрущев ауыл шаруашылығын көтеруге тырысты. Хрущев тың жерлерді игеруді бастады.\n\n"
        "Хрушев кейін қызметінен кетті. Хрушевтің реформалары туралы көп жазылды.\n"
    )
    (corpus / "tarikh.txt").write_text(text, encoding="utf-8")
    output = tmp_path / "output"
    run_pipeline(str(corpus), str(output), str(PROJECT / "rules"))
    release = open_release(output)
    (document,) = release.documents()
    assert "Хрушев" not in document.text
    assert "Хрущев кейін" in document.text and "Хрущевтің реформалары" in document.text
    rows = [json.loads(line) for line in (release.path / "changes.jsonl").open()]
    merges = {(r["before"], r["after"]) for r in rows if r["stage"] == "spelling"}
    assert merges == {("Хрушев", "Хрущев"), ("Хрушевтің", "Хрущевтің")}
    listing = subprocess.run(
        [sys.executable, "-m", "flows.cli", "variants", "--output", str(output)],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=120,
        check=True,
    ).stdout
    assert "хрущев  4×  (valid)" in listing
    assert "  хрушев  1×  ш>щ  confidence" in listing and "applied 1×" in listing
    assert "Хрущев кейін" in listing  # a context from the release text


SCHEMA = {
    "id": str,
    "source": str,
    "encoding": str,
    "text": str,
    "paragraphs": list,
    "languages": list,
}


def test_documents_jsonl_has_one_schema_that_dataframe_readers_take_as_is(first_run):
    """What `pandas.read_json(path, lines=True)` and `datasets.load_dataset("json", ...)`
    need: one JSON object per line, the same keys with the same types on every line (lists
    of strings; paragraphs as lists of [start, end] sentence offsets into the text, which is
    kept once), nothing else; checked with the standard library."""
    output, _ = first_run
    lines = (output / "v0001" / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines
    for line in lines:
        row = json.loads(line)
        assert list(row) == list(SCHEMA)
        assert all(isinstance(row[key], kind) for key, kind in SCHEMA.items())
        spans = [span for p in row["paragraphs"] for span in p]
        assert all(isinstance(a, int) and isinstance(b, int) for a, b in spans)
        assert all(p and isinstance(p, list) for p in row["paragraphs"])
        assert len(row["languages"]) == len(row["paragraphs"])
        assert set(row["languages"]) <= {"kk", "ru", "en", "other"}
        # the text once: the sentences are its lines, at their offsets
        text = row["text"]
        sentences = [[text[a:b] for a, b in p] for p in row["paragraphs"]]
        assert text == "\n\n".join("\n".join(p) for p in sentences)
    release = open_release(output, "v0001")
    ids = [s.id for s in release.sentences()]
    assert len(ids) == len(set(ids)) == release.manifest["totals"]["sentences"]

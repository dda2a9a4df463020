"""`tazala review` and `tazala diff` on real releases of the test corpus: a suggestion
accepted or rejected goes into the rules, the next run follows it, and the diff between the
releases says which documents changed and that the rules file did."""

from __future__ import annotations

import shutil

import pytest
from conftest import DATA, PROJECT

from flows import open_release
from flows.cli import main
from flows.diff import diff_sentences

SUGGESTED = ("Рашиди", "Рашиді")  # the OCR stage's one suggestion on the test corpus


def total(name: str, n: int) -> str:
    """A line of the totals `tazala diff` prints."""
    return f"  {name:<20} {n:>8,}"


@pytest.fixture
def setup(prefect_api, tmp_path):
    from flows.pipeline import run_pipeline

    corpus, rules, output = tmp_path / "corpus", tmp_path / "rules", tmp_path / "output"
    shutil.copytree(DATA / "corpus", corpus)
    shutil.copytree(PROJECT / "rules", rules)

    def run() -> str:
        return run_pipeline(str(corpus), str(output), str(rules))["release"]

    return corpus, rules, output, run


def test_review_lists_groups_with_contexts(setup, capsys):
    _, _, output, run = setup
    run()
    assert main(["review", "--output", str(output)]) == 0
    listed = capsys.readouterr().out
    assert "1 suggestions in 1 groups" in listed
    assert "рашиди -> рашиді   ocr:lost" in listed
    assert "tarikh: …Бұл оқиға туралы М.Х. Дулати «Тарих-и [Рашиди]» еңбегінде жазды.…" in listed


def decide_and_run_again(setup, decision: str) -> tuple:
    """v0001, the decision on its suggestion written to the rules, v0002."""
    _, rules, output, run = setup
    run()
    review = ["review", "--output", str(output), "--rules", str(rules)]
    assert main([*review, decision, *SUGGESTED]) == 0
    assert run() == "v0002"
    return review, rules, output, open_release(output, "v0002")


def test_an_accepted_suggestion_is_applied_by_the_next_run(setup, capsys):
    _, rules, output, release = decide_and_run_again(setup, "--accept")
    line = (rules / "kk" / "variants.tsv").read_text(encoding="utf-8").splitlines()[-1]
    assert line == "рашиди\tрашиді\tpin\taccepted in review of v0001 (ocr:lost, 1 suggestion)"
    assert "«Тарих-и Рашиді»" in release.document("tarikh").text
    changes = (release.path / "changes.jsonl").read_text(encoding="utf-8")
    assert '"rule": "spelling:pinned", "before": "Рашиди", "after": "Рашиді"' in changes
    capsys.readouterr()
    assert main(["diff", "1", "2", "--output", str(output)]) == 0
    shown = capsys.readouterr().out
    assert "rules file changed: rules/kk/variants.tsv" in shown
    assert total("documents changed", 1) in shown and total("sentences changed", 1) in shown
    assert "- Бұл оқиға туралы М.Х. Дулати «Тарих-и Рашиди» еңбегінде жазды." in shown
    assert "+ Бұл оқиға туралы М.Х. Дулати «Тарих-и Рашиді» еңбегінде жазды." in shown


def test_a_rejected_suggestion_is_not_made_again(setup, capsys):
    review, _, _, release = decide_and_run_again(setup, "--reject")
    assert (release.path / "review.jsonl").read_text(encoding="utf-8") == ""
    assert "«Тарих-и Рашиди»" in release.document("tarikh").text
    capsys.readouterr()
    assert main([*review, "--accept", *SUGGESTED]) == 2
    assert "not a suggestion of v0002" in capsys.readouterr().err


def test_a_decision_against_an_earlier_one_is_refused(setup, capsys):
    _, rules, output, run = setup
    run()
    args = ["review", "1", "--output", str(output), "--rules", str(rules)]
    assert main([*args, "--reject", *SUGGESTED]) == 0
    before = (rules / "kk" / "variants.tsv").read_text(encoding="utf-8")
    assert main([*args, "--reject", *SUGGESTED]) == 0  # the same decision again: nothing new
    assert main([*args, "--accept", *SUGGESTED]) == 2
    assert "already decided (forbid)" in capsys.readouterr().err
    assert (rules / "kk" / "variants.tsv").read_text(encoding="utf-8") == before


def test_diff_names_the_inputs_that_changed(setup, capsys):
    corpus, _, output, run = setup
    run()
    (corpus / "жаңа.txt").write_text("Жаңа құжат. Екі сөйлем бар.\n", encoding="utf-8")
    tarikh = corpus / "tarikh.txt"
    tarikh.write_text(tarikh.read_text(encoding="utf-8") + "\nСоңғы сөйлем қосылды.\n", "utf-8")
    run()
    capsys.readouterr()
    assert main(["diff", "1", "--output", str(output)]) == 0  # against the latest
    shown = capsys.readouterr().out
    assert shown.startswith("v0001 -> v0002")
    assert "input added: жаңа.txt" in shown and "input changed: tarikh.txt" in shown
    assert total("documents added", 1) in shown
    assert total("sentences added", 3) in shown  # two in the new file, one in tarikh


@pytest.mark.parametrize(
    ("old", "new", "counts"),
    [
        (["a", "b", "c"], ["a", "b", "c"], (0, 0, 0)),
        (["a", "b", "c"], ["a", "B", "c"], (0, 0, 1)),
        (["a", "b"], ["a", "b", "c", "d"], (2, 0, 0)),
        (["a", "b", "c"], ["c"], (0, 2, 0)),
        (["a", "b", "c"], ["x", "y"], (0, 1, 2)),
    ],
)
def test_sentence_alignment_counts(old, new, counts):
    result = diff_sentences("d", old, new)
    assert (result.added, result.removed, result.changed) == counts


def test_suggestions_a_later_stage_settled_are_not_listed(tmp_path):
    """The OCR stage suggested a word the spelling stage then changed: not open any more."""
    import json

    from flows.release import Release
    from flows.review import render_groups, suggestion_groups

    text = "Бірінші белсенділері келді. Жогаргы Кеңес. Жогаргы орган."
    row = {"id": "d", "source": "d.txt", "encoding": "utf-8", "text": text, "paragraphs": []}
    (tmp_path / "documents.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n")
    suggestions = [
        ("белсеңділері", "белсенділері", 8),  # settled: the text has the spelling stage's form
        ("Жогаргы", "Жоғарғы", 28),
        ("Жогаргы", "Жоғарғы", 43),
        ("Жогаргы", "Жоғарғы", 44),  # a third suggestion, but no third place to show
    ]
    rows = [
        {
            "document": "d",
            "stage": "ocr",
            "rule": "ocr:lost",
            "before": b,
            "after": a,
            "position": p,
            "confidence": 0.8,
        }
        for b, a, p in suggestions
    ]
    (tmp_path / "review.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    )
    groups, settled = suggestion_groups(Release(tmp_path, "v0001", {}))
    assert settled == 1
    [group] = groups
    assert (group.before, group.after, group.count) == ("жогаргы", "жоғарғы", 3)
    shown = render_groups(groups, settled, limit=5)
    assert "3 suggestions in 1 groups" in shown
    assert shown.endswith("(1 more were settled by a later stage, which changed the word)\n")
    first, second = (p["context"] for p in group.places)  # two places, each shown once
    assert "келді. [Жогаргы] Кеңес. Жогаргы орган.…" in first
    assert "Кеңес. [Жогаргы] орган.…" in second


def fake_release(folder, version: str, documents: list[tuple[str, list[str]]]):
    """A release of documents (source path, sentences), in the given order."""
    import json

    from flows.release import Release

    folder.mkdir(parents=True)
    with (folder / "documents.jsonl").open("w", encoding="utf-8") as out:
        for source, sentences in documents:
            row = {
                "id": source.removesuffix(".txt"),
                "source": source,
                "encoding": "utf-8",
                "text": "\n".join(sentences),
                "paragraphs": [sentences],
                "languages": ["kk"],
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    manifest = {"inputs": [], "rules_fingerprint": "r", "code_version": "c", "parameters": {}}
    return Release(folder, version, manifest)


@pytest.mark.parametrize("order", ["corpus order", "out of order"])
def test_diff_matches_documents_by_id_however_they_are_ordered(tmp_path, order):
    from flows.diff import diff_releases

    old = [("a.txt", ["Бір."]), ("b.txt", ["Екі.", "Үш."]), ("d.txt", ["Төрт."])]
    new = [("a.txt", ["Бір."]), ("c.txt", ["Бес."]), ("d.txt", ["Төрт!"]), ("e.txt", ["Алты."])]
    if order == "out of order":  # an old release, written in another order: compared in memory
        new = new[::-1]
    result = diff_releases(
        fake_release(tmp_path / "old", "v0001", old), fake_release(tmp_path / "new", "v0002", new)
    )
    found = {(d.id, d.status, d.added, d.removed, d.changed) for d in result.documents}
    assert found == {
        ("b", "removed", 0, 2, 0),
        ("c", "added", 1, 0, 0),
        ("d", "changed", 0, 0, 1),
        ("e", "added", 1, 0, 0),
    }
    assert result.unchanged == 1


def test_a_review_decision_corrects_again_but_repairs_nothing_again(setup):
    """variants.tsv is read by the correct stages only: after a decision the next run takes
    every file's repair from the cache and corrects every document again."""
    from flows.pipeline import run_pipeline

    corpus, rules, output, run = setup
    run()
    review = ["review", "--output", str(output), "--rules", str(rules)]
    assert main([*review, "--accept", *SUGGESTED]) == 0
    result = run_pipeline(str(corpus), str(output), str(rules))
    assert result["release"] == "v0002"
    repair, correct = result["run"]["repair"], result["run"]["correct"]
    assert repair["reused"] == repair["of"] > 0
    assert correct["reused"] == 0

"""`tazala bench calibration`: do the decision model's probabilities mean what they say?

A reliability table puts the edits' predicted probability (that the edit is right: wrong x
choice) in bins and sets beside each bin the share of its edits that were right. Measured on
held-out synthetic errors (flows/training.py, a seed the shipped model was not fitted with) and
on any gold files given. On gold passages an OCR edit counts as right when it gives the word
the gold passage has where the raw and gold words align one for one (letter case aside); where
they do not, when its result is a word of the gold passage and the word it replaced is not.
Then the precision and recall of the edits the shipped rules apply (by the `decision` of
rules/pipeline.toml), and of those the model would apply at `precision`. The same table for the
spelling stage's merges, on held-out simulated merges (flows/spelling_training.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from difflib import SequenceMatcher
from pathlib import Path

import regex

from flows.clean import clean_text
from flows.evaluate import read_gold
from flows.rules import Rules
from flows.statistics import CorpusStatistics
from flows.training import labelled_examples

BINS = 10
HELD_OUT_SEED = 1_000_003  # not the fitted model's seed
WORD = regex.compile(r"\p{L}+")
TOKEN_WORD = regex.compile(r"[\p{L}!1|]+")  # a word with the signs OCR reads for і

Outcome = tuple[float, bool]  # predicted probability the edit is right, whether it was
Applied = tuple[bool, bool]  # whether the shipped rules applied the edit, whether it was right


def synthetic_outcomes(rules: Rules, size: int) -> list[Outcome]:
    """Each held-out example's edit: its probability, and whether applying it would be right
    (the word was an error and the best candidate the word meant)."""
    model = rules.decision_model
    if model is None:
        raise ValueError("the rules have no kk/decision_model.toml; run `tazala fit-model`")
    return [
        (model.right(x.features), bool(x.choice))
        for x in labelled_examples(rules, size, HELD_OUT_SEED)
    ]


def spelling_outcomes(rules: Rules, size: int) -> list[Outcome]:
    """Each held-out simulated spelling merge (flows/spelling_training.py, a seed the shipped
    model was not fitted with): its probability, and whether merging would be right. As many
    proposals are drawn as the model was fitted on (`size` if it does not say): they share one
    simulated corpus, whose size sets how often a form has rivals."""
    from flows.spelling_training import labelled_merges

    model = rules.spelling_model
    if model is None:
        raise ValueError("the rules have no kk/spelling_model.toml; run `tazala fit-model`")
    drawn = int(model.about.get("proposals_drawn", size))
    merges = labelled_merges(rules, drawn, HELD_OUT_SEED)
    return [(model.right(x.features), bool(x.right)) for x in merges]


def gold_outcomes(
    paths: Iterable[Path], rules: Rules, statistics: CorpusStatistics
) -> tuple[list[Outcome], list[Applied]]:
    """Each OCR edit (applied or suggested) on the gold passages: the model's probability and
    whether the edit was right; whether the shipped rules applied it."""
    outcomes: list[Outcome] = []
    applied: list[Applied] = []
    for path in paths:
        for passage in read_gold(path):
            meant = words_meant(passage["raw"], passage["gold"])
            gold_words = set(WORD.findall(passage["gold"]))
            document = clean_text(passage["raw"], rules, statistics)
            for edit in document.edits + document.suggestions:
                if edit.stage != "ocr" or "model" not in (edit.evidence or {}):
                    continue  # specks, glued words: no decision of the model
                right = edit_is_right(edit.before, edit.after, meant, gold_words)
                outcomes.append((edit.evidence["model"]["right"], right))
                applied.append((edit in document.edits, right))
    return outcomes, applied


def words_meant(raw: str, gold: str) -> dict[str, Counter[str]]:
    """For each word of the raw text, the gold words it stands for where the two texts align
    word for word (lower case): сөз for сез, and сез for сез where the scan was right."""
    raw_words = [w.lower() for w in TOKEN_WORD.findall(raw)]
    gold_words = [w.lower() for w in TOKEN_WORD.findall(gold)]
    meant: dict[str, Counter[str]] = {}
    matcher = SequenceMatcher(a=raw_words, b=gold_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
            for seen, word in zip(raw_words[i1:i2], gold_words[j1:j2], strict=True):
                meant.setdefault(seen, Counter())[word] += 1
    return meant


def edit_is_right(
    before: str, after: str, meant: dict[str, Counter[str]], gold_words: set[str]
) -> bool:
    """Is the edit right? Where the word aligns with gold words: when it gives the word meant
    at most of its places (letter case aside: a capital the sentences stage decides). Where
    it does not (a line the scan garbled): when its result is a gold word and the form it
    replaced is not."""
    if (places := meant.get(before.lower())) is not None:
        word, _ = places.most_common(1)[0]
        return after.lower() == word
    return after in gold_words and before not in gold_words


def reliability_rows(outcomes: list[Outcome], title: str, what: str = "edits") -> list[str]:
    rows = [title, f"  predicted  {what:>9}   mean predicted   share right   gap"]
    for b in range(BINS):
        low, high = b / BINS, (b + 1) / BINS
        inside = [(p, r) for p, r in outcomes if low <= p < high or (b == BINS - 1 and p == 1.0)]
        if not inside:
            continue
        mean = sum(p for p, _ in inside) / len(inside)
        right = sum(r for _, r in inside) / len(inside)
        flag = "" if len(inside) < 50 or abs(mean - right) <= 0.10 else "  off by more than 0.10"
        rows.append(
            f"  {low:.1f}-{high:.1f}  {len(inside):>9,}   {mean:>14.3f}   {right:>11.3f}"
            f"   {right - mean:+.3f}{flag}"
        )
    return rows


def precision_row(label: str, applied: list[Applied]) -> str:
    """Precision of the applied edits, and recall over the edits that would have been right."""
    chosen = [right for done, right in applied if done]
    right = sum(chosen)
    fixable = sum(right for _, right in applied)
    precision = f"{right / len(chosen):.1%}" if chosen else "-"
    recall = f"{right / fixable:.1%}" if fixable else "-"
    return (
        f"  {label}: {len(chosen):,} edits applied, {right:,} right: precision {precision}, "
        f"recall {recall} (of {fixable:,} candidate edits that would be right)"
    )


def threshold_rows(
    outcomes: list[Outcome], threshold: float, precision: float, shipped: list[Applied] | None
) -> list[str]:
    rows = []
    if shipped is not None:
        rows.append(precision_row("as shipped", shipped))
    by_model = [(p >= threshold, right) for p, right in outcomes]
    rows.append(precision_row(f"model at precision {precision} (p >= {threshold})", by_model))
    return rows


def bench_calibration(
    rules: Rules, gold: list[Path], statistics: CorpusStatistics, size: int
) -> list[str]:
    from flows.stages.ocr import edit_threshold

    threshold = edit_threshold(rules)
    precision = float(rules.parameter("ocr", "precision", 0.97))
    outcomes = synthetic_outcomes(rules, size)
    rows = reliability_rows(outcomes, f"held-out synthetic errors (seed {HELD_OUT_SEED}):")
    rows += threshold_rows(outcomes, threshold, precision, None)
    if rules.spelling_model is not None:
        from flows.stages.spelling import merge_threshold

        merges = spelling_outcomes(rules, size)
        title = f"held-out simulated spelling merges (seed {HELD_OUT_SEED}):"
        rows += [""] + reliability_rows(merges, title, "merges")
        share = rules.threshold("spelling")
        rows += threshold_rows(merges, merge_threshold(rules), share, None)
    together: tuple[list[Outcome], list[Applied]] = ([], [])
    for path in gold:
        outcomes, shipped = gold_outcomes([path], rules, statistics)
        together[0].extend(outcomes)
        together[1].extend(shipped)
        rows += [""] + reliability_rows(outcomes, f"{path.name} (OCR edits applied or suggested):")
        rows += threshold_rows(outcomes, threshold, precision, shipped)
    if len(gold) > 1:
        decision = rules.parameter("ocr", "decision", "channel")
        rows += ["", f"all gold files together (decision = {decision}):"]
        rows += threshold_rows(*together[:1], threshold, precision, together[1])
    return rows

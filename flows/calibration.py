"""`tazala bench calibration`: do the decision model's probabilities mean what they say?

A reliability table puts the edits' predicted probability (that the edit is right: wrong x
choice) in bins and sets beside each bin the share of its edits that were right. Measured on
held-out synthetic errors (flows/training.py, a seed the shipped model was not fitted with) and
on any gold files given. On gold passages an OCR edit counts as right when its result is a
word of the gold passage and the word it replaced is not (an approximation: the words are not
aligned). Then the precision and recall the shipped threshold gives.
"""

from __future__ import annotations

from collections.abc import Iterable
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

Outcome = tuple[float, bool]  # predicted probability the edit is right, whether it was


def synthetic_outcomes(rules: Rules, size: int) -> list[Outcome]:
    """Each held-out example's edit: its probability, and whether applying it would be right
    (the word was an error and the best candidate the word meant)."""
    model = rules.decision_model
    if model is None:
        raise ValueError("the rules have no kk/decision_model.toml; run `tazala fit-model`")
    return [
        (model.wrong.probability(x.features) * model.choice.probability(x.features), bool(x.choice))
        for x in labelled_examples(rules, size, HELD_OUT_SEED)
    ]


def gold_outcomes(paths: Iterable[Path], rules: Rules, statistics: CorpusStatistics) -> list:
    """Each OCR edit (applied or suggested) on the gold passages, with whether it was right,
    and the number of wrong raw words (for recall)."""
    outcomes: list[Outcome] = []
    for path in paths:
        for passage in read_gold(path):
            gold_words = set(WORD.findall(passage["gold"]))
            document = clean_text(passage["raw"], rules, statistics)
            for edit in document.edits + document.suggestions:
                if edit.stage != "ocr" or edit.rule == "ocr:glued":
                    continue
                right = edit.after in gold_words and edit.before not in gold_words
                outcomes.append((edit.confidence, right))
    return outcomes


def reliability_rows(outcomes: list[Outcome], title: str) -> list[str]:
    rows = [title, "  predicted      edits   mean predicted   share right   gap"]
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


def threshold_rows(outcomes: list[Outcome], threshold: float, errors: int | None) -> list[str]:
    """Precision of the edits at or above the threshold, and recall over the fixable."""
    applied = [r for p, r in outcomes if p >= threshold]
    right = sum(applied)
    fixable = errors if errors is not None else sum(r for _, r in outcomes)
    precision = right / len(applied) if applied else float("nan")
    recall = right / fixable if fixable else float("nan")
    return [
        f"  at confidence_threshold {threshold}: {len(applied):,} edits applied, "
        f"{right:,} right: precision {precision:.1%}, recall {recall:.1%} "
        f"(of {fixable:,} {'edits that would be right' if errors is None else 'wrong words'})"
    ]


def bench_calibration(
    rules: Rules, gold: list[Path], statistics: CorpusStatistics, size: int
) -> list[str]:
    threshold = rules.threshold("ocr")
    outcomes = synthetic_outcomes(rules, size)
    rows = reliability_rows(outcomes, f"held-out synthetic errors (seed {HELD_OUT_SEED}):")
    rows += threshold_rows(outcomes, threshold, None)
    for path in gold:
        outcomes = gold_outcomes([path], rules, statistics)
        rows += [""] + reliability_rows(outcomes, f"{path.name} (OCR edits applied or suggested):")
        rows += threshold_rows(outcomes, threshold, None)
    if len(gold) > 1:
        outcomes = gold_outcomes(gold, rules, statistics)
        rows += ["", "all gold files together:"] + threshold_rows(outcomes, threshold, None)
    return rows

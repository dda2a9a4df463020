"""The OCR stage's decision model: two calibrated logistic regressions over a word's features.

`wrong`: is the word, as written, an OCR error (not a name, a loan, a gap of the lexicon)?
`choice`: given it is one, is the best candidate the word that was meant? An edit is right
with probability wrong x choice, and `confidence_threshold` in rules/pipeline.toml is that
probability: the share of applied edits a user asks to be right.

Each model is fitted by Newton's method (iteratively reweighted least squares) with a small
ridge penalty, then calibrated by Platt scaling on held-out examples (a second, one-feature
logistic fit of the outcome on the model's logit). Pure Python: about 25 features and ten
thousand examples fit in seconds. The coefficients live in rules/kk/decision_model.toml, a text
a person can read and diff (`tazala fit-model` writes it; flows/kazakh/training.py makes the
examples), so they are part of the rules fingerprint.
"""

from __future__ import annotations

import bisect
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

RIDGE = 1.0  # L2 penalty on the coefficients (not the bias): keeps rare features' weights sane
NEWTON_STEPS = 25
LOGIT_CAP = 30.0
MAX_PLATT_STEP = 0.5  # exp() of more overflows nothing but says nothing more either


def sigmoid(z: float) -> float:
    z = max(-LOGIT_CAP, min(LOGIT_CAP, z))
    return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class Logistic:
    """One calibrated logistic regression: weights by feature name, then Platt's a and b."""

    weights: dict[str, float]
    platt: tuple[float, float] = (1.0, 0.0)

    def logit(self, features: dict[str, float]) -> float:
        """The bias plus each weight times its feature (a feature the model lacks counts 0)."""
        weights = self.weights
        return weights.get("bias", 0.0) + sum(
            w * features.get(name, 0.0) for name, w in weights.items() if name != "bias"
        )

    def probability(self, features: dict[str, float]) -> float:
        a, b = self.platt
        return sigmoid(a * self.logit(features) + b)


@dataclass(frozen=True)
class DecisionModel:
    wrong: Logistic
    choice: Logistic
    about: dict[str, object] = field(default_factory=dict)  # seed, data sizes, how made
    # precision -> the lowest probability whose edits and all surer ones were right that
    # often on the held-out examples, for precisions PRECISIONS
    thresholds: dict[float, float] = field(default_factory=dict)
    # wrong x choice -> P(the edit is right), isotonic: the two are calibrated one by one,
    # their product is not until this (points and values, interpolated; empty: the product)
    right_curve: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())

    def right(self, features: dict[str, float]) -> float:
        """P(the edit to the best candidate is right)."""
        return self.right_of(self.wrong.probability(features), self.choice.probability(features))

    def right_of(self, wrong: float, choice: float) -> float:
        return interpolate(self.right_curve, wrong * choice)

    def threshold_for(self, precision: float) -> float:
        """The probability an edit needs for the applied edits to be right `precision` of
        the time; beyond the table, the precision itself (calibrated: each edit that sure)."""
        return threshold_in(self.thresholds, precision)


def threshold_in(thresholds: dict[float, float], precision: float) -> float:
    """The lowest probability of a model's held-out table that keeps `precision`; beyond the
    table, the precision itself (calibrated: each decision that sure)."""
    known = [p for p in thresholds if p >= precision - 1e-9]
    return thresholds[min(known)] if known else precision


PRECISIONS = tuple(round(0.80 + 0.01 * i, 2) for i in range(20))  # 0.80 .. 0.99


def precision_thresholds(outcomes: Sequence[tuple[float, bool]]) -> dict[float, float]:
    """For each precision of PRECISIONS, the lowest probability t such that the edits of
    probability t or more were right that share of the time (and at least 20 of them)."""
    ranked = sorted(outcomes, key=lambda o: -o[0])
    table: dict[float, float] = {}
    right = 0
    cumulative = []
    for n, (p, r) in enumerate(ranked, 1):
        right += r
        if n == len(ranked) or ranked[n][0] != p:  # edits of one probability go together
            cumulative.append((p, right / n, n))
    for precision in PRECISIONS:
        passing = [p for p, share, n in cumulative if share >= precision and n >= 20]
        if passing:
            table[precision] = round(min(passing), 4)
    return table


def fit_isotonic(
    scores: Sequence[float], labels: Sequence[int]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Pool adjacent violators: the non-decreasing step function of the score that best fits
    the labels; each block as (its mean score, its share of ones)."""
    blocks: list[list[float]] = []  # [score sum, label sum, count]
    for score, label in sorted(zip(scores, labels, strict=True)):
        blocks.append([score, float(label), 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            s, y, n = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += y
            blocks[-1][2] += n
    points = tuple(round(s / n, 6) for s, _, n in blocks)
    values = tuple(round(y / n, 6) for _, y, n in blocks)
    return points, values


def interpolate(curve: tuple[tuple[float, ...], tuple[float, ...]], x: float) -> float:
    points, values = curve
    if not points:
        return x
    i = bisect.bisect_left(points, x)
    if i == 0:
        return values[0]
    if i == len(points):
        return values[-1]
    x0, x1, y0, y1 = points[i - 1], points[i], values[i - 1], values[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1


def solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting: the Newton step of a small system."""
    n = len(vector)
    rows = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        if abs(rows[col][col]) < 1e-12:
            continue  # a feature that never varies: its step stays 0
        for r in range(col + 1, n):
            factor = rows[r][col] / rows[col][col]
            if factor:
                for c in range(col, n + 1):
                    rows[r][c] -= factor * rows[col][c]
    solution = [0.0] * n
    for col in range(n - 1, -1, -1):
        if abs(rows[col][col]) < 1e-12:
            continue
        rest = sum(rows[col][c] * solution[c] for c in range(col + 1, n))
        solution[col] = (rows[col][n] - rest) / rows[col][col]
    return solution


def fit_logistic(
    rows: Sequence[Sequence[float]], labels: Sequence[int], ridge: float = RIDGE
) -> list[float]:
    """Coefficients of a logistic regression (the first column is the bias, not penalised)."""
    n = len(rows[0])
    beta = [0.0] * n
    for _ in range(NEWTON_STEPS):
        gradient = [0.0] * n
        hessian = [[0.0] * n for _ in range(n)]
        for x, y in zip(rows, labels, strict=True):
            p = sigmoid(sum(b * v for b, v in zip(beta, x, strict=True)))
            w = max(p * (1 - p), 1e-9)
            residual = y - p
            for i, xi in enumerate(x):
                if xi:
                    gradient[i] += residual * xi
                    wxi = w * xi
                    hessian_row = hessian[i]
                    for j in range(i, n):
                        if x[j]:
                            hessian_row[j] += wxi * x[j]
        for i in range(n):
            for j in range(i):
                hessian[i][j] = hessian[j][i]
            if i:
                gradient[i] -= ridge * beta[i]
                hessian[i][i] += ridge
        step = solve(hessian, gradient)
        beta = [b + s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return beta


def fit_model(
    names: Sequence[str], rows: Sequence[dict[str, float]], labels: Sequence[int]
) -> dict[str, float]:
    matrix = [[1.0] + [row.get(name, 0.0) for name in names] for row in rows]
    beta = fit_logistic(matrix, labels)
    return {"bias": beta[0], **dict(zip(names, beta[1:], strict=True))}


def fit_platt(logits: Sequence[float], labels: Sequence[int]) -> tuple[float, float]:
    """Platt scaling: P(right) = sigmoid(a * logit + b), fitted on held-out examples, with
    Platt's target smoothing so that a bin without errors does not claim certainty."""
    positives = sum(labels)
    negatives = len(labels) - positives
    high, low = (positives + 1) / (positives + 2), 1 / (negatives + 2)
    # the smoothed targets enter as fractional labels: the weighted fit of a, b
    a, b = 1.0, 0.0
    for _ in range(NEWTON_STEPS):
        g0 = g1 = h00 = h01 = h11 = 0.0
        for z, y in zip(logits, labels, strict=True):
            target = high if y else low
            p = sigmoid(a * z + b)
            w = max(p * (1 - p), 1e-9)
            g0 += (target - p) * z
            g1 += target - p
            h00 += w * z * z
            h01 += w * z
            h11 += w
        da, db = solve([[h00 + 1e-6, h01], [h01, h11 + 1e-6]], [g0, g1])
        largest = max(abs(da), abs(db))
        if largest > MAX_PLATT_STEP:  # damped: a nearly separable held-out set diverges
            da, db = da * MAX_PLATT_STEP / largest, db * MAX_PLATT_STEP / largest
        a, b = a + da, b + db
        if max(abs(da), abs(db)) < 1e-7:
            break
    return a, b


# ---------------------------------------------------------------------------------------------
# The readable file: rules/kk/decision_model.toml


def write_model(model: DecisionModel, path: Path) -> None:
    path.write_text(model_text(model), encoding="utf-8")


def model_text(model: DecisionModel) -> str:
    """The model as the readable TOML file: the same model gives the same text, byte for byte."""
    lines = [
        "# The OCR stage's decision model (flows/kazakh/model.py), written by `tazala fit-model`.",
        "# Do not tune by hand: refit it. `wrong` is P(the word is an OCR error), `choice` is",
        "# P(the best candidate is the word meant | it is an error); each is",
        "# sigmoid(a * sum(weight * feature) + b), a and b the Platt calibration.",
        "",
        "[about]",
    ]
    for key, value in model.about.items():
        lines.append(f"{key} = {toml_value(value)}")
    for name, part in (("wrong", model.wrong), ("choice", model.choice)):
        lines += logistic_lines(name, part)
    lines += ["", "# P(the edit is right): wrong x choice mapped through these points"]
    lines += curve_lines(model.right_curve)
    lines += [
        "",
        "# the probability an edit needs for the applied edits to be right this share of the",
        "# time on the held-out examples: confidence_threshold in pipeline.toml picks one",
    ]
    lines += threshold_lines(model.thresholds)
    return "\n".join(lines) + "\n"


def logistic_lines(name: str, part: Logistic) -> list[str]:
    """A calibrated logistic regression's TOML sections: [name] and [name.weights]."""
    lines = ["", f"[{name}]", f"platt_a = {part.platt[0]:.6f}", f"platt_b = {part.platt[1]:.6f}"]
    lines += ["", f"[{name}.weights]"]
    return lines + [f"{feature} = {weight:.6f}" for feature, weight in part.weights.items()]


def curve_lines(curve: tuple[tuple[float, ...], tuple[float, ...]]) -> list[str]:
    points, values = curve
    return ["[right]", f"points = {list(points)}", f"values = {list(values)}"]


def threshold_lines(thresholds: dict[float, float]) -> list[str]:
    return ["[thresholds]"] + [f'"{p:.2f}" = {t}' for p, t in sorted(thresholds.items())]


def toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value).lower() if isinstance(value, bool) else str(value)


class ModelError(ValueError):
    pass


def read_logistic(section: dict) -> Logistic:
    """A [name] section and its [name.weights] (KeyError, ValueError: not a model)."""
    weights = {str(k): float(v) for k, v in section["weights"].items()}
    return Logistic(weights, (float(section["platt_a"]), float(section["platt_b"])))


def read_thresholds_and_curve(
    data: dict,
) -> tuple[dict[float, float], tuple[tuple[float, ...], tuple[float, ...]]]:
    thresholds = {float(k): float(v) for k, v in data.get("thresholds", {}).items()}
    right = data.get("right", {})
    curve = (
        tuple(float(v) for v in right.get("points", ())),
        tuple(float(v) for v in right.get("values", ())),
    )
    return thresholds, curve


def read_model(path: Path) -> DecisionModel | None:
    """The model file, or None when the rules folder has none (the stage then refuses to
    guess: see flows/stages/ocr.py)."""
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        parts = [read_logistic(data[name]) for name in ("wrong", "choice")]
        thresholds, curve = read_thresholds_and_curve(data)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise ModelError(
            f"{path}: not a decision model ({error}); run `tazala fit-model` to write it again"
        ) from error
    about = dict(data.get("about", {}))
    return DecisionModel(parts[0], parts[1], about, thresholds, curve)


# ---------------------------------------------------------------------------------------------
# The spelling stage's merge model: rules/kk/spelling_model.toml


@dataclass(frozen=True)
class SpellingModel:
    """P(a proposed spelling merge is right): one calibrated logistic regression over the
    variant finder's features (flows/kazakh/variants.py, MERGE_FEATURES)."""

    merge: Logistic
    about: dict[str, object] = field(default_factory=dict)
    thresholds: dict[float, float] = field(default_factory=dict)  # as DecisionModel's
    # Platt's probability -> P(the merge is right), isotonic on the same held-out merges: a
    # sigmoid of one logit cannot bend where the simulated kinds of merge mix (points and
    # values, interpolated; empty: Platt's probability as it is)
    curve: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())

    def right(self, features: dict[str, float]) -> float:
        return interpolate(self.curve, self.merge.probability(features))

    def threshold_for(self, precision: float) -> float:
        """The probability a merge needs for the applied merges to be right `precision` of
        the time on the held-out examples (as DecisionModel.threshold_for)."""
        return threshold_in(self.thresholds, precision)


def write_spelling_model(model: SpellingModel, path: Path) -> None:
    path.write_text(spelling_model_text(model), encoding="utf-8")


def spelling_model_text(model: SpellingModel) -> str:
    """The model as readable TOML: the same model gives the same text, byte for byte."""
    lines = [
        "# The spelling stage's merge model (flows/kazakh/variants.py), written by",
        "# `tazala fit-model`. Do not tune by hand: refit it. `merge` is P(merging the form",
        "# into the canonical spelling the corpus uses is right) =",
        "# sigmoid(a * sum(weight * feature) + b), a and b the Platt calibration on held-out",
        "# simulated merges.",
        "",
        "[about]",
    ]
    lines += [f"{key} = {toml_value(value)}" for key, value in model.about.items()]
    lines += logistic_lines("merge", model.merge)
    lines += ["", "# P(the merge is right): the calibrated merge probability mapped through these"]
    lines += curve_lines(model.curve)
    lines += [
        "",
        "# the probability a merge needs for the applied merges to be right this share of the",
        "# time on the held-out examples: [spelling] confidence_threshold picks one",
    ]
    lines += threshold_lines(model.thresholds)
    return "\n".join(lines) + "\n"


def read_spelling_model(path: Path) -> SpellingModel | None:
    """The spelling model file, or None when the rules folder has none (the finder then
    keeps its hand-set odds)."""
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        merge = read_logistic(data["merge"])
        thresholds, curve = read_thresholds_and_curve(data)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise ModelError(
            f"{path}: not a spelling model ({error}); run `tazala fit-model` to write it again"
        ) from error
    return SpellingModel(merge, dict(data.get("about", {})), thresholds, curve)

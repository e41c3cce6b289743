"""How sure a number is: percentile bootstrap intervals over questions, and paired comparisons of two systems.

With some 80 questions one question moves a mean by ~0.012, so a difference between systems means little
without its interval. Resampling is seeded (same data -> same interval, every run), and the same resample
indices serve every figure of a given question count, so intervals of different systems on the same
questions come from the same resamples. Paired comparisons resample the per-question differences: the
questions both systems answered are the unit, which is what makes small real differences visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from eval.results import EvalReport

RESAMPLES = 2000
SEED = 0
CONFIDENCE = 0.95
BASELINES = ("lexical", "dense")  # single-retriever systems: the fused system is compared against them
_TIE = 1e-12


@lru_cache(maxsize=64)
def _resample_weights(n: int, resamples: int, seed: int) -> np.ndarray:
    """(resamples, n): how often each of n questions is drawn in each resample (with replacement), divided by n.

    A resample's mean is then one row times the values: a matrix product instead of gathering copies.
    Read-only, shared by every caller.
    """
    idx = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    counts = np.bincount((idx + n * np.arange(resamples)[:, None]).ravel(), minlength=resamples * n)
    weights = counts.reshape(resamples, n) / n
    weights.setflags(write=False)
    return weights


def bootstrap_ci_columns(
    values: np.ndarray, resamples: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap interval of the mean of each column of an (n questions, m metrics) array."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[0] == 0:
        raise ValueError("expected a non-empty (questions, metrics) array")
    n = values.shape[0]
    if n == 1:
        return values[0].copy(), values[0].copy()
    means = _resample_weights(n, resamples, seed) @ values  # (resamples, m)
    tail = (1.0 - confidence) / 2.0 * 100.0
    lo, hi = np.percentile(means, [tail, 100.0 - tail], axis=0)
    low, high = values.min(axis=0), values.max(axis=0)  # a mean lies between them; drops rounding of the product
    return np.clip(lo, low, high), np.clip(hi, low, high)


def bootstrap_ci(
    values: Sequence[float], resamples: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """95% (by default) percentile-bootstrap interval of the mean of per-question values."""
    lo, hi = bootstrap_ci_columns(np.asarray(values, dtype=float).reshape(-1, 1), resamples, seed, confidence)
    return float(lo[0]), float(hi[0])


@dataclass(frozen=True)
class PairedComparison:
    """System `a` against `b` on the questions both were scored on: wins, ties, mean of a - b and its interval."""

    a: str
    b: str
    level: str
    metric: str
    n: int
    a_wins: int
    b_wins: int
    ties: int
    mean_diff: float
    lo: float
    hi: float


def paired_stats(
    a_values: Sequence[float],
    b_values: Sequence[float],
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> tuple[int, int, int, float, float, float]:
    """(a wins, b wins, ties, mean a - b, lo, hi) of paired per-question values; the interval is a paired bootstrap."""
    a = np.asarray(a_values, dtype=float)
    b = np.asarray(b_values, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("paired values must be two sequences of the same length")
    if a.size == 0:
        return 0, 0, 0, 0.0, 0.0, 0.0
    diff = a - b
    a_wins = int(np.sum(diff > _TIE))
    b_wins = int(np.sum(diff < -_TIE))
    lo, hi = bootstrap_ci(diff, resamples, seed, confidence)
    return a_wins, b_wins, int(a.size) - a_wins - b_wins, float(diff.mean()), lo, hi


def paired_values(
    report: EvalReport, a: str, b: str, level: str, metric: str, scope: str = "answerable", group: str = "overall"
) -> tuple[list[str], list[float], list[float]]:
    """(question ids, a's values, b's values) for the questions of `group` scored at `level` by both systems."""
    if a not in report.systems or b not in report.systems:
        missing = [s for s in (a, b) if s not in report.systems]
        raise KeyError(f"system(s) not in the report: {', '.join(missing)}")

    def per_question(system: str) -> dict[str, float]:
        out = {}
        for q in report.systems[system].questions:
            if group not in q.groups:
                continue
            row = q.scores.get(scope, {}).get(level)
            if row is not None and metric in row:
                out[q.id] = row[metric]
        return out

    va, vb = per_question(a), per_question(b)
    ids = [qid for qid in va if qid in vb]
    return ids, [va[i] for i in ids], [vb[i] for i in ids]


def paired_comparison(
    report: EvalReport,
    a: str,
    b: str,
    level: str = "article",
    metric: str = "mrr@10",
    scope: str = "answerable",
    group: str = "overall",
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> PairedComparison:
    """System `a` against `b` question by question (same questions): wins, ties, mean difference, 95% interval.

    A difference whose interval excludes 0 is one the question set can tell apart from chance.
    """
    _, va, vb = paired_values(report, a, b, level, metric, scope, group)
    a_wins, b_wins, ties, diff, lo, hi = paired_stats(va, vb, resamples, seed)
    return PairedComparison(a, b, level, metric, len(va), a_wins, b_wins, ties, diff, lo, hi)


def default_pairs(systems: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs to compare: fused against each baseline, then every other system against the first one."""
    names = list(systems)
    pairs: list[tuple[str, str]] = []
    if "fused" in names:
        pairs += [("fused", b) for b in BASELINES if b in names]
    if names:
        first = names[0]
        for other in names[1:]:
            pairs.append((first, other) if other in BASELINES else (other, first))
    return list(dict.fromkeys(p for p in pairs if p[0] != p[1]))


def paired_table(
    report: EvalReport, level: str = "article", metrics: Sequence[str] | None = None
) -> list[PairedComparison]:
    """The report's paired comparisons: each default pair, on MRR@k and Recall@5 (answerable, overall)."""
    if metrics is None:
        metrics = [m for m in (f"mrr@{report.k}", f"recall@{min(5, report.k)}") if m in report.metrics]
    return [paired_comparison(report, a, b, level, m) for a, b in default_pairs(list(report.systems)) for m in metrics]

"""Bootstrap intervals and paired statistics (eval.stats) on hand-made per-question values."""

from __future__ import annotations

import numpy as np
import pytest

from eval.metrics import reciprocal_rank
from eval.stats import bootstrap_ci, bootstrap_ci_columns, paired_stats


def test_interval_contains_the_mean_and_shrinks_with_n():
    rng = np.random.default_rng(7)
    widths = []
    for n in (20, 80, 320, 1280):
        values = (rng.random(n) < 0.7).astype(float)  # hit / miss per question
        lo, hi = bootstrap_ci(values)
        assert lo <= values.mean() <= hi
        widths.append(hi - lo)
    assert widths == sorted(widths, reverse=True) and widths[-1] < widths[0] / 4
    # about the normal approximation: p = 0.5, n = 400 -> 2 * 1.96 * sqrt(0.25 / 400) = 0.098
    lo, hi = bootstrap_ci([0.0, 1.0] * 200)
    assert 0.08 < hi - lo < 0.12 and lo < 0.5 < hi


def test_interval_is_deterministic_and_degenerate_cases():
    values = [reciprocal_rank(r, ["g"]) for r in (["g"], ["a", "g"], ["a"], ["a", "b", "g"], ["g"])]
    assert bootstrap_ci(values) == bootstrap_ci(values)  # seeded: same data, same interval
    assert bootstrap_ci(values, seed=1) != bootstrap_ci(values)
    assert bootstrap_ci([0.25]) == (0.25, 0.25)  # one question: nothing to resample
    assert bootstrap_ci([1.0] * 30) == (1.0, 1.0)
    with pytest.raises(ValueError):
        bootstrap_ci([])
    # the column version gives each column the interval it gets alone
    cols = np.array([values, [1.0 - v for v in values]]).T
    lo, hi = bootstrap_ci_columns(cols)
    assert (lo[0], hi[0]) == pytest.approx(bootstrap_ci(values))
    assert (lo[1], hi[1]) == pytest.approx(bootstrap_ci([1.0 - v for v in values]))
    # the mean of the complement mirrors: [1 - hi, 1 - lo]
    assert (lo[1], hi[1]) == pytest.approx((1 - hi[0], 1 - lo[0]))


def test_paired_stats_counts_and_interval():
    # RR of two systems on five hand-made rankings of the gold "g"
    a = [reciprocal_rank(r, ["g"]) for r in (["g"], ["x", "g"], ["x"], ["g"], ["x", "y", "g"])]
    b = [reciprocal_rank(r, ["g"]) for r in (["x", "g"], ["y", "g"], ["g"], ["x"], ["g"])]
    a_wins, b_wins, ties, diff, lo, hi = paired_stats(a, b)
    assert (a_wins, b_wins, ties) == (2, 2, 1)
    assert diff == pytest.approx((0.5 + 0 - 1 + 1 - 2 / 3) / 5)
    assert lo <= diff <= hi
    # a system that is better on every question by the same amount: the interval is that amount
    assert paired_stats([0.5] * 10, [0.25] * 10) == (10, 0, 0, 0.25, 0.25, 0.25)
    # pairing removes what the questions share: large between-question spread, constant small gain
    base = np.linspace(0.0, 0.9, 60)
    _, _, _, d, plo, phi = paired_stats(base + 0.05, base)
    ulo, uhi = bootstrap_ci(base + 0.05)
    assert d == pytest.approx(0.05) and phi - plo < 1e-9 < uhi - ulo
    assert paired_stats([], []) == (0, 0, 0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        paired_stats([1.0], [1.0, 0.0])

"""Paired comparison statistics on synthetic samples whose true difference is known."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from v6.analytics.compare import compare_metrics, paired_comparison, reports_frame
from v6.analytics.performance import performance_report
from v6.errors import InputRejected

from .helpers import random_curve


def paired(n: int, shift: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-path values sharing a large path effect; A is B plus ``shift`` plus small noise."""
    rng = np.random.default_rng(seed)
    path = rng.normal(1.0, 0.8, n)
    return path + shift + rng.normal(0, 0.1, n), path + rng.normal(0, 0.1, n)


def test_known_difference_is_detected_and_covered() -> None:
    a, b = paired(100, 0.15, seed=7)
    c = paired_comparison(a, b, metric="sharpe_ratio", n_bootstrap=1_000)
    assert c.n_paths == 100
    for ci in (c.mean_ci_t, c.mean_ci_bootstrap, c.median_ci_bootstrap):
        assert ci.low > 0  # the difference is detected...
        assert ci.covers(0.15)  # ...and the interval holds the truth
    assert c.share_a_better > 0.8
    assert c.p_value_t < 1e-6
    assert c.p_value_sign < 1e-6
    # the path effect (sd 0.8) hides the shift unpaired, pairing removes it
    assert np.std(c.differences) < 0.2 < np.std(c.a)


def test_no_difference_is_not_claimed() -> None:
    a, b = paired(100, 0.0, seed=11)
    c = paired_comparison(a, b, metric="sharpe_ratio", n_bootstrap=500)
    assert c.mean_ci_t.covers(0.0)
    assert c.p_value_t > 0.01


def test_t_interval_coverage_is_near_nominal() -> None:
    hits = 0
    trials = 200
    for seed in range(trials):
        a, b = paired(30, 0.05, seed=1_000 + seed)
        c = paired_comparison(a, b, metric="x", higher_is_better=True, n_bootstrap=1)
        hits += c.mean_ci_t.covers(0.05)
    assert 0.90 <= hits / trials <= 0.99


def test_lower_is_better_for_drawdown() -> None:
    a = np.array([0.05, 0.10, 0.20, 0.08])
    b = np.array([0.10, 0.10, 0.15, 0.12])
    c = paired_comparison(a, b, metric="max_drawdown_fraction")
    assert not c.higher_is_better
    assert c.share_a_better == pytest.approx(0.5)  # paths 0 and 3
    assert c.share_equal == pytest.approx(0.25)
    assert c.share_b_better == pytest.approx(0.25)


def test_worst_tail_of_drawdowns_is_the_deepest() -> None:
    values = np.arange(1.0, 101.0) / 100  # drawdowns 1 % .. 100 %
    c = paired_comparison(values, values[::-1].copy(), metric="max_drawdown_fraction")
    assert c.worst_tail_boundary_a == pytest.approx(np.quantile(values, 0.95))
    assert c.worst_tail_mean_a == pytest.approx(np.mean([0.96, 0.97, 0.98, 0.99, 1.0]))
    s = paired_comparison(values, values, metric="sharpe_ratio")
    assert s.worst_tail_mean_a == pytest.approx(np.mean([0.01, 0.02, 0.03, 0.04, 0.05]))
    assert s.quantiles_a[0.5] == pytest.approx(np.median(values))


def test_seeded_bootstrap_is_deterministic() -> None:
    a, b = paired(50, 0.1, seed=3)
    one = paired_comparison(a, b, metric="sharpe_ratio", seed=5)
    two = paired_comparison(a, b, metric="sharpe_ratio", seed=5)
    other = paired_comparison(a, b, metric="sharpe_ratio", seed=6)
    assert one.mean_ci_bootstrap == two.mean_ci_bootstrap
    assert one.median_ci_bootstrap == two.median_ci_bootstrap
    assert one.mean_ci_bootstrap != other.mean_ci_bootstrap


def test_nan_paths_are_dropped_and_counted() -> None:
    c = paired_comparison([1.0, math.nan, 3.0], [0.5, 1.0, math.nan], metric="sharpe_ratio")
    assert c.n_paths == 1
    assert c.n_dropped == 2
    assert "dropped" in c.notes
    assert math.isnan(c.mean_ci_t.low)  # one path: no t interval


def test_identical_differences_give_a_point_interval_without_warnings() -> None:
    c = paired_comparison([2.0, 3.0, 4.0], [1.0, 2.0, 3.0], metric="x", higher_is_better=True)
    assert (c.mean_ci_t.low, c.mean_ci_t.high) == (1.0, 1.0)
    assert c.p_value_t == 0.0


def test_refusals() -> None:
    with pytest.raises(InputRejected, match="length"):
        paired_comparison([1.0, 2.0], [1.0], metric="sharpe_ratio")
    with pytest.raises(InputRejected, match="higher_is_better"):
        paired_comparison([1.0], [1.0], metric="my_metric")


def test_compare_metrics_pairs_rows_by_path_id() -> None:
    reports = {f"p{i}": performance_report(random_curve(120, i)) for i in range(12)}
    better = {f"p{i}": performance_report(random_curve(120, i, drift=0.0015)) for i in range(12)}
    a, b = reports_frame(better), reports_frame(reports)
    shuffled = b.sample(fraction=1.0, shuffle=True, seed=1)
    out = compare_metrics(a, shuffled, metrics=["sharpe_ratio", "max_drawdown_fraction"])
    direct = paired_comparison(
        a.sort("path_id")["sharpe_ratio"].to_numpy(),
        b.sort("path_id")["sharpe_ratio"].to_numpy(),
        metric="sharpe_ratio",
    )
    assert out["sharpe_ratio"].mean_difference == pytest.approx(direct.mean_difference)
    assert out["sharpe_ratio"].share_a_better == 1.0  # same shocks, higher drift: every path
    assert out["max_drawdown_fraction"].share_a_better >= 0.5


def test_compare_metrics_refuses_unpaired_paths() -> None:
    a = pl.DataFrame({"path_id": ["p1", "p2"], "sharpe_ratio": [1.0, 2.0]})
    b = pl.DataFrame({"path_id": ["p1", "p3"], "sharpe_ratio": [1.0, 2.0]})
    with pytest.raises(InputRejected, match="same paths"):
        compare_metrics(a, b, metrics=["sharpe_ratio"])
    with pytest.raises(InputRejected, match="no column"):
        compare_metrics(a, a, metrics=["sortino_ratio"])

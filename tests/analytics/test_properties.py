"""Invariants of the metrics and comparison statistics over random inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.analytics import metrics as m
from v6.analytics.compare import paired_comparison
from v6.analytics.equity import monthly_returns
from v6.analytics.performance import performance_report

from .helpers import curve

returns_lists = st.lists(
    st.floats(min_value=-0.2, max_value=0.2, allow_nan=False), min_size=1, max_size=80
)


def equity_from(returns: list[float], start: float = 100_000.0) -> list[float]:
    growth = np.concatenate(([1.0], np.cumprod(1.0 + np.array(returns))))
    return [float(x) for x in start * growth]


@settings(max_examples=60, deadline=None)
@given(returns_lists, st.floats(min_value=0.01, max_value=1e4))
def test_metrics_do_not_depend_on_account_size(returns: list[float], scale: float) -> None:
    e = equity_from(returns)
    one = performance_report(curve(e))
    other = performance_report(curve([x * scale for x in e]))
    for name in ("total_return", "sharpe_ratio", "sortino_ratio", "max_drawdown_fraction"):
        a, b = getattr(one, name), getattr(other, name)
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-6, abs=1e-9)
    assert one.max_drawdown_duration_trading_days == other.max_drawdown_duration_trading_days


@settings(max_examples=80, deadline=None)
@given(returns_lists)
def test_drawdown_invariants(returns: list[float]) -> None:
    e = np.array(equity_from(returns))
    dd = m.max_drawdown(e)
    assert 0.0 <= dd.max_fraction < 1.0
    assert 0 <= dd.duration_trading_days <= e.size - 1
    assert dd.longest_duration_trading_days >= dd.duration_trading_days
    running_peak = np.maximum.accumulate(e)
    assert dd.max_fraction == pytest.approx(float(np.max(1 - e / running_peak)))
    if dd.trough_index is not None:
        assert dd.peak_index is not None
        assert dd.peak_index < dd.trough_index
        assert e[dd.peak_index] == running_peak[dd.trough_index]
    if np.all(np.diff(e) >= 0):
        assert dd.max_fraction == 0.0


@settings(max_examples=60, deadline=None)
@given(returns_lists)
def test_sharpe_sign_follows_mean_excess_return(returns: list[float]) -> None:
    c = curve(equity_from(returns))
    r = c.returns()
    s = m.sharpe_ratio(r)
    if s.defined:
        assert np.sign(s.value) == np.sign(np.mean(r)) or abs(np.mean(r)) < 1e-15
    else:
        assert s.reason


@settings(max_examples=40, deadline=None)
@given(returns_lists)
def test_monthly_returns_compound_to_the_total(returns: list[float]) -> None:
    c = curve(equity_from(returns))
    months = monthly_returns(c)["return_fraction"].to_numpy()
    if len(c) >= 2:
        total = float(np.prod(1 + months) - 1)
        assert total == pytest.approx(c.equity_dollars[-1] / c.equity_dollars[0] - 1, abs=1e-9)


pairs = st.integers(min_value=1, max_value=40).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(-5, 5, allow_nan=False), min_size=n, max_size=n),
        st.lists(st.floats(-5, 5, allow_nan=False), min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None)
@given(pairs, st.booleans())
def test_swapping_sides_mirrors_the_comparison(
    ab: tuple[list[float], list[float]], higher: bool
) -> None:
    a, b = ab
    ab_ = paired_comparison(a, b, metric="x", higher_is_better=higher, n_bootstrap=50)
    ba = paired_comparison(b, a, metric="x", higher_is_better=higher, n_bootstrap=50)
    assert ab_.mean_difference == pytest.approx(-ba.mean_difference, abs=1e-12)
    assert ab_.share_a_better == pytest.approx(ba.share_b_better)
    assert ab_.share_a_better + ab_.share_equal + ab_.share_b_better == pytest.approx(1.0)
    assert 0.0 <= ab_.p_value_sign <= 1.0
    if not math.isnan(ab_.mean_ci_t.low):
        assert ab_.mean_ci_t.low <= ab_.mean_difference <= ab_.mean_ci_t.high
    lo, hi = ab_.mean_ci_bootstrap.low, ab_.mean_ci_bootstrap.high
    assert min(ab_.differences) - 1e-12 <= lo <= hi <= max(ab_.differences) + 1e-12

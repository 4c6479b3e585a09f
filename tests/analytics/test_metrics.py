"""Metrics against values computed by hand on small series, and the edge cases (empty,
one day, flat equity) that must give NaN with a reason and never a numpy warning."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import date

import numpy as np
import polars as pl
import pytest

from v6.analytics import metrics as m
from v6.analytics.equity import EquityCurve, monthly_return_matrix, monthly_returns
from v6.analytics.performance import performance_report
from v6.errors import DataQualityError, InputRejected

from .helpers import curve, random_curve, utc, weekdays

# equity [100, 110, 99, 120]: returns +10 %, -10 %, +21/99
R = [0.10, -0.10, 21 / 99]
MEAN = sum(R) / 3
SD = math.sqrt(sum((x - MEAN) ** 2 for x in R) / 2)


def test_known_series_returns_and_ratios() -> None:
    rep = performance_report(curve([100, 110, 99, 120]))
    assert rep.total_return == pytest.approx(0.20)
    assert rep.annualised_return == pytest.approx(1.2 ** (252 / 3) - 1)
    assert rep.annualised_volatility == pytest.approx(SD * math.sqrt(252))
    assert rep.sharpe_ratio == pytest.approx(MEAN / SD * math.sqrt(252))
    assert rep.sharpe_ratio == pytest.approx(7.0992, abs=1e-4)
    downside = math.sqrt(0.01 / 3)  # only the -10 % day falls short of 0
    assert rep.sortino_ratio == pytest.approx(MEAN / downside * math.sqrt(252))
    assert rep.worst_day_return == pytest.approx(-0.10)
    assert rep.worst_day_pnl_dollars == pytest.approx(-11.0)
    # 5th percentile of the three returns is -0.08: only the -10 % day is at or below it
    assert rep.cvar_5pct_daily_return == pytest.approx(-0.10)
    assert rep.undefined.keys() >= {"win_rate", "profit_factor"}  # no trades given


def test_known_series_drawdown() -> None:
    rep = performance_report(curve([100, 110, 99, 120]))
    assert rep.max_drawdown_fraction == pytest.approx(0.10)  # 110 -> 99
    d = weekdays(4)
    assert rep.max_drawdown_peak == d[1]
    assert rep.max_drawdown_trough == d[2]
    assert rep.max_drawdown_recovered
    assert rep.max_drawdown_duration_trading_days == 2  # peak day -> recovery day
    assert rep.max_drawdown_duration_calendar_days == (d[3] - d[1]).days
    assert rep.calmar_ratio == pytest.approx((1.2 ** (252 / 3) - 1) / 0.10)


def test_unrecovered_drawdown_lasts_to_the_end() -> None:
    dd = m.max_drawdown(np.array([100.0, 120, 90, 100, 110]))
    assert dd.max_fraction == pytest.approx(0.25)
    assert (dd.peak_index, dd.trough_index, dd.recovery_index) == (1, 2, None)
    assert not dd.recovered
    assert dd.duration_trading_days == 3  # index 1 to the last index 4


def test_longest_drawdown_is_not_always_the_deepest() -> None:
    dd = m.max_drawdown(np.array([100.0, 90, 100, 99, 98, 97, 96, 100]))
    assert dd.max_fraction == pytest.approx(0.10)
    assert dd.duration_trading_days == 2
    assert dd.longest_duration_trading_days == 5  # 100 at index 2 back to 100 at index 7


def test_flat_equity_has_no_sharpe_and_says_why() -> None:
    rep = performance_report(curve([100, 100, 100, 100]))
    assert rep.total_return == 0.0
    assert rep.annualised_volatility == 0.0
    assert rep.max_drawdown_fraction == 0.0
    for name in ("sharpe_ratio", "sortino_ratio", "calmar_ratio"):
        assert math.isnan(getattr(rep, name))
        assert rep.undefined[name]
    assert "volatility" in rep.undefined["sharpe_ratio"]
    assert "drawdown" in rep.undefined["calmar_ratio"]


def test_constant_growth_is_treated_as_flat_volatility() -> None:
    rep = performance_report(curve([100 * 1.001**i for i in range(30)]))
    assert math.isnan(rep.sharpe_ratio)
    assert math.isnan(rep.sortino_ratio)
    assert rep.total_return == pytest.approx(1.001**29 - 1)


@pytest.mark.parametrize("values", [[], [100.0]])
def test_empty_and_single_day(values: list[float]) -> None:
    rep = performance_report(curve(values))
    assert rep.trading_days == len(values)
    for name in ("total_return", "sharpe_ratio", "annualised_return", "cvar_5pct_daily_return"):
        assert math.isnan(getattr(rep, name)), name
        assert name in rep.undefined
    assert rep.max_drawdown_fraction == 0.0
    assert rep.to_dict()["sharpe_ratio"] is None


def test_risk_free_rate_lowers_sharpe_by_the_daily_rate() -> None:
    c = curve([100, 101, 100.5, 102, 101.8, 103])
    r = c.returns()
    rf_daily = 1.04 ** (1 / 252) - 1
    expected = np.mean(r - rf_daily) / np.std(r, ddof=1) * math.sqrt(252)
    got = performance_report(c, risk_free_rate_annual=0.04).sharpe_ratio
    assert got == pytest.approx(expected)
    assert got < performance_report(c).sharpe_ratio


def test_bad_curves_are_refused() -> None:
    d = weekdays(3)
    with pytest.raises(DataQualityError, match="increasing"):
        EquityCurve.from_values([d[1], d[0], d[2]], [1.0, 2.0, 3.0])
    with pytest.raises(DataQualityError, match="> 0"):
        EquityCurve.from_values(d, [100.0, 0.0, 90.0])
    with pytest.raises(DataQualityError, match="finite"):
        EquityCurve.from_values(d, [100.0, math.nan, 90.0])
    with pytest.raises(DataQualityError, match="3 dates but 2"):
        EquityCurve.from_values(d, [100.0, 90.0])
    with pytest.raises(InputRejected):
        m.daily_risk_free(-1.5)
    with pytest.raises(InputRejected):
        m.conditional_value_at_risk(np.array([0.1]), 1.5)


def test_curve_is_immutable() -> None:
    c = curve([100, 101])
    with pytest.raises(ValueError, match="read-only"):
        c.equity_dollars[0] = 5.0


def test_monthly_returns_by_hand() -> None:
    c = EquityCurve.from_values(
        [date(2026, 1, 30), date(2026, 2, 2), date(2026, 2, 27), date(2026, 3, 2)],
        [100.0, 104.0, 110.0, 99.0],
    )
    months = monthly_returns(c)
    assert months["month"].to_list() == [1, 2, 3]
    got = months["return_fraction"].to_list()
    assert got == pytest.approx([0.0, 0.10, -0.10])  # Jan has only its start
    years, matrix = monthly_return_matrix(c)
    assert years == [2026]
    assert matrix[0, 1] == pytest.approx(0.10)
    assert np.isnan(matrix[0, 5])


def test_snapshots_resample_to_the_last_value_of_each_day() -> None:
    d = weekdays(2)
    frame = pl.DataFrame(
        {
            "trade_date": [d[0], d[0], d[1], d[1]],
            "ts_event": [utc(d[0], 20), utc(d[0], 15), utc(d[1], 15), utc(d[1], 16)],
            "net_liquidation": [101.0, 100.0, 102.0, None],
        }
    )
    c = EquityCurve.from_snapshots(frame)
    assert c.equity_dollars.tolist() == [101.0, 102.0]  # latest by time; null ignored


def test_reports_are_deterministic() -> None:
    c = random_curve(300, seed=9)
    same = random_curve(300, seed=9)
    assert performance_report(c).to_dict() == performance_report(same).to_dict()


def test_importing_the_predictions_table_does_not_load_plotting() -> None:
    """The engine imports v6.analytics on every start; matplotlib alone costs ~0.5 s."""
    code = (
        "import sys, v6.analytics as a; a.StrategyPredictionsTable; a.PerformanceReport; "
        "print(sorted(m for m in ('matplotlib', 'plotly') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"

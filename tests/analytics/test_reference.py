"""Our metrics against empyrical (empyrical-reloaded, the maintained fork of Quantopian's
library) on the same seeded return series, including a risk-free rate."""

from __future__ import annotations

import pytest

from v6.analytics import metrics as m
from v6.analytics.performance import performance_report

from .helpers import random_curve

ep = pytest.importorskip("empyrical")


@pytest.mark.parametrize(("seed", "drift"), [(1, 0.0004), (2, -0.0003), (3, 0.0)])
@pytest.mark.parametrize("rf", [0.0, 0.03])
def test_metrics_match_empyrical(seed: int, drift: float, rf: float) -> None:
    c = random_curve(600, seed, drift=drift, vol=0.012)
    r = c.returns()
    rf_daily = m.daily_risk_free(rf)
    rep = performance_report(c, risk_free_rate_annual=rf)
    assert rep.sharpe_ratio == pytest.approx(ep.sharpe_ratio(r, risk_free=rf_daily), rel=1e-9)
    assert rep.sortino_ratio == pytest.approx(
        ep.sortino_ratio(r, required_return=rf_daily), rel=1e-9
    )
    assert rep.annualised_return == pytest.approx(ep.annual_return(r), rel=1e-9)
    assert rep.annualised_volatility == pytest.approx(ep.annual_volatility(r), rel=1e-9)
    assert rep.max_drawdown_fraction == pytest.approx(-ep.max_drawdown(r), rel=1e-9)
    assert rep.calmar_ratio == pytest.approx(ep.calmar_ratio(r), rel=1e-9)
    assert rep.cvar_5pct_daily_return == pytest.approx(
        ep.conditional_value_at_risk(r, cutoff=0.05), rel=1e-9
    )
    assert rep.total_return == pytest.approx(ep.cum_returns_final(r), rel=1e-9)

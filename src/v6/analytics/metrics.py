"""Return-based performance metrics: pure functions over daily simple returns or equity.

A ratio that has no meaning for the data (a flat curve's Sharpe, a curve without a drawdown's
Calmar) is an ``Estimate`` holding NaN and the reason, never a division by zero: pytest turns
numpy's warnings into errors, and a report should say *why* a number is missing.
Definitions match empyrical's (the reference the tests compare against).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from v6.analytics.equity import FloatArray
from v6.errors import InputRejected

TRADING_DAYS_PER_YEAR = 252
ZERO_VOLATILITY = 1e-12
"""A daily standard deviation below this is treated as none (float noise of a flat curve)."""


@dataclass(frozen=True, slots=True)
class Estimate:
    """A metric's value, or NaN with the reason it is undefined for this data."""

    value: float
    reason: str | None = None

    @property
    def defined(self) -> bool:
        return not math.isnan(self.value)


def undefined(reason: str) -> Estimate:
    return Estimate(math.nan, reason)


def daily_risk_free(rate_annual: float, periods_per_year: int = TRADING_DAYS_PER_YEAR) -> float:
    """The per-day rate that compounds to ``rate_annual`` over ``periods_per_year`` days."""
    if not math.isfinite(rate_annual) or rate_annual <= -1:
        raise InputRejected(f"risk-free rate must be finite and > -100 %, got {rate_annual!r}")
    return float((1.0 + rate_annual) ** (1.0 / periods_per_year) - 1.0)


def total_return(equity_dollars: FloatArray) -> Estimate:
    """Last over first equity, minus one."""
    if equity_dollars.size < 2:
        return undefined("needs at least two days of equity")
    return Estimate(float(equity_dollars[-1] / equity_dollars[0] - 1.0))


def annualised_return(
    returns: FloatArray, periods_per_year: int = TRADING_DAYS_PER_YEAR
) -> Estimate:
    """Compound annual growth rate: total growth raised to ``periods_per_year / days``."""
    if not returns.size:
        return undefined("no daily returns")
    growth = float(np.prod(1.0 + returns))
    return Estimate(growth ** (periods_per_year / returns.size) - 1.0)


def annualised_volatility(
    returns: FloatArray, periods_per_year: int = TRADING_DAYS_PER_YEAR
) -> Estimate:
    """Sample standard deviation of daily returns times sqrt(periods per year)."""
    if returns.size < 2:
        return undefined("needs at least two daily returns")
    return Estimate(float(np.std(returns, ddof=1)) * math.sqrt(periods_per_year))


def sharpe_ratio(
    returns: FloatArray,
    risk_free_rate_annual: float = 0.0,
    periods_per_year: int = TRADING_DAYS_PER_YEAR,
) -> Estimate:
    """Annualised mean excess daily return over its sample standard deviation."""
    if returns.size < 2:
        return undefined("needs at least two daily returns")
    excess = returns - daily_risk_free(risk_free_rate_annual, periods_per_year)
    sd = float(np.std(excess, ddof=1))
    if sd < ZERO_VOLATILITY:
        return undefined("daily returns have no volatility (flat equity)")
    return Estimate(float(np.mean(excess)) / sd * math.sqrt(periods_per_year))


def sortino_ratio(
    returns: FloatArray,
    risk_free_rate_annual: float = 0.0,
    periods_per_year: int = TRADING_DAYS_PER_YEAR,
) -> Estimate:
    """Annualised mean excess return over the downside deviation: the root mean square of
    the shortfalls below the risk-free rate, taken over every day (days above count as 0)."""
    if not returns.size:
        return undefined("no daily returns")
    excess = returns - daily_risk_free(risk_free_rate_annual, periods_per_year)
    downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
    if downside < ZERO_VOLATILITY:
        return undefined("no daily return fell below the risk-free rate")
    return Estimate(float(np.mean(excess)) / downside * math.sqrt(periods_per_year))


@dataclass(frozen=True, slots=True)
class Drawdown:
    """The deepest fall below a running peak and how long the account stayed under water.

    Indices are positions in the equity series; durations count trading days from the peak
    to the first day back at (or above) it, or to the last day when it never recovered.
    """

    max_fraction: float
    """0.10 = the account fell 10 % below its peak."""
    peak_index: int | None
    trough_index: int | None
    recovery_index: int | None
    duration_trading_days: int
    recovered: bool
    longest_duration_trading_days: int
    """The longest peak-to-recovery stretch of any drawdown, not only the deepest one."""


def max_drawdown(equity_dollars: FloatArray) -> Drawdown:
    """The maximum drawdown of a positive equity series (see ``Drawdown``)."""
    e = equity_dollars
    if e.size < 2:
        return Drawdown(0.0, None, None, None, 0, True, 0)
    peaks = np.maximum.accumulate(e)
    dd = 1.0 - e / peaks
    trough = int(np.argmax(dd))
    under = dd > 0
    longest = _longest_underwater(under)
    if dd[trough] <= 0:
        return Drawdown(0.0, None, None, None, 0, True, longest)
    peak_value = peaks[trough]
    at_peak = np.flatnonzero(e[: trough + 1] >= peak_value)
    peak = int(at_peak[-1])
    back = np.flatnonzero(e[trough + 1 :] >= peak_value)
    recovery = trough + 1 + int(back[0]) if back.size else None
    end = recovery if recovery is not None else e.size - 1
    return Drawdown(
        max_fraction=float(dd[trough]),
        peak_index=peak,
        trough_index=trough,
        recovery_index=recovery,
        duration_trading_days=end - peak,
        recovered=recovery is not None,
        longest_duration_trading_days=longest,
    )


def _longest_underwater(under: np.ndarray) -> int:
    """Longest run of days below the peak, counted from the peak day (the day before the
    run) to the recovery day (the day after it) or to the last day."""
    if not under.any():
        return 0
    padded = np.concatenate(([False], under, [False])).astype(np.int8)
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)  # first day under water
    stops = np.flatnonzero(edges == -1)  # first day after the run (may be len(under))
    last = under.size - 1
    spans = np.minimum(stops, last) - (starts - 1)
    return int(spans.max())


def calmar_ratio(annual_return: Estimate, drawdown: Drawdown) -> Estimate:
    """Annualised return over the maximum drawdown."""
    if not annual_return.defined:
        return undefined(annual_return.reason or "annualised return undefined")
    if drawdown.max_fraction <= 0:
        return undefined("no drawdown")
    return Estimate(annual_return.value / drawdown.max_fraction)


def conditional_value_at_risk(returns: FloatArray, level: float = 0.05) -> Estimate:
    """Mean of the daily returns at or below their ``level`` quantile (expected shortfall;
    a negative number for a loss). The quantile is interpolated linearly, as numpy's
    ``percentile`` does."""
    if not 0 < level < 1:
        raise InputRejected(f"CVaR level must be in (0, 1), got {level!r}")
    if not returns.size:
        return undefined("no daily returns")
    cutoff = float(np.percentile(returns, 100.0 * level))
    return Estimate(float(np.mean(returns[returns <= cutoff])))


def worst(values: FloatArray, what: str) -> Estimate:
    """The smallest value, or NaN when there is none."""
    if not values.size:
        return undefined(f"no {what}")
    return Estimate(float(np.min(values)))

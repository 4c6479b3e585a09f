"""``PerformanceReport``: every metric of one run, from its daily equity curve and its trades,
with the reason each undefined metric is NaN. The shape the terminal summary, the HTML and PNG
reports, the run manifest and the Monte Carlo comparison all read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from types import MappingProxyType

import polars as pl

from v6.analytics import metrics as m
from v6.analytics.equity import EquityCurve
from v6.analytics.trades import (
    exposure_fraction,
    normalise_trades,
    trade_stats,
    turnover_per_year,
)

JsonScalar = float | int | str | bool | None


@dataclass(frozen=True, slots=True)
class PerformanceReport:
    """Metrics of one run. Fractions are plain (0.10 = 10 %); money is dollars.

    ``undefined`` names every NaN metric and says why (flat equity, no losing trade, ...).
    """

    start: date | None
    end: date | None
    trading_days: int
    start_equity_dollars: float
    end_equity_dollars: float
    risk_free_rate_annual: float

    total_return: float
    annualised_return: float
    annualised_volatility: float
    sharpe_ratio: float
    sortino_ratio: float
    calmar_ratio: float

    max_drawdown_fraction: float
    max_drawdown_duration_trading_days: int
    max_drawdown_duration_calendar_days: int
    max_drawdown_recovered: bool
    max_drawdown_peak: date | None
    max_drawdown_trough: date | None
    longest_drawdown_trading_days: int

    worst_day_return: float
    worst_day_pnl_dollars: float
    cvar_5pct_daily_return: float
    """Mean of the worst 5 % of daily returns (negative for a loss)."""

    closed_trades: int
    open_trades: int
    win_rate: float
    avg_win_dollars: float
    avg_loss_dollars: float
    profit_factor: float
    worst_trade_pnl_dollars: float
    total_trade_pnl_dollars: float

    exposure_fraction: float
    """Share of days with at least one position open."""
    turnover_per_year: float
    """Max loss put on per year as a multiple of mean equity."""

    exits_by_rule: Mapping[str, int] = field(default_factory=dict)
    pnl_by_strategy_type_dollars: Mapping[str, float] = field(default_factory=dict)
    undefined: Mapping[str, str] = field(default_factory=dict)

    def scalars(self) -> dict[str, float]:
        """Every numeric metric as a float (counts and flags too), by field name: one row of
        the per-path table a Monte Carlo comparison works on."""
        out: dict[str, float] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool | int | float):
                out[f.name] = float(v)
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: dates as ISO strings, NaN as ``None``, mappings as plain dicts."""
        out: dict[str, object] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, Mapping):
                out[f.name] = dict(v)
            elif isinstance(v, date):
                out[f.name] = v.isoformat()
            elif isinstance(v, float) and not math.isfinite(v):
                out[f.name] = None
            else:
                out[f.name] = v
        return out


def performance_report(
    curve: EquityCurve,
    trades: pl.DataFrame | None = None,
    *,
    risk_free_rate_annual: float = 0.0,
    periods_per_year: int = m.TRADING_DAYS_PER_YEAR,
) -> PerformanceReport:
    """All metrics of a run (pure: the same inputs always give the same report)."""
    table = normalise_trades(trades)
    returns = curve.returns()
    pnl = curve.pnl_dollars()
    e = curve.equity_dollars
    annual = m.annualised_return(returns, periods_per_year)
    dd = m.max_drawdown(e)
    stats = trade_stats(table)
    est: dict[str, m.Estimate] = {
        "total_return": m.total_return(e),
        "annualised_return": annual,
        "annualised_volatility": m.annualised_volatility(returns, periods_per_year),
        "sharpe_ratio": m.sharpe_ratio(returns, risk_free_rate_annual, periods_per_year),
        "sortino_ratio": m.sortino_ratio(returns, risk_free_rate_annual, periods_per_year),
        "calmar_ratio": m.calmar_ratio(annual, dd),
        "worst_day_return": m.worst(returns, "daily returns"),
        "worst_day_pnl_dollars": m.worst(pnl, "daily returns"),
        "cvar_5pct_daily_return": m.conditional_value_at_risk(returns, 0.05),
        "win_rate": stats.win_rate,
        "avg_win_dollars": stats.avg_win_dollars,
        "avg_loss_dollars": stats.avg_loss_dollars,
        "profit_factor": stats.profit_factor,
        "worst_trade_pnl_dollars": stats.worst_trade_pnl_dollars,
        "exposure_fraction": exposure_fraction(curve, table),
        "turnover_per_year": turnover_per_year(curve, table, periods_per_year),
    }
    reasons = {k: v.reason or "undefined" for k, v in est.items() if not v.defined}
    val = {k: v.value for k, v in est.items()}

    def day(i: int | None) -> date | None:
        return None if i is None else curve.dates[i].item()

    peak = day(dd.peak_index)
    calendar_days = 0
    if peak is not None:
        last = day(dd.recovery_index if dd.recovery_index is not None else len(curve) - 1)
        calendar_days = (last - peak).days if last is not None else 0
    return PerformanceReport(
        start=curve.start,
        end=curve.end,
        trading_days=len(curve),
        start_equity_dollars=float(e[0]) if e.size else math.nan,
        end_equity_dollars=float(e[-1]) if e.size else math.nan,
        risk_free_rate_annual=risk_free_rate_annual,
        total_return=val["total_return"],
        annualised_return=val["annualised_return"],
        annualised_volatility=val["annualised_volatility"],
        sharpe_ratio=val["sharpe_ratio"],
        sortino_ratio=val["sortino_ratio"],
        calmar_ratio=val["calmar_ratio"],
        max_drawdown_fraction=dd.max_fraction,
        max_drawdown_duration_trading_days=dd.duration_trading_days,
        max_drawdown_duration_calendar_days=calendar_days,
        max_drawdown_recovered=dd.recovered,
        max_drawdown_peak=peak,
        max_drawdown_trough=day(dd.trough_index),
        longest_drawdown_trading_days=dd.longest_duration_trading_days,
        worst_day_return=val["worst_day_return"],
        worst_day_pnl_dollars=val["worst_day_pnl_dollars"],
        cvar_5pct_daily_return=val["cvar_5pct_daily_return"],
        closed_trades=stats.closed_trades,
        open_trades=stats.open_trades,
        win_rate=val["win_rate"],
        avg_win_dollars=val["avg_win_dollars"],
        avg_loss_dollars=val["avg_loss_dollars"],
        profit_factor=val["profit_factor"],
        worst_trade_pnl_dollars=val["worst_trade_pnl_dollars"],
        total_trade_pnl_dollars=stats.total_pnl_dollars,
        exposure_fraction=val["exposure_fraction"],
        turnover_per_year=val["turnover_per_year"],
        exits_by_rule=stats.exits_by_rule,
        pnl_by_strategy_type_dollars=stats.pnl_by_strategy_type_dollars,
        undefined=MappingProxyType(reasons),
    )

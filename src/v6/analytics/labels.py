"""Human names and number formats of the metrics, shared by the terminal summary and the
HTML report so both say "Max drawdown 10.0 %" the same way."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from v6.analytics.performance import PerformanceReport

PERCENT = frozenset(
    {
        "total_return",
        "annualised_return",
        "annualised_volatility",
        "max_drawdown_fraction",
        "worst_day_return",
        "cvar_5pct_daily_return",
        "win_rate",
        "exposure_fraction",
        "risk_free_rate_annual",
    }
)

SUMMARY: Mapping[str, str] = MappingProxyType(
    {
        "total_return": "Total return",
        "annualised_return": "Annualised return",
        "annualised_volatility": "Annualised volatility",
        "sharpe_ratio": "Sharpe ratio",
        "sortino_ratio": "Sortino ratio",
        "calmar_ratio": "Calmar ratio",
        "max_drawdown_fraction": "Max drawdown",
        "max_drawdown_duration_trading_days": "Max drawdown duration (trading days)",
        "longest_drawdown_trading_days": "Longest drawdown (trading days)",
        "worst_day_return": "Worst day",
        "worst_day_pnl_dollars": "Worst day P&L",
        "cvar_5pct_daily_return": "CVaR 5 % (daily)",
        "closed_trades": "Closed trades",
        "open_trades": "Open trades",
        "win_rate": "Win rate",
        "avg_win_dollars": "Average win",
        "avg_loss_dollars": "Average loss",
        "profit_factor": "Profit factor",
        "worst_trade_pnl_dollars": "Worst trade",
        "total_trade_pnl_dollars": "Closed-trade P&L",
        "exposure_fraction": "Exposure (days with risk)",
        "turnover_per_year": "Turnover (max loss / equity / year)",
    }
)
"""The metrics a summary shows, in order."""


def label(metric: str) -> str:
    return SUMMARY.get(metric, metric.replace("_", " ").capitalize())


def format_value(metric: str, value: float | int | bool | None) -> str:
    """``value`` of ``metric`` for people: percent, dollars, a ratio or a count."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,d}"
    if metric in PERCENT:
        return f"{value * 100:,.2f} %"
    if metric.endswith("_dollars"):
        return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"
    if metric.endswith("_days"):
        return f"{value:,.0f}"
    return f"{value:,.3f}"


def summary_rows(report: PerformanceReport) -> list[tuple[str, str, str]]:
    """(label, formatted value, why undefined or "") for each summary metric."""
    rows: list[tuple[str, str, str]] = []
    for metric in SUMMARY:
        value = getattr(report, metric)
        rows.append((label(metric), format_value(metric, value), report.undefined.get(metric, "")))
    return rows

"""The trades table (one row per strategy: entry, exit, type, exit rule, P&L, max loss) and
the statistics over it: win rate, average win and loss, profit factor, worst trade, exits by
rule, exposure (days with open risk) and turnover (capital put at risk per year).

Trade dates are exchange dates (America/New_York), the same calendar as the equity curve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import polars as pl

from v6.analytics.equity import EquityCurve
from v6.analytics.metrics import TRADING_DAYS_PER_YEAR, Estimate, undefined
from v6.errors import DataQualityError

EXCHANGE_TZ = "America/New_York"

REQUIRED_COLUMNS = ("entry_time", "exit_time", "strategy_type", "exit_rule", "pnl", "max_loss")
"""``pnl`` and ``max_loss`` are dollars for the whole position; ``exit_time`` (and so
``exit_rule`` and ``pnl``) is null while a trade is still open."""
OPTIONAL_COLUMNS = ("strategy_id", "underlying", "regime", "exit_reason")

TRADES_SCHEMA: Mapping[str, pl.DataType] = MappingProxyType(
    {
        "entry_time": pl.Datetime("us", "UTC"),
        "exit_time": pl.Datetime("us", "UTC"),
        "strategy_type": pl.String(),
        "exit_rule": pl.String(),
        "pnl": pl.Float64(),
        "max_loss": pl.Float64(),
        "strategy_id": pl.String(),
        "underlying": pl.String(),
        "regime": pl.String(),
        "exit_reason": pl.String(),
    }
)


_EMPTY = pl.DataFrame(schema=dict(TRADES_SCHEMA))


def empty_trades() -> pl.DataFrame:
    return _EMPTY.clear()


def _utc(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Date):
        return expr.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:  # naive timestamps are taken as UTC, as the lake stores them
            return expr.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        return expr.dt.convert_time_zone("UTC").cast(pl.Datetime("us", "UTC"))
    if isinstance(dtype, pl.Null):
        return expr.cast(pl.Datetime("us", "UTC"))
    raise DataQualityError(f"trades: timestamp column has type {dtype}, expected a datetime")


def normalise_trades(frame: pl.DataFrame | None) -> pl.DataFrame:
    """``frame`` with exactly ``TRADES_SCHEMA`` (optional columns filled with nulls).

    Refuses a table the metrics would silently misread: missing columns, a trade without an
    entry time, an exit before its entry, or a closed trade without P&L.
    """
    if frame is None or (frame.is_empty() and not frame.columns):
        return empty_trades()
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataQualityError(f"trades: missing columns {missing}")
    exprs: list[pl.Expr] = []
    for name, dtype in TRADES_SCHEMA.items():
        if name not in frame.columns:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
        elif name in ("entry_time", "exit_time"):
            exprs.append(_utc(pl.col(name), frame.schema[name]).alias(name))
        else:
            exprs.append(pl.col(name).cast(dtype).alias(name))
    out = frame.select(exprs)
    if out["entry_time"].null_count():
        raise DataQualityError("trades: every trade needs an entry_time")
    closed = out.filter(pl.col("exit_time").is_not_null())
    if (closed["exit_time"] < closed["entry_time"]).any():
        raise DataQualityError("trades: a trade exits before it was entered")
    if closed["pnl"].null_count() or not closed["pnl"].is_finite().all():
        raise DataQualityError("trades: a closed trade has no finite pnl")
    return out


def _exchange_date(column: str) -> pl.Expr:
    return pl.col(column).dt.convert_time_zone(EXCHANGE_TZ).dt.date()


@dataclass(frozen=True, slots=True)
class TradeStats:
    """Statistics of closed trades (a trade with ``pnl > 0`` is a win, ``< 0`` a loss; a
    scratch at exactly zero counts in the total but is neither)."""

    closed_trades: int
    open_trades: int
    wins: int
    losses: int
    win_rate: Estimate
    avg_win_dollars: Estimate
    avg_loss_dollars: Estimate
    """Negative: the mean P&L of losing trades."""
    profit_factor: Estimate
    """Gross profit over gross loss."""
    worst_trade_pnl_dollars: Estimate
    total_pnl_dollars: float
    exits_by_rule: Mapping[str, int] = field(default_factory=dict)
    pnl_by_strategy_type_dollars: Mapping[str, float] = field(default_factory=dict)


def trade_stats(trades: pl.DataFrame) -> TradeStats:
    """Statistics of the closed trades in a normalised trades table."""
    if trades.is_empty():
        none = undefined("no closed trades")
        return TradeStats(0, 0, 0, 0, none, none, none, none, none, 0.0)
    closed = trades.filter(pl.col("exit_time").is_not_null())
    pnl = closed["pnl"].to_numpy().astype(np.float64)
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    n = int(pnl.size)
    if not n:
        win_rate = worst_trade = avg_win = avg_loss = factor = undefined("no closed trades")
    else:
        win_rate = Estimate(wins.size / n)
        worst_trade = Estimate(float(pnl.min()))
        avg_win = Estimate(float(wins.mean())) if wins.size else undefined("no winning trade")
        avg_loss = Estimate(float(losses.mean())) if losses.size else undefined("no losing trade")
        gross_loss = float(-losses.sum())
        factor = (
            Estimate(float(wins.sum()) / gross_loss)
            if losses.size
            else undefined("no losing trade")
        )
    rules = (
        closed.with_columns(pl.col("exit_rule").fill_null("unknown"))
        .group_by("exit_rule")
        .len()
        .sort(["len", "exit_rule"], descending=[True, False])
    )
    by_type = (
        closed.with_columns(pl.col("strategy_type").fill_null("unknown"))
        .group_by("strategy_type")
        .agg(pl.col("pnl").sum())
        .sort("strategy_type")
    )
    return TradeStats(
        closed_trades=n,
        open_trades=trades.height - n,
        wins=int(wins.size),
        losses=int(losses.size),
        win_rate=win_rate,
        avg_win_dollars=avg_win,
        avg_loss_dollars=avg_loss,
        profit_factor=factor,
        worst_trade_pnl_dollars=worst_trade,
        total_pnl_dollars=float(pnl.sum()),
        exits_by_rule=MappingProxyType(
            dict(zip(rules["exit_rule"].to_list(), rules["len"].to_list(), strict=True))
        ),
        pnl_by_strategy_type_dollars=MappingProxyType(
            dict(zip(by_type["strategy_type"].to_list(), by_type["pnl"].to_list(), strict=True))
        ),
    )


def exposure_fraction(curve: EquityCurve, trades: pl.DataFrame) -> Estimate:
    """Share of the curve's days on which at least one trade was open at some time of the
    day: entered on or before the day and not exited before it (still-open trades count to
    the end)."""
    if not len(curve):
        return undefined("no equity days")
    days = curve.dates.astype("datetime64[D]").astype(np.int64)
    if trades.is_empty():
        return Estimate(0.0)
    spans = trades.select(
        _exchange_date("entry_time").alias("a"), _exchange_date("exit_time").alias("b")
    )
    entry = spans["a"].cast(pl.Int32).to_numpy().astype(np.int64)
    exit_ = spans["b"].cast(pl.Int32).fill_null(int(days[-1])).to_numpy().astype(np.int64)
    # +1 at each entry day, -1 after each exit day, over the sorted trading days
    opens = np.searchsorted(days, entry, side="left")
    closes = np.searchsorted(days, exit_, side="right")
    delta = np.zeros(days.size + 1, dtype=np.int64)
    np.add.at(delta, opens, 1)
    np.add.at(delta, closes, -1)
    open_count = np.cumsum(delta[:-1])
    return Estimate(float(np.count_nonzero(open_count > 0)) / days.size)


def turnover_per_year(
    curve: EquityCurve,
    trades: pl.DataFrame,
    periods_per_year: int = TRADING_DAYS_PER_YEAR,
) -> Estimate:
    """Capital put at risk per year as a multiple of mean equity: the max loss of every trade
    entered during the curve, over mean equity, scaled to a year of trading days."""
    if len(curve) < 2:
        return undefined("needs at least two days of equity")
    if trades.is_empty():
        return Estimate(0.0)
    start, end = curve.start, curve.end
    entered = trades.filter(_exchange_date("entry_time").is_between(start, end))
    if entered["max_loss"].null_count():
        return undefined("a trade has no max_loss")
    at_risk = float(entered["max_loss"].abs().sum())
    years = (len(curve) - 1) / periods_per_year
    return Estimate(at_risk / float(np.mean(curve.equity_dollars)) / years)

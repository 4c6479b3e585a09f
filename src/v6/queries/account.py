"""Account queries: the latest account snapshot with the day's P&L and margin use, the equity
curve with its drawdown, daily P&L, and P&L split by strategy type or underlying.

Day P&L is the change of net liquidation since the last snapshot of the previous trade date
(the previous close as the engine recorded it); on the first recorded day it is the change
since that day's first snapshot. Realised P&L of a closed strategy is the ``strategies`` row's
``realized_pnl`` or, when the engine did not fill it in, the net cash of its executions
(premium received minus premium paid minus commissions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import polars as pl

from v6.queries.base import read_or_empty, rows
from v6.store.reader import LakeReader

ACCOUNT = "account_snapshots"


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """The latest account snapshot. Dollars; ``margin_use`` is initial (else maintenance)
    margin over net liquidation; Greeks in ``v6.domain.Greeks`` units."""

    ts: datetime
    account_id: str
    net_liquidation: float | None
    cash: float | None
    buying_power: float | None
    initial_margin: float | None
    maintenance_margin: float | None
    excess_liquidity: float | None
    realized_pnl_day: float | None
    unrealized_pnl: float | None
    day_pnl: float | None
    margin_use: float | None
    delta: float | None
    gamma: float | None
    theta_per_day: float | None
    vega_per_vol_point: float | None
    open_strategies: int | None


def snapshots(reader: LakeReader) -> pl.DataFrame:
    """Every account snapshot in time order (empty frame when the table does not exist)."""
    scan = read_or_empty(reader, ACCOUNT)
    if scan is None:
        return pl.DataFrame()
    return scan.collect().sort(["ts_event", "ts_init"])


def _day_start_nl(frame: pl.DataFrame, today: date) -> float | None:
    before = frame.filter(pl.col("trade_date") < today).drop_nulls("net_liquidation")
    if not before.is_empty():
        return float(before.get_column("net_liquidation")[-1])
    same = frame.filter(pl.col("trade_date") == today).drop_nulls("net_liquidation")
    return None if same.is_empty() else float(same.get_column("net_liquidation")[0])


def account_summary(reader: LakeReader) -> AccountSummary | None:
    """The newest account snapshot, or None before the engine wrote one."""
    frame = snapshots(reader)
    if frame.is_empty():
        return None
    last: Mapping[str, Any] = frame.row(-1, named=True)
    nl = last.get("net_liquidation")
    start = _day_start_nl(frame, last["trade_date"])
    margin = last.get("initial_margin")
    if margin is None:
        margin = last.get("maintenance_margin")
    return AccountSummary(
        ts=last["ts_event"],
        account_id=str(last["account_id"]),
        net_liquidation=nl,
        cash=last.get("cash"),
        buying_power=last.get("buying_power"),
        initial_margin=last.get("initial_margin"),
        maintenance_margin=last.get("maintenance_margin"),
        excess_liquidity=last.get("excess_liquidity"),
        realized_pnl_day=last.get("realized_pnl_day"),
        unrealized_pnl=last.get("unrealized_pnl"),
        day_pnl=None if nl is None or start is None else nl - start,
        margin_use=None if margin is None or not nl else margin / nl,
        delta=last.get("portfolio_delta"),
        gamma=last.get("portfolio_gamma"),
        theta_per_day=last.get("portfolio_theta_per_day"),
        vega_per_vol_point=last.get("portfolio_vega_per_vol_point"),
        open_strategies=last.get("open_strategies"),
    )


def equity_curve(reader: LakeReader) -> pl.DataFrame:
    """``ts``, ``net_liquidation``, ``peak`` (running high) and ``drawdown`` (fraction below
    the peak, <= 0), one row per account snapshot."""
    frame = snapshots(reader)
    if frame.is_empty():
        return pl.DataFrame(
            schema={
                "ts": pl.Datetime("us", "UTC"),
                "net_liquidation": pl.Float64,
                "peak": pl.Float64,
                "drawdown": pl.Float64,
            }
        )
    curve = frame.drop_nulls("net_liquidation").select(
        pl.col("ts_event").alias("ts"), pl.col("net_liquidation")
    )
    return curve.with_columns(pl.col("net_liquidation").cum_max().alias("peak")).with_columns(
        (pl.col("net_liquidation") / pl.col("peak") - 1.0).alias("drawdown")
    )


def daily_pnl(reader: LakeReader) -> pl.DataFrame:
    """Per trade date: closing net liquidation, ``pnl`` (change since the previous close; the
    first day since its first snapshot), and the day's last ``realized`` and ``unrealized``."""
    frame = snapshots(reader)
    if not frame.is_empty():
        frame = frame.drop_nulls("net_liquidation")
    if frame.is_empty():
        return pl.DataFrame(
            schema={
                "trade_date": pl.Date,
                "close": pl.Float64,
                "pnl": pl.Float64,
                "realized": pl.Float64,
                "unrealized": pl.Float64,
            }
        )
    days = (
        frame.group_by("trade_date", maintain_order=True)
        .agg(
            pl.col("net_liquidation").first().alias("open"),
            pl.col("net_liquidation").last().alias("close"),
            pl.col("realized_pnl_day").last().alias("realized"),
            pl.col("unrealized_pnl").last().alias("unrealized"),
        )
        .sort("trade_date")
    )
    previous = pl.col("close").shift(1).fill_null(pl.col("open"))
    return days.select(
        "trade_date", "close", (pl.col("close") - previous).alias("pnl"), "realized", "unrealized"
    )


def _execution_cash(reader: LakeReader) -> dict[str, float]:
    """Net cash per strategy from its fills: sells add, buys subtract, commissions subtract."""
    scan = read_or_empty(reader, "executions")
    if scan is None:
        return {}
    sign = (
        pl.when(pl.col("side").str.to_uppercase().is_in(["SLD", "SELL", "S"]))
        .then(1.0)
        .otherwise(-1.0)
    )
    frame = (
        scan.filter(pl.col("strategy_id").is_not_null())
        .unique(subset=["exec_id"], keep="last")
        .with_columns(
            (
                sign
                * pl.col("price")
                * pl.col("quantity")
                * pl.col("multiplier").cast(pl.Float64).fill_null(100.0)
                - pl.col("commission").fill_null(0.0)
            ).alias("cash")
        )
        .group_by("strategy_id")
        .agg(pl.col("cash").sum())
        .collect()
    )
    return {str(r["strategy_id"]): float(r["cash"]) for r in rows(frame)}


def strategy_pnl(reader: LakeReader) -> pl.DataFrame:
    """One row per strategy: ``strategy_id``, ``strategy_type``, ``underlying``, ``status``,
    ``realized`` (closed strategies) and ``unrealized`` (open ones, latest snapshot)."""
    scan = read_or_empty(reader, "strategies")
    schema = pl.Schema(
        {
            "strategy_id": pl.String,
            "strategy_type": pl.String,
            "underlying": pl.String,
            "status": pl.String,
            "realized": pl.Float64,
            "unrealized": pl.Float64,
        }
    )
    if scan is None:
        return pl.DataFrame(schema=schema)
    strategies = (
        scan.collect().sort("updated_at").group_by("strategy_id", maintain_order=True).last()
    )
    if strategies.is_empty():
        return pl.DataFrame(schema=schema)
    cash = _execution_cash(reader)
    snaps = read_or_empty(reader, "position_snapshots")
    latest: dict[str, float] = {}
    if snaps is not None:
        last = (
            snaps.sort(["ts_event", "ts_init"])
            .group_by("strategy_id")
            .agg(pl.col("unrealized_pnl").last())
            .collect()
        )
        latest = {
            str(r["strategy_id"]): r["unrealized_pnl"]
            for r in rows(last)
            if r["unrealized_pnl"] is not None
        }
    out: list[dict[str, Any]] = []
    for r in rows(strategies):
        sid = str(r["strategy_id"])
        status = str(r.get("status") or "").upper()
        closed = status in ("CLOSED", "ROLLED")
        realized = r.get("realized_pnl")
        if realized is None and closed:
            realized = cash.get(sid)
        out.append(
            {
                "strategy_id": sid,
                "strategy_type": r.get("strategy_type"),
                "underlying": r.get("underlying"),
                "status": status,
                "realized": float(realized or 0.0) if closed else 0.0,
                "unrealized": 0.0 if closed else float(latest.get(sid, 0.0)),
            }
        )
    return pl.DataFrame(out, schema=schema)


def pnl_by(reader: LakeReader, by: Literal["strategy_type", "underlying"]) -> pl.DataFrame:
    """Realised, unrealised and total P&L grouped by strategy type or underlying."""
    frame = strategy_pnl(reader)
    return (
        frame.group_by(pl.col(by).fill_null("unknown"))
        .agg(pl.col("realized").sum(), pl.col("unrealized").sum(), pl.len().alias("strategies"))
        .with_columns((pl.col("realized") + pl.col("unrealized")).alias("total"))
        .sort(by)
    )

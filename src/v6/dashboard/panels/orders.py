"""Orders and fills: working orders with their age and price-walk step, fills with slippage
against the decision-time mid and commissions, and rejections with the broker's codes."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import streamlit as st

from v6.dashboard import data
from v6.dashboard import format as fmt
from v6.dashboard.context import DashboardContext
from v6.dashboard.panels.common import empty, live, scalar
from v6.queries.orders import WorkingOrder


def working_frame(items: Sequence[WorkingOrder]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "order ref": o.order_ref,
                "strategy": o.strategy_id,
                "kind": o.kind,
                "action": o.action,
                "qty": o.quantity,
                "limit": o.limit_price,
                "status": o.status,
                "walk step": o.walk_step,
                "age": fmt.duration(o.age_s),
                "age s": o.age_s,
                "created (ET)": fmt.new_york(o.created_at, seconds=True),
                "UTC": fmt.utc(o.created_at),
                "tif": o.tif,
            }
            for o in items
        ]
    )


def _working(ctx: DashboardContext) -> None:
    items = data.working_orders(ctx)
    st.subheader(f"Working orders ({len(items)})")
    if not items:
        empty("working orders")
        return
    st.dataframe(
        working_frame(items),
        hide_index=True,
        key="working",
        column_config={"limit": st.column_config.NumberColumn(format="%.2f"), "age s": None},
    )


def _fills(ctx: DashboardContext) -> None:
    frame = data.fills(ctx)
    st.subheader("Fills")
    if frame.is_empty():
        empty("fills")
        return
    cols = st.columns(4)
    cols[0].metric("Fills", f"{frame.height:,}")
    cols[1].metric(
        "Commissions",
        fmt.money(float(frame.get_column("commission").fill_null(0).sum()), cents=True),
    )
    slip = frame.get_column("slippage_dollars").drop_nulls()
    cols[2].metric(
        "Slippage vs mid",
        fmt.money(float(slip.sum()) if slip.len() else None, cents=True),
        help="positive = paid away from the mid at decision time",
    )
    per_share = frame.get_column("slippage_per_share").drop_nulls()
    cols[3].metric(
        "Avg slippage / share",
        fmt.money(scalar(per_share.mean()), cents=True),
    )
    shown = frame.with_columns(
        pl.col("ts_event")
        .map_elements(lambda t: fmt.new_york(t, seconds=True), return_dtype=pl.String)
        .alias("time (ET)"),
        pl.col("ts_event").map_elements(fmt.utc, return_dtype=pl.String).alias("UTC"),
    ).select(
        "time (ET)",
        "UTC",
        "strategy_id",
        "underlying",
        "expiry",
        "strike",
        "right",
        "side",
        "quantity",
        "price",
        "mid_at_decision",
        "slippage_per_share",
        "slippage_dollars",
        "commission",
        "order_ref",
        "exec_id",
    )
    money = st.column_config.NumberColumn(format="%.2f")
    st.dataframe(
        shown,
        hide_index=True,
        key="fills",
        column_config={
            "strategy_id": st.column_config.TextColumn("strategy"),
            "expiry": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "price": money,
            "mid_at_decision": st.column_config.NumberColumn("mid at decision", format="%.2f"),
            "slippage_per_share": st.column_config.NumberColumn(
                "slippage / share", format="%+.3f", help="positive = worse than the mid"
            ),
            "slippage_dollars": st.column_config.NumberColumn("slippage $", format="%+.2f"),
            "commission": money,
            "order_ref": st.column_config.TextColumn("order ref"),
            "exec_id": st.column_config.TextColumn("execution id"),
        },
    )


def _rejections(ctx: DashboardContext) -> None:
    frame = data.rejections(ctx)
    st.subheader(f"Rejections ({frame.height})")
    if frame.is_empty():
        empty("rejections")
        return
    shown = frame.with_columns(
        pl.col("ts_event")
        .map_elements(lambda t: fmt.new_york(t, seconds=True), return_dtype=pl.String)
        .alias("time (ET)"),
        pl.col("ts_event").map_elements(fmt.utc, return_dtype=pl.String).alias("UTC"),
    ).select(
        "time (ET)", "UTC", "source", "error_code", "status", "message", "strategy_id", "order_ref"
    )
    st.dataframe(
        shown,
        hide_index=True,
        key="rejections",
        column_config={
            "error_code": st.column_config.NumberColumn("broker code", format="%d"),
            "strategy_id": st.column_config.TextColumn("strategy"),
            "order_ref": st.column_config.TextColumn("order ref"),
        },
    )


def render(ctx: DashboardContext) -> None:
    st.title("Orders and fills")
    live(ctx, _working)
    live(ctx, _fills)
    live(ctx, _rejections)

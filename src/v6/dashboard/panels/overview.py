"""Overview: the equity curve with its drawdown, daily P&L, realised against unrealised, and
P&L by strategy type and by underlying."""

from __future__ import annotations

import polars as pl
import streamlit as st

from v6.dashboard import charts, data
from v6.dashboard import format as fmt
from v6.dashboard.context import DashboardContext
from v6.dashboard.panels.common import empty, live, scalar


def _equity(ctx: DashboardContext) -> None:
    curve = data.equity_curve(ctx)
    st.subheader("Equity and drawdown")
    if curve.is_empty():
        empty("account snapshots")
        return
    nl = curve.get_column("net_liquidation")
    dd = curve.get_column("drawdown")
    cols = st.columns(4)
    cols[0].metric("Start", fmt.money(float(nl[0])))
    cols[1].metric("Now", fmt.money(float(nl[-1])), fmt.money(float(nl[-1] - nl[0]), signed=True))
    cols[2].metric("Max drawdown", fmt.pct(scalar(dd.min()), 2))
    cols[3].metric("Current drawdown", fmt.pct(float(dd[-1]), 2))
    st.plotly_chart(charts.equity(curve), key="equity")


def _daily(ctx: DashboardContext) -> None:
    days = data.daily_pnl(ctx)
    left, right = st.columns(2)
    with left:
        st.subheader("Daily P&L")
        if days.is_empty():
            empty("trading days")
        else:
            st.plotly_chart(charts.daily_pnl(days), key="daily")
    with right:
        st.subheader("Realised vs unrealised")
        if days.is_empty():
            empty("trading days")
        else:
            st.plotly_chart(charts.realized_unrealized(days), key="realized")


def _breakdown(ctx: DashboardContext) -> None:
    frame = data.strategy_pnl(ctx)
    totals = st.columns(3)
    realized = float(frame.get_column("realized").sum()) if not frame.is_empty() else 0.0
    unrealized = float(frame.get_column("unrealized").sum()) if not frame.is_empty() else 0.0
    totals[0].metric("Realised P&L", fmt.money(realized, signed=True), help="closed strategies")
    totals[1].metric("Unrealised P&L", fmt.money(unrealized, signed=True), help="open strategies")
    closed = (
        frame.filter(pl.col("status").is_in(["CLOSED", "ROLLED"]))
        if not frame.is_empty()
        else frame
    )
    wins = int((closed.get_column("realized") > 0).sum()) if not closed.is_empty() else 0
    totals[2].metric(
        "Win rate",
        fmt.pct(wins / closed.height if closed.height else None, 0),
        help=f"{wins} of {closed.height} closed strategies",
    )
    left, right = st.columns(2)
    for col, by, title in (
        (left, "strategy_type", "P&L by strategy type"),
        (right, "underlying", "P&L by underlying"),
    ):
        with col:
            st.subheader(title)
            grouped = (
                frame.group_by(pl.col(by).fill_null("unknown"))
                .agg(pl.col("realized").sum(), pl.col("unrealized").sum())
                .sort(by)
                if not frame.is_empty()
                else frame
            )
            if grouped.is_empty():
                empty("strategies")
            else:
                st.plotly_chart(charts.pnl_breakdown(grouped, by), key=f"by-{by}")


def render(ctx: DashboardContext) -> None:
    st.title("Overview")
    live(ctx, _equity)
    live(ctx, _daily)
    live(ctx, _breakdown)

"""Positions: one row per open strategy (type, underlying, expiry, DTE, days open, credit,
P&L and % of max profit, max loss, short strikes' distance from spot, the rule closest to
firing), each expandable to its legs; short in-the-money legs near expiry flagged; the expiry
ladder. Each strategy links to its decisions (``?strategy=`` on the Decisions page).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import streamlit as st

from v6.dashboard import charts, data
from v6.dashboard import format as fmt
from v6.dashboard.context import DashboardContext
from v6.dashboard.panels.common import empty, live
from v6.queries.legs import NEAR_EXPIRY_DAYS
from v6.queries.positions import PositionView, expiry_ladder

DECISIONS_PAGE = "views/decisions.py"


def positions_frame(items: Sequence[PositionView]) -> pl.DataFrame:
    """The table behind the positions panel (numbers stay numbers; the grid formats them)."""
    rows: list[dict[str, Any]] = []
    for p in items:
        near = p.proximity
        rows.append(
            {
                "flag": "⚠" if p.flagged else "",
                "strategy": p.strategy_id,
                "type": fmt.label(p.strategy_type),
                "underlying": p.underlying,
                "expiry": p.expiry,
                "DTE": p.dte,
                "days open": None if p.days_open is None else round(p.days_open, 1),
                "credit $": p.credit,
                "P&L $": p.unrealized_pnl,
                "% max profit": None if p.pnl_fraction is None else p.pnl_fraction * 100,
                "max loss $": p.max_loss,
                "put dist %": None if p.short_put_distance is None else p.short_put_distance * 100,
                "call dist %": None
                if p.short_call_distance is None
                else p.short_call_distance * 100,
                "closest rule": None
                if near is None
                else ("FIRED: " if near.fired else "") + near.rule,
                "closeness %": None if near is None else min(near.closeness, 9.99) * 100,
                "why": f"./decisions?strategy={p.strategy_id}",
            }
        )
    return pl.DataFrame(rows)


_COLUMNS = {
    "expiry": st.column_config.DateColumn(format="YYYY-MM-DD"),
    "credit $": st.column_config.NumberColumn(format="dollar"),
    "P&L $": st.column_config.NumberColumn(format="dollar"),
    "max loss $": st.column_config.NumberColumn(format="dollar"),
    "% max profit": st.column_config.NumberColumn(format="%.1f %%"),
    "put dist %": st.column_config.NumberColumn(
        format="%.2f %%", help="short put below spot (positive = out of the money)"
    ),
    "call dist %": st.column_config.NumberColumn(
        format="%.2f %%", help="short call above spot (positive = out of the money)"
    ),
    "closeness %": st.column_config.ProgressColumn(
        format="%.0f %%",
        min_value=0,
        max_value=100,
        help="how near the closest rule is to its threshold",
    ),
    "why": st.column_config.LinkColumn("decisions", display_text="decisions"),
}


def legs_frame(p: PositionView) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "flag": "⚠ short ITM" if leg.flagged else ("ITM" if leg.in_the_money else ""),
                "strike": leg.strike,
                "right": leg.right,
                "qty": leg.quantity,
                "avg price": leg.avg_price,
                "mark": leg.mark,
                "mark from": leg.mark_source,
                "bid": leg.bid,
                "ask": leg.ask,
                "IV %": None if leg.iv is None else leg.iv * 100,
                "delta": leg.delta,
            }
            for leg in p.legs
        ]
    )


_LEG_COLUMNS = {
    "IV %": st.column_config.NumberColumn(format="%.1f"),
    "delta": st.column_config.NumberColumn(format="%.3f"),
    "avg price": st.column_config.NumberColumn(format="%.2f"),
    "mark": st.column_config.NumberColumn(format="%.2f"),
}


def _table(ctx: DashboardContext) -> None:
    items = data.open_positions(ctx)
    st.subheader(f"Open strategies ({len(items)})")
    if not items:
        empty("open strategies")
        return
    flagged = [p for p in items if p.flagged]
    if flagged:
        names = ", ".join(p.strategy_id for p in flagged)
        st.warning(
            f"Short leg in the money within {NEAR_EXPIRY_DAYS} days of expiry: {fmt.md(names)}"
        )
    st.dataframe(positions_frame(items), hide_index=True, column_config=_COLUMNS, key="positions")
    for p in items:
        what = f"{p.underlying} {fmt.label(p.strategy_type)} {p.expiry}"
        pnl = fmt.money(p.unrealized_pnl, signed=True)
        title = f"{'⚠ ' if p.flagged else ''}{p.strategy_id}: {what} · P&L {pnl}"
        with st.expander(fmt.md(title)):
            cols = st.columns(5)
            cols[0].metric("Spot", fmt.price(p.underlying_price))
            cols[1].metric("Delta", fmt.delta(p.delta))
            cols[2].metric("Theta / day", fmt.theta(p.theta_per_day))
            cols[3].metric("Vega", fmt.vega(p.vega_per_vol_point))
            cols[4].metric("Snapshot", fmt.new_york(p.snapshot_at), help=fmt.both(p.snapshot_at))
            if p.proximity is not None:
                verb = "fired" if p.proximity.fired else "closest"
                rule, detail = fmt.label(p.proximity.rule), fmt.md(p.proximity.detail)
                st.caption(f"{verb}: **{rule}** · {detail}")
            st.dataframe(
                legs_frame(p),
                hide_index=True,
                column_config=_LEG_COLUMNS,
                key=f"legs-{p.strategy_id}",
            )
            st.page_link(
                DECISIONS_PAGE,
                label=f"Decisions for {p.strategy_id}",
                query_params={"strategy": p.strategy_id},
            )


def _ladder(ctx: DashboardContext) -> None:
    items = data.open_positions(ctx)
    st.subheader("Expiry ladder")
    buckets = expiry_ladder(items)
    cols = st.columns(len(buckets))
    for col, b in zip(cols, buckets, strict=True):
        col.metric(
            f"{b.label} DTE",
            f"{b.strategies} open",
            fmt.money(b.unrealized_pnl, signed=True),
            help=f"max loss {fmt.money(b.max_loss)}",
        )
    st.plotly_chart(charts.ladder(buckets), key="ladder")


def render(ctx: DashboardContext) -> None:
    st.title("Positions")
    live(ctx, _table)
    live(ctx, _ladder)

"""Greeks and risk: exposure per underlying (delta in shares and dollars, beta-weighted delta,
gamma, vega, theta, max loss) against the configured portfolio limits, the stress matrix as
a heat map, and concentration and correlation of the underlyings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import streamlit as st

from v6.dashboard import charts, data
from v6.dashboard import format as fmt
from v6.dashboard.context import DashboardContext
from v6.dashboard.panels.common import empty, live
from v6.queries.risk import Exposure


def exposure_frame(rows: Sequence[Exposure]) -> pl.DataFrame:
    out: list[dict[str, Any]] = [
        {
            "underlying": e.underlying,
            "strategies": e.strategies,
            "spot": e.spot,
            "beta": e.beta,
            "delta (sh)": e.delta,
            "delta $": e.delta_dollars,
            "beta-wtd delta": e.beta_weighted_delta,
            "gamma": e.gamma,
            "theta $/day": e.theta_per_day,
            "vega $/pt": e.vega_per_vol_point,
            "max loss $": e.max_loss,
            "concentration %": None if e.concentration is None else e.concentration * 100,
            "open P&L $": e.unrealized_pnl,
        }
        for e in rows
    ]
    return pl.DataFrame(out)


_COLUMNS = {
    "spot": st.column_config.NumberColumn(format="%.2f"),
    "delta (sh)": st.column_config.NumberColumn(format="%+.1f"),
    "delta $": st.column_config.NumberColumn(format="dollar"),
    "beta-wtd delta": st.column_config.NumberColumn(format="%+.1f"),
    "gamma": st.column_config.NumberColumn(format="%+.3f"),
    "theta $/day": st.column_config.NumberColumn(format="%+.2f"),
    "vega $/pt": st.column_config.NumberColumn(format="%+.2f"),
    "max loss $": st.column_config.NumberColumn(format="dollar"),
    "concentration %": st.column_config.NumberColumn(format="%.1f %%"),
    "open P&L $": st.column_config.NumberColumn(format="dollar"),
}


def _exposure(ctx: DashboardContext) -> None:
    rows = data.exposure(ctx)
    limits = ctx.config.limits
    st.subheader("Exposure by underlying")
    if len(rows) <= 1:
        empty("open positions")
        return
    st.dataframe(exposure_frame(rows), hide_index=True, column_config=_COLUMNS, key="exposure")
    total = rows[-1]
    usage = st.columns(4)
    for col, name, value, limit in (
        (usage[0], "Delta vs limit", total.delta, limits.max_abs_delta),
        (usage[1], "Gamma vs limit", total.gamma, limits.max_abs_gamma),
        (usage[2], "Theta vs limit", total.theta_per_day, limits.max_abs_theta_per_day),
        (usage[3], "Vega vs limit", total.vega_per_vol_point, limits.max_abs_vega_per_vol_point),
    ):
        col.metric(name, fmt.pct(abs(value) / limit, 0), help=f"{value:+,.2f} of ±{limit:,.0f}")
    usage_limits = (
        ("delta", "delta", limits.max_abs_delta),
        ("gamma", "gamma", limits.max_abs_gamma),
        ("theta_per_day", "theta $/day", limits.max_abs_theta_per_day),
        ("vega_per_vol_point", "vega $/pt", limits.max_abs_vega_per_vol_point),
    )
    st.plotly_chart(charts.limit_usage(rows, usage_limits), key="limit-usage")


def _stress(ctx: DashboardContext) -> None:
    st.subheader("Stress matrix")
    result = data.stress(ctx)
    if result is None:
        empty("open positions to stress")
        return
    pnl, move, shift = result.matrix.worst
    cols = st.columns(3)
    cols[0].metric(
        "Worst cell",
        fmt.money(pnl, signed=True),
        help=f"move {fmt.pct(move, 0, signed=True)}, IV {shift:+g} points",
    )
    cols[1].metric("Strategies", str(result.strategies))
    cols[2].metric("Quotes as of", fmt.new_york(result.as_of), help=fmt.both(result.as_of))
    st.caption(
        "P&L in dollars of an instant move of every underlying (rows) with every implied "
        "volatility shifted (columns), fully revalued."
    )
    st.plotly_chart(charts.stress_heatmap(result.matrix), key="stress")
    if result.problems:
        st.warning("Not fully revalued: " + fmt.md("; ".join(result.problems)))


def _concentration(ctx: DashboardContext) -> None:
    rows = data.exposure(ctx)
    corr = data.correlations(ctx)
    left, right = st.columns(2)
    with left:
        st.subheader("Concentration (max loss)")
        limit = ctx.config.limits.max_concentration
        if len(rows) <= 1:
            empty("open positions")
        else:
            st.plotly_chart(charts.concentration(rows), key="concentration")
            over = [e.underlying for e in rows[:-1] if (e.concentration or 0) > limit]
            if over and rows[-1].strategies >= ctx.config.risk.concentration_min_strategies:
                st.warning(f"Above the {fmt.pct(limit, 0)} concentration limit: {', '.join(over)}")
    with right:
        st.subheader("Correlation of daily returns")
        if not corr.symbols:
            empty("price history")
            return
        st.plotly_chart(charts.correlation_heatmap(corr), key="correlation")
        groups = [" + ".join(sorted(g)) for g in corr.groups.groups]
        threshold = fmt.pct(ctx.config.limits.correlation_threshold, 0)
        st.caption(
            f"{corr.observations} daily returns. Counted as one above {threshold}: "
            + (", ".join(groups) if groups else "none")
        )


def render(ctx: DashboardContext) -> None:
    st.title("Greeks and risk")
    live(ctx, _exposure)
    live(ctx, _stress)
    live(ctx, _concentration)

"""Plotly figures for the pages, built from query results (pure: frames in, figures out, so
they are testable without a browser). Money on axes as dollars, times on the x axis in New
York with UTC in every hover.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import plotly.graph_objects as go  # type: ignore[import-untyped]
import polars as pl
from plotly.subplots import make_subplots  # type: ignore[import-untyped]

from v6.dashboard import format as fmt
from v6.queries.positions import LadderBucket
from v6.queries.risk import Correlations, Exposure
from v6.risk.stress import StressMatrix

GREEN, RED, BLUE, GREY, AMBER = "#2e9d5b", "#d64545", "#3b75c4", "#8a8f98", "#d99a21"
HEIGHT = 320
PALETTE = (BLUE, AMBER, "#7a5cc4", GREEN, "#c45c9b", GREY)
HOVER_TIME = "%{x|%Y-%m-%d %H:%M} ET (%{customdata})"
"""Hover line of a time axis: New York time, then UTC from ``customdata``."""


def _layout(fig: Any, *, height: int = HEIGHT, title: str | None = None) -> Any:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        title=title,
        hovermode="x unified",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        template="plotly_white",
    )
    return fig


def _local(ts: Sequence[datetime]) -> tuple[list[datetime], list[str]]:
    """x values in New York (naive, so plotly shows them as they are) and UTC hover texts."""
    xs = [t.astimezone(fmt.NEW_YORK).replace(tzinfo=None) for t in ts]
    return xs, [fmt.utc(t) for t in ts]


def equity(curve: pl.DataFrame) -> Any:
    """Net liquidation over time with the drawdown below it, shaded."""
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28], vertical_spacing=0.04
    )
    if curve.is_empty():
        return _layout(fig, height=420)
    xs, utc = _local(curve.get_column("ts").to_list())
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=curve.get_column("net_liquidation").to_list(),
            name="net liquidation",
            line={"color": BLUE, "width": 2},
            customdata=utc,
            hovertemplate=HOVER_TIME + "<br>$%{y:,.0f}<extra>net liq</extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=curve.get_column("peak").to_list(),
            name="high-water mark",
            line={"color": GREY, "width": 1, "dash": "dot"},
            hovertemplate="$%{y:,.0f}<extra>high</extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=(curve.get_column("drawdown") * 100).to_list(),
            name="drawdown",
            fill="tozeroy",
            line={"color": RED, "width": 1},
            fillcolor="rgba(214,69,69,0.25)",
            hovertemplate="%{y:.2f} %<extra>drawdown</extra>",
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(tickprefix="$", tickformat=",.0f", row=1, col=1)
    fig.update_yaxes(ticksuffix=" %", row=2, col=1)
    return _layout(fig, height=420)


def daily_pnl(days: pl.DataFrame) -> Any:
    """One bar per trade date, green for gains and red for losses."""
    fig = go.Figure()
    if not days.is_empty():
        pnl = days.get_column("pnl").to_list()
        fig.add_trace(
            go.Bar(
                x=days.get_column("trade_date").to_list(),
                y=pnl,
                marker_color=[GREEN if (v or 0) >= 0 else RED for v in pnl],
                hovertemplate="%{x|%a %Y-%m-%d}<br>%{y:$,.0f}<extra>day P&L</extra>",
                name="day P&L",
            )
        )
    fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    return _layout(fig)


def realized_unrealized(days: pl.DataFrame) -> Any:
    """Realised P&L booked each day (bars) and open P&L at each close (line)."""
    fig = go.Figure()
    if not days.is_empty():
        x = days.get_column("trade_date").to_list()
        fig.add_trace(
            go.Bar(
                x=x,
                y=days.get_column("realized").to_list(),
                name="realised",
                marker_color=BLUE,
                hovertemplate="%{y:$,.0f}<extra>realised</extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=days.get_column("unrealized").to_list(),
                name="unrealised (open)",
                line={"color": AMBER, "width": 2},
                hovertemplate="%{y:$,.0f}<extra>unrealised</extra>",
            )
        )
    fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    return _layout(fig)


def pnl_breakdown(frame: pl.DataFrame, by: str) -> Any:
    """Realised and unrealised P&L per group, stacked."""
    fig = go.Figure()
    if not frame.is_empty():
        keys = [fmt.label(k) for k in frame.get_column(by).to_list()]
        fig.add_trace(
            go.Bar(
                x=keys,
                y=frame.get_column("realized").to_list(),
                name="realised",
                marker_color=BLUE,
                hovertemplate="%{y:$,.0f}<extra>realised</extra>",
            )
        )
        fig.add_trace(
            go.Bar(
                x=keys,
                y=frame.get_column("unrealized").to_list(),
                name="unrealised",
                marker_color=AMBER,
                hovertemplate="%{y:$,.0f}<extra>unrealised</extra>",
            )
        )
    fig.update_layout(barmode="relative")
    fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    return _layout(fig, height=280)


def ladder(buckets: Sequence[LadderBucket]) -> Any:
    """Strategies and max loss per DTE bucket."""
    fig = go.Figure(
        go.Bar(
            x=[b.label for b in buckets],
            y=[b.max_loss for b in buckets],
            text=[f"{b.strategies} open" for b in buckets],
            textposition="auto",
            marker_color=[
                RED if b.max_dte is not None and b.max_dte <= 7 else BLUE for b in buckets
            ],
            hovertemplate="%{x} DTE<br>max loss %{y:$,.0f}<br>%{text}<extra></extra>",
        )
    )
    fig.update_xaxes(title="days to expiry")
    fig.update_yaxes(title="max loss", tickprefix="$", tickformat=",.0f")
    return _layout(fig, height=260)


def limit_usage(rows: Sequence[Exposure], limits: Sequence[tuple[str, str, float]]) -> Any:
    """Each portfolio Greek as a percentage of its limit, stacked by underlying (signed, so
    offsetting positions show as bars on both sides); the limits are the lines at +/-100 %.
    ``limits``: (Exposure field, label, limit) per Greek."""
    fig = go.Figure()
    labels = [label for _, label, _ in limits]
    for i, e in enumerate(r for r in rows if r.underlying != "TOTAL"):
        x = [100.0 * (getattr(e, field) or 0.0) / limit for field, _, limit in limits]
        raw = [getattr(e, field) or 0.0 for field, _, _ in limits]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=x,
                orientation="h",
                name=e.underlying,
                customdata=raw,
                marker_color=PALETTE[i % len(PALETTE)],
                hovertemplate=f"{e.underlying}: %{{customdata:+,.2f}}"
                "<br>%{x:+.1f} % of the limit<extra></extra>",
            )
        )
    total = next((r for r in rows if r.underlying == "TOTAL"), None)
    if total is not None:
        fig.add_trace(
            go.Scatter(
                y=labels,
                x=[100.0 * (getattr(total, field) or 0.0) / limit for field, _, limit in limits],
                mode="markers",
                name="portfolio",
                marker={"symbol": "diamond", "size": 12, "color": "#222"},
                hovertemplate="portfolio: %{x:+.1f} % of limit<extra></extra>",
            )
        )
    for edge in (-100, 100):
        fig.add_vline(x=edge, line_dash="dash", line_color=RED)
    fig.update_layout(barmode="relative", hovermode="closest")
    fig.update_xaxes(ticksuffix=" %", title="share of the configured limit")
    return _layout(fig, height=260)


def stress_heatmap(matrix: StressMatrix) -> Any:
    """P&L by underlying move (rows) and IV shift (columns), red for losses."""
    z = matrix.pnl.tolist()
    moves = [fmt.pct(m, 0, signed=True) for m in matrix.moves]
    shifts = [f"{v:+g} vol pts" for v in matrix.vol_shifts_points]
    text = [[fmt.money(v, signed=True) for v in row] for row in z]
    peak = max((abs(v) for row in z for v in row if math.isfinite(v)), default=1.0) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=shifts,
            y=moves,
            text=text,
            texttemplate="%{text}",
            colorscale=[[0.0, RED], [0.5, "#ffffff"], [1.0, GREEN]],
            zmin=-peak,
            zmax=peak,
            hovertemplate="move %{y}, IV %{x}<br>P&L %{text}<extra></extra>",
            colorbar={"tickprefix": "$"},
        )
    )
    fig.update_xaxes(title="implied volatility shift")
    fig.update_yaxes(title="underlying move")
    return _layout(fig, height=380)


def correlation_heatmap(corr: Correlations) -> Any:
    z = [[v if math.isfinite(v) else None for v in row] for row in corr.matrix]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(corr.symbols),
            y=list(corr.symbols),
            zmin=-1,
            zmax=1,
            colorscale="RdBu_r",
            texttemplate="%{z:.2f}",
            hovertemplate="%{y} vs %{x}: %{z:.2f}<extra></extra>",
        )
    )
    return _layout(fig, height=300)


def concentration(rows: Sequence[Exposure]) -> Any:
    """Share of the portfolio's max loss per underlying."""
    items = [e for e in rows if e.underlying != "TOTAL" and e.max_loss > 0]
    fig = go.Figure(
        go.Pie(
            labels=[e.underlying for e in items],
            values=[e.max_loss for e in items],
            hole=0.5,
            hovertemplate="%{label}: %{value:$,.0f} (%{percent})<extra></extra>",
        )
    )
    return _layout(fig, height=300)


def equity_lines(frame: pl.DataFrame) -> Any:
    """Backtest equity curves, one line per series."""
    fig = go.Figure()
    for name in (
        frame.get_column("series").unique(maintain_order=True).to_list()
        if not frame.is_empty()
        else []
    ):
        part = frame.filter(pl.col("series") == name)
        fig.add_trace(
            go.Scatter(
                x=part.get_column("x").to_list(),
                y=part.get_column("equity").to_list(),
                name=str(name),
                hovertemplate="%{y:$,.0f}<extra>" + str(name) + "</extra>",
            )
        )
    fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    return _layout(fig)


def paired(
    values_a: Sequence[float], values_b: Sequence[float], name_a: str, name_b: str, metric: str
) -> Any:
    """A paired comparison: each path's metric under A against B (above the diagonal: B did
    better on that path), and the distribution of the differences."""
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=(f"{metric} per path", f"{name_b} - {name_a}")
    )
    lo = min([*values_a, *values_b], default=0.0)
    hi = max([*values_a, *values_b], default=1.0)
    fig.add_trace(
        go.Scatter(
            x=list(values_a),
            y=list(values_b),
            mode="markers",
            marker={"color": BLUE},
            name="paths",
            hovertemplate=f"{name_a} %{{x:.4f}}<br>{name_b} %{{y:.4f}}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[lo, hi],
            y=[lo, hi],
            mode="lines",
            line={"color": GREY, "dash": "dash"},
            name="equal",
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
    diffs = [b - a for a, b in zip(values_a, values_b, strict=False)]
    fig.add_trace(
        go.Histogram(x=diffs, marker_color=AMBER, name="difference", nbinsx=20), row=1, col=2
    )
    fig.update_xaxes(title=name_a, row=1, col=1)
    fig.update_yaxes(title=name_b, row=1, col=1)
    fig.update_layout(hovermode="closest", showlegend=False)
    return _layout(fig, height=340)

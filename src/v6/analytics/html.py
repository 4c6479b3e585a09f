"""Self-contained HTML reports (plotly, its JavaScript embedded once, so a report opens
offline): per run the equity curve with drawdown, the daily P&L distribution, exits by rule
and monthly returns; per comparison each metric's A vs B distribution and per-path differences.

Functions take the data, not a folder; every plot sits in a ``div`` with a fixed id.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]
import polars as pl
from plotly.subplots import make_subplots  # type: ignore[import-untyped, unused-ignore]

from v6.analytics.compare import PairedComparison
from v6.analytics.equity import EquityCurve, monthly_return_matrix
from v6.analytics.labels import format_value, label, summary_rows
from v6.analytics.performance import PerformanceReport
from v6.analytics.trades import normalise_trades

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
RUN_DIVS = ("equity-drawdown", "daily-pnl", "exits-by-rule", "monthly-returns")
TRADES_DIV = "trade-pnl"
PLOT_CONFIG = {"displaylogo": False, "responsive": True}
COLOR_A, COLOR_B = "#1f77b4", "#ff7f0e"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border-bottom: 1px solid #ddd; padding: 4px 12px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.why { color: #888; font-size: 90%; }
"""


def _page(title: str, parts: list[str]) -> str:
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n<h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )


class _Figures:
    """Renders figures into ``div``s, embedding plotly.js with the first one only."""

    def __init__(self) -> None:
        self.embedded = False

    def div(self, fig: go.Figure, div_id: str) -> str:
        out = fig.to_html(
            full_html=False,
            include_plotlyjs=not self.embedded,
            div_id=div_id,
            config=PLOT_CONFIG,
        )
        self.embedded = True
        return str(out)


def _equity_figure(curve: EquityCurve) -> go.Figure:
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3])
    dates = curve.dates.astype("datetime64[D]")
    fig.add_trace(
        go.Scatter(x=dates, y=curve.equity_dollars, name="Equity", mode="lines"), row=1, col=1
    )
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=-100.0 * curve.drawdown_fraction(),
            name="Drawdown",
            mode="lines",
            fill="tozeroy",
            line={"color": "#d62728"},
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(title_text="equity ($)", row=1, col=1)
    fig.update_yaxes(title_text="drawdown (%)", row=2, col=1)
    fig.update_layout(title="Equity (daily mark-to-market) and drawdown", height=520)
    return fig


def _pnl_figure(curve: EquityCurve) -> go.Figure:
    fig = go.Figure(go.Histogram(x=curve.pnl_dollars(), nbinsx=50, name="daily P&L"))
    fig.update_layout(title="Daily P&L distribution", xaxis_title="P&L ($)", yaxis_title="days")
    return fig


def _exits_figure(report: PerformanceReport) -> go.Figure:
    rules = list(report.exits_by_rule)
    fig = go.Figure(go.Bar(x=rules, y=[report.exits_by_rule[r] for r in rules]))
    fig.update_layout(title="Exits by rule", yaxis_title="trades")
    return fig


def _monthly_figure(curve: EquityCurve) -> go.Figure:
    years, matrix = monthly_return_matrix(curve)
    pct = np.round(matrix * 100.0, 2)
    text = [["" if np.isnan(v) else f"{v:.2f}%" for v in row] for row in pct]
    fig = go.Figure(
        go.Heatmap(
            z=pct,
            x=list(MONTHS),
            y=[str(y) for y in years],
            text=text,
            texttemplate="%{text}",
            colorscale="RdYlGn",
            zmid=0,
            colorbar={"title": "%"},
        )
    )
    fig.update_layout(title="Monthly returns", height=160 + 40 * len(years))
    return fig


def _trades_figure(trades: pl.DataFrame) -> go.Figure:
    closed = normalise_trades(trades).filter(pl.col("exit_time").is_not_null())
    fig = go.Figure()
    for (stype,), group in closed.group_by(["strategy_type"], maintain_order=True):
        fig.add_trace(
            go.Scatter(
                x=group["exit_time"].to_list(),
                y=group["pnl"].to_list(),
                mode="markers",
                name=str(stype),
                text=group["exit_rule"].to_list(),
            )
        )
    fig.update_layout(title="Closed trades: P&L at exit", yaxis_title="P&L ($)")
    return fig


def _metrics_table(report: PerformanceReport) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td class='num'>{html.escape(value)}</td>"
        f"<td class='why'>{html.escape(why)}</td></tr>"
        for name, value, why in summary_rows(report)
    )
    return f"<table id='metrics'><tr><th>metric</th><th>value</th><th></th></tr>{rows}</table>"


def run_report_html(
    curve: EquityCurve,
    report: PerformanceReport,
    trades: pl.DataFrame | None = None,
    *,
    title: str = "v6 run report",
    notes: Mapping[str, str] | None = None,
) -> str:
    """The whole report as one HTML string; with ``trades``, also each closed trade's P&L
    (div ``trade-pnl``); ``notes`` are extra key/value lines (seed, scenario, ...)."""
    figs = _Figures()
    period = f"{report.start} to {report.end}, {report.trading_days} trading days"
    parts = [f"<p>{html.escape(period)}</p>"]
    if notes:
        items = "".join(
            f"<li>{html.escape(k)}: {html.escape(str(v))}</li>" for k, v in notes.items()
        )
        parts.append(f"<ul id='notes'>{items}</ul>")
    parts += [
        _metrics_table(report),
        figs.div(_equity_figure(curve), RUN_DIVS[0]),
        figs.div(_pnl_figure(curve), RUN_DIVS[1]),
        figs.div(_exits_figure(report), RUN_DIVS[2]),
        figs.div(_monthly_figure(curve), RUN_DIVS[3]),
    ]
    if trades is not None:
        parts.append(figs.div(_trades_figure(trades), TRADES_DIV))
    return _page(title, parts)


def write_run_report_html(
    path: Path | str,
    curve: EquityCurve,
    report: PerformanceReport,
    trades: pl.DataFrame | None = None,
    *,
    title: str = "v6 run report",
    notes: Mapping[str, str] | None = None,
) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(run_report_html(curve, report, trades, title=title, notes=notes), "utf-8")
    return out


def _distribution_figure(c: PairedComparison) -> go.Figure:
    fig = go.Figure()
    for values, name, color in ((c.a, c.label_a, COLOR_A), (c.b, c.label_b, COLOR_B)):
        fig.add_trace(
            go.Histogram(x=values, name=name, opacity=0.6, nbinsx=40, marker={"color": color})
        )
    fig.update_layout(
        barmode="overlay",
        title=f"{label(c.metric)}: {c.label_a} vs {c.label_b} over {c.n_paths} paths",
        xaxis_title=label(c.metric),
        yaxis_title="paths",
    )
    return fig


def _difference_figure(c: PairedComparison) -> go.Figure:
    fig = go.Figure(go.Histogram(x=c.differences, nbinsx=40, name="A - B"))
    fig.add_vline(x=0.0, line={"color": "#444", "dash": "dash"})
    fig.update_layout(
        title=f"{label(c.metric)}: per-path difference {c.label_a} - {c.label_b}",
        xaxis_title="difference",
        yaxis_title="paths",
    )
    return fig


def _comparison_table(comparisons: Mapping[str, PairedComparison]) -> str:
    head = (
        "<tr><th>metric</th><th>median A</th><th>median B</th><th>mean A-B</th>"
        "<th>CI (t)</th><th>CI median (bootstrap)</th><th>A better</th><th>p (sign)</th></tr>"
    )
    rows = []
    for metric, c in comparisons.items():

        def f(v: float, m: str = metric) -> str:
            return format_value(m, v)

        cells = (
            label(metric),
            f(c.median_a),
            f(c.median_b),
            f(c.mean_difference),
            f"[{f(c.mean_ci_t.low)}, {f(c.mean_ci_t.high)}]",
            f"[{f(c.median_ci_bootstrap.low)}, {f(c.median_ci_bootstrap.high)}]",
            f"{c.share_a_better * 100:.1f} %",
            f"{c.p_value_sign:.3g}",
        )
        rows.append("<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in cells) + "</tr>")
    return f"<table id='comparison'>{head}{''.join(rows)}</table>"


def comparison_report_html(
    comparisons: Mapping[str, PairedComparison], *, title: str = "v6 comparison"
) -> str:
    """Summary table plus, per metric, the A vs B distributions (div ``dist-<metric>``) and
    the per-path differences (div ``diff-<metric>``)."""
    figs = _Figures()
    parts = [_comparison_table(comparisons)]
    for metric, c in comparisons.items():
        parts.append(f"<h2>{html.escape(label(metric))}</h2>")
        parts.append(figs.div(_distribution_figure(c), f"dist-{metric}"))
        parts.append(figs.div(_difference_figure(c), f"diff-{metric}"))
    return _page(title, parts)


def write_comparison_report_html(
    path: Path | str,
    comparisons: Mapping[str, PairedComparison],
    *,
    title: str = "v6 comparison",
) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(comparison_report_html(comparisons, title=title), "utf-8")
    return out

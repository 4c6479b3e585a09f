"""Backtests: saved runs and comparisons under ``DATA_DIR/runs`` with their metrics, equity
curves and, for a paired comparison, each path's result under both variants."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
import streamlit as st

from v6.dashboard import charts
from v6.dashboard import format as fmt
from v6.dashboard.context import DashboardContext
from v6.dashboard.panels.common import live
from v6.queries.backtests import RunInfo, list_runs, run_equity

RATIO_HINTS = ("return", "drawdown", "rate", "fraction", "pct", "difference")


def metric_text(name: str, value: float | str) -> str:
    """Ratios that read as percentages (returns, drawdowns, win rates) as %, others plainly."""
    if isinstance(value, str):
        return value
    if any(h in name.lower() for h in RATIO_HINTS):
        return fmt.pct(value, 1)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def runs_frame(runs: Sequence[RunInfo]) -> pl.DataFrame:
    """One row per run: identity, up to six headline metrics each, then any problem."""
    rows = [
        {
            "run": r.path.name,
            "name": r.name,
            "kind": r.kind,
            "created (ET)": fmt.new_york(r.created_at),
            **{k: metric_text(k, v) for k, v in list(r.metrics.items())[:6]},
        }
        for r in runs
    ]
    columns = list(dict.fromkeys(k for row in rows for k in row))
    return pl.DataFrame(
        [
            {**{c: row.get(c, "") for c in columns}, "problem": r.error or ""}
            for row, r in zip(rows, runs, strict=True)
        ],
        schema={**dict.fromkeys(columns, pl.String), "problem": pl.String},
    )


def _paired(manifest: Mapping[str, Any]) -> tuple[list[float], list[float], str, str, str] | None:
    block = manifest.get("paired")
    if not isinstance(block, Mapping):
        return None
    a, b = block.get("values_a"), block.get("values_b")
    if not isinstance(a, list) or not isinstance(b, list) or not a or len(a) != len(b):
        return None
    try:
        values_a, values_b = [float(x) for x in a], [float(x) for x in b]
    except (TypeError, ValueError):
        return None
    return (
        values_a,
        values_b,
        str(block.get("a", "A")),
        str(block.get("b", "B")),
        str(block.get("metric", "metric")),
    )


def _run(run: RunInfo) -> None:
    st.subheader(run.name)
    st.caption(fmt.md(f"{run.kind} · {run.path} · created {fmt.both(run.created_at)}"))
    if run.error:
        st.error(f"manifest unreadable: {fmt.md(run.error)}")
    numbers = list(run.metrics.items())
    for start in range(0, len(numbers), 6):
        cols = st.columns(6)
        for col, (name, value) in zip(cols, numbers[start : start + 6], strict=False):
            col.metric(fmt.label(name), metric_text(name, value))
    curve = run_equity(run)
    if not curve.is_empty():
        st.plotly_chart(charts.equity_lines(curve), key=f"equity-{run.path.name}")
    pairs = _paired(run.manifest)
    if pairs is not None:
        st.plotly_chart(charts.paired(*pairs), key=f"paired-{run.path.name}")
    for image in run.images:
        st.image(str(image), caption=image.name)
    if run.report_html is not None:
        st.download_button(
            "Download the HTML report",
            data=run.report_html.read_bytes(),
            file_name=f"{run.path.name}-report.html",
            mime="text/html",
            key=f"report-{run.path.name}",
        )
    with st.expander("Manifest"):
        st.json(dict(run.manifest), expanded=False)


def _runs(ctx: DashboardContext) -> None:
    runs = list_runs(ctx.data_dir)
    st.subheader(f"Saved runs ({len(runs)})")
    if not runs:
        st.info(
            f"No saved runs under {fmt.md(str(ctx.data_dir / 'runs'))} yet "
            "(`v6 backtest` saves one per run)."
        )
        return
    st.dataframe(runs_frame(runs), hide_index=True, key="runs")
    names = [r.path.name for r in runs]
    picked = st.selectbox("Run", names, key="run-pick")
    _run(runs[names.index(picked)])


def render(ctx: DashboardContext) -> None:
    st.title("Backtests")
    live(ctx, _runs)

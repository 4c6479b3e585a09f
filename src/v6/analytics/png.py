"""PNG charts of a run and of a comparison (matplotlib's object API with the Agg canvas, no
``pyplot``: no global figure state, no GUI backend, safe next to other threads).

Same charts as the HTML report, for places that cannot show HTML (a chat message, a README).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from v6.analytics.compare import PairedComparison
from v6.analytics.equity import EquityCurve, monthly_return_matrix
from v6.analytics.labels import label
from v6.analytics.performance import PerformanceReport

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DPI = 100
COLOR_A, COLOR_B = "#1f77b4", "#ff7f0e"


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)


def equity_png(curve: EquityCurve, path: Path) -> Path:
    fig = Figure(figsize=(10, 6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    if len(curve):
        dates = curve.dates.astype("datetime64[D]")
        top.plot(dates, curve.equity_dollars, color=COLOR_A)
        dd = -100.0 * curve.drawdown_fraction()
        bottom.fill_between(dates, dd, 0.0, color="#d62728", alpha=0.5)
        fig.autofmt_xdate()
    else:
        _empty(top, "no equity data")
    top.set_title("Equity (daily mark-to-market) and drawdown")
    top.set_ylabel("equity ($)")
    bottom.set_ylabel("drawdown (%)")
    return _save(fig, path)


def daily_pnl_png(curve: EquityCurve, path: Path) -> Path:
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    pnl = curve.pnl_dollars()
    if pnl.size:
        ax.hist(pnl, bins=min(50, max(5, pnl.size // 2)), color=COLOR_A)
    else:
        _empty(ax, "no daily returns")
    ax.set_title("Daily P&L distribution")
    ax.set_xlabel("P&L ($)")
    ax.set_ylabel("days")
    return _save(fig, path)


def exits_png(report: PerformanceReport, path: Path) -> Path:
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    rules = list(report.exits_by_rule)
    if rules:
        ax.barh(rules[::-1], [report.exits_by_rule[r] for r in rules[::-1]], color=COLOR_A)
    else:
        _empty(ax, "no closed trades")
    ax.set_title("Exits by rule")
    ax.set_xlabel("trades")
    return _save(fig, path)


def monthly_png(curve: EquityCurve, path: Path) -> Path:
    years, matrix = monthly_return_matrix(curve)
    fig = Figure(figsize=(10, 1.5 + 0.5 * max(1, len(years))), layout="constrained")
    ax = fig.subplots()
    if years:
        pct = matrix * 100.0
        finite = pct[np.isfinite(pct)]
        lim = max(float(np.abs(finite).max()), 1e-9) if finite.size else 1.0
        ax.imshow(np.ma.masked_invalid(pct), cmap="RdYlGn", vmin=-lim, vmax=lim, aspect="auto")
        for (i, j), v in np.ndenumerate(pct):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(12), MONTHS)
        ax.set_yticks(range(len(years)), [str(y) for y in years])
    else:
        _empty(ax, "less than a month of data")
    ax.set_title("Monthly returns (%)")
    return _save(fig, path)


def write_run_pngs(
    out_dir: Path | str, curve: EquityCurve, report: PerformanceReport
) -> dict[str, Path]:
    """The four run charts as PNG files in ``out_dir``, by chart name."""
    d = Path(out_dir)
    return {
        "equity_drawdown": equity_png(curve, d / "equity_drawdown.png"),
        "daily_pnl": daily_pnl_png(curve, d / "daily_pnl.png"),
        "exits_by_rule": exits_png(report, d / "exits_by_rule.png"),
        "monthly_returns": monthly_png(curve, d / "monthly_returns.png"),
    }


def distribution_png(c: PairedComparison, path: Path) -> Path:
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    values = np.concatenate([c.a, c.b])
    if values.size:
        bins = np.histogram_bin_edges(values, bins=min(40, max(5, values.size // 4))).tolist()
        ax.hist(c.a, bins=bins, alpha=0.6, label=c.label_a, color=COLOR_A)
        ax.hist(c.b, bins=bins, alpha=0.6, label=c.label_b, color=COLOR_B)
        ax.legend()
    else:
        _empty(ax, "no paths")
    ax.set_title(f"{label(c.metric)}: {c.label_a} vs {c.label_b} ({c.n_paths} paths)")
    ax.set_xlabel(label(c.metric))
    ax.set_ylabel("paths")
    return _save(fig, path)


def difference_png(c: PairedComparison, path: Path) -> Path:
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    if c.n_paths:
        ax.hist(c.differences, bins=min(40, max(5, c.n_paths // 4)), color=COLOR_A)
        ax.axvline(0.0, color="#444", linestyle="--")
    else:
        _empty(ax, "no paths")
    ax.set_title(f"{label(c.metric)}: per-path difference {c.label_a} - {c.label_b}")
    ax.set_xlabel("difference")
    ax.set_ylabel("paths")
    return _save(fig, path)


def write_comparison_pngs(
    out_dir: Path | str, comparisons: Mapping[str, PairedComparison]
) -> dict[str, Path]:
    """Per metric: ``<metric>_distribution.png`` (A vs B) and ``<metric>_difference.png``."""
    d = Path(out_dir)
    out: dict[str, Path] = {}
    for metric, c in comparisons.items():
        out[f"{metric}_distribution"] = distribution_png(c, d / f"{metric}_distribution.png")
        out[f"{metric}_difference"] = difference_png(c, d / f"{metric}_difference.png")
    return out

"""v6.analytics: a run's full PerformanceReport beside empyrical computing the same return
metrics on the same series; the paired Monte Carlo comparison's bootstrap beside
scipy.stats.bootstrap; report rendering; variance analysis over many predictions.

Paths: 10 simulated years (2,520 trading days) of daily equity with 400 trades each.
"x faster" is the reference's time over ours, from the same run.
Usage: python bench/bench_analytics.py [--quick]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import empyrical as ep
import numpy as np
import polars as pl
from scipy import stats

from v6.analytics import metrics as m
from v6.analytics.compare import paired_comparison
from v6.analytics.equity import EquityCurve
from v6.analytics.html import write_run_report_html
from v6.analytics.metrics import daily_risk_free
from v6.analytics.performance import performance_report
from v6.analytics.png import write_run_pngs
from v6.analytics.variance import analyze_prediction_variance

RF = 0.03
START = date(2016, 1, 4)


def _dates(n: int) -> np.ndarray:
    days = np.arange(np.datetime64(START), np.datetime64(START) + n * 2)
    return days[np.is_busday(days)][:n]


def _path(seed: int, n_days: int, n_trades: int) -> tuple[EquityCurve, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0003, 0.008, n_days - 1)
    r[rng.random(n_days - 1) < 0.01] -= 0.04  # occasional gap losses
    equity = 100_000 * np.concatenate(([1.0], np.cumprod(1 + r)))
    dates = _dates(n_days)
    entry_idx = np.sort(rng.integers(0, n_days - 30, n_trades))
    hold = rng.integers(1, 30, n_trades)
    t0 = datetime(START.year, START.month, START.day, 15, tzinfo=UTC)
    to_ts = [t0 + timedelta(days=int((d - dates[0]).astype(int))) for d in dates]
    trades = pl.DataFrame(
        {
            "entry_time": [to_ts[i] for i in entry_idx],
            "exit_time": [to_ts[i + h] for i, h in zip(entry_idx, hold, strict=True)],
            "strategy_type": rng.choice(["iron_condor", "bull_put", "bear_call"], n_trades),
            "exit_rule": rng.choice(["take_profit", "stop_loss", "dte_exit"], n_trades),
            "pnl": rng.normal(20, 150, n_trades),
            "max_loss": np.full(n_trades, 400.0),
        }
    )
    return EquityCurve(dates, equity), trades


def _empyrical_metrics(r: np.ndarray) -> list[float]:
    rf = daily_risk_free(RF)
    return [
        ep.sharpe_ratio(r, risk_free=rf),
        ep.sortino_ratio(r, required_return=rf),
        ep.annual_return(r),
        ep.annual_volatility(r),
        -ep.max_drawdown(r),
        ep.calmar_ratio(r),
        ep.conditional_value_at_risk(r),
    ]


def _time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run(quick: bool = False) -> list[dict[str, Any]]:
    n_paths = 20 if quick else 100
    n_days, n_trades = 2520, 400
    repeats = 2 if quick else 3
    paths = [_path(s, n_days, n_trades) for s in range(n_paths)]
    rows: list[dict[str, Any]] = []

    def ours_all() -> list[Any]:
        return [performance_report(c, t, risk_free_rate_annual=RF) for c, t in paths]

    def ours_returns_only() -> list[Any]:
        return [performance_report(c, risk_free_rate_annual=RF) for c, _ in paths]

    def ours_metrics() -> list[list[float]]:
        out = []
        for c, _ in paths:
            r = c.returns()
            annual = m.annualised_return(r)
            out.append(
                [
                    m.sharpe_ratio(r, RF).value,
                    m.sortino_ratio(r, RF).value,
                    annual.value,
                    m.annualised_volatility(r).value,
                    m.max_drawdown(c.equity_dollars).max_fraction,
                    m.calmar_ratio(annual, m.max_drawdown(c.equity_dollars)).value,
                    m.conditional_value_at_risk(r).value,
                ]
            )
        return out

    def reference() -> list[list[float]]:
        return [_empyrical_metrics(c.returns()) for c, _ in paths]

    t_all, reports = _time(ours_all, repeats)
    t_ret, _ = _time(ours_returns_only, repeats)
    t_ref, ref = _time(reference, repeats)
    t_met, _ = _time(ours_metrics, repeats)
    names = (
        "sharpe_ratio",
        "sortino_ratio",
        "annualised_return",
        "annualised_volatility",
        "max_drawdown_fraction",
        "calmar_ratio",
        "cvar_5pct_daily_return",
    )
    diff = max(
        abs(getattr(rep, n) - v) / max(1.0, abs(v))
        for rep, vals in zip(reports, ref, strict=True)
        for n, v in zip(names, vals, strict=True)
    )
    per = 1e3 / n_paths
    rows.append(
        {
            "case": f"7 return metrics, {n_days} days (per path, {n_paths} paths)",
            "ours_ms": t_met * per,
            "reference": "empyrical: same 7 return metrics",
            "ref_ms": t_ref * per,
            "ratio": t_ref / t_met,
        }
    )
    rows.append(
        {
            "case": f"full report, {n_days} days, no trades (per path)",
            "ours_ms": t_ret * per,
            "reference": "empyrical: same 7 return metrics",
            "ref_ms": t_ref * per,
            "ratio": t_ref / t_ret,
        }
    )
    rows.append(
        {"case": f"report, {n_days} days + {n_trades} trades (per path)", "ours_ms": t_all * per}
    )

    sharpe_a = np.array([r.sharpe_ratio for r in reports])
    sharpe_b = sharpe_a - 0.1 + np.random.default_rng(0).normal(0, 0.05, n_paths)
    n_boot = 2_000
    t_cmp, _ = _time(
        lambda: paired_comparison(sharpe_a, sharpe_b, metric="sharpe_ratio", n_bootstrap=n_boot),
        repeats,
    )
    d = sharpe_a - sharpe_b

    def scipy_boot() -> None:
        for statistic in (np.mean, np.median):
            stats.bootstrap(
                (d,), statistic, n_resamples=n_boot, method="percentile", random_state=0
            )

    t_scipy, _ = _time(scipy_boot, repeats)
    rows.append(
        {
            "case": f"paired comparison, {n_paths} paths, {n_boot} resamples",
            "ours_ms": t_cmp * 1e3,
            "reference": "scipy.stats.bootstrap mean+median",
            "ref_ms": t_scipy * 1e3,
            "ratio": t_scipy / t_cmp,
        }
    )

    curve, trades = paths[0]
    with tempfile.TemporaryDirectory() as tmp:
        t_html, path = _time(
            lambda: write_run_report_html(Path(tmp) / "r.html", curve, reports[0], trades), 1
        )
        size_mb = path.stat().st_size / 1e6
        t_png, _ = _time(lambda: write_run_pngs(Path(tmp), curve, reports[0]), 1)
    rows.append({"case": f"HTML report, {n_days} days ({size_mb:.1f} MB)", "ours_ms": t_html * 1e3})
    rows.append({"case": "4 PNG charts", "ours_ms": t_png * 1e3})

    n_pred = 2_000 if quick else 20_000
    frame = _predictions(n_pred)
    as_of = datetime(2026, 3, 1, tzinfo=UTC)
    t_var, _ = _time(lambda: analyze_prediction_variance(frame, as_of, 30), repeats)
    rows.append({"case": f"variance analysis, {n_pred} predictions", "ours_ms": t_var * 1e3})
    _print(rows, diff)
    return rows


def _predictions(n: int) -> pl.DataFrame:
    rng = np.random.default_rng(1)
    end = datetime(2026, 3, 1, tzinfo=UTC)
    exited = [end - timedelta(hours=float(h)) for h in rng.uniform(0, 24 * 60, n)]
    pred = rng.uniform(0.2, 0.8, n)
    actual = pred - rng.normal(0, 0.2, n)
    return pl.DataFrame(
        {
            "prediction_id": [f"p{i}" for i in range(n)],
            "strategy_type": rng.choice(["iron_condor", "bull_put", "bear_call"], n),
            "regime": rng.choice(["normal", "high_vol", "low_vol", "crash"], n),
            "predicted_pnl": pred * 100,
            "predicted_return_fraction": pred,
            "predicted_win_probability": rng.uniform(0.5, 0.9, n),
            "entered_at": [t - timedelta(days=10) for t in exited],
            "actual_pnl": actual * 100,
            "actual_return_fraction": actual,
            "exited_at": exited,
        }
    )


def _print(rows: list[dict[str, Any]], diff: float) -> None:
    header = f"{'case':<56} {'v6 ms':>9}  {'reference':<36} {'ref ms':>9} {'x faster':>9}"
    print(header)
    print("-" * len(header))
    for r in rows:
        ref = r.get("reference", "")
        ref_ms = f"{r['ref_ms']:9.2f}" if "ref_ms" in r else " " * 9
        ratio = f"{r['ratio']:9.1f}" if "ratio" in r else ""
        print(f"{r['case']:<56} {r['ours_ms']:9.2f}  {ref:<36} {ref_ms} {ratio}")
    print(f"largest relative difference from empyrical over all paths and metrics: {diff:.1e}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20 paths, fewer repeats")
    run(quick=parser.parse_args().quick)

"""Ablation study for docs/backtest.md: variants of one config (a rule switched off, a group of
settings changed, entries lagged) each run on the same simulated paths with the Monte Carlo
worker of ``v6 compare`` (``v6.sim.backtest.montecarlo.run_path``), one table row per variant.

Variants (positional): ``base``; ``no_<rule>`` (one of the twelve rules off); ``no_breakers``;
``no_hedge``; ``no_variance``; ``loose_limits`` (every portfolio limit out of reach, as in the
v5 baseline); ``v6_limits`` (the built-in limits, for the v5 baseline); ``lag<N>`` (entries
lagged N grid steps); ``name={"key": value, ...}`` (any overrides, dotted keys).

Usage: python bench/study_ablation.py CONFIG --seed 1000 --paths 12 --days 250 VARIANT ...
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

from v6.config import load_config
from v6.sim.backtest.montecarlo import PathJob, PathResult, portable_config, run_path
from v6.sim.backtest.options import MONTE_CARLO_STEP_MINUTES

BREAKERS = ("daily_loss", "drawdown", "losing_streak", "rejection_rate", "stale_data", "broker")
LIMITS = "limits"
LOOSE: dict[str, Any] = {
    f"{LIMITS}.max_open_strategies": 1000,
    f"{LIMITS}.max_per_symbol": 1000,
    f"{LIMITS}.max_per_strategy_type.iron_condor": 1000,
    f"{LIMITS}.max_per_strategy_type.bull_put": 1000,
    f"{LIMITS}.max_per_strategy_type.bear_call": 1000,
    f"{LIMITS}.max_abs_delta": 1e9,
    f"{LIMITS}.max_abs_gamma": 1e9,
    f"{LIMITS}.max_abs_theta_per_day": 1e9,
    f"{LIMITS}.max_abs_vega_per_vol_point": 1e9,
    f"{LIMITS}.max_daily_loss": 1e9,
    f"{LIMITS}.max_loss_per_trade": 1e9,
    f"{LIMITS}.max_margin_use": 1.0,
    f"{LIMITS}.max_concentration": 1.0,
}
V6_LIMITS: dict[str, Any] = {
    f"{LIMITS}.max_open_strategies": 10,
    f"{LIMITS}.max_per_symbol": 4,
    f"{LIMITS}.max_per_strategy_type.iron_condor": 8,
    f"{LIMITS}.max_abs_delta": 200.0,
    f"{LIMITS}.max_abs_gamma": 50.0,
    f"{LIMITS}.max_abs_theta_per_day": 500.0,
    f"{LIMITS}.max_abs_vega_per_vol_point": 1000.0,
    f"{LIMITS}.max_daily_loss": 2000.0,
    f"{LIMITS}.max_loss_per_trade": 1000.0,
    f"{LIMITS}.max_margin_use": 0.5,
    f"{LIMITS}.max_concentration": 0.35,
    f"{LIMITS}.correlation_threshold": 0.8,
}


def overrides(name: str) -> tuple[dict[str, Any], int]:
    """(config overrides, entry lag in steps) of a variant name."""
    if "=" in name:
        label, raw = name.split("=", 1)
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise SystemExit(f"{label}: expected a JSON object of overrides")
        return data, 0
    if name == "base":
        return {}, 0
    if name.startswith("lag"):
        return {}, int(name[3:])
    if name == "no_breakers":
        out = {f"risk.breakers.{b}.enabled": False for b in BREAKERS}
        return {**out, "risk.breakers.vix_spike.enabled": False}, 0
    if name == "no_hedge":
        return {"risk.hedge.enabled": False}, 0
    if name == "no_variance":
        return {"variance_analysis.enabled": False}, 0
    if name == "loose_limits":
        return dict(LOOSE), 0
    if name == "v6_limits":
        return dict(V6_LIMITS), 0
    if name.startswith("no_"):
        return {f"rules.{name[3:]}.enabled": False}, 0
    raise SystemExit(f"unknown variant {name!r}")


def label_of(name: str) -> str:
    return name.split("=", 1)[0]


def summary(results: list[PathResult]) -> Mapping[str, float]:
    def col(key: str) -> np.ndarray:
        return np.array([r.metrics[key] for r in results], dtype=float)

    sharpe, dd = col("sharpe_ratio"), col("max_drawdown_fraction")
    cut = float(np.quantile(dd, 0.95))
    return {
        "median_sharpe": float(np.nanmedian(sharpe)),
        "mean_sharpe": float(np.nanmean(sharpe)),
        "median_dd": float(np.median(dd)),
        "worst5_dd": float(dd[dd >= cut].mean()),
        "median_return": float(np.median(col("annualised_return"))),
        "trades": float(np.mean(col("closed_trades"))),
        "win_rate": float(np.nanmean(col("win_rate"))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config", type=Path)
    parser.add_argument("variants", nargs="+")
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--paths", type=int, default=12)
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--step-minutes", type=int, default=MONTE_CARLO_STEP_MINUTES)
    parser.add_argument("--json", type=Path, help="also write every path's metrics here")
    args = parser.parse_args()
    jobs: list[PathJob] = []
    for name in args.variants:
        extra, lag = overrides(name)
        cfg = portable_config(load_config(args.config, env={}, overrides=extra))
        for i in range(args.paths):
            jobs.append(
                PathJob(label_of(name), cfg, i, args.seed + i, args.days, args.step_minutes, lag)
            )
    t0 = time.perf_counter()
    results: dict[str, list[PathResult]] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=context) as pool:
        for fut in as_completed([pool.submit(run_path, job) for job in jobs]):
            r = fut.result()
            results.setdefault(r.label, []).append(r)
    print(
        f"# {args.config} seeds {args.seed}..{args.seed + args.paths - 1}, {args.days} sessions, "
        f"{args.step_minutes}-min steps ({time.perf_counter() - t0:.0f} s)"
    )
    print(
        f"{'variant':<22} {'med Sharpe':>10} {'mean Sharpe':>11} {'med maxDD':>9} "
        f"{'worst5% DD':>10} {'med return':>10} {'trades':>6} {'win':>5}"
    )
    dump: dict[str, Any] = {}
    for name in args.variants:
        label = label_of(name)
        rs = sorted(results[label], key=lambda r: r.path_id)
        s = summary(rs)
        dump[label] = {"summary": s, "paths": [{"seed": r.seed, **r.metrics} for r in rs]}
        print(
            f"{label:<22} {s['median_sharpe']:10.2f} {s['mean_sharpe']:11.2f} "
            f"{s['median_dd']:9.2%} {s['worst5_dd']:10.2%} {s['median_return']:10.2%} "
            f"{s['trades']:6.0f} {s['win_rate']:5.2f}"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(dump, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()

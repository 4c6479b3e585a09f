"""The backtest runner's speed: one path of the full v6 config and of the v5 baseline, in the
backtest mode (journal in memory, no per-step snapshots, daily marks) beside ``v6 run`` (the
reference: full Delta journaling) on the same seed and days, at 5- and 30-minute steps; then an
actual ``v6 compare`` on 2 worker processes and the projected wall time of the success-bar
study (200 paths x 250 sessions x 2 configs on 2 cores). Target: under 10 minutes.

Usage: python bench/bench_backtest.py [--quick]     (quick: 20-day paths, 2-path compare)
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
from pathlib import Path
from typing import Any

from v6.clock import WallClock
from v6.config import TradingConfig, load_config
from v6.sim.backtest.montecarlo import CompareSpec, compare
from v6.sim.backtest.options import BacktestOptions, JournalMode
from v6.sim.backtest.runner import Backtest
from v6.workflows.runner import SimOptions, SimRun

ROOT = Path(__file__).resolve().parents[1]
V6 = ROOT / "config" / "trading_config.yaml"
V5 = ROOT / "config" / "baseline_v5.yaml"
TARGET_STUDY_S = 600.0
STUDY_PATHS, STUDY_DAYS, CORES = 200, 250, 2
SEED = 1000


def _config(path: Path) -> TradingConfig:
    return load_config(path, env={})


def _backtest(cfg: TradingConfig, days: int, step: int) -> float:
    """CPU seconds of one path in Monte Carlo mode (journal in memory only)."""
    with tempfile.TemporaryDirectory() as tmp:
        opts = BacktestOptions(days=days, seed=SEED, step_minutes=step, journal=JournalMode.MEMORY)
        result = asyncio.run(Backtest(cfg, opts, work_dir=Path(tmp), wall=WallClock()).run())
    return result.cpu_s


def _reference(cfg: TradingConfig, days: int, step: int) -> float:
    """CPU seconds of the same path through ``v6 run``'s runner (Delta journal, snapshots)."""
    import v6.workflows.runner as runner_module

    original = runner_module.sim_config

    def stepped(opts: SimOptions) -> Any:
        return original(opts).model_copy(update={"step_minutes": step})

    runner_module.sim_config = stepped  # the reference runner has no step option
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run = SimRun(
                cfg, SimOptions(days=days, seed=SEED), data_dir=Path(tmp), wall=WallClock()
            )
            c0 = time.process_time()
            asyncio.run(run.run())
            return time.process_time() - c0
    finally:
        runner_module.sim_config = original


def run(quick: bool = False) -> list[dict[str, Any]]:
    days = 20 if quick else 250
    scale = STUDY_DAYS / days
    rows: list[dict[str, Any]] = []
    per_path: dict[str, float] = {}
    for name, path in (("v6", V6), ("v5 baseline", V5)):
        cfg = _config(path)
        for step in (5, 30):
            ours = _backtest(cfg, days, step)
            ref = _reference(cfg, days, step) if (step == 5 or not quick) else float("nan")
            rows.append(
                {
                    "case": f"{name}: one path, {days} sessions, {step}-min steps (CPU s)",
                    "ours": ours,
                    "reference": ref,
                }
            )
            if step == 30:
                per_path[name] = ours * scale
    projected = (per_path["v6"] + per_path["v5 baseline"]) * STUDY_PATHS / CORES
    rows.append(
        {
            "case": f"projected study {STUDY_PATHS}x{STUDY_DAYS}x2 on {CORES} cores (s)",
            "ours": projected,
            "reference": TARGET_STUDY_S,
        }
    )
    paths = 2 if quick else 6
    spec = CompareSpec(_config(V6), _config(V5), paths=paths, days=days, seed=SEED, workers=2)
    t0 = time.perf_counter()
    compare(spec)
    wall = time.perf_counter() - t0
    rows.append(
        {
            "case": f"actual v6 compare {paths} paths x {days} days, 2 workers (wall s)",
            "ours": wall,
            "reference": float("nan"),
        }
    )
    rows.append(
        {
            "case": f"  -> study {STUDY_PATHS}x{STUDY_DAYS} at that rate (s)",
            "ours": wall * (STUDY_PATHS / paths) * scale,
            "reference": TARGET_STUDY_S,
        }
    )
    _print(rows)
    return rows


def _print(rows: list[dict[str, Any]]) -> None:
    header = f"{'case':<64} {'backtest':>10} {'ref/target':>10} {'ratio':>8}"
    print(header)
    print("-" * len(header))
    for r in rows:
        ref = r["reference"]
        known = math.isfinite(ref)
        shown = f"{ref:10.2f}" if known else ""
        ratio = f"{r['ours'] / ref:8.2f}" if known and ref else ""
        print(f"{r['case']:<64} {r['ours']:10.2f} {shown:>10} {ratio:>8}")
    print(
        "reference: the same path through v6 run's runner (Delta journal on a writer thread, "
        "per-step snapshots); target: the study under 10 minutes. Ratio < 1 is faster."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20-day paths, 2-path compare")
    run(quick=parser.parse_args().quick)


__all__ = ["run"]

"""Helpers for the backtest tests: the shipped configs, and a short run of the real engine on
a coarse grid (30-minute steps keep each run under a second or two)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from v6.clock import WallClock
from v6.config import TradingConfig, load_config
from v6.sim.backtest.options import BacktestOptions, JournalMode
from v6.sim.backtest.runner import Backtest, BacktestResult

ROOT = Path(__file__).resolve().parents[2]
V6_CONFIG = ROOT / "config" / "trading_config.yaml"
BASELINE = ROOT / "config" / "baseline_v5.yaml"
CNDR = ROOT / "config" / "cndr_like.yaml"


def config(path: Path = V6_CONFIG, **overrides: Any) -> TradingConfig:
    return load_config(path, env={}, overrides=overrides)


def run(
    work: Path,
    cfg: TradingConfig | None = None,
    *,
    days: int = 6,
    seed: int = 11,
    step_minutes: int = 30,
    journal: JournalMode = JournalMode.LEAN,
    **options: Any,
) -> BacktestResult:
    opts = BacktestOptions(
        days=days, seed=seed, step_minutes=step_minutes, journal=journal, **options
    )
    runner = Backtest(cfg or config(), opts, work_dir=work, wall=WallClock())
    return asyncio.run(runner.run())

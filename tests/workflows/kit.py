"""Story helpers for the workflow tests: a test configuration in which both condors and
verticals qualify, a synchronous way to run a simulated period, and journal readers."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from v6.clock import WallClock
from v6.config import TradingConfig, load_config
from v6.sim.regimes import ScenarioName
from v6.store.reader import LakeReader
from v6.workflows.runner import Progress, RunResult, SimOptions, SimRun

PRE_TUNING: dict[str, Any] = {
    "entry.wing_width_dollars": 5.0,
    "rules.time_exit.exit_dte": 21,
    "rules.dte_roll.roll_dte": 21,
    "rules.delta_risk.max_short_leg_abs_delta": 0.35,
    "rules.delta_risk.max_net_delta_per_share": 0.25,
    "rules.vix_exit.vix_level": 35.0,
    "rules.vix_exit.max_vix_change_1d": 0.30,
}
"""The management these stories were written on (the defaults before the backtest tuning):
$5 wings and a roll at 21 DTE, so a short seeded run sees rolls and frequent orders."""

TEST_OVERRIDES: dict[str, Any] = {
    **PRE_TUNING,
    # a 16-delta $5 vertical collects ~0.12-0.18 of its width: let some of them qualify
    "entry.min_credit_fraction": 0.12,
    # at most two condors at a time, so the selector's runner-up (a vertical) gets its turn
    "limits.max_per_strategy_type.iron_condor": 2,
}


def config(**extra: Any) -> TradingConfig:
    return load_config(None, env={}, overrides={**TEST_OVERRIDES, **extra})


def run_sim(
    data_dir: Path,
    days: int,
    *,
    seed: int = 7,
    scenario: ScenarioName | None = None,
    scenario_day: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> RunResult:
    cfg = config(**dict(overrides or {}))
    opts = SimOptions(days=days, seed=seed, scenario=scenario, scenario_day=scenario_day)
    return asyncio.run(SimRun(cfg, opts, data_dir=data_dir, wall=WallClock()).run(progress))


def table(data_dir: Path, name: str) -> pl.DataFrame:
    reader = LakeReader(data_dir / "lake")
    return reader.read(name) if reader.exists(name) else pl.DataFrame()


def latest(data_dir: Path, name: str) -> pl.DataFrame:
    reader = LakeReader(data_dir / "lake")
    return reader.latest(name) if reader.exists(name) else pl.DataFrame()


def fill_cash(executions: pl.DataFrame) -> float:
    """Dollars the journaled fills moved (commissions included), each execution once."""
    frame = executions.unique(subset=["exec_id"], keep="last")
    total = 0.0
    for row in frame.iter_rows(named=True):
        sign = 1.0 if row["side"] == "BOT" else -1.0
        mult = float(row.get("multiplier") or 100)
        total += -sign * float(row["quantity"]) * float(row["price"]) * mult
        total -= float(row.get("commission") or 0.0)
    return total


def close(a: float, b: float, tol: float = 0.011) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= tol


def non_active_windows(alerts: pl.DataFrame) -> list[tuple[Any, Any]]:
    """(from, to) stretches in which the circuit breaker was not ACTIVE, from the journaled
    ``breaker`` alert rows (raised on leaving ACTIVE, resolved on coming back)."""
    if alerts.is_empty():
        return []
    rows = alerts.filter(pl.col("key") == "breaker").sort("ts_init")
    windows: list[tuple[Any, Any]] = []
    start = None
    for row in rows.iter_rows(named=True):
        if row["status"] == "ACTIVE" and start is None:
            start = row["ts_event"]
        elif row["status"] == "RESOLVED" and start is not None:
            windows.append((start, row["ts_event"]))
            start = None
    if start is not None:
        windows.append((start, None))
    return windows

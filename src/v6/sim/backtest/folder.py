"""A backtest saved as a run folder (``v6.analytics.RunFolder``), so any run can be reopened,
reported and compared, and the dashboard's Backtests page lists it:

    <run>/manifest.json    config (secrets masked), seed, market, days, metrics, options
    <run>/lake/            the run's journal: one Delta commit per table
    <run>/daily.parquet    each session's close: equity, the market's regime, VIX, positions
    <run>/entries.parquet  each entry's decision and submission time (steps and clock)
    <run>/reports/         report.html and the PNG charts

The manifest's metrics are the run's ``PerformanceReport``; reopening the folder
(``RunFolder.open(path).load_report()``) computes the same numbers from the lake.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from v6 import __version__
from v6.analytics.runfolder import RunFolder, RunManifest, write_run_reports
from v6.config.redact import redacted_dict
from v6.sim.backtest.options import BacktestOptions, JournalMode
from v6.sim.backtest.runner import BacktestResult

DAILY_FILE = "daily.parquet"
ENTRIES_FILE = "entries.parquet"


def market_label(opts: BacktestOptions) -> str:
    """The manifest's ``scenario``: the forced scenario, ``random`` (the regime chain alone)
    or ``history``."""
    if opts.history:
        return "history"
    return "random" if opts.scenario is None else opts.scenario.value


def options_json(opts: BacktestOptions) -> dict[str, Any]:
    return {
        "step_minutes": opts.step_minutes,
        "lag_entries": opts.lag_entries,
        "journal": opts.journal.value,
        "scenario_day": opts.scenario_day,
        "start": None if opts.start is None else opts.start.isoformat(),
        "history": {s: str(p) for s, p in opts.history.items()},
        "vix_csv": None if opts.vix_csv is None else str(opts.vix_csv),
        "custom_sim": opts.sim is not None,
    }


def entries_frame(result: BacktestResult) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "strategy_id": [t.strategy_id for t in result.timings],
            "decided_at": [t.decided_at for t in result.timings],
            "decided_step": [t.decided_step for t in result.timings],
            "submitted_at": [t.submitted_at for t in result.timings],
            "submitted_step": [t.submitted_step for t in result.timings],
            "accepted": [t.accepted for t in result.timings],
            "reason": [t.reason for t in result.timings],
        },
        schema={
            "strategy_id": pl.String,
            "decided_at": pl.Datetime("us", "UTC"),
            "decided_step": pl.Int64,
            "submitted_at": pl.Datetime("us", "UTC"),
            "submitted_step": pl.Int64,
            "accepted": pl.Boolean,
            "reason": pl.String,
        },
    )


def save_run(
    result: BacktestResult,
    path: Path,
    *,
    name: str,
    created_at: datetime,
    config_source: str = "",
    reports: bool = True,
) -> RunFolder:
    """Write ``result`` as a new run folder at ``path`` (refuses one that holds a run)."""
    opts = result.options
    manifest = RunManifest(
        config=redacted_dict(result.cfg),
        seed=opts.seed,
        scenario=market_label(opts),
        days=len(result.marks),
        created_at=created_at,
        version=__version__,
        extra={
            "name": name,
            "kind": "backtest",
            "config_source": config_source,
            "options": options_json(opts),
            "steps": result.steps,
            "wall_s": round(result.wall_s, 3),
            "cpu_s": round(result.cpu_s, 3),
            "counts": result.counts,
        },
    ).with_metrics(result.report)
    folder = RunFolder.create(path, manifest)
    tables = None if opts.journal is not JournalMode.MEMORY else ("strategies", "account_snapshots")
    result.memory.save(folder.lake_root, tables=tables)
    result.daily.write_parquet(folder.path / DAILY_FILE)
    entries_frame(result).write_parquet(folder.path / ENTRIES_FILE)
    if reports:
        write_run_reports(folder, title=f"v6 backtest: {name}")
    return folder


__all__ = ["DAILY_FILE", "ENTRIES_FILE", "entries_frame", "market_label", "save_run"]

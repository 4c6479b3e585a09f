"""A backtest run: its results reopen identically from the run folder, the same seed and
config give the same run, and the equity curve is the daily mark-to-market close."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from v6.analytics.runfolder import RunFolder
from v6.queries.backtests import list_runs
from v6.sim.backtest.folder import DAILY_FILE, ENTRIES_FILE, save_run
from v6.sim.backtest.options import JournalMode
from v6.sim.backtest.runner import BacktestResult

from .kit import run

CREATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> BacktestResult:
    return run(tmp_path_factory.mktemp("base"), days=8, seed=21)


def test_saved_run_reopens_with_identical_metrics(base: BacktestResult, tmp_path: Path) -> None:
    folder = save_run(base, tmp_path / "runs" / "r1", name="r1", created_at=CREATED)
    reopened = RunFolder.open(folder.path)
    manifest = reopened.read_manifest()
    report = reopened.load_report()
    assert report.to_dict() == base.report.to_dict()
    assert dict(manifest.metrics) == base.report.to_dict()  # JSON keeps floats exactly
    assert manifest.seed == 21
    assert manifest.days == len(base.marks) == 8
    curve = reopened.load_equity()
    assert np.array_equal(curve.equity_dollars, base.equity.equity_dollars)
    assert reopened.load_trades().equals(base.trades)
    # the journal, the daily marks and every entry's timing are in the folder
    tables = set(reopened.reader().tables())
    assert {"strategies", "account_snapshots", "decisions", "orders", "executions"} <= tables
    assert pl.read_parquet(folder.path / DAILY_FILE).height == 8
    assert pl.read_parquet(folder.path / ENTRIES_FILE).height == len(base.timings)
    assert (folder.reports_dir / "report.html").is_file()
    # the dashboard's Backtests page lists it with its journal and report
    (listed,) = list_runs(tmp_path)
    assert listed.kind == "backtest"
    assert listed.lake_dir is not None
    assert listed.report_html is not None


def test_a_folder_holding_a_run_is_not_overwritten(base: BacktestResult, tmp_path: Path) -> None:
    save_run(base, tmp_path / "r", name="r", created_at=CREATED, reports=False)
    with pytest.raises(Exception, match="already holds a run"):
        save_run(base, tmp_path / "r", name="r", created_at=CREATED, reports=False)


def test_same_seed_and_config_give_the_same_run(base: BacktestResult, tmp_path: Path) -> None:
    again = run(tmp_path / "again", days=8, seed=21)
    assert np.array_equal(again.equity.equity_dollars, base.equity.equity_dollars)
    assert again.trades.equals(base.trades)
    assert again.timings == base.timings
    assert again.report.to_dict() == base.report.to_dict()
    other = run(tmp_path / "other", days=8, seed=22)
    assert not np.array_equal(other.equity.equity_dollars, base.equity.equity_dollars)


def test_equity_is_marked_daily_from_the_start(base: BacktestResult) -> None:
    """One point per session close plus the starting equity the session before, each the
    broker's net liquidation (open positions at their marks) after that close."""
    dates = [d.item() for d in base.equity.dates]
    assert len(dates) == len(base.marks) + 1
    assert dates[1:] == [m.day for m in base.marks]
    assert base.equity.equity_dollars[0] == pytest.approx(100_000.0)
    assert base.equity.equity_dollars[1:].tolist() == [m.equity for m in base.marks]
    assert base.report.trading_days == len(base.marks) + 1
    assert base.counts["entries_by_type"], "the v6 config enters in eight sessions"


def test_lean_and_memory_journals_give_the_same_results(
    base: BacktestResult, tmp_path: Path
) -> None:
    """The journal mode is bookkeeping only: decisions and money are the same."""
    mem = run(tmp_path / "mem", days=8, seed=21, journal=JournalMode.MEMORY)
    full = run(tmp_path / "full", days=8, seed=21, journal=JournalMode.FULL)
    for other in (mem, full):
        assert np.array_equal(other.equity.equity_dollars, base.equity.equity_dollars)
        assert other.trades.equals(base.trades)
    assert mem.memory.dropped > 0
    assert mem.memory.rows("decisions") == []
    assert len(full.memory.rows("position_snapshots")) > len(base.memory.rows("position_snapshots"))

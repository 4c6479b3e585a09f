"""``v6 backtest`` and ``v6 compare`` through the real command line (typer's CliRunner), and
the shipped configs through ``v6 config check``."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from v6.cli.main import app
from v6.config import load_config
from v6.queries.backtests import list_runs
from v6.rules.config import RULE_NAMES

from .kit import BASELINE, CNDR, ROOT, V6_CONFIG

runner = CliRunner()


@pytest.mark.parametrize("path", [BASELINE, CNDR, V6_CONFIG])
def test_shipped_configs_pass_config_check(path: Path) -> None:
    result = runner.invoke(app, ["config", "check", "-c", str(path)])
    assert result.exit_code == 0, result.output
    assert "config OK" in result.output


def test_the_baseline_is_v5s_rule_set() -> None:
    cfg = load_config(BASELINE, env={})
    enabled = {n for n in RULE_NAMES if cfg.rules.section(n).enabled}
    assert enabled == {"take_profit", "stop_loss", "time_exit"}
    assert cfg.rules.take_profit.fraction == 0.5
    assert cfg.rules.stop_loss.credit_multiple == 2.0
    assert cfg.rules.time_exit.exit_dte == 21
    assert not cfg.rules.time_exit.hold_to_expiry
    breakers = cfg.risk.breakers
    assert not any(
        getattr(breakers, b).enabled
        for b in (
            "daily_loss",
            "drawdown",
            "losing_streak",
            "rejection_rate",
            "stale_data",
            "broker",
            "vix_spike",
        )
    )
    assert not cfg.risk.hedge.enabled
    assert not cfg.variance_analysis.enabled
    assert cfg.limits.max_open_strategies >= 1000
    assert cfg.limits.max_concentration == 1.0
    assert 0.16 <= cfg.entry.short_delta <= 0.20
    assert (cfg.entry.dte_min, cfg.entry.dte_max) == (30, 45)


def test_backtest_writes_a_run_folder_and_prints_the_summary(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "backtest",
            "--days",
            "3",
            "--seed",
            "5",
            "--step-minutes",
            "30",
            "--data-dir",
            str(tmp_path),
            "--name",
            "cli-run",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Sharpe ratio" in result.output
    assert "Max drawdown" in result.output
    folder = tmp_path / "runs" / "cli-run"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 5
    assert manifest["days"] == 3
    assert manifest["options"]["step_minutes"] == 30
    assert (folder / "reports" / "report.html").is_file()
    assert (folder / "reports" / "equity_drawdown.png").is_file()


def test_backtest_replays_history_with_lagged_entries(tmp_path: Path) -> None:
    data = ROOT / "tests" / "sim" / "data"
    result = runner.invoke(
        app,
        [
            "backtest",
            "--history-csv",
            f"SPY={data / 'spy_daily_sample.csv'}",
            "--vix-csv",
            str(data / "vix_daily_sample.csv"),
            "--days",
            "6",
            "--lag-entries",
            "2",
            "--step-minutes",
            "30",
            "--data-dir",
            str(tmp_path),
            "--name",
            "history",
            "--no-reports",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / "runs" / "history"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["scenario"] == "history"
    assert manifest["options"]["lag_entries"] == 2
    recorded = pl.read_csv(data / "spy_daily_sample.csv", try_parse_dates=True)["date"]
    daily = pl.read_parquet(folder / "daily.parquet")
    assert daily.height == 6
    assert set(daily["date"]) <= set(recorded)
    entries = pl.read_parquet(folder / "entries.parquet")
    assert (entries["submitted_step"] - entries["decided_step"] == 2).all()


def test_compare_runs_both_configs_on_the_same_paths_and_writes_its_report(
    tmp_path: Path,
) -> None:
    result = runner.invoke(
        app,
        [
            "compare",
            str(V6_CONFIG),
            str(BASELINE),
            "--paths",
            "3",
            "--days",
            "3",
            "--seed",
            "1000",
            "--workers",
            "2",
            "--data-dir",
            str(tmp_path),
            "--name",
            "tiny",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Sharpe ratio" in result.output
    assert "worst 5 %" in result.output
    folder = tmp_path / "runs" / "compare-tiny"
    paths = pl.read_parquet(folder / "paths.parquet")
    assert paths.height == 6
    assert sorted(paths["config"].unique()) == ["baseline_v5", "trading_config"]
    for _, side in paths.group_by("config"):
        assert sorted(side["seed"]) == [1000, 1001, 1002]
    assert pl.read_csv(folder / "paths.csv").height == 6
    sessions = paths.select(pl.sum_horizontal(pl.col("^sessions_.*$")))
    assert sessions.to_series().to_list() == [3] * 6  # every session has its regime
    assert (folder / "reports" / "report.html").is_file()
    assert (folder / "reports" / "sharpe_ratio_difference.png").is_file()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "comparison"
    assert manifest["paths"] == 3
    assert len(manifest["paired"]["values_a"]) == len(manifest["paired"]["values_b"]) == 3
    (listed,) = list_runs(tmp_path)
    assert listed.kind == "comparison"
    assert listed.report_html is not None
    assert "median_sharpe_a" in listed.metrics

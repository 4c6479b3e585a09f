"""Reports render: the HTML is self-contained with every plot div, the PNGs are real PNG
files, the terminal summary shows the numbers; run folders round-trip and load a lake."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console

from v6.analytics.compare import paired_comparison
from v6.analytics.equity import EquityCurve
from v6.analytics.html import (
    RUN_DIVS,
    TRADES_DIV,
    write_comparison_report_html,
    write_run_report_html,
)
from v6.analytics.performance import PerformanceReport, performance_report
from v6.analytics.png import write_comparison_pngs, write_run_pngs
from v6.analytics.runfolder import RunFolder, RunManifest, write_run_reports
from v6.analytics.terminal import comparison_table, run_summary
from v6.errors import DataQualityError, InputRejected

from .conftest import MakeWriter
from .helpers import random_curve, trades, utc, weekdays

Run = tuple[EquityCurve, pl.DataFrame, PerformanceReport]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CREATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def run() -> Run:
    c = random_curve(70, seed=4)
    d = weekdays(70)
    book = trades(
        [
            {
                "entry_time": utc(d[0]),
                "exit_time": utc(d[9]),
                "pnl": 120.0,
                "exit_rule": "take_profit",
            },
            {
                "entry_time": utc(d[5]),
                "exit_time": utc(d[30]),
                "pnl": -300.0,
                "exit_rule": "stop_loss",
            },
            {"entry_time": utc(d[40])},
        ]
    )
    return c, book, performance_report(c, book)


def test_run_html_is_self_contained_with_every_plot(tmp_path: Path, run: Run) -> None:
    c, book, rep = run
    path = write_run_report_html(
        tmp_path / "r" / "report.html", c, rep, book, title="t <1>", notes={"seed": "7"}
    )
    text = path.read_text("utf-8")
    for div in (*RUN_DIVS, TRADES_DIV):
        assert f'id="{div}"' in text, div
    assert "Plotly.newPlot" in text
    assert not re.search(r"<script[^>]*\bsrc=", text)  # nothing fetched: works offline
    assert text.count("* plotly.js v") == 1  # the library is embedded, once
    assert "t &lt;1&gt;" in text  # the title is escaped
    assert "id='metrics'" in text
    assert "Max drawdown" in text


def test_run_pngs_are_png_files(tmp_path: Path, run: Run) -> None:
    c, _, rep = run
    files = write_run_pngs(tmp_path / "png", c, rep)
    assert set(files) == {"equity_drawdown", "daily_pnl", "exits_by_rule", "monthly_returns"}
    for path in files.values():
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC)
        assert len(data) > 5_000


def test_empty_run_still_renders(tmp_path: Path) -> None:
    c = random_curve(2, seed=1)
    rep = performance_report(c)
    assert write_run_pngs(tmp_path, c, rep)["exits_by_rule"].stat().st_size > 0
    assert "equity-drawdown" in write_run_report_html(tmp_path / "x.html", c, rep).read_text()


def test_comparison_reports(tmp_path: Path) -> None:
    a = [performance_report(random_curve(60, s, drift=0.001)) for s in range(8)]
    b = [performance_report(random_curve(60, s)) for s in range(8)]
    comps = {
        m: paired_comparison(
            [r.scalars()[m] for r in a],
            [r.scalars()[m] for r in b],
            metric=m,
            label_a="managed",
            label_b="cndr",
        )
        for m in ("sharpe_ratio", "max_drawdown_fraction")
    }
    text = write_comparison_report_html(tmp_path / "cmp.html", comps).read_text()
    for m in comps:
        assert f'id="dist-{m}"' in text
        assert f'id="diff-{m}"' in text
    files = write_comparison_pngs(tmp_path, comps)
    assert len(files) == 4
    assert all(p.read_bytes().startswith(PNG_MAGIC) for p in files.values())
    console = Console(record=True, width=160)
    console.print(comparison_table(comps))
    out = console.export_text()
    assert "median managed" in out
    assert "Sharpe ratio" in out


def test_terminal_summary_shows_numbers_and_reasons(run: Run) -> None:
    _, _, rep = run
    console = Console(record=True, width=160)
    console.print(run_summary(rep))
    out = console.export_text()
    assert f"{rep.max_drawdown_fraction * 100:,.2f} %" in out
    assert "stop_loss" in out  # exits table
    flat = performance_report(EquityCurve.from_values(weekdays(3), [1.0, 1.0, 1.0]))
    console = Console(record=True, width=160)
    console.print(run_summary(flat))
    assert "no volatility" in console.export_text()


def manifest(**kw: object) -> RunManifest:
    base: dict[str, object] = {
        "config": {"mode": "sim", "nested": {"x": [1, 2]}},
        "seed": 7,
        "scenario": "crash",
        "days": 70,
        "created_at": CREATED,
        "version": "0.1.0",
    }
    base.update(kw)
    return RunManifest(**base)  # type: ignore[arg-type]


def test_manifest_round_trip(tmp_path: Path, run: Run) -> None:
    _, _, rep = run
    folder = RunFolder.create(tmp_path / "run1", manifest().with_metrics(rep))
    back = RunFolder.open(folder.path).read_manifest()
    assert (back.seed, back.scenario, back.days, back.version) == (7, "crash", 70, "0.1.0")
    assert back.created_at == CREATED
    assert back.config["nested"] == {"x": [1, 2]}
    assert back.metrics["sharpe_ratio"] == pytest.approx(rep.sharpe_ratio)
    raw = json.loads(folder.manifest_path.read_text())
    assert raw["metrics"]["profit_factor"] == pytest.approx(rep.profit_factor)
    with pytest.raises(InputRejected, match="already"):
        RunFolder.create(folder.path, manifest())


def test_manifest_nan_is_null_and_bad_input_is_refused(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path / "r", manifest(metrics={"sharpe_ratio": float("nan")}))
    assert json.loads(folder.manifest_path.read_text())["metrics"]["sharpe_ratio"] is None
    with pytest.raises(InputRejected, match="JSON"):
        manifest(config={"when": CREATED}).to_json()
    with pytest.raises(InputRejected, match="timezone"):
        manifest(created_at=datetime(2026, 1, 1))
    folder.manifest_path.write_text('{"seed": 1}')
    with pytest.raises(DataQualityError, match="missing"):
        folder.read_manifest()
    with pytest.raises(InputRejected, match="not a run folder"):
        RunFolder.open(tmp_path / "nowhere")


def test_run_folder_loads_the_engine_lake(tmp_path: Path, make_writer: MakeWriter) -> None:
    folder = RunFolder.create(tmp_path / "run", manifest())
    writer = make_writer(folder.lake_root, ["account_snapshots", "strategies"])
    d = weekdays(4)
    snaps = []
    for i, day in enumerate(d):
        for hour, extra in ((15, -5.0), (20, 0.0)):  # the 20:00 UTC value closes the day
            snaps.append(
                {
                    "account_id": "DU1",
                    "net_liquidation": 100_000.0 + 1_000 * (i % 2) + extra,
                    "ts_event": utc(day, hour),
                    "ts_init": utc(day, hour),
                }
            )
    writer.append("account_snapshots", snaps)
    writer.upsert(
        "strategies",
        [
            {
                "strategy_id": "s1",
                "strategy_type": "iron_condor",
                "status": "closed",
                "opened_at": utc(d[0]),
                "closed_at": utc(d[2]),
                "exit_rule": "take_profit",
                "realized_pnl": 150.0,
                "max_loss": 350.0,
                "updated_at": utc(d[2]),
            },
            {
                "strategy_id": "s2",
                "strategy_type": "bull_put",
                "status": "open",
                "opened_at": utc(d[1]),
                "max_loss": 400.0,
                "updated_at": utc(d[1]),
            },
            {
                "strategy_id": "s3",
                "strategy_type": "bull_put",
                "status": "cancelled",
                "updated_at": utc(d[1]),
            },
        ],
    )
    curve = folder.load_equity()
    assert curve.equity_dollars.tolist() == [100_000.0, 101_000.0, 100_000.0, 101_000.0]
    book = folder.load_trades()
    assert sorted(book["strategy_id"].to_list()) == ["s1", "s2"]
    rep = folder.load_report()
    assert rep.closed_trades == 1
    assert rep.open_trades == 1
    assert dict(rep.exits_by_rule) == {"take_profit": 1}
    assert rep.max_drawdown_fraction == pytest.approx(1_000 / 101_000)
    files = write_run_reports(folder)
    assert files["html"].exists()
    assert files["equity_drawdown"].stat().st_size > 0
    assert "crash" in files["html"].read_text()

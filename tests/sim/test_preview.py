"""`v6 sim preview` through typer's CliRunner: summary printed, PNG charts written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from v6.cli.sim_cmd import app
from v6.sim.config import SimConfig
from v6.sim.preview import build_preview
from v6.sim.recorded import read_recorded

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_preview_prints_a_summary_and_writes_the_charts(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["preview", "--days", "6", "--seed", "3", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    for word in (
        "SPY",
        "QQQ",
        "IWM",
        "realised vol",
        "max drawdown",
        "VIX: min",
        "Regimes",
        "Crash",
    ):
        assert word in result.output
    pngs = sorted(tmp_path.glob("*.png"))
    assert [p.name for p in pngs] == ["spy_price.png", "spy_smile.png", "vix.png"]
    for p in pngs:
        data = p.read_bytes()
        assert data.startswith(PNG_MAGIC)
        assert len(data) > 10_000


def test_a_crash_is_always_in_the_window(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "preview",
            "--days",
            "5",
            "--seed",
            "1",
            "--out",
            str(tmp_path),
            "--scenario",
            "crash-day",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Crash sessions: none" not in result.output
    assert "crash" in result.output


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["preview", "--days", "1", "--out", str(tmp_path)])
    assert result.exit_code != 0
    result = CliRunner().invoke(app, ["preview", "--scenario", "meteor", "--out", str(tmp_path)])
    assert result.exit_code != 0


def test_the_two_smiles_contrast_calm_and_stress(tmp_path: Path) -> None:
    p = build_preview(SimConfig(seed=5), 6, tmp_path)
    calm, stressed = p.smiles
    assert calm.state.vix < stressed.state.vix
    assert p.crash_days
    atm_calm = float(np.interp(100.0, calm.moneyness_pct, calm.iv_pct))
    atm_stress = float(np.interp(100.0, stressed.moneyness_pct, stressed.iv_pct))
    assert atm_stress > 1.5 * atm_calm
    for smile in p.smiles:  # put skew: 90 % strikes richer than the money
        assert np.interp(90.0, smile.moneyness_pct, smile.iv_pct) > np.interp(
            100.0, smile.moneyness_pct, smile.iv_pct
        )
        assert 20 <= (smile.expiry - smile.state.session_day).days <= 40


def test_import_csv_command(tmp_path: Path) -> None:
    csv = tmp_path / "spy.csv"
    csv.write_text("date,symbol,open,high,low,close\n2026-03-27,SPY,550,556,548,555\n")
    result = CliRunner().invoke(
        app, ["import-csv", "bars", str(csv), "--root", str(tmp_path / "rec")]
    )
    assert result.exit_code == 0, result.output
    assert read_recorded(tmp_path / "rec", "bars").height == 1

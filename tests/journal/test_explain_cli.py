"""``v6 explain DECISION_ID`` on a real temporary lake."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from v6.cli.main import app, main
from v6.clock import VirtualClock
from v6.domain.decision import Decision
from v6.journal import DecisionJournal
from v6.store import Lake, LakeWriter, WriterConfig
from v6.store.schemas import TABLES

from .helpers import T0, trailing_close


@pytest.fixture
def journaled(tmp_path: Path) -> tuple[Path, Decision]:
    data_dir = tmp_path / "data"
    writer = LakeWriter(
        Lake(data_dir / "lake", {"decisions": TABLES["decisions"]}),
        WriterConfig(sync_on_start=False),
    )
    decision = trailing_close("ic-7", T0)
    DecisionJournal(writer, VirtualClock(T0)).record(decision, intent_id="int-7")
    writer.close()
    return data_dir, decision


def test_explain_prints_the_sentence_and_the_numbers(journaled: tuple[Path, Decision]) -> None:
    data_dir, decision = journaled
    result = CliRunner().invoke(
        app, ["explain", decision.decision_id, "--data-dir", str(data_dir)], env={"COLUMNS": "220"}
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "closed SPY iron condor 2026-12-18 because trailing stop" in out
    assert "inputs vs thresholds" in out
    for name in ("confirm_cycles", "breach_buffer_fraction", "peak_pnl_fraction", "trail_level"):
        assert name in out
    assert "int-7" in out
    assert "CLOSE" in out


@pytest.mark.parametrize("where", ["unknown id", "no lake"])
def test_unknown_decision_is_one_line_and_exit_2(
    journaled: tuple[Path, Decision],
    tmp_path: Path,
    where: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data_dir = journaled[0] if where == "unknown id" else tmp_path / "empty"
    assert main(["explain", "dec-missing", "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert "dec-missing" in err
    assert len(err.strip().splitlines()) == 1

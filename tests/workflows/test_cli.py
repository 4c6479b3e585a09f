"""The ``v6`` commands of the engine: ``run`` (sim prints its summary; paper and live refuse
in one line), ``status``, ``positions``, ``kill`` and ``resume``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from v6.cli.main import main
from v6.risk.killswitch import KillSwitch
from v6.workflows.control import pending_resumes
from v6.workflows.health import read_health


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")


def test_run_five_days_prints_the_summary(ran: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_json = ran / "summary.json"
    code = main(["run", "--days", "5", "--data-dir", str(ran), "--summary-json", str(out_json)])
    text = capsys.readouterr().out
    assert code == 0
    for label in ("P&L (account)", "win rate", "max drawdown", "Sharpe", "exits by rule"):
        assert label in text
    summary = json.loads(out_json.read_text())
    assert summary["sessions"] == 5
    assert f"{summary['final_equity']:,.2f}" in text
    health = read_health(ran / "health.json")
    assert health is not None
    assert health.state == "FINISHED"
    assert health.mode == "sim"


@pytest.mark.parametrize("mode", ["paper", "live"])
def test_paper_and_live_need_the_ib_adapter(
    mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--mode", mode, "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "IB adapter" in lines[0]
    assert mode in lines[0]
    assert not (tmp_path / "lake").exists()


def test_status_and_positions_read_the_run(ran: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--data-dir", str(ran)]) == 0
    text = capsys.readouterr().out
    assert "FINISHED" in text
    assert "not running" in text
    assert main(["positions", "--data-dir", str(ran)]) == 0
    text = capsys.readouterr().out
    summary = json.loads((ran / "summary.json").read_text())
    if summary["open_strategies"]:
        assert f"{summary['open_strategies']} open" in text
    else:
        assert "no open strategies" in text


def test_kill_sets_the_flag_and_resume_clears_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kill", "--flatten", "--reason", "test", "--data-dir", str(tmp_path)]) == 0
    status = KillSwitch(tmp_path / "KILL").read()
    assert status is not None
    assert status.flatten is True
    assert status.reason == "test"
    assert main(["resume", "--note", "checked", "--data-dir", str(tmp_path)]) == 0
    assert KillSwitch(tmp_path / "KILL").read() is None
    requests = pending_resumes(tmp_path)
    assert len(requests) == 1
    assert requests[0].note == "checked"
    assert "when it next starts" in capsys.readouterr().out

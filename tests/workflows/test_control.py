"""Operator control during a run: the kill switch (with flatten) cancels, closes every
position and stops entries; a resume request (``v6 resume``) brings trading back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from v6.risk.killswitch import KillSwitch
from v6.workflows.control import write_resume_request
from v6.workflows.health import read_health
from v6.workflows.runner import Progress, RunResult

from .kit import latest, run_sim, table

KILL_DAY, RESUME_DAY, DAYS = 4, 8, 12


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path, dict[str, datetime]]:
    data_dir = tmp_path_factory.mktemp("control")
    marks: dict[str, datetime] = {}
    switch = KillSwitch(data_dir / "KILL")

    def operator(p: Progress) -> None:
        if p.day >= KILL_DAY and "kill" not in marks and p.open_strategies:
            switch.set(now=p.ts, reason="test", flatten=True, by="test")
            marks["kill"] = p.ts
        if p.day >= RESUME_DAY and "kill" in marks and "resume" not in marks:
            switch.clear()
            write_resume_request(data_dir, requested_at=p.ts, by="test", note="done")
            marks["resume"] = p.ts

    result = run_sim(data_dir, DAYS, progress=operator)
    return result, data_dir, marks


def test_kill_flattens_and_stops_entries(
    killed: tuple[RunResult, Path, dict[str, datetime]],
) -> None:
    _result, data_dir, marks = killed
    assert "kill" in marks
    assert "resume" in marks
    strategies = latest(data_dir, "strategies")
    flattened = strategies.filter(pl.col("exit_rule") == "kill_switch")
    assert flattened.height > 0
    opens = table(data_dir, "orders").filter(
        (pl.col("kind") == "OPEN") & (pl.col("status") == "INTENDED")
    )
    during = opens.filter(
        (pl.col("ts_event") > marks["kill"]) & (pl.col("ts_event") < marks["resume"])
    )
    assert during.height == 0
    alerts = table(data_dir, "alerts").filter(pl.col("key") == "kill_switch")
    assert (alerts["severity"] == "CRITICAL").any()


def test_resume_brings_entries_back(
    killed: tuple[RunResult, Path, dict[str, datetime]],
) -> None:
    _, data_dir, marks = killed
    opens = table(data_dir, "orders").filter(
        (pl.col("kind") == "OPEN") & (pl.col("status") == "INTENDED")
    )
    assert opens.filter(pl.col("ts_event") > marks["resume"]).height > 0
    assert not (data_dir / "requests" / "resume").exists() or not any(
        (data_dir / "requests" / "resume").iterdir()
    )


def test_sigterm_stops_the_run_cleanly(tmp_path: Path) -> None:
    """SIGTERM mid-run: the run ends after the current step, the journal is flushed and the
    health record says STOPPED (the signal handler is restored afterwards)."""
    import os
    import signal

    before = signal.getsignal(signal.SIGTERM)
    sent: list[datetime] = []

    def operator(p: Progress) -> None:
        if p.day >= 2 and not sent:
            sent.append(p.ts)
            os.kill(os.getpid(), signal.SIGTERM)

    result = run_sim(tmp_path, 10, progress=operator)
    assert result.stopped
    assert result.summary.last_day is not None
    assert result.summary.last_day <= sent[0].date()
    health = read_health(tmp_path / "health.json")
    assert health is not None
    assert health.state == "STOPPED"
    assert table(tmp_path, "account_snapshots").height > 0  # flushed on the way out
    assert signal.getsignal(signal.SIGTERM) is before

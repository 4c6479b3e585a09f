"""Forced scenarios: a crash day closes positions by the catastrophe (or stop-loss) rule and
halts the breaker, a volatility spike triggers the VIX exit and the auto-hedge, and no entry
is ever made while the breaker is not ACTIVE.

The earlier exits (delta and gamma risk, and for the crash the VIX exit) are switched off here
so the rules under test are the ones that act; with the defaults, delta risk usually closes
first, which the end-to-end run shows.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from v6.sim.regimes import ScenarioName
from v6.workflows.runner import RunResult

from .kit import non_active_windows, run_sim, table

DAYS = 14
SCENARIO_DAY = 5
QUIET_RULES = {"rules.delta_risk.enabled": False, "rules.gamma_risk.enabled": False}


@pytest.fixture(scope="module")
def crash(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    data_dir = tmp_path_factory.mktemp("crash")
    overrides = {
        **QUIET_RULES,
        "rules.vix_exit.enabled": False,
        "risk.breakers.vix_spike.action": "halted",
    }
    result = run_sim(
        data_dir,
        DAYS,
        scenario=ScenarioName.CRASH_DAY,
        scenario_day=SCENARIO_DAY,
        overrides=overrides,
    )
    return result, data_dir


@pytest.fixture(scope="module")
def spike(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    data_dir = tmp_path_factory.mktemp("spike")
    overrides = {**QUIET_RULES, "risk.hedge.delta_trigger": 10.0, "risk.hedge.delta_target": 2.0}
    result = run_sim(
        data_dir,
        DAYS,
        scenario=ScenarioName.VOL_SPIKE,
        scenario_day=SCENARIO_DAY,
        overrides=overrides,
    )
    return result, data_dir


def _open_intents(data_dir: Path) -> pl.DataFrame:
    orders = table(data_dir, "orders")
    return orders.filter((pl.col("kind") == "OPEN") & (pl.col("status") == "INTENDED"))


def test_crash_closes_by_catastrophe_or_stop(crash: tuple[RunResult, Path]) -> None:
    result, data_dir = crash
    exits = result.summary.exits_by_rule
    assert exits.get("catastrophe", 0) + exits.get("stop_loss", 0) > 0, exits
    decisions = table(data_dir, "decisions")
    fired = decisions.filter(pl.col("rule").is_in(["catastrophe", "stop_loss"]))
    assert fired.filter(pl.col("action") == "CLOSE").height > 0
    assert (fired["urgency"] == "IMMEDIATE").any() or (fired["rule"] == "stop_loss").any()


def test_crash_halts_the_breaker(crash: tuple[RunResult, Path]) -> None:
    alerts = table(crash[1], "alerts")
    breaker = alerts.filter(pl.col("key") == "breaker")
    assert breaker.height > 0
    assert breaker["message"].str.contains("-> halted").any()
    assert breaker["severity"].is_in(["CRITICAL"]).any()


@pytest.mark.parametrize("which", ["crash", "spike"])
def test_no_entry_while_not_active(which: str, request: pytest.FixtureRequest) -> None:
    _result, data_dir = request.getfixturevalue(which)
    windows = non_active_windows(table(data_dir, "alerts"))
    assert windows, "the scenario should have moved the breaker"
    opens = _open_intents(data_dir)
    assert opens.height > 0  # entries happened before the scenario
    for ts in opens["ts_event"].to_list():
        for start, end in windows:
            assert not (start <= ts and (end is None or ts < end)), (ts, start, end)


def test_vol_spike_triggers_vix_exit_and_hedge(spike: tuple[RunResult, Path]) -> None:
    result, data_dir = spike
    exits = result.summary.exits_by_rule
    assert exits.get("vix_exit", 0) > 0, exits
    assert exits.get("auto_hedge", 0) > 0, exits
    alerts = table(data_dir, "alerts")
    assert (alerts["key"] == "auto_hedge").any()
    vix = table(data_dir, "decisions").filter(pl.col("rule") == "vix_exit")
    assert vix.height > 0


def test_closes_still_go_through_while_halted(crash: tuple[RunResult, Path]) -> None:
    """HALTED stops entries, not exits: the catastrophe closes after the halt filled."""
    _, data_dir = crash
    windows = non_active_windows(table(data_dir, "alerts"))
    orders = table(data_dir, "orders").filter(pl.col("status") == "FILLED")
    exits = orders.filter(pl.col("kind") == "CLOSE")
    start = windows[0][0]
    assert exits.filter(pl.col("ts_init") >= start).height > 0

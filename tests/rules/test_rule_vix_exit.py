"""Rule 11, VIX exit: level or one-day jump; close or reduce."""

from __future__ import annotations

import math

from v6.domain import Action, Severity, Urgency
from v6.rules import explain

from .kit import engine, market_view, run, strategy_view

E = engine(only="vix_exit")


def test_level_fires_at_the_threshold_not_below() -> None:
    d = run(E, strategy_view(), market_view(vix=35.0)).decision
    assert (d.action, d.rule, d.urgency, d.priority) == (Action.CLOSE, "vix_exit", Urgency.HIGH, 11)
    assert (d.inputs["vix"], d.thresholds["vix_level"]) == (35.0, 35.0)
    assert "VIX 35.0 is at or above 35.0" in explain(d)
    assert run(E, strategy_view(), market_view(vix=34.99)).decision.is_hold


def test_one_day_jump_fires_at_the_threshold_not_below() -> None:
    d = run(E, strategy_view(), market_view(vix=20.0, vix_change_1d=0.30)).decision
    assert d.action is Action.CLOSE
    assert "VIX is up 30 % in a day (limit 30 %)" in explain(d)
    assert run(E, strategy_view(), market_view(vix=20.0, vix_change_1d=0.2999)).decision.is_hold


def test_reduce_action_names_the_units() -> None:
    eng = engine({"vix_exit.action": "reduce"}, only="vix_exit")
    d = run(eng, strategy_view(quantity=4), market_view(vix=40.0)).decision
    assert d.action is Action.REDUCE
    assert d.thresholds["reduce_units"] == 2
    assert explain(d).startswith("reduced by 2 units SPY iron condor")


def test_no_vix_feed_is_silent_a_bad_vix_warns() -> None:
    missing = run(E, strategy_view(), market_view(vix=None))
    assert missing.decision.is_hold
    assert missing.severity is None
    for bad in (math.nan, -1.0):
        result = run(E, strategy_view(), market_view(vix=bad))
        assert result.severity is Severity.WARNING
        assert not result.decision.data_valid
    jump_nan = run(E, strategy_view(), market_view(vix=50.0, vix_change_1d=math.nan))
    assert jump_nan.decision.is_hold
    assert jump_nan.skipped_rules == ("vix_exit",)

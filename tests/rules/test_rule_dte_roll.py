"""Rule 10, DTE roll: roll for a credit at roll_dte, else the configured fallback."""

from __future__ import annotations

import math

from v6.domain import Action, Severity, Urgency
from v6.rules import explain

from .kit import engine, market_view, run, strategy_view

E = engine(only="dte_roll")


def test_rolls_for_a_credit_at_roll_dte_not_before() -> None:
    d = run(E, strategy_view(dte=21, roll_credit=35.0)).decision
    assert (d.action, d.rule, d.urgency, d.priority) == (
        Action.ROLL,
        "dte_roll",
        Urgency.NORMAL,
        10,
    )
    assert d.inputs["roll_credit_estimate"] == 35.0
    assert (d.thresholds["target_dte_min"], d.thresholds["target_dte_max"]) == (35, 45)
    assert d.thresholds["roll_dte"] == 21
    assert "21 DTE reached the 21-DTE roll: roll to 35-45 DTE for an estimated $35 credit" in (
        explain(d)
    )
    assert run(E, strategy_view(dte=22, roll_credit=35.0)).decision.is_hold


def test_no_credit_roll_closes_by_default() -> None:
    for credit in (None, 0.0, -10.0):
        d = run(E, strategy_view(dte=21, roll_credit=credit)).decision
        assert (d.action, d.inputs["roll_outcome"]) == (Action.CLOSE, "close")
        assert "no credit roll is available" in explain(d)


def test_fallback_hold_is_an_explicit_decision_that_lets_risk_rules_act() -> None:
    eng = engine({"dte_roll.fallback": "hold"}, only=("dte_roll", "vix_exit"))
    calm = run(eng, strategy_view(dte=21)).decision
    assert (calm.action, calm.rule) == (Action.HOLD, "dte_roll")
    assert "policy: hold" in explain(calm)
    stressed = run(eng, strategy_view(dte=21), market_view(vix=40.0)).decision
    assert (stressed.action, stressed.rule) == (Action.CLOSE, "vix_exit")


def test_debit_rolls_only_when_allowed() -> None:
    eng = engine({"dte_roll.credit_only": False}, only="dte_roll")
    assert run(eng, strategy_view(dte=21, roll_credit=-10.0)).decision.action is Action.ROLL
    assert run(eng, strategy_view(dte=21)).decision.action is Action.ROLL


def test_a_nan_estimate_is_bad_data_not_a_reason_to_close() -> None:
    result = run(E, strategy_view(dte=21, roll_credit=math.nan))
    assert result.decision.is_hold
    assert not result.decision.data_valid
    assert result.severity is Severity.WARNING
    assert result.skipped_rules == ("dte_roll",)

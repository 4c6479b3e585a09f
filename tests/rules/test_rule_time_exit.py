"""Rule 3, time exit: close at exit_dte; hard exit on expiry day; deferral to the DTE roll."""

from __future__ import annotations

from v6.domain import Action, Urgency
from v6.rules import explain

from .kit import engine, run, strategy_view

E = engine(only="time_exit")


def test_managed_exit_fires_at_exit_dte_not_before() -> None:
    d = run(E, strategy_view(dte=21)).decision
    assert (d.action, d.rule, d.urgency, d.priority) == (
        Action.CLOSE,
        "time_exit",
        Urgency.NORMAL,
        3,
    )
    assert d.inputs["dte"] == 21
    assert d.thresholds["exit_dte"] == 21
    assert "21 DTE reached the 21-DTE exit" in explain(d)
    assert run(E, strategy_view(dte=22)).decision.is_hold


def test_expiry_day_is_a_hard_immediate_exit() -> None:
    d = run(E, strategy_view(dte=0)).decision
    assert (d.action, d.urgency, d.inputs["exit_kind"]) == (Action.CLOSE, Urgency.IMMEDIATE, "hard")
    assert "never held into expiration" in explain(d)


def test_with_the_roll_rule_enabled_the_21_dte_exit_defers_to_it() -> None:
    both = engine(only=("time_exit", "dte_roll"))
    rolled = run(both, strategy_view(dte=21, roll_credit=30.0)).decision
    assert (rolled.rule, rolled.action) == ("dte_roll", Action.ROLL)
    closed = run(both, strategy_view(dte=21)).decision  # no credit roll: fallback close
    assert (closed.rule, closed.action) == ("dte_roll", Action.CLOSE)
    hard = run(both, strategy_view(dte=0, roll_credit=30.0)).decision
    assert (hard.rule, hard.urgency) == ("time_exit", Urgency.IMMEDIATE)


def test_without_deferral_time_exit_wins_over_the_roll() -> None:
    eng = engine({"time_exit.defer_to_roll": False}, only=("time_exit", "dte_roll"))
    assert run(eng, strategy_view(dte=21, roll_credit=30.0)).decision.rule == "time_exit"


def test_hold_to_expiry_lifts_the_hard_exit() -> None:
    eng = engine(
        {"time_exit.hold_to_expiry": True, "dte_roll.fallback": "hold"},
        only=("time_exit", "dte_roll"),
    )
    d = run(eng, strategy_view(dte=0)).decision
    assert d.is_hold
    assert d.rule == "dte_roll"


def test_configured_exit_dte() -> None:
    eng = engine({"time_exit.exit_dte": 7}, only="time_exit")
    assert run(eng, strategy_view(dte=8)).decision.is_hold
    assert run(eng, strategy_view(dte=7)).decision.action is Action.CLOSE

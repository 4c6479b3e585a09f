"""Rule 5, fixed take-profit (default 50 % of max profit)."""

from __future__ import annotations

from v6.domain import Action, Urgency
from v6.rules import explain

from .kit import below, engine, run, strategy_view

E = engine(only="take_profit")


def test_fires_at_the_target_not_below() -> None:
    d = run(E, strategy_view(pnl=50.0)).decision
    assert (d.action, d.rule, d.urgency, d.priority) == (
        Action.CLOSE,
        "take_profit",
        Urgency.NORMAL,
        5,
    )
    assert d.inputs["pnl_fraction"] == 0.5
    assert d.inputs["pnl"] == 50.0
    assert d.thresholds["target_fraction"] == 0.5
    assert "P&L reached 50 % of max profit (target 50 %)" in explain(d)
    assert run(E, strategy_view(pnl=below(50.0))).decision.is_hold


def test_scales_with_position_size() -> None:
    assert run(E, strategy_view(pnl=150.0, quantity=3)).decision.action is Action.CLOSE
    assert run(E, strategy_view(pnl=149.0, quantity=3)).decision.is_hold


def test_configured_fraction() -> None:
    eng = engine({"take_profit.fraction": 0.25}, only="take_profit")
    assert run(eng, strategy_view(pnl=25.0)).decision.action is Action.CLOSE
    assert run(eng, strategy_view(pnl=24.0)).decision.is_hold


def test_without_deferral_the_fixed_target_fires_even_with_a_regime() -> None:
    both = ("dynamic_take_profit", "take_profit")
    deferring = engine(only=both)
    assert run(deferring, strategy_view(pnl=60.0)).decision.is_hold
    eager = engine({"take_profit.defer_to_dynamic": False}, only=both)
    assert run(eager, strategy_view(pnl=60.0)).decision.rule == "take_profit"

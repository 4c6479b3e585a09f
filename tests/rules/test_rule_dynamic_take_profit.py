"""Rule 4, DynamicTakeProfit: the regime table from profit_targets, before the fixed TP."""

from __future__ import annotations

import pytest

from v6.config.sections import ProfitTargets
from v6.domain import Action, Regime
from v6.rules import DynamicTakeProfit, explain
from v6.rules.config import DynamicTakeProfitConfig

from .kit import below, engine, market_view, run, strategy_view

SEED_TABLE = {
    Regime.CRASH: 0.40,
    Regime.HIGH_VOL: 0.50,
    Regime.NORMAL: 0.80,
    Regime.LOW_VOL: 0.90,
    Regime.TRENDING: 0.85,
    Regime.RANGE_BOUND: 0.80,
}


def test_targets_are_the_seed_table_by_default() -> None:
    rule = DynamicTakeProfit(DynamicTakeProfitConfig(), ProfitTargets())
    assert {r: rule.target_for(r) for r in Regime} == SEED_TABLE


@pytest.mark.parametrize("regime", list(Regime))
def test_fires_at_the_regime_target_not_below(regime: Regime) -> None:
    eng = engine(only="dynamic_take_profit")
    target = SEED_TABLE[regime]
    mv = market_view(regime=regime)
    d = run(eng, strategy_view(pnl=target * 100.0), mv).decision
    assert (d.action, d.rule, d.priority) == (Action.CLOSE, "dynamic_take_profit", 4)
    assert d.thresholds["target_fraction"] == target
    assert d.inputs["regime"] == regime.value
    assert d.inputs["pnl_fraction"] == pytest.approx(target)
    assert f"target for the {regime.value} regime" in explain(d)
    assert f"{target * 100:.0f} %" in explain(d)
    assert run(eng, strategy_view(pnl=below(target * 100.0)), mv).decision.is_hold


def test_configured_targets_are_used() -> None:
    targets = ProfitTargets(normal=0.6)
    eng = engine(only="dynamic_take_profit", profit_targets=targets)
    assert run(eng, strategy_view(pnl=60.0)).decision.action is Action.CLOSE
    assert run(eng, strategy_view(pnl=59.0)).decision.is_hold


def test_without_a_regime_the_fixed_take_profit_decides() -> None:
    eng = engine(only=("dynamic_take_profit", "take_profit"))
    unknown = market_view(regime=None)
    d = run(eng, strategy_view(pnl=50.0), unknown).decision
    assert d.rule == "take_profit"
    # with a known regime the fixed 50 % defers to the table (normal: 80 %)
    assert run(eng, strategy_view(pnl=60.0)).decision.is_hold
    assert run(eng, strategy_view(pnl=80.0)).decision.rule == "dynamic_take_profit"


def test_crash_regime_takes_profit_before_the_fixed_rule_would() -> None:
    eng = engine()  # every rule, default order
    d = run(eng, strategy_view(pnl=40.0, dte=35), market_view(regime=Regime.CRASH)).decision
    assert d.rule == "dynamic_take_profit"

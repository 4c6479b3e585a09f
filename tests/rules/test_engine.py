"""The engine: priority order, disabling, explanations, bad data and its escalation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from v6.config import load_config
from v6.domain import Action, QuoteValidity, Regime, Severity, Urgency
from v6.rules import (
    DecisionEngine,
    MarketView,
    RuleState,
    StrategyView,
    explain,
    make_decision_id,
)
from v6.rules.config import RULE_NAMES

from .kit import TS, engine, market_view, portfolio_view, run, strategy_view


def _everything_fires() -> tuple[StrategyView, MarketView]:
    """A view on which time exit, both take-profits and VIX exit would all act."""
    return strategy_view(pnl=85.0, dte=21), market_view(vix=40.0, regime=Regime.NORMAL)


def test_default_order_is_the_seed_order() -> None:
    assert [r.name for r in engine().rules] == list(RULE_NAMES)
    assert [r.priority for r in engine().rules] == list(range(1, 13))


def test_the_higher_priority_rule_wins_and_disabling_it_lets_the_next_decide() -> None:
    sv, mv = _everything_fires()
    disabled: dict[str, bool] = {"dte_roll.enabled": False}  # no deferral of the time exit
    expected = ["time_exit", "dynamic_take_profit", "take_profit", "vix_exit"]
    for rule in expected:
        d = run(engine(disabled), sv, mv).decision
        assert d.rule == rule
        assert (
            d.priority
            == engine(disabled).rules[[r.name for r in engine(disabled).rules].index(rule)].priority
        )
        disabled[f"{rule}.enabled"] = False
    assert run(engine(disabled), sv, mv).decision.is_hold


def test_priorities_are_configurable() -> None:
    sv, mv = _everything_fires()
    eng = engine({"vix_exit.priority": 1, "catastrophe.priority": 11})
    d = run(eng, sv, mv).decision
    assert (d.rule, d.priority) == ("vix_exit", 1)
    assert next(r.name for r in eng.rules) == "vix_exit"


def test_from_config_uses_the_trading_config_sections() -> None:
    cfg = load_config(
        None,
        env={},
        overrides={"rules.take_profit.fraction": 0.3, "rules.dynamic_take_profit.enabled": False},
    )
    eng = DecisionEngine.from_config(cfg)
    d = run(eng, strategy_view(pnl=30.0)).decision
    assert (d.rule, d.thresholds["target_fraction"]) == ("take_profit", 0.3)
    assert "dynamic_take_profit" not in [r.name for r in eng.rules]


def test_a_hold_carries_the_numbers_it_saw() -> None:
    result = run(engine(), strategy_view(pnl=12.0, dte=30))
    d = result.decision
    assert (d.action, d.rule, d.urgency, d.data_valid) == (Action.HOLD, "hold", Urgency.LOW, True)
    assert d.inputs["pnl_fraction"] == 0.12
    assert d.inputs["dte"] == 30
    assert result.severity is None
    assert result.data_issues == ()
    assert explain(d) == (
        "held SPY iron condor 2026-12-20: no rule fired (P&L 12 % of max profit, 30 DTE)"
    )


def test_a_stale_leg_holds_as_data_invalid_and_escalates_when_it_lasts() -> None:
    eng = engine()
    stale = strategy_view(pnl=-390.0, validity={1: QuoteValidity.STALE})  # would be catastrophe
    first = run(eng, stale)
    d = first.decision
    assert (d.action, d.rule, d.data_valid) == (Action.HOLD, "data_invalid", False)
    assert first.severity is Severity.WARNING
    assert "SPY 2026-12-20 500P: quote stale" in str(d.inputs["data_issues"])
    assert first.state.invalid_since == TS
    assert "data could not be trusted" in explain(d)
    later = replace(stale, ts=TS + timedelta(seconds=119))
    assert run(eng, later, state=first.state).severity is Severity.WARNING
    blind = replace(stale, ts=TS + timedelta(seconds=120))
    escalated = run(eng, blind, state=first.state)
    assert escalated.severity is Severity.CRITICAL
    assert escalated.decision.urgency is Urgency.IMMEDIATE
    assert escalated.decision.inputs["invalid_for_s"] == 120.0
    assert "(for 120 s)" in explain(escalated.decision)
    healthy = replace(strategy_view(pnl=-390.0), ts=TS + timedelta(seconds=150))
    recovered = run(eng, healthy, state=escalated.state)
    assert recovered.state.invalid_since is None
    assert recovered.decision.rule == "catastrophe"


def test_escalation_needs_the_catastrophe_rule() -> None:
    eng = engine({"catastrophe.enabled": False})
    stale = strategy_view(validity={0: QuoteValidity.CROSSED})
    first = run(eng, stale)
    late = run(eng, replace(stale, ts=TS + timedelta(hours=1)), state=first.state)
    assert late.severity is Severity.WARNING


@pytest.mark.parametrize(
    "bad",
    [
        {"validity": {2: None}},
        {"validity": {0: QuoteValidity.NOT_FINITE}},
        {"spot": float("nan")},
        {"spot": 0.0},
        {"pnl": float("nan")},
    ],
    ids=["missing-quote", "nan-quote", "nan-spot", "zero-spot", "nan-pnl"],
)
def test_core_problems_block_every_rule(bad: dict[str, object]) -> None:
    sv = strategy_view(dte=0, **bad)  # type: ignore[arg-type]
    result = run(engine(), sv, market_view(vix=90.0))
    assert result.decision.rule == "data_invalid"
    assert result.skipped_rules == tuple(RULE_NAMES)


def test_a_bad_optional_input_skips_only_its_rules() -> None:
    sv = strategy_view(iv_now=float("nan"), dte=21, roll_credit=30.0)
    result = run(engine(), sv, market_view(vix=float("nan")))
    assert result.decision.rule == "dte_roll"  # evaluated after the skipped iv_crush
    assert result.decision.data_valid
    assert result.skipped_rules == ("iv_crush", "vix_exit")
    assert result.severity is Severity.WARNING
    assert {i.subject for i in result.data_issues} == {"iv_now", "vix"}


def test_issues_of_disabled_rules_are_not_reported() -> None:
    eng = engine({"vix_exit.enabled": False, "iv_crush.enabled": False})
    result = run(eng, strategy_view(iv_now=float("nan")), market_view(vix=float("nan")))
    assert result.severity is None
    assert result.data_issues == ()
    assert result.decision.data_valid


def test_decisions_and_ids_are_deterministic() -> None:
    eng = engine()
    a = run(eng, strategy_view(pnl=-250.0))
    b = run(eng, strategy_view(pnl=-250.0))
    assert a == b
    assert a.decision.decision_id == make_decision_id("ic-1", TS, "stop_loss")
    later = run(eng, strategy_view(pnl=-250.0, ts=TS + timedelta(seconds=30)))
    assert later.decision.decision_id != a.decision.decision_id
    other = run(eng, strategy_view(pnl=-250.0, strategy_id="ic-2"))
    assert other.decision.decision_id != a.decision.decision_id


def test_evaluate_all_carries_each_strategys_state() -> None:
    eng = engine(only="trailing_stop")
    views = [strategy_view(strategy_id=f"s{i}", pnl_fraction=0.6) for i in range(3)]
    mv, pv = market_view(), portfolio_view(views)
    first = eng.evaluate_all(views, mv, pv)
    states = {r.state.strategy_id: r.state for r in first}
    assert all(s.trail_active for s in states.values())
    falling = [replace_pnl(v, 0.41) for v in views]
    results = first
    for _ in range(3):
        results = eng.evaluate_all(falling, mv, pv, states)
        states = {r.state.strategy_id: r.state for r in results}
    assert [r.decision.action for r in results] == [Action.CLOSE] * 3
    assert eng.evaluate_all(falling, mv, pv)[0].decision.is_hold  # fresh state: no memory


def replace_pnl(sv: StrategyView, fraction: float) -> StrategyView:
    return strategy_view(strategy_id=sv.strategy_id, pnl_fraction=fraction)


def test_initial_state_is_created_per_strategy() -> None:
    result = run(engine(), strategy_view(strategy_id="xyz"))
    assert result.state == RuleState("xyz", peak_pnl_fraction=0.0)


def test_alert_keys_group_shared_problems() -> None:
    eng = engine()
    mv = market_view(vix=float("nan"))
    views = [strategy_view(strategy_id=f"s{i}") for i in range(3)]
    stale = strategy_view(strategy_id="s9", validity={0: QuoteValidity.STALE})
    results = eng.evaluate_all([*views, stale], mv, portfolio_view(views))
    keys = [r.alert_keys() for r in results]
    assert keys[:3] == [("bad_data:market:vix",)] * 3
    assert keys[3] == ("bad_data:s9:leg SPY 2026-12-20 495P",)
    quiet = run(eng, strategy_view(iv_entry=None), market_view(vix=None))
    assert quiet.alert_keys() == ()

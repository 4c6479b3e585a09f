"""Rule 12, portfolio limits: reduce the largest contributor to a breached limit."""

from __future__ import annotations

from v6.config.sections import TradingLimitsConfig
from v6.domain import Action, Greeks
from v6.rules import explain

from .kit import engine, market_view, portfolio_view, run, strategy_view

# limits x tolerance 1.25: delta 250, vega 1250, concentration 0.4375
E = engine({"portfolio_limits.tolerance": 1.25}, only="portfolio_limits")


def test_largest_delta_contributor_is_reduced_at_the_limit_not_below() -> None:
    a = strategy_view(strategy_id="a", greeks=Greeks(delta=150.0), quantity=4)
    b = strategy_view(strategy_id="b", greeks=Greeks(delta=100.0))
    pv = portfolio_view([a, b])
    d = run(E, a, pv=pv).decision
    assert (d.action, d.rule, d.priority) == (Action.REDUCE, "portfolio_limits", 12)
    assert d.inputs["portfolio_delta"] == 250.0
    assert d.inputs["contribution_delta"] == 150.0
    assert d.thresholds["limit_delta"] == 250.0
    assert d.thresholds["reduce_units"] == 2
    assert "portfolio delta +250.0 is at or beyond the 250.0 limit" in explain(d)
    assert run(E, b, pv=pv).decision.is_hold  # not the largest contributor
    b_under = strategy_view(strategy_id="b", greeks=Greeks(delta=99.99))
    assert run(E, a, pv=portfolio_view([a, b_under])).decision.is_hold


def test_the_contributor_in_the_direction_of_the_breach_is_reduced() -> None:
    a = strategy_view(strategy_id="a", greeks=Greeks(vega_per_vol_point=-900.0))
    b = strategy_view(strategy_id="b", greeks=Greeks(vega_per_vol_point=-700.0))
    c = strategy_view(strategy_id="c", greeks=Greeks(vega_per_vol_point=300.0))
    pv = portfolio_view([a, b, c])  # -1300 beyond 1250
    assert [run(E, v, pv=pv).decision.action for v in (a, b, c)] == [
        Action.REDUCE,
        Action.HOLD,
        Action.HOLD,
    ]


def test_concentration_reduces_the_biggest_position_in_the_symbol() -> None:
    spy = [strategy_view(strategy_id=f"s{i}", quantity=q) for i, q in enumerate((1, 3, 2))]
    qqq = strategy_view(strategy_id="q", symbol="QQQ")
    pv = portfolio_view([*spy, qqq])  # SPY: 2400 of 2800 risk = 86 %
    decisions = [run(E, v, pv=pv).decision for v in [*spy, qqq]]
    assert [d.action for d in decisions] == [Action.HOLD, Action.REDUCE, Action.HOLD, Action.HOLD]
    d = decisions[1]
    assert d.inputs["breaches"] == "concentration"
    assert d.thresholds["concentration_limit"] == 0.4375
    assert "86 % of portfolio risk is in SPY (limit 44 %)" in explain(d)


def test_concentration_needs_enough_open_strategies() -> None:
    spy = [strategy_view(strategy_id=f"s{i}", quantity=q) for i, q in enumerate((1, 3))]
    qqq = strategy_view(strategy_id="q", symbol="QQQ")
    pv = portfolio_view([*spy, qqq])
    assert all(run(E, v, pv=pv).decision.is_hold for v in [*spy, qqq])


def test_limits_come_from_the_limits_section() -> None:
    limits = TradingLimitsConfig(max_abs_delta=50.0)
    eng = engine(only="portfolio_limits", limits=limits)  # default tolerance 1.1: 55
    a = strategy_view(greeks=Greeks(delta=60.0))
    assert run(eng, a, market_view(), portfolio_view([a])).decision.action is Action.REDUCE
    b = strategy_view(greeks=Greeks(delta=54.0))
    assert run(eng, b, market_view(), portfolio_view([b])).decision.is_hold


def test_without_a_portfolio_view_the_rule_is_skipped_quietly() -> None:
    result = run(E, strategy_view(greeks=Greeks(delta=1e6)), with_portfolio=False)
    assert result.decision.is_hold
    assert result.severity is None

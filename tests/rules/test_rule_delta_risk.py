"""Rule 7, delta risk: a short leg's delta or the net delta per share of one unit."""

from __future__ import annotations

import math

from v6.domain import Action, Greeks, Severity, Urgency
from v6.rules import explain

from .kit import engine, run, strategy_view

E = engine(only="delta_risk")


def test_short_leg_delta_fires_at_the_limit_not_below() -> None:
    d = run(E, strategy_view(leg_deltas=(-0.20, -0.35, 0.10, 0.05))).decision
    assert (d.action, d.rule, d.urgency, d.priority) == (
        Action.CLOSE,
        "delta_risk",
        Urgency.HIGH,
        7,
    )
    assert d.inputs["max_short_abs_delta"] == 0.35
    assert d.thresholds["max_short_leg_abs_delta"] == 0.35
    assert "a short leg's delta is 0.35, at or beyond 0.35" in explain(d)
    assert run(E, strategy_view(leg_deltas=(-0.20, -0.3499, 0.10, 0.05))).decision.is_hold


def test_net_delta_per_share_fires_at_the_limit_not_below() -> None:
    for qty in (1, 2):
        at = strategy_view(greeks=Greeks(delta=-25.0 * qty), quantity=qty)
        d = run(E, at).decision
        assert d.action is Action.CLOSE
        assert d.inputs["net_delta_per_share"] == 0.25
        assert "net delta is 0.25 per share" in explain(d)
        under = strategy_view(greeks=Greeks(delta=-24.9 * qty), quantity=qty)
        assert run(E, under).decision.is_hold


def test_configured_action_hedge_or_reduce() -> None:
    hot = strategy_view(leg_deltas=(-0.2, -0.4, 0.1, 0.05), quantity=3)
    hedge = engine({"delta_risk.action": "hedge"}, only="delta_risk")
    assert run(hedge, hot).decision.action is Action.HEDGE
    reduce = engine({"delta_risk.action": "reduce"}, only="delta_risk")
    d = run(reduce, hot).decision
    assert d.action is Action.REDUCE
    assert d.thresholds["reduce_units"] == 1
    assert explain(d).startswith("reduced by 1 unit SPY iron condor")


def test_non_finite_greeks_skip_the_rule_with_a_warning() -> None:
    sv = strategy_view(greeks=Greeks(delta=math.nan), leg_deltas=(-0.2, -0.9, 0.1, 0.05))
    result = run(E, sv)
    assert result.decision.is_hold
    assert not result.decision.data_valid
    assert result.skipped_rules == ("delta_risk",)
    assert result.severity is Severity.WARNING
    assert "greeks" in result.issues_text

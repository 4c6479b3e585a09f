"""Rule 8, gamma risk: gamma loss on a 2 % move as a fraction of max loss, tightening."""

from __future__ import annotations

import itertools

import pytest

from v6.domain import Action, Greeks, Urgency
from v6.rules import GammaRiskRule, StrategyView, explain
from v6.rules.config import GammaRiskConfig

from .kit import engine, run, smaller, strategy_view

E = engine(only="gamma_risk")
SPOT = 500.0  # a 2 % move is exactly $10


def view(gamma: float, dte: int = 30) -> StrategyView:
    return strategy_view(greeks=Greeks(gamma=gamma), dte=dte, spot=SPOT)


def test_fires_at_the_far_dated_limit_not_below() -> None:
    # 0.5 x 2.4 x 10^2 = $120 = 30 % of the $400 max loss
    d = run(E, view(-2.4)).decision
    assert (d.action, d.rule, d.urgency, d.priority) == (
        Action.CLOSE,
        "gamma_risk",
        Urgency.HIGH,
        8,
    )
    assert d.inputs["gamma_loss"] == 120.0
    assert d.inputs["gamma_risk_fraction"] == 0.3
    assert d.thresholds["limit_fraction"] == 0.3
    assert "gamma alone would lose $120 on a 2 % move, 30 % of max loss (limit 30 % at 30 DTE)" in (
        explain(d)
    )
    assert run(E, view(smaller(-2.4))).decision.is_hold


def test_the_limit_tightens_linearly_towards_expiry() -> None:
    rule = GammaRiskRule(GammaRiskConfig())
    limits = [rule.limit_at(d) for d in range(0, 30)]
    assert limits[0] == pytest.approx(0.10)
    assert limits[21] == pytest.approx(0.30)
    assert all(a <= b for a, b in itertools.pairwise(limits))
    assert limits[29] == limits[21]
    # $80 of gamma loss (20 %) is tolerated at 21 DTE but not at 7
    assert run(E, view(-1.6, dte=21)).decision.is_hold
    d = run(E, view(-1.6, dte=7)).decision
    assert d.action is Action.CLOSE
    assert d.thresholds["limit_fraction"] == pytest.approx(0.1 + 0.2 * 7 / 21)
    # at 0 DTE the limit is 10 %: exactly $40
    assert run(E, view(-0.8, dte=0)).decision.action is Action.CLOSE
    assert run(E, view(-0.79, dte=0)).decision.is_hold


def test_long_gamma_never_fires() -> None:
    assert run(E, view(50.0, dte=0)).decision.is_hold


def test_configured_action() -> None:
    eng = engine({"gamma_risk.action": "roll"}, only="gamma_risk")
    assert run(eng, view(-3.0)).decision.action is Action.ROLL

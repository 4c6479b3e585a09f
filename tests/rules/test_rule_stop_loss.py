"""Rule 6, stop loss: a multiple of the credit, a fraction of a debit, volatility-adjusted."""

from __future__ import annotations

import pytest

from v6.domain import Action, StrategyType, Urgency
from v6.rules import explain
from v6.testing import make_vertical

from .kit import engine, market_view, run, smaller, strategy_view

E = engine(only="stop_loss")


def test_credit_trade_stops_at_twice_the_credit_not_before() -> None:
    d = run(E, strategy_view(pnl=-200.0)).decision
    assert (d.action, d.rule, d.urgency, d.priority) == (Action.CLOSE, "stop_loss", Urgency.HIGH, 6)
    assert d.inputs["loss"] == 200.0
    assert d.inputs["basis"] == 100.0
    assert d.inputs["loss_to_basis"] == 2.0
    assert d.thresholds["limit_multiple"] == 2.0
    assert "loss $200 is 200 % of the $100 credit received (limit 200 %)" in explain(d)
    assert run(E, strategy_view(pnl=smaller(-200.0))).decision.is_hold


def test_debit_trade_stops_at_a_fraction_of_the_debit() -> None:
    spread = make_vertical(
        StrategyType.BULL_CALL, 560.0, 555.0, short_price=1.0, long_price=3.0, strategy_id="d1"
    )  # 2.00 debit
    d = run(E, strategy_view(strategy=spread, pnl=-100.0)).decision
    assert d.action is Action.CLOSE
    assert (d.inputs["basis_kind"], d.inputs["basis"]) == ("debit", 200.0)
    assert "of the $200 debit paid (limit 50 %)" in explain(d)
    assert run(E, strategy_view(strategy=spread, pnl=-99.0)).decision.is_hold


def test_volatility_adjusted_stop_widens_in_high_vol_and_tightens_in_calm() -> None:
    eng = engine({"stop_loss.vol_adjusted": True}, only="stop_loss")
    high = market_view(realized_vol=0.30)  # factor 1.5: stop at 300
    assert run(eng, strategy_view(pnl=-299.0), high).decision.is_hold
    d = run(eng, strategy_view(pnl=-300.0), high).decision
    assert d.action is Action.CLOSE
    assert d.inputs["vol_factor"] == pytest.approx(1.5)
    assert "scaled x1.50" in explain(d)
    calm = market_view(realized_vol=0.05)  # factor 0.25 clipped to 0.75: stop at 150
    assert run(eng, strategy_view(pnl=-150.0), calm).decision.action is Action.CLOSE
    assert run(eng, strategy_view(pnl=-149.0), calm).decision.is_hold


def test_not_volatility_adjusted_by_default() -> None:
    d = run(E, strategy_view(pnl=-200.0), market_view(realized_vol=0.60)).decision
    assert d.action is Action.CLOSE
    assert d.inputs["vol_factor"] == 1.0

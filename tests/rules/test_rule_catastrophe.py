"""Rule 1, catastrophe: position loss, account loss, gap, short-strike breach."""

from __future__ import annotations

import math

from v6.domain import Action, Urgency
from v6.rules import explain

from .kit import engine, market_view, portfolio_view, run, smaller, strategy_view

E = engine(only="catastrophe")


def test_position_loss_fires_at_the_threshold_not_below() -> None:
    at = run(E, strategy_view(pnl=-320.0)).decision  # 0.8 of the $400 max loss
    assert (at.action, at.rule, at.urgency, at.priority) == (
        Action.CLOSE,
        "catastrophe",
        Urgency.IMMEDIATE,
        1,
    )
    assert at.inputs["loss_fraction_of_max_loss"] == 0.8
    assert at.inputs["loss"] == 320.0
    assert at.thresholds["max_loss_fraction"] == 0.8
    text = explain(at)
    assert "loss $320 is 80 % of the $400 max loss (limit 80 %)" in text
    assert run(E, strategy_view(pnl=smaller(-320.0))).decision.is_hold


def test_account_daily_loss_fires_at_the_threshold_not_below() -> None:
    sv = strategy_view()
    at = run(E, sv, pv=portfolio_view([sv], net_liquidation=100_000.0, daily_pnl=-5_000.0))
    assert at.decision.action is Action.CLOSE
    assert at.decision.inputs["triggers"] == "account_loss"
    assert at.decision.inputs["account_loss_fraction"] == 0.05
    assert "lost $5,000 today, 5.0 % of $100,000 net liquidation" in explain(at.decision)
    under = run(E, sv, pv=portfolio_view([sv], daily_pnl=smaller(-5_000.0)))
    assert under.decision.is_hold


def test_gap_either_way_fires_at_the_limit_not_below() -> None:
    for spot, prev in ((567.0, 540.0), (532.0, 560.0)):  # +5 % and -5 %
        sv = strategy_view(spot=spot)
        d = run(E, sv, market_view(spot=spot, prev_close=prev)).decision
        assert d.action is Action.CLOSE
        assert d.inputs["triggers"] == "gap"
        assert math.isclose(abs(float(d.inputs["gap_fraction"] or 0)), 0.05)
        assert "since the previous close (limit 5.0 % either way)" in explain(d)
    for spot, prev in ((566.9, 540.0), (532.1, 560.0)):
        sv = strategy_view(spot=spot)
        assert run(E, sv, market_view(spot=spot, prev_close=prev)).decision.is_hold


def test_short_strike_breach_fires_beyond_the_margin_not_before() -> None:
    # short put 500, short call 600, margin 1 % of the strike
    for spot, side in ((495.0, "put"), (606.0, "call")):
        d = run(E, strategy_view(spot=spot)).decision
        assert d.action is Action.CLOSE
        assert d.inputs["triggers"] == "strike_breach"
        assert d.inputs[f"{side}_breach_fraction"] == 0.01
        assert f"is 1.0 % through the {500 if side == 'put' else 600} short {side}" in explain(d)
    for spot in (495.01, 605.99, 500.0, 600.0):
        assert run(E, strategy_view(spot=spot)).decision.is_hold


def test_every_trigger_is_listed_and_explained() -> None:
    spot = 490.0
    sv = strategy_view(spot=spot, pnl=-390.0)
    pv = portfolio_view([sv], daily_pnl=-9_000.0)
    d = run(E, sv, market_view(spot=spot, prev_close=540.0), pv).decision
    assert d.inputs["triggers"] == "position_loss,account_loss,gap,strike_breach"
    text = explain(d)
    for phrase in ("max loss", "net liquidation", "previous close", "short put"):
        assert phrase in text


def test_bad_account_numbers_never_trigger_the_account_check() -> None:
    sv = strategy_view()
    for net_liq, daily in ((math.nan, -9_000.0), (100_000.0, math.nan), (0.0, -1.0)):
        pv = portfolio_view([sv], net_liquidation=net_liq, daily_pnl=daily)
        assert run(E, sv, pv=pv).decision.is_hold

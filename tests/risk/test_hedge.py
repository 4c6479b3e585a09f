"""Auto-hedge: past the trigger, reduce the largest contributors back inside the band; close
near-expiry gamma first; intents go through the same gate."""

from __future__ import annotations

from datetime import date

import pytest

from v6.domain import IntentKind, Strategy, StrategyType
from v6.risk import (
    AutoHedger,
    HedgeConfig,
    LimitName,
    MarketInputs,
    PortfolioRisk,
    PortfolioRiskCalculator,
)
from v6.testing.factories import make_vertical

from .kit import RATE, SPOTS, TS, bull_put, checker, greek_quote, portfolio, snapshot


def _quotes(strategies: list[Strategy]) -> dict:  # type: ignore[type-arg]
    """Per-share Greeks by strike: 550P/545P make +8 delta per unit, 560P/555P +9, and the
    near-expiry 570P/565P -3 gamma per unit."""
    table = {
        550: (2.10, -0.30, 0.010),
        545: (1.30, -0.22, 0.008),
        560: (3.00, -0.40, 0.012),
        555: (2.40, -0.31, 0.011),
        570: (2.00, -0.45, 0.080),
        565: (1.00, -0.30, 0.050),
        530: (1.00, -0.10, 0.020),
        525: (0.80, -0.08, 0.015),
    }
    return {
        leg.contract.key: greek_quote(*table[int(leg.contract.strike)])
        for s in strategies
        for leg in s.legs
    }


def _risk(strategies: list[Strategy]) -> PortfolioRisk:
    market = MarketInputs(ts=TS, spots=dict(SPOTS), quotes=_quotes(strategies), rate=RATE)
    return PortfolioRiskCalculator().compute(portfolio(strategies), market)


def _a(qty: int) -> Strategy:
    return bull_put("SPY", 550, 545, sid="a", qty=qty)


def _b(qty: int) -> Strategy:
    return bull_put("SPY", 560, 555, sid="b", qty=qty)


NEAR = date(2026, 11, 23)


def test_reduces_the_largest_contributor_into_the_band() -> None:
    book = [_a(20), _b(3)]  # delta 160 + 27 = 187
    risk = _risk(book)
    plan = AutoHedger().plan(risk, TS, sequence="c1")
    assert plan.triggered == ("delta",)
    (i,) = plan.intents
    # 137 over the target of 50 at 8 per unit: the fewest units into the band is 18
    assert (i.kind, i.strategy_id) == (IntentKind.REDUCE, "a")
    assert {leg.quantity for leg in i.legs} == {18, -18}
    assert plan.values["delta_after"] == pytest.approx(187 - 18 * 8)
    assert "delta +187 beyond 150 (target 50)" in plan.reason
    assert i.metadata["origin"] == "auto_hedge"


def test_closes_then_reduces_when_one_contributor_is_not_enough() -> None:
    risk = _risk([_a(10), _b(10)])  # 80 + 90 = 170
    plan = AutoHedger().plan(risk, TS, sequence="c1")
    kinds = [(i.kind, i.strategy_id) for i in plan.intents]
    assert kinds == [(IntentKind.CLOSE, "b"), (IntentKind.REDUCE, "a")]
    assert {leg.quantity for leg in plan.intents[1].legs} == {4, -4}  # 80 -> 48
    assert plan.values["delta_after"] == pytest.approx(48.0)


def test_hedge_intents_pass_the_gate_and_land_in_the_band() -> None:
    book = [_a(20), _b(3)]
    risk = _risk(book)
    plan = AutoHedger().plan(risk, TS, sequence="c1")
    market = MarketInputs(ts=TS, spots=dict(SPOTS), quotes=_quotes(book), rate=RATE)
    snap = snapshot(book, market)
    res = checker(max_abs_delta=100.0).check(plan.intents[0], snap)
    assert res.approved
    delta = next(c for c in res.checks if c.name is LimitName.DELTA)
    assert delta.after == pytest.approx(plan.values["delta_after"])


def test_nothing_inside_the_trigger() -> None:
    plan = AutoHedger().plan(_risk([_a(10), _b(5)]), TS, sequence="c1")  # 125
    assert plan.empty
    assert plan.triggered == ()


def test_negative_delta_is_hedged_from_the_short_side() -> None:
    cfg = HedgeConfig(delta_trigger=10.0, delta_target=2.0)
    bear = make_vertical(
        StrategyType.BEAR_PUT,
        545,
        550,
        short_price=1.2,
        long_price=2.0,
        quantity=3,
        strategy_id="bear",
    )  # -8 per unit
    far = bull_put("SPY", 530, 525, sid="far")  # +2
    risk = _risk([far, bear])
    assert risk.greeks.delta == pytest.approx(2 - 24)
    plan = AutoHedger(cfg).plan(risk, TS, sequence="x")
    (i,) = plan.intents
    # 20 beyond the target at 8 per unit: 2 units leave -6 (outside +/-2), all 3 land on +2
    assert (i.strategy_id, i.kind) == ("bear", IntentKind.CLOSE)
    assert plan.values["delta_after"] == pytest.approx(2.0)


def test_near_expiry_gamma_is_closed_first() -> None:
    n1 = bull_put("SPY", 570, 565, sid="n1", qty=10, expiry=NEAR)  # gamma -30
    n2 = bull_put("SPY", 570, 565, sid="n2", qty=4, expiry=date(2026, 11, 27))  # -12
    far = _b(40)  # gamma -4 but 30 DTE; delta +360 on its own
    risk = _risk([n1, n2, far])
    plan = AutoHedger(HedgeConfig(delta_trigger=1000.0, delta_target=10.0)).plan(
        risk, TS, sequence="g"
    )
    assert plan.triggered == ("gamma",)
    assert [(i.kind, i.strategy_id) for i in plan.intents] == [
        (IntentKind.CLOSE, "n1"),
        (IntentKind.CLOSE, "n2"),
    ]
    assert plan.values["gamma_near_expiry"] == pytest.approx(-42.0)
    assert plan.values["gamma_near_expiry_after"] == pytest.approx(0.0)


def test_excluded_strategies_are_left_alone_and_ids_are_deterministic() -> None:
    risk = _risk([_a(15), _b(5)])
    plan = AutoHedger().plan(risk, TS, sequence="c1", exclude=frozenset({"a"}))
    assert [i.strategy_id for i in plan.intents] == ["b"]
    again = AutoHedger().plan(risk, TS, sequence="c1", exclude=frozenset({"a"}))
    assert [i.intent_id for i in again.intents] == [i.intent_id for i in plan.intents]
    other = AutoHedger().plan(risk, TS, sequence="c2", exclude=frozenset({"a"}))
    assert other.intents[0].intent_id != plan.intents[0].intent_id


def test_max_intents_per_cycle() -> None:
    book = [bull_put("SPY", 550, 545, sid=f"s{i}", qty=5) for i in range(6)]  # 6 x 40 = 240
    plan = AutoHedger(HedgeConfig(max_intents_per_cycle=2, delta_target=0.0)).plan(
        _risk(book), TS, sequence="m"
    )
    assert len(plan.intents) == 2


def test_no_hedge_on_invalid_greeks() -> None:
    book = [_a(15), _b(5)]
    quotes = _quotes(book)
    quotes.pop(next(iter(quotes)))
    market = MarketInputs(ts=TS, spots=dict(SPOTS), quotes=quotes, rate=RATE)
    risk = PortfolioRiskCalculator().compute(portfolio(book), market)
    plan = AutoHedger().plan(risk, TS, sequence="x")
    assert plan.empty
    assert "not computable" in plan.reason


def test_share_hedge_is_sized_from_beta_weighted_delta() -> None:
    risk = _risk([_a(15), _b(5)])  # 165 SPY shares
    plan = AutoHedger(HedgeConfig(method="underlying_shares")).plan(risk, TS, sequence="s")
    assert plan.intents == ()
    (h,) = plan.share_hedges
    assert (h.symbol, h.shares) == ("SPY", -115)
    assert h.expected_after == pytest.approx(50.0)
    qqq = AutoHedger(HedgeConfig(method="underlying_shares", instrument="QQQ")).plan(
        risk, TS, sequence="s", spots={"QQQ": 500.0}
    )
    # 115 SPY shares x 580 / (1.15 x 500) QQQ shares
    assert qqq.share_hedges[0].shares == -round(115 * 580 / (1.15 * 500))

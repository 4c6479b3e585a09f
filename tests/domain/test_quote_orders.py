"""Quote validity and order/intent invariants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from v6.domain import (
    ComboLeg,
    IntentKind,
    Order,
    OrderAction,
    OrderType,
    QuoteValidity,
    make_intent_id,
)
from v6.errors import DomainError
from v6.testing import make_contract, make_quote

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
AGE = timedelta(seconds=10)


@pytest.mark.parametrize(
    ("bid", "ask", "ts", "expected"),
    [
        (1.0, 1.1, NOW, QuoteValidity.VALID),
        (float("nan"), 1.1, NOW, QuoteValidity.NOT_FINITE),
        (1.0, float("inf"), NOW, QuoteValidity.NOT_FINITE),
        (-0.1, 1.1, NOW, QuoteValidity.NEGATIVE),
        (0.0, 0.0, NOW, QuoteValidity.NO_ASK),
        (1.2, 1.1, NOW, QuoteValidity.CROSSED),
        (1.0, 1.1, NOW - timedelta(seconds=11), QuoteValidity.STALE),
        (1.0, 1.1, NOW + timedelta(seconds=1), QuoteValidity.FROM_FUTURE),
        (0.0, 0.05, NOW, QuoteValidity.ZERO_BID),
    ],
)
def test_quote_validity(bid: float, ask: float, ts: datetime, expected: QuoteValidity) -> None:
    q = make_quote(bid, ask, ts=ts)
    assert q.validity(NOW, AGE) is expected
    assert q.is_valid(NOW, AGE) == (expected is QuoteValidity.VALID)


def test_zero_bid_allowed_when_asked_for() -> None:
    assert make_quote(0.0, 0.05, ts=NOW).is_valid(NOW, AGE, allow_zero_bid=True)


def test_quote_mid_spread() -> None:
    q = make_quote(1.00, 1.10)
    assert q.mid == pytest.approx(1.05)
    assert q.spread == pytest.approx(0.10)
    assert q.spread_fraction == pytest.approx(0.10 / 1.05)


def test_intent_ids_are_deterministic_and_distinct() -> None:
    a = make_intent_id("ic-1", IntentKind.OPEN, 1)
    assert a == make_intent_id("ic-1", IntentKind.OPEN, 1)
    assert a != make_intent_id("ic-1", IntentKind.OPEN, 2)
    assert a != make_intent_id("ic-1", IntentKind.CLOSE, 1)
    assert a.startswith("v6-open-")
    assert IntentKind.CLOSE.reduces_risk
    assert not IntentKind.OPEN.reduces_risk


def _ic_legs() -> tuple[ComboLeg, ...]:
    return (
        ComboLeg(make_contract(560), 1, OrderAction.BUY),
        ComboLeg(make_contract(565), 1, OrderAction.SELL),
        ComboLeg(make_contract(600, "C"), 1, OrderAction.SELL),
        ComboLeg(make_contract(605, "C"), 1, OrderAction.BUY),
    )


def test_credit_combo_is_a_buy_with_negative_limit() -> None:
    order = Order("ref", "intent", _ic_legs(), OrderAction.BUY, 2, limit_price=-1.15)
    assert order.is_combo
    signed = order.signed_leg_quantities()
    assert signed[make_contract(565)] == -2
    assert signed[make_contract(605, "C")] == 2


def test_order_validation() -> None:
    leg = (ComboLeg(make_contract(560), 1, OrderAction.BUY),)
    with pytest.raises(DomainError, match="needs a finite limit"):
        Order("r", "i", leg, OrderAction.BUY, 1)
    with pytest.raises(DomainError, match="single-leg limit must be >= 0"):
        Order("r", "i", leg, OrderAction.BUY, 1, limit_price=-1.0)
    with pytest.raises(DomainError, match="quantity must be > 0"):
        Order("r", "i", leg, OrderAction.BUY, 0, limit_price=1.0)
    with pytest.raises(DomainError, match="market order takes no limit"):
        Order("r", "i", leg, OrderAction.BUY, 1, OrderType.MARKET, limit_price=1.0)
    mixed = (
        ComboLeg(make_contract(560, symbol="SPY"), 1, OrderAction.BUY),
        ComboLeg(make_contract(560, symbol="QQQ"), 1, OrderAction.SELL),
    )
    with pytest.raises(DomainError, match="different underlyings"):
        Order("r", "i", mixed, OrderAction.BUY, 1, limit_price=0.5)

"""The fill model: marketability, price bounds and per-leg price splitting."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.broker.sim import PaperBrokerConfig
from v6.broker.sim.fill_model import PRICE_EPSILON, leg_prices, limit_fill_price, taker_level
from v6.broker.sim.quotes import ComboMarket, TradableQuotes, combo_market
from v6.clock import VirtualClock
from v6.domain import ComboLeg, Fill, OrderAction, OrderStatus

from .kit import BUY, SELL, START, DictQuotes, combo, opt

TOL = 1e-7


def _market(bid: float, ask: float) -> ComboMarket:
    return ComboMarket(bid=bid, ask=ask, leg_quotes=())


def test_buy_limit_fills_only_at_or_above_the_natural_with_full_slippage() -> None:
    market = _market(-1.20, -0.80)
    assert limit_fill_price(market, BUY, -1.00, 1.0) is None
    assert limit_fill_price(market, BUY, -0.80, 1.0) == pytest.approx(-0.80)
    # A more generous limit still gets the natural: limit or better.
    assert limit_fill_price(market, BUY, 5.0, 1.0) == pytest.approx(-0.80)


def test_sell_limit_mirrors_buy() -> None:
    market = _market(2.00, 2.40)
    assert limit_fill_price(market, SELL, 2.10, 1.0) is None
    assert limit_fill_price(market, SELL, 2.00, 1.0) == pytest.approx(2.00)
    assert limit_fill_price(market, SELL, 0.0, 1.0) == pytest.approx(2.00)


def test_lower_slippage_moves_the_taker_level_toward_mid() -> None:
    market = _market(2.00, 2.40)
    assert taker_level(market, BUY, 0.0) == pytest.approx(2.20)
    assert taker_level(market, BUY, 0.5) == pytest.approx(2.30)
    assert taker_level(market, SELL, 0.5) == pytest.approx(2.10)
    # With half slippage a buy limit at 2.30 is marketable, at 2.29 it is not.
    assert limit_fill_price(market, BUY, 2.30, 0.5) == pytest.approx(2.30)
    assert limit_fill_price(market, BUY, 2.29, 0.5) is None


def test_market_order_fills_at_the_taker_level() -> None:
    market = _market(2.00, 2.40)
    assert limit_fill_price(market, BUY, None, 1.0) == pytest.approx(2.40)
    assert limit_fill_price(market, SELL, None, 0.25) == pytest.approx(2.15)


prices = st.floats(min_value=0.0, max_value=50.0, allow_nan=False)
widths = st.floats(min_value=0.0, max_value=3.0, allow_nan=False)
fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def combo_cases(draw: st.DrawFn) -> tuple[list[tuple[float, float, int, OrderAction]], float]:
    """2-4 legs with random quotes, ratios and sides, and a limit near their market."""
    n = draw(st.integers(min_value=1, max_value=4))
    legs = []
    for _ in range(n):
        bid = draw(prices)
        ask = bid + draw(widths)
        if ask <= 0:
            ask = 0.05
        legs.append(
            (
                bid,
                ask,
                draw(st.integers(min_value=1, max_value=3)),
                draw(st.sampled_from([BUY, SELL])),
            )
        )
    lo = sum(r * (b if a is BUY else -k) for b, k, r, a in legs)
    hi = sum(r * (k if a is BUY else -b) for b, k, r, a in legs)
    limit = draw(st.floats(min_value=lo - 2.0, max_value=hi + 2.0, allow_nan=False))
    return legs, limit


@settings(max_examples=300, deadline=None)
@given(case=combo_cases(), side=st.sampled_from([BUY, SELL]), slippage=fractions)
def test_combo_fill_price_never_outside_combined_market_nor_worse_than_limit(
    case: tuple[list[tuple[float, float, int, OrderAction]], float],
    side: OrderAction,
    slippage: float,
) -> None:
    raw_legs, limit = case
    clock = VirtualClock(START)
    quotes = DictQuotes(clock)
    legs = []
    for i, (bid, ask, ratio, action) in enumerate(raw_legs):
        contract = opt(400 + 5 * i, "P")
        quotes.set(contract, bid, ask)
        legs.append(ComboLeg(contract, ratio, action))
    market = combo_market(legs, TradableQuotes(quotes, clock.now(), timedelta(minutes=5)))
    assert market is not None
    assert market.bid <= market.ask + TOL
    price = limit_fill_price(market, side, limit, slippage)
    if price is None:
        # Not marketable: the limit is on the wrong side of the taker level.
        level = taker_level(market, side, slippage)
        assert (limit < level) if side is BUY else (limit > level)
        return
    assert market.bid - TOL <= price <= market.ask + TOL
    if side is BUY:
        assert price <= limit + PRICE_EPSILON + TOL
    else:
        assert price >= limit - PRICE_EPSILON - TOL
    per_leg = leg_prices(legs, market, price)
    for leg_price, (bid, ask, _, _) in zip(per_leg, raw_legs, strict=True):
        assert bid - TOL <= leg_price <= ask + TOL
        assert leg_price >= 0
    rebuilt = sum(
        leg.ratio * (p if leg.action is BUY else -p) for leg, p in zip(legs, per_leg, strict=True)
    )
    assert rebuilt == pytest.approx(price, abs=1e-6)


def _net_price(fills: list[Fill], quantity: int) -> float:
    """Net combo price per unit from per-leg fills (bought legs +, sold legs -); fills carry
    per-contract quantities (ratio x units), so the signed sum over units is the net."""
    return sum(fill.signed_quantity * fill.price for fill in fills) / quantity


@settings(max_examples=60, deadline=None)
@given(case=combo_cases(), slippage=fractions, quantity=st.integers(min_value=1, max_value=3))
def test_broker_combo_fills_stay_inside_the_combined_bid_ask(
    case: tuple[list[tuple[float, float, int, OrderAction]], float],
    slippage: float,
    quantity: int,
) -> None:
    """Through the whole broker: a BUY combo either keeps working or its leg fills add up to
    a net price inside the combined market and not above its limit."""
    from v6.broker.sim import PaperBroker

    raw_legs, limit = case
    if len(raw_legs) < 2:
        raw_legs = [*raw_legs, (1.0, 1.2, 1, SELL)]
    clock = VirtualClock(START)
    quotes = DictQuotes(clock)
    quotes.spots["SPY"] = 420.0
    spec = []
    for i, (bid, ask, ratio, action) in enumerate(raw_legs):
        contract = opt(400 + 5 * i, "C" if i % 2 else "P")
        quotes.set(contract, bid, ask)
        spec.append((contract, ratio, action))
    config = PaperBrokerConfig(starting_cash=1e9, slippage_fraction=slippage)
    broker = PaperBroker(quotes, clock, config)
    order = combo("prop", spec, quantity=quantity, limit=limit)
    legs = list(order.legs)
    market = combo_market(legs, TradableQuotes(quotes, clock.now(), timedelta(minutes=5)))
    assert market is not None
    broker.submit(order)
    fills = [e for e in broker.drain_events() if isinstance(e, Fill)]
    status = broker.order_status("prop")
    assert status is not None
    if not fills:
        assert status.status is OrderStatus.SUBMITTED
        return
    assert status.status is OrderStatus.FILLED
    net = _net_price(fills, quantity)
    assert market.bid - 1e-6 <= net <= market.ask + 1e-6
    assert net <= limit + 1e-6
    assert status.avg_fill_price is not None
    assert math.isclose(status.avg_fill_price, net, abs_tol=1e-6)

"""The fill model: when a working order trades against the simulated market, and at what price.

Pure functions over a ``ComboMarket``. A taker trades at ``mid +/- slippage x half-spread``
(1.0 = the natural). A limit fills only when its limit reaches that level and then fills at
that level, so at its limit or better; every price is clamped into the combined bid/ask, so
no fill is ever outside the legs' combined market. Per-leg prices are spread across each
leg's own bid/ask so they add up (with ratios and signs) to the combo's net price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from v6.broker.sim.quotes import ComboMarket
from v6.domain.orders import ComboLeg, Order, OrderAction, OrderType

PRICE_EPSILON = 1e-9
"""Tolerance for comparing a limit with a computed level (float sums of several legs)."""


def effective_action(order: Order, leg: ComboLeg) -> OrderAction:
    """Whether ``leg``'s contract is bought or sold when ``order`` fills."""
    same = (order.action is OrderAction.BUY) == (leg.action is OrderAction.BUY)
    return OrderAction.BUY if same else OrderAction.SELL


def pricing_view(order: Order) -> Order:
    """The order as priced: a single-leg order trades its contract in the direction
    order x leg action at its per-share limit; combos price in the legs' own convention
    (IB's BAG semantics: bought legs +, sold legs -)."""
    if order.is_combo or order.legs[0].action is OrderAction.BUY:
        return order
    leg = order.legs[0]
    return replace(
        order,
        action=effective_action(order, leg),
        legs=(ComboLeg(leg.contract, leg.ratio, OrderAction.BUY),),
    )


@dataclass(frozen=True, slots=True)
class FillDecision:
    """Outcome of one evaluation: the net fill price (``None`` = no fill this step) and
    whether a stop order has been triggered (it stays triggered)."""

    price: float | None
    triggered: bool


def taker_level(market: ComboMarket, side: OrderAction, slippage_fraction: float) -> float:
    """The net price a taker gets: from mid toward the natural by ``slippage_fraction`` of the
    half-spread (a buy pays toward the ask, a sell receives toward the bid)."""
    half_spread = market.spread / 2.0
    if side is OrderAction.BUY:
        return market.mid + slippage_fraction * half_spread
    return market.mid - slippage_fraction * half_spread


def limit_fill_price(
    market: ComboMarket, side: OrderAction, limit: float | None, slippage_fraction: float
) -> float | None:
    """Net fill price of a market (``limit=None``) or limit order, ``None`` if not marketable.

    A BUY limit is marketable when ``limit >= taker level`` (with slippage 1.0: when it pays at
    least the combined ask; for a credit combo, when the credit asked is no more than the
    natural credit). The price is never worse than the limit and never outside [bid, ask].
    """
    level = taker_level(market, side, slippage_fraction)
    price = level
    if limit is not None:
        if side is OrderAction.BUY:
            if limit < level - PRICE_EPSILON:
                return None
            price = min(level, limit)
        else:
            if limit > level + PRICE_EPSILON:
                return None
            price = max(level, limit)
    return min(max(price, market.bid), market.ask)


def stop_is_triggered(market: ComboMarket, side: OrderAction, stop_price: float) -> bool:
    """A BUY stop triggers when the combined mid rises to the stop, a SELL stop when it falls
    to it. The mid, not the natural, so one wide quote does not trip a protective stop."""
    if side is OrderAction.BUY:
        return market.mid >= stop_price - PRICE_EPSILON
    return market.mid <= stop_price + PRICE_EPSILON


def evaluate_order(
    order: Order, market: ComboMarket, slippage_fraction: float, triggered: bool
) -> FillDecision:
    """Whether ``order`` trades now. A triggered stop becomes a market order, or a limit order
    at ``limit_price`` if it has one (stop-limit)."""
    if order.order_type is OrderType.STOP:
        stop = order.stop_price
        if stop is None:  # Order refuses this at construction; kept for the type checker.
            return FillDecision(price=None, triggered=False)
        if not triggered and not stop_is_triggered(market, order.action, stop):
            return FillDecision(price=None, triggered=False)
        price = limit_fill_price(market, order.action, order.limit_price, slippage_fraction)
        return FillDecision(price=price, triggered=True)
    limit = order.limit_price if order.order_type is OrderType.LIMIT else None
    return FillDecision(
        price=limit_fill_price(market, order.action, limit, slippage_fraction),
        triggered=triggered,
    )


def leg_prices(
    legs: Sequence[ComboLeg], market: ComboMarket, net_price: float
) -> tuple[float, ...]:
    """Per-share price of each leg for a combo that traded at ``net_price``.

    Every leg sits at the same relative position ``t`` inside its own spread (bought legs at
    ``bid + t x spread``, sold legs at ``ask - t x spread``), which makes the ratio-weighted,
    signed sum equal ``net_price`` and keeps each leg inside its own bid/ask and >= 0.
    """
    spread = market.spread
    t = 1.0 if spread <= 0 else (net_price - market.bid) / spread
    t = min(max(t, 0.0), 1.0)
    prices: list[float] = []
    for leg, quote in zip(legs, market.leg_quotes, strict=True):
        width = quote.ask - quote.bid
        bought = leg.action is OrderAction.BUY
        price = quote.bid + t * width if bought else quote.ask - t * width
        prices.append(min(max(price, quote.bid), quote.ask))
    return tuple(prices)

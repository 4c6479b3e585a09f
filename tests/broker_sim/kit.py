"""Test kit for the paper-broker tests: a dict-backed quote source and factories for
contracts and orders, so each test reads as a trading story."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from v6.domain import (
    ComboLeg,
    OptionContract,
    Order,
    OrderAction,
    OrderType,
    Right,
    TimeInForce,
)
from v6.testing.quotes import DictQuotes

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 10:00 New York
EXPIRY = date(2026, 3, 20)
BUY = OrderAction.BUY
SELL = OrderAction.SELL


def opt(
    strike: float, right: str = "P", expiry: date = EXPIRY, symbol: str = "SPY"
) -> OptionContract:
    return OptionContract(symbol, expiry, float(strike), Right(right))


def single(
    ref: str,
    contract: OptionContract,
    action: OrderAction,
    quantity: int = 1,
    limit: float | None = None,
    *,
    order_type: OrderType | None = None,
    stop: float | None = None,
    tif: TimeInForce = TimeInForce.DAY,
    oca: str | None = None,
) -> Order:
    """A single-leg order: the leg is written as BUY and ``action`` says buy or sell (the
    domain's rule: the traded side is order action x leg action)."""
    if order_type is None:
        order_type = OrderType.LIMIT if limit is not None else OrderType.MARKET
    return Order(
        order_ref=ref,
        intent_id=ref,
        legs=(ComboLeg(contract, 1, BUY),),
        action=action,
        quantity=quantity,
        order_type=order_type,
        limit_price=limit,
        stop_price=stop,
        tif=tif,
        oca_group=oca,
    )


def combo(
    ref: str,
    legs: Sequence[tuple[OptionContract, int, OrderAction]],
    quantity: int = 1,
    limit: float | None = None,
    *,
    action: OrderAction = BUY,
    order_type: OrderType | None = None,
    stop: float | None = None,
    tif: TimeInForce = TimeInForce.DAY,
    oca: str | None = None,
) -> Order:
    if order_type is None:
        order_type = OrderType.LIMIT if limit is not None else OrderType.MARKET
    return Order(
        order_ref=ref,
        intent_id=ref,
        legs=tuple(ComboLeg(c, r, a) for c, r, a in legs),
        action=action,
        quantity=quantity,
        order_type=order_type,
        limit_price=limit,
        stop_price=stop,
        tif=tif,
        oca_group=oca,
    )


# A short iron condor on SPY at 500: long 475P, short 480P, short 520C, long 525C.
P_LONG, P_SHORT, C_SHORT, C_LONG = opt(475, "P"), opt(480, "P"), opt(520, "C"), opt(525, "C")
IC_LEGS = ((P_LONG, 1, BUY), (P_SHORT, 1, SELL), (C_SHORT, 1, SELL), (C_LONG, 1, BUY))
IC_CLOSE_LEGS = ((P_LONG, 1, SELL), (P_SHORT, 1, BUY), (C_SHORT, 1, BUY), (C_LONG, 1, SELL))


def set_condor_quotes(quotes: DictQuotes) -> None:
    """Natural credit 0.80 (combined ask -0.80), mid credit 1.00, combined bid -1.20."""
    quotes.set(P_LONG, 1.00, 1.10)
    quotes.set(P_SHORT, 1.50, 1.60)
    quotes.set(C_SHORT, 1.40, 1.50)
    quotes.set(C_LONG, 0.90, 1.00)

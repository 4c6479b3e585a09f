"""Where the paper broker gets prices, and the combined market of a (combo) order.

The market simulator satisfies ``QuoteSource``; tests use a dict. A combo's market is built
leg by leg in IB's sign convention: bought legs count +ratio x price, sold legs -ratio x price,
so a credit structure has a negative combined bid and ask.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol, runtime_checkable

from v6.domain.contracts import OptionContract
from v6.domain.orders import ComboLeg, OrderAction
from v6.domain.quote import Quote, QuoteValidity


@runtime_checkable
class QuoteSource(Protocol):
    """Prices at the current simulated time. ``None`` = nothing quoted for it now."""

    def quote(self, contract: OptionContract) -> Quote | None:
        """Per-share bid/ask of ``contract`` now."""
        ...

    def underlying_price(self, symbol: str) -> float | None:
        """Last price of the underlying ``symbol`` now."""
        ...


@dataclass(frozen=True, slots=True)
class ComboMarket:
    """Combined bid/ask of an order's legs per combo unit, plus each leg's own quote.

    ``bid <= ask`` always (each leg's quote is valid). For a single leg this is the leg's quote.
    """

    bid: float
    ask: float
    leg_quotes: tuple[Quote, ...]

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2.0

    @property
    def spread(self) -> float:
        return self.ask - self.bid


_UNSEEN: Final = Quote(bid=math.nan, ask=math.nan, ts=datetime.min.replace(tzinfo=UTC))
"""Cache sentinel (a Quote so the cache stays precisely typed; never returned)."""


class TradableQuotes:
    """The quotes that may be traded on at one instant, each contract asked for once: the
    orders of one step share legs (a take-profit and a stop on the same combo), and the
    quote source is the expensive part of evaluating them."""

    __slots__ = ("_cache", "_max_age", "_now", "_source")

    def __init__(self, source: QuoteSource, now: datetime, max_age: timedelta) -> None:
        self._source = source
        self._now = now
        self._max_age = max_age
        self._cache: dict[OptionContract, Quote | None] = {}

    def get(self, contract: OptionContract) -> Quote | None:
        """The contract's quote if it may be traded on (zero bids allowed: far wings have
        them), else None (missing, NaN, negative, no ask, crossed, stale or from the future)."""
        quote = self._cache.get(contract, _UNSEEN)
        if quote is not _UNSEEN:
            return quote
        fresh = self._source.quote(contract)
        if fresh is not None and (
            fresh.validity(self._now, self._max_age, allow_zero_bid=True) is not QuoteValidity.VALID
        ):
            fresh = None
        self._cache[contract] = fresh
        return fresh


def combo_market(legs: Sequence[ComboLeg], quotes: TradableQuotes) -> ComboMarket | None:
    """The combined market of ``legs`` as a BUY of the combo, or ``None`` if any leg lacks a
    tradable quote (then the order must not fill)."""
    bid = 0.0
    ask = 0.0
    leg_quotes: list[Quote] = []
    for leg in legs:
        quote = quotes.get(leg.contract)
        if quote is None:
            return None
        leg_quotes.append(quote)
        if leg.action is OrderAction.BUY:
            bid += leg.ratio * quote.bid
            ask += leg.ratio * quote.ask
        else:
            bid -= leg.ratio * quote.ask
            ask -= leg.ratio * quote.bid
    return ComboMarket(bid=bid, ask=ask, leg_quotes=tuple(leg_quotes))


def mark_price(source: QuoteSource, contract: OptionContract) -> float | None:
    """Mid of the contract's quote if it is finite and not crossed (age not checked: a mark
    for P&L may be old, a price to trade on may not)."""
    quote = source.quote(contract)
    if quote is None:
        return None
    if not (math.isfinite(quote.bid) and math.isfinite(quote.ask)):
        return None
    if quote.bid < 0 or quote.ask <= 0 or quote.bid > quote.ask:
        return None
    return quote.mid

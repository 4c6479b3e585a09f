"""Quotes and their validity.

A quote that is NaN, negative, crossed, without an ask, or older than its freshness limit is
never traded on. ``validity`` says which of those applies so the caller can journal and alert
with a reason instead of a bare "bad data".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from v6.domain.greeks import Greeks


class QuoteValidity(StrEnum):
    VALID = "valid"
    NOT_FINITE = "not_finite"
    NEGATIVE = "negative"
    NO_ASK = "no_ask"
    ZERO_BID = "zero_bid"
    CROSSED = "crossed"
    STALE = "stale"
    FROM_FUTURE = "from_future"


@dataclass(frozen=True, slots=True)
class Quote:
    """Top of book for one instrument (option, underlying or combo), prices per share."""

    bid: float
    ask: float
    ts: datetime
    last: float | None = None
    bid_size: int = 0
    ask_size: int = 0
    source: str = ""
    iv: float | None = None
    greeks: Greeks | None = None
    underlying_price: float | None = None

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2.0

    @property
    def spread(self) -> float:
        return self.ask - self.bid

    @property
    def spread_fraction(self) -> float:
        """Spread as a fraction of mid; ``inf`` when mid is zero."""
        m = self.mid
        return self.spread / m if m > 0 else math.inf

    def validity(
        self, now: datetime, max_age: timedelta, *, allow_zero_bid: bool = False
    ) -> QuoteValidity:
        """The first reason this quote must not be traded on, or ``VALID``."""
        if not (math.isfinite(self.bid) and math.isfinite(self.ask)):
            return QuoteValidity.NOT_FINITE
        if self.bid < 0 or self.ask < 0:
            return QuoteValidity.NEGATIVE
        if self.ask == 0:
            return QuoteValidity.NO_ASK
        if self.bid > self.ask:
            return QuoteValidity.CROSSED
        if self.ts > now:
            return QuoteValidity.FROM_FUTURE
        if now - self.ts > max_age:
            return QuoteValidity.STALE
        if self.bid == 0 and not allow_zero_bid:
            return QuoteValidity.ZERO_BID
        return QuoteValidity.VALID

    def is_valid(self, now: datetime, max_age: timedelta, *, allow_zero_bid: bool = False) -> bool:
        return self.validity(now, max_age, allow_zero_bid=allow_zero_bid) is QuoteValidity.VALID

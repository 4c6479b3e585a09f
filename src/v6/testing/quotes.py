"""A quote source the test sets by hand: what the paper broker and the execution engine read.

Quotes are stamped with the clock's current time unless a timestamp is given, so they stay
fresh as a test advances the clock; a quote is removed to simulate a contract going dark.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from v6.domain import OptionContract, Quote
from v6.ports.clock import Clock


class DictQuotes:
    """Satisfies ``v6.broker.sim.QuoteSource`` and ``v6.execution.ports.QuoteProvider``."""

    def __init__(self, clock: Clock, spots: Mapping[str, float] | None = None) -> None:
        self._clock = clock
        self._quotes: dict[OptionContract, tuple[float, float, datetime | None]] = {}
        self.spots: dict[str, float] = dict(spots or {})

    def set(
        self, contract: OptionContract, bid: float, ask: float, ts: datetime | None = None
    ) -> None:
        self._quotes[contract] = (bid, ask, ts)

    def remove(self, contract: OptionContract) -> None:
        self._quotes.pop(contract, None)

    def quote(self, contract: OptionContract) -> Quote | None:
        entry = self._quotes.get(contract)
        if entry is None:
            return None
        bid, ask, ts = entry
        return Quote(bid=bid, ask=ask, ts=ts if ts is not None else self._clock.now())

    def underlying_price(self, symbol: str) -> float | None:
        return self.spots.get(symbol)

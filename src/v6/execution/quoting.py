"""Quotes the engine may trade on: per-leg validity at decision time (with the reason when a
leg must not be traded) and the net market of a set of legs at any step."""

from __future__ import annotations

from datetime import timedelta

from v6.domain.contracts import OptionContract
from v6.domain.orders import Intent
from v6.domain.quote import QuoteValidity
from v6.domain.strategy import Strategy
from v6.execution.mapping import SignedLegs
from v6.execution.ports import QuoteProvider
from v6.execution.walk import NetMarket, net_market
from v6.ports.clock import Clock


class Pricer:
    """Reads the ``QuoteProvider`` through the validity rules; never trusts a stale, crossed or
    NaN quote."""

    __slots__ = ("_clock", "_max_age", "_quotes")

    def __init__(self, quotes: QuoteProvider, clock: Clock, max_age_seconds: float) -> None:
        self._quotes = quotes
        self._clock = clock
        self._max_age = timedelta(seconds=max_age_seconds)

    def price(self, legs: SignedLegs) -> NetMarket | None:
        """Net market of ``legs`` now, ``None`` if any leg lacks a tradable quote (zero bids
        allowed, as at the exchange: a far wing may be bid at nothing)."""
        now = self._clock.now()
        quotes = []
        for contract, ratio in legs:
            quote = self._quotes.quote(contract)
            if quote is None or not quote.is_valid(now, self._max_age, allow_zero_bid=True):
                return None
            quotes.append((quote, ratio))
        return net_market(quotes)

    def decision_mids(
        self, intent: Intent, strategy: Strategy | None
    ) -> tuple[dict[OptionContract, float], list[str]]:
        """Each leg's mid at decision time, or why a leg must not be traded on. A leg sold to
        open needs a bid; a long being sold to close (an exit, or the old wing of a roll) may
        be bid at zero."""
        now = self._clock.now()
        held_long = (
            {leg.contract for leg in strategy.legs if leg.quantity > 0} if strategy else set()
        )
        mids: dict[OptionContract, float] = {}
        bad: list[str] = []
        for leg in intent.legs:
            quote = self._quotes.quote(leg.contract)
            if quote is None:
                bad.append(f"{leg.contract.key}: no quote")
                continue
            closing = intent.reduces_risk or leg.contract in held_long
            validity = quote.validity(
                now, self._max_age, allow_zero_bid=leg.quantity > 0 or closing
            )
            if validity is not QuoteValidity.VALID:
                bad.append(f"{leg.contract.key}: {validity.value}")
                continue
            mids[leg.contract] = quote.mid
        return mids, bad

"""fetch_chain_snapshot: the one port call of strike selection, against a fake of our own
``MarketData`` port whose answers each test sets."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from v6.domain import Greeks, OptionContract, Quote, Right
from v6.errors import DataQualityError, RetryableError
from v6.ports.market_data import ChainDefinition, MarketData
from v6.strategies import (
    ChainSnapshot,
    IronCondorBuilder,
    Proposal,
    QuoteStatus,
    fetch_chain_snapshot,
)
from v6.strategies.fetch import years_to_expiry
from v6.strategies.synthetic import synthetic_chain

NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
MAX_AGE = timedelta(seconds=10)


@dataclass
class FakeMarket:
    """Answers from dicts; ``None`` fields make the matching request fail."""

    definition: ChainDefinition | None
    underlying: Quote | None
    quotes: dict[str, Quote] | None = field(default_factory=dict)
    requested: list[OptionContract] = field(default_factory=list)

    async def qualify(self, contracts: Sequence[OptionContract]) -> list[OptionContract] | None:
        return list(contracts)

    async def chain(self, symbol: str) -> ChainDefinition | None:
        return self.definition

    async def underlying_quote(self, symbol: str) -> Quote | None:
        return self.underlying

    async def option_quotes(
        self, contracts: Sequence[OptionContract]
    ) -> Mapping[str, Quote] | None:
        self.requested.extend(contracts)
        if self.quotes is None:
            return None
        return {c.key: self.quotes[c.key] for c in contracts if c.key in self.quotes}

    async def subscribe(self, contracts: Sequence[OptionContract]) -> int | None:
        return len(contracts)

    async def unsubscribe(self, contracts: Sequence[OptionContract]) -> None:
        return None


def _market_from_synthetic() -> FakeMarket:
    """A fake serving the synthetic SPY chain as IB would: quotes with IV and model Greeks."""
    chain = synthetic_chain(days=(4, 32, 39, 74))
    strikes: dict[date, tuple[float, ...]] = {}
    quotes: dict[str, Quote] = {}
    for e in chain.expiries:
        strikes[e.expiry] = tuple(float(k) for k in e.strikes)
        for right in (Right.CALL, Right.PUT):
            side = e.side(right)
            for i in range(e.strikes.size):
                c = e.contract("SPY", i, right)
                quotes[c.key] = Quote(
                    float(side.bid[i]),
                    float(side.ask[i]),
                    NOW,
                    iv=float(side.iv[i]),
                    greeks=side.greeks(i),
                )
    definition = ChainDefinition("SPY", tuple(strikes), strikes)
    return FakeMarket(definition, Quote(559.99, 560.01, NOW), quotes)


def _fetch(market: MarketData, **kw: Any) -> ChainSnapshot:
    args: dict[str, Any] = {
        "now": NOW,
        "dte_min": 21,
        "dte_max": 45,
        "rate": 0.045,
        "dividend_yield": 0.013,
        "quote_max_age": MAX_AGE,
        "max_moneyness": 0.1,
    }
    args.update(kw)
    return asyncio.run(fetch_chain_snapshot(market, "SPY", **args))


@pytest.mark.asyncio
async def test_snapshot_holds_only_the_window_and_the_moneyness_range() -> None:
    market = _market_from_synthetic()
    chain = await fetch_chain_snapshot(
        market,
        "SPY",
        now=NOW,
        dte_min=21,
        dte_max=45,
        rate=0.045,
        dividend_yield=0.013,
        quote_max_age=MAX_AGE,
        max_moneyness=0.1,
    )
    assert [chain.dte(e) for e in chain.expiries] == [32, 39]
    assert chain.spot == pytest.approx(560.0)
    for e in chain.expiries:
        assert e.strikes.min() >= 560.0 * 0.9 - 1e-9
        assert e.strikes.max() <= 560.0 * 1.1 + 1e-9
        assert e.call.valid.all()
        assert e.put.valid.all()
        assert e.t_years == pytest.approx(years_to_expiry(e.expiry, NOW))
    # Only what the snapshot holds was requested: both rights of every kept strike.
    assert len(market.requested) == chain.option_count
    result = IronCondorBuilder().build(chain)
    assert isinstance(result, Proposal)


@pytest.mark.asyncio
async def test_missing_and_stale_quotes_keep_their_status() -> None:
    market = _market_from_synthetic()
    assert market.quotes is not None
    assert market.definition is not None
    expiry = market.definition.expiries[1]
    gone = OptionContract("SPY", expiry, 530.0, Right.PUT)
    old = OptionContract("SPY", expiry, 531.0, Right.PUT)
    del market.quotes[gone.key]
    q = market.quotes[old.key]
    market.quotes[old.key] = Quote(q.bid, q.ask, NOW - timedelta(minutes=5), iv=q.iv)
    chain = await fetch_chain_snapshot(
        market,
        "SPY",
        now=NOW,
        dte_min=21,
        dte_max=45,
        rate=0.045,
        dividend_yield=0.013,
        quote_max_age=MAX_AGE,
    )
    e = next(x for x in chain.expiries if x.expiry == expiry)
    status = dict(zip(e.strikes.tolist(), e.put.status.tolist(), strict=True))
    assert status[530.0] == QuoteStatus.MISSING
    assert status[531.0] == QuoteStatus.STALE
    assert status[532.0] == QuoteStatus.VALID
    assert np.isnan(e.put.open_interest).all()  # the port does not report open interest


@pytest.mark.asyncio
async def test_quote_greeks_from_the_source_are_used_as_given() -> None:
    market = _market_from_synthetic()
    assert market.quotes is not None
    assert market.definition is not None
    expiry = market.definition.expiries[1]
    c = OptionContract("SPY", expiry, 540.0, Right.PUT)
    q = market.quotes[c.key]
    market.quotes[c.key] = Quote(q.bid, q.ask, NOW, iv=q.iv, greeks=Greeks(-0.3333, 0.01, -1, 1))
    chain = await fetch_chain_snapshot(
        market,
        "SPY",
        now=NOW,
        dte_min=21,
        dte_max=45,
        rate=0.045,
        dividend_yield=0.013,
        quote_max_age=MAX_AGE,
    )
    e = next(x for x in chain.expiries if x.expiry == expiry)
    i = int(np.flatnonzero(e.strikes == 540.0)[0])
    assert e.put.delta[i] == -0.3333


@pytest.mark.parametrize("broken", ["definition", "underlying", "quotes"])
def test_a_failed_request_is_retryable(broken: str) -> None:
    market = _market_from_synthetic()
    setattr(market, broken, None)
    with pytest.raises(RetryableError, match="SPY"):
        _fetch(market)


def test_an_untradable_underlying_quote_is_refused() -> None:
    market = _market_from_synthetic()
    market.underlying = Quote(560.5, 560.0, NOW)  # crossed
    with pytest.raises(DataQualityError, match="crossed"):
        _fetch(market)
    market.underlying = Quote(559.99, 560.01, NOW - timedelta(minutes=1))
    with pytest.raises(DataQualityError, match="stale"):
        _fetch(market)


def test_no_expiry_in_the_window_gives_an_empty_snapshot() -> None:
    market = _market_from_synthetic()
    chain = _fetch(market, dte_min=100, dte_max=200)
    assert chain.expiries == ()
    assert market.requested == []

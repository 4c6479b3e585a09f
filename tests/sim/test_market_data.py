"""SimMarketData: the simulator through the MarketData port, as the engine sees it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TypeVar

from v6.domain.contracts import OptionContract, Right
from v6.ports.market_data import MarketData
from v6.sim.config import SimConfig
from v6.sim.market import MarketSimulator
from v6.sim.market_data import SimMarketData
from v6.sim.recorded import con_id_for

T = TypeVar("T")


def run(coro: Coroutine[object, object, T]) -> T:
    return asyncio.run(coro)


def make() -> SimMarketData:
    return SimMarketData(MarketSimulator(SimConfig(seed=3), max_days=2), max_lines=5)


def test_it_is_a_market_data_port() -> None:
    assert isinstance(make(), MarketData)


def test_every_query_fails_cleanly_before_the_market_starts() -> None:
    md = make()
    c = OptionContract(
        "SPY", md.simulator.calendar.next_session(md.simulator.cfg.start_date), 500.0, Right.PUT
    )
    assert run(md.chain("SPY")) is None
    assert run(md.underlying_quote("SPY")) is None
    assert run(md.option_quotes([c])) is None
    assert run(md.qualify([c])) is None


def test_chain_qualify_and_quotes_round_trip() -> None:
    md = make()
    state = md.simulator.advance()
    assert state is not None
    chain = run(md.chain("IWM"))
    assert chain is not None
    assert chain.symbol == "IWM"
    assert run(md.chain("XYZ")) is None
    expiry = chain.expiries[2]
    strikes = chain.strikes[expiry]
    contracts = [OptionContract("IWM", expiry, k, Right.PUT) for k in strikes[:3]]
    bogus = OptionContract("IWM", expiry, strikes[0] + 0.37, Right.PUT)
    qualified = run(md.qualify([*contracts, bogus]))
    assert qualified == contracts
    assert qualified is not None
    assert [q.con_id for q in qualified] == [con_id_for(c.key) for c in contracts]
    quotes = run(md.option_quotes(qualified))
    assert quotes is not None
    assert set(quotes) == {c.key for c in contracts}
    assert all(q.ts == state.ts for q in quotes.values())
    under = run(md.underlying_quote("IWM"))
    assert under is not None
    assert under.last == state.spots["IWM"]


def test_streaming_lines_are_limited_like_ib() -> None:
    md = make()
    md.simulator.advance()
    chain = run(md.chain("SPY"))
    assert chain is not None
    expiry = chain.expiries[1]
    contracts = [OptionContract("SPY", expiry, k, Right.CALL) for k in chain.strikes[expiry][:7]]
    assert run(md.subscribe(contracts[:5])) == 5
    assert run(md.subscribe(contracts[5:6])) is None
    assert md.lines_in_use == 5
    run(md.unsubscribe(contracts[:2]))
    run(md.unsubscribe([OptionContract("SPY", expiry, 1.0, Right.PUT)]))  # unknown: no error
    assert run(md.subscribe(contracts[5:7])) == 5

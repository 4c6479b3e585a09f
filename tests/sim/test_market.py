"""The MarketSimulator façade: stepping, listings, quotes, determinism, faults wiring."""

from __future__ import annotations

import hashlib
import itertools
from datetime import date, timedelta

import numpy as np
import pytest

from v6.domain.contracts import OptionContract, Right
from v6.domain.quote import QuoteValidity
from v6.errors import DomainError
from v6.sim.chain import QuoteBatch
from v6.sim.config import SimConfig
from v6.sim.faults import FaultConfig
from v6.sim.market import MarketSimulator


def make(seed: int = 7, days: int = 3, **kw: object) -> MarketSimulator:
    return MarketSimulator(SimConfig(seed=seed), max_days=days, **kw)  # type: ignore[arg-type]


def digest(b: QuoteBatch) -> str:
    h = hashlib.sha256()
    for arr in (b.bid, b.ask, b.bid_size, b.ask_size, b.iv, b.delta, b.theta_per_day):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def test_reading_before_advance_is_an_error() -> None:
    sim = make()
    assert not sim.started
    assert sim.underlying_price("SPY") is None
    with pytest.raises(DomainError):
        sim.now()


def test_steps_cover_the_sessions_and_then_stop() -> None:
    sim = make(days=2)
    states = list(sim)
    days = sorted({s.session_day for s in states})
    assert len(days) == 2
    per_day = len(states) // 2
    assert per_day == 79  # 09:30 .. 16:00 every 5 minutes
    assert all(b.ts > a.ts for a, b in itertools.pairwise(states))
    assert sim.advance() is None


def test_chains_are_listed_at_the_open_for_every_underlying() -> None:
    sim = make()
    state = sim.advance()
    assert state is not None
    for symbol, spot in state.spots.items():
        chain = sim.chain(symbol)
        assert chain is not None
        assert chain.symbol == symbol
        assert chain.expiries[0] >= state.session_day
        assert (chain.expiries[0] - state.session_day).days <= 7
        assert (chain.expiries[-1] - state.session_day).days > 60
        near = [k for k in chain.strikes[chain.expiries[0]] if abs(k - spot) < 0.05 * spot]
        assert near
        assert all(k == int(k) for k in near)
    grid = sim.chain_grid("SPY")
    assert grid is not None
    assert len(grid) == sim.listings.contract_count("SPY")


def test_same_seed_gives_byte_identical_quotes_and_other_seeds_do_not() -> None:
    def run(seed: int) -> list[str]:
        sim = make(seed=seed, days=2)
        out = []
        for i, _ in enumerate(sim):
            if i % 40 == 0:
                for symbol in ("SPY", "QQQ", "IWM"):
                    batch = sim.quote_chain(symbol)
                    assert batch is not None
                    out.append(digest(batch))
        return out

    a, b, c = run(11), run(11), run(12)
    assert a == b
    assert a != c


def test_single_quotes_match_the_chain_scan_and_are_cached_per_step() -> None:
    sim = make()
    sim.advance()
    batch = sim.quote_chain("QQQ")
    grid = sim.chain_grid("QQQ")
    assert batch is not None
    assert grid is not None
    rows = [0, len(grid) // 3, len(grid) // 2, len(grid) - 1]
    contracts = [grid.contract(i) for i in rows]
    quotes = sim.option_quotes(contracts)
    for i, c in zip(rows, contracts, strict=True):
        assert quotes[c.key] == batch.quote(i)
        assert sim.quote(c) is quotes[c.key]  # the broker sees the very same object
    sim.advance()
    moved = sim.quote(contracts[1])
    assert moved is not None
    assert moved.ts > quotes[contracts[1].key].ts


def test_quotes_hold_iv_greeks_and_a_valid_market() -> None:
    sim = make()
    state = sim.advance()
    assert state is not None
    chain = sim.chain("SPY")
    assert chain is not None
    expiry = min(chain.expiries, key=lambda e: abs((e - state.session_day).days - 35))
    spot = state.spots["SPY"]
    strike = min(chain.strikes[expiry], key=lambda k: abs(k - spot))
    put = OptionContract("SPY", expiry, strike, Right.PUT)
    q = sim.quote(put)
    assert q is not None
    assert q.greeks is not None
    assert q.iv is not None
    assert q.validity(state.ts, timedelta(seconds=30)) is QuoteValidity.VALID
    assert -0.6 < q.greeks.delta < -0.4
    assert q.greeks.theta_per_day < 0 < q.greeks.vega_per_vol_point
    assert q.iv == pytest.approx(state.expected_vol_30d["SPY"], rel=0.25)
    assert q.underlying_price == spot


def test_unlisted_unknown_and_expired_contracts_are_absent() -> None:
    sim = make(days=10)
    state = sim.advance()
    assert state is not None
    chain = sim.chain("SPY")
    assert chain is not None
    first = chain.expiries[0]
    listed = OptionContract("SPY", first, float(round(state.spots["SPY"])), Right.CALL)
    off_grid = OptionContract("SPY", first, round(state.spots["SPY"]) + 0.5, Right.CALL)
    unknown = OptionContract("XYZ", first, 100.0, Right.CALL)
    not_an_expiry = OptionContract("SPY", date(2031, 1, 3), 500.0, Right.CALL)
    quotes = sim.option_quotes([listed, off_grid, unknown, not_an_expiry])
    assert set(quotes) == {listed.key}
    assert sim.quote(unknown) is None
    # Step past the first expiry's close: it is no longer quoted.
    while (st := sim.advance()) is not None and st.session_day <= first:
        pass
    assert st is not None
    assert sim.quote(listed) is None


def test_underlying_quote_is_a_tight_market_around_spot() -> None:
    sim = make()
    state = sim.advance()
    assert state is not None
    for symbol, spot in state.spots.items():
        q = sim.underlying_quote(symbol)
        assert q is not None
        assert q.bid <= spot <= q.ask + 0.01
        assert 0.01 - 1e-9 <= q.spread <= 0.10
        assert sim.underlying_price(symbol) == spot
    assert sim.underlying_quote("XYZ") is None


def test_feed_gaps_reach_the_simulator_quotes() -> None:
    faults = FaultConfig(feed_gap_rate=1.0)
    sim = make(faults=faults)
    sim.advance()
    grid = sim.chain_grid("SPY")
    assert grid is not None
    assert sim.underlying_quote("SPY") is None
    assert sim.underlying_price("SPY") is None
    assert sim.option_quotes([grid.contract(5)]) == {}


def test_faults_default_to_the_sim_config_and_are_off() -> None:
    sim = make()
    assert not sim.faults.enabled
    cfg = SimConfig(faults=FaultConfig(zero_bid_rate=0.5))
    assert MarketSimulator(cfg, max_days=1).faults.enabled


def test_quotes_at_an_explicit_past_state_do_not_touch_the_step_cache() -> None:
    sim = make()
    first = sim.advance()
    assert first is not None
    grid = sim.chain_grid("SPY")
    assert grid is not None
    contract = grid.contract(100)
    sim.advance()
    old = sim.option_quotes([contract], first)[contract.key]
    assert old.ts == first.ts
    now = sim.quote(contract)
    assert now is not None
    assert now.ts == sim.now()


def test_the_simulator_is_the_paper_brokers_quote_source() -> None:
    from v6.broker.sim.quotes import QuoteSource

    sim = make()
    sim.advance()
    assert isinstance(sim, QuoteSource)


def test_a_chain_sized_request_stays_lazy_and_feeds_the_step_cache() -> None:
    sim = make()
    sim.advance()
    grid = sim.chain_grid("IWM")
    assert grid is not None
    contracts = [grid.contract(i) for i in range(len(grid))]
    quotes = sim.option_quotes(contracts)
    assert len(quotes) == len(contracts)
    some = contracts[len(contracts) // 2]
    assert sim.quote(some) is quotes[some.key]

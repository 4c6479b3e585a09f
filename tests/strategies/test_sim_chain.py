"""Builders and the selector on the simulator's chains, read through the same ``MarketData``
port the engine uses (``SimMarketData``), as the entry workflow will."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from v6.domain import Regime
from v6.pricing import bsm_greeks
from v6.sim.market import MarketSimulator
from v6.sim.market_data import SimMarketData
from v6.strategies import (
    ChainSnapshot,
    IronCondorBuilder,
    MarketContext,
    Proposal,
    StrategySelector,
    fetch_chain_snapshot,
)


@pytest.fixture(scope="module")
def sim() -> MarketSimulator:
    market = MarketSimulator(max_days=1)
    assert market.advance() is not None
    return market


async def _snapshot(sim: MarketSimulator, symbol: str) -> ChainSnapshot:
    return await fetch_chain_snapshot(
        SimMarketData(sim),
        symbol,
        now=sim.now(),
        dte_min=21,
        dte_max=45,
        rate=sim.cfg.risk_free_rate,
        dividend_yield=sim.dividend_yield(symbol),
        quote_max_age=timedelta(seconds=10),
    )


@pytest.mark.asyncio
async def test_condor_on_the_simulated_spy_chain(sim: MarketSimulator) -> None:
    chain = await _snapshot(sim, "SPY")
    assert chain.expiries
    assert all(21 <= chain.dte(e) <= 45 for e in chain.expiries)
    result = IronCondorBuilder().build(chain)
    assert isinstance(result, Proposal), result
    s = result.strategy
    strikes = sorted(leg.contract.strike for leg in s.legs)
    assert strikes == sorted(strikes)
    # Every leg is a listed contract, quoted by the simulator at the mid we open it at.
    quotes = sim.option_quotes([leg.contract for leg in s.legs])
    for leg in s.legs:
        assert sim.is_listed(leg.contract)
        q = quotes[leg.contract.key]
        assert leg.open_price == pytest.approx((q.bid + q.ask) / 2, abs=1e-9)
    # The short legs' deltas are the simulator's own model deltas, within tolerance.
    for leg in (x for x in s.legs if x.is_short):
        q = quotes[leg.contract.key]
        assert q.greeks is not None
        name = "call" if leg.contract.is_call else "put"
        target = float(s.metadata[f"target_delta_{name}"])
        assert abs(abs(q.greeks.delta) - target) <= 0.05
    assert result.max_loss == pytest.approx((result.width - result.credit_mid) * 100, abs=1e-6)


@pytest.mark.asyncio
async def test_selector_on_every_simulated_underlying(sim: MarketSimulator) -> None:
    selector = StrategySelector()
    for symbol in sim.symbols:
        chain = await _snapshot(sim, symbol)
        result = selector.select(chain, MarketContext(Regime.NORMAL))
        assert result.reason
        assert len(result.candidates) == 5
        if result.chosen is not None:
            assert all(sim.is_listed(leg.contract) for leg in result.chosen.strategy.legs)


@pytest.mark.asyncio
async def test_simulator_deltas_agree_with_the_pricing_kernel(
    sim: MarketSimulator,
) -> None:
    chain = await _snapshot(sim, "QQQ")
    e = chain.expiries[0]
    # The simulator quotes IVs and Greeks; recomputing from its IVs gives the same deltas.
    ok = e.put.valid
    ref = bsm_greeks(
        chain.spot, e.strikes, e.t_years, chain.rate, chain.dividend_yield, e.put.iv, False
    )
    assert np.allclose(e.put.delta[ok], ref.delta[ok], atol=2e-3)

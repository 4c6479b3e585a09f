"""Injected data faults: off by default, at the configured rates when on, seeded."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from pydantic import ValidationError

from v6.domain.quote import QuoteValidity
from v6.sim.chain import QuoteBatch, quote_options
from v6.sim.faults import FaultConfig, FaultInjector
from v6.sim.surface import DEFAULT_VOL_PARAMS, build_surface

TS0 = datetime(2026, 3, 30, 14, 0, tzinfo=UTC)
N = 4000
RNG = np.random.default_rng(3)
STRIKES = np.round(RNG.uniform(450, 650, N))
IS_CALL = RNG.random(N) < 0.5
EXPIRY = np.full(N, datetime(2026, 5, 15).toordinal(), dtype=np.int64) + RNG.integers(0, 30, N)
SURFACE = build_surface(DEFAULT_VOL_PARAMS["SPY"], 0.16, "NORMAL")


def batch(ts: datetime, faults: FaultInjector | None, seed: int = 5) -> QuoteBatch:
    return quote_options(
        symbol="SPY",
        ts=ts,
        spot=560.0,
        rate=0.04,
        div_yield=0.013,
        surface=SURFACE,
        expiry_ordinal=EXPIRY,
        t_years=np.full(N, 0.12),
        strike=STRIKES,
        is_call=IS_CALL,
        seed=seed,
        faults=faults,
    )


def validity_counts(b: QuoteBatch) -> dict[QuoteValidity, int]:
    counts: dict[QuoteValidity, int] = {}
    for i in range(len(b)):
        v = b.quote(i).validity(b.ts, timedelta(seconds=60), allow_zero_bid=False)
        counts[v] = counts.get(v, 0) + 1
    return counts


def test_faults_are_off_by_default() -> None:
    cfg = FaultConfig()
    assert not cfg.enabled
    b = batch(TS0, FaultInjector(cfg, seed=1))
    assert b.available
    assert not b.greeks_missing.any()
    assert not b.age_seconds.any()
    assert np.all(b.bid <= b.ask)
    # With no faults only genuinely worthless far-OTM options have a zero bid.
    assert np.all(b.bid[b.theo > 0.02] > 0)


@pytest.mark.parametrize(
    ("field", "validity"),
    [
        ("stale_quote_rate", QuoteValidity.STALE),
        ("zero_bid_rate", QuoteValidity.ZERO_BID),
        ("crossed_market_rate", QuoteValidity.CROSSED),
    ],
)
def test_each_fault_appears_at_its_rate(field: str, validity: QuoteValidity) -> None:
    rate = 0.05
    injector = FaultInjector(FaultConfig.model_validate({field: rate}), seed=1)
    clean = batch(TS0, None)
    worthless = int(np.sum(clean.bid == 0))  # genuine zero bids, present without faults
    hits = 0
    total = 0
    for step in range(3):
        b = batch(TS0 + timedelta(minutes=5 * step), injector)
        counts = validity_counts(b)
        hits += counts.get(validity, 0)
        total += len(b)
        if validity is QuoteValidity.ZERO_BID:
            # Genuinely worthless quotes already have a zero bid; the fault can hit the rest.
            hits -= worthless
            total -= worthless
    sigma = math.sqrt(total * rate * (1 - rate))
    assert abs(hits - total * rate) < 5 * sigma


def test_missing_greeks_at_rate() -> None:
    rate = 0.1
    b = batch(TS0, FaultInjector(FaultConfig(missing_greeks_rate=rate), seed=2))
    missing = sum(1 for i in range(len(b)) if b.quote(i).greeks is None)
    assert abs(missing - N * rate) < 5 * math.sqrt(N * rate * (1 - rate))
    q = b.quote(int(np.flatnonzero(b.greeks_missing)[0]))
    assert q.greeks is None
    assert q.iv is None


def test_stale_quotes_carry_an_old_timestamp() -> None:
    cfg = FaultConfig(stale_quote_rate=0.2, stale_age_seconds=600)
    b = batch(TS0, FaultInjector(cfg, seed=2))
    i = int(np.flatnonzero(b.age_seconds > 0)[0])
    assert b.quote(i).ts == TS0 - timedelta(seconds=600)


def test_feed_gaps_cover_the_configured_share_of_windows() -> None:
    cfg = FaultConfig(feed_gap_rate=0.1, feed_gap_minutes=10)
    injector = FaultInjector(cfg, seed=4)
    minutes = range(0, 60 * 24 * 60, 10)  # 60 days of 10-minute windows
    gaps = [injector.in_feed_gap("SPY", TS0 + timedelta(minutes=m)) for m in minutes]
    share = sum(gaps) / len(gaps)
    assert abs(share - 0.1) < 5 * math.sqrt(0.1 * 0.9 / len(gaps))
    # A gap lasts its whole window: every minute inside the first gap is in the gap.
    first = next(m for m, g in zip(minutes, gaps, strict=True) if g)
    assert all(injector.in_feed_gap("SPY", TS0 + timedelta(minutes=first + d)) for d in range(10))
    # Symbols fail independently.
    qqq = [injector.in_feed_gap("QQQ", TS0 + timedelta(minutes=m)) for m in minutes]
    assert qqq != gaps
    gap_batch = batch(TS0 + timedelta(minutes=first), injector)
    assert not gap_batch.available


def test_faults_are_seeded_and_reproducible() -> None:
    cfg = FaultConfig(stale_quote_rate=0.1, zero_bid_rate=0.1, crossed_market_rate=0.1)
    a = batch(TS0, FaultInjector(cfg, seed=9))
    b = batch(TS0, FaultInjector(cfg, seed=9))
    c = batch(TS0, FaultInjector(cfg, seed=10))
    assert np.array_equal(a.bid, b.bid)
    assert np.array_equal(a.age_seconds, b.age_seconds)
    assert not np.array_equal(a.bid, c.bid)
    # seed_offset gives another independent draw with the same market seed.
    d = batch(TS0, FaultInjector(cfg.model_copy(update={"seed_offset": 1}), seed=9))
    assert not np.array_equal(a.bid, d.bid)


def test_rates_are_validated() -> None:
    with pytest.raises(ValidationError):
        FaultConfig(zero_bid_rate=1.5)
    with pytest.raises(ValidationError):
        FaultConfig(stale_quote_rate=-0.1)

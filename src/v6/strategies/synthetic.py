"""Synthetic chain snapshots with a skewed smile, for tests, benchmarks and demos: BSM prices
from ``v6.pricing`` at a quadratic smile in standardised moneyness, quoted on a tick grid with
a bid/ask spread, so strike selection can be checked against known deltas and skew ratios.

Smile: ``vol = atm_vol + skew * m + smile * m**2`` with ``m = ln(K/F) / sqrt(T)``; puts'
IVs are further multiplied by ``put_vol_scale`` (1.25 with a flat smile gives a put/call
ratio of exactly 1.25).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np

from v6.domain.contracts import Right
from v6.pricing import bsm_price
from v6.strategies.chain import (
    SIDE_FIELDS,
    ChainSnapshot,
    ExpiryChain,
    FloatArray,
    SideQuotes,
    snapshot,
    status_from_arrays,
)

DEFAULT_TS = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # a Monday, 10:00 New York
DEFAULT_DAYS: tuple[int, ...] = (4, 11, 18, 25, 32, 39, 46, 53, 74, 102)


def smile_vols(
    strikes: FloatArray,
    forward: float,
    t_years: float,
    atm_vol: float,
    skew: float,
    smile: float,
) -> FloatArray:
    """The quadratic smile at ``strikes``, floored at 1 % vol."""
    m = np.log(strikes / forward) / math.sqrt(max(t_years, 1e-6))
    vols: FloatArray = np.maximum(atm_vol + skew * m + smile * m * m, 0.01)
    return vols


def synthetic_chain(
    *,
    symbol: str = "SPY",
    spot: float = 560.0,
    ts: datetime = DEFAULT_TS,
    rate: float = 0.045,
    dividend_yield: float = 0.013,
    days: Sequence[int] = DEFAULT_DAYS,
    strike_step: float = 1.0,
    n_strikes: int = 241,
    atm_vol: float = 0.18,
    skew: float = -0.15,
    smile: float = 0.10,
    put_vol_scale: float = 1.0,
    spread_fraction: float = 0.04,
    min_spread: float = 0.02,
    tick: float = 0.01,
    quote_iv: bool = True,
    complete: bool = True,
    open_interest: float | None = 5000.0,
) -> ChainSnapshot:
    """A completed ``ChainSnapshot``: ``n_strikes`` strikes ``strike_step`` apart centred on
    spot for each of ``days`` (calendar days after ``ts``'s date), bid/ask around the BSM
    price (``max(min_spread, spread_fraction * price)`` wide, on the tick grid; a bid below
    one tick is 0). ``quote_iv`` puts the model IVs in the quotes (as IB does), else they are
    solved from mids; ``complete=False`` leaves IVs/Greeks unfilled (``fill_missing_greeks``).
    """
    centre = round(spot / strike_step) * strike_step
    grid: FloatArray = (
        centre + (np.arange(n_strikes, dtype=np.float64) - n_strikes // 2) * strike_step
    )
    strikes: FloatArray = np.round(grid[grid > 0], 6)
    expiries: list[ExpiryChain] = []
    today = ts.date()
    for d in days:
        t = d / 365.0
        fwd = spot * math.exp((rate - dividend_yield) * t)
        base = smile_vols(strikes, fwd, t, atm_vol, skew, smile)
        sides = []
        for is_call, scale in ((True, 1.0), (False, put_vol_scale)):
            vol = base * scale
            price = bsm_price(spot, strikes, t, rate, dividend_yield, vol, is_call)
            half = np.maximum(min_spread, spread_fraction * price) / 2.0
            bid = np.floor((price - half) / tick + 1e-9) * tick
            bid = np.where(bid < tick, 0.0, np.round(bid, 2))
            ask = np.round(np.ceil((price + half) / tick - 1e-9) * tick, 2)
            side = SideQuotes.from_prices(
                bid,
                ask,
                status_from_arrays(bid, ask),
                iv=vol.copy() if quote_iv else None,
                open_interest=None
                if open_interest is None
                else np.full(strikes.size, float(open_interest)),
            )
            sides.append(side)
        expiries.append(
            ExpiryChain(today + timedelta(days=d), t, strikes.copy(), sides[0], sides[1])
        )
    return snapshot(symbol, spot, ts, rate, dividend_yield, expiries, complete=complete)


def edit_quotes(
    chain: ChainSnapshot,
    expiry: date,
    right: Right,
    strikes: Sequence[float],
    **fields: float | int,
) -> ChainSnapshot:
    """A copy of ``chain`` with ``fields`` (``bid``, ``ask``, ``iv``, ``delta``, ``status``,
    ``open_interest``, ...) set at ``strikes`` of one expiry and right: how tests make one
    quote stale, crossed or illiquid."""
    unknown = set(fields) - set(SIDE_FIELDS)
    if unknown:
        raise ValueError(f"unknown quote fields {sorted(unknown)}")
    expiries = []
    for e in chain.expiries:
        if e.expiry == expiry:
            rows = np.flatnonzero(np.isin(e.strikes, np.asarray(strikes, dtype=np.float64)))
            side = e.side(right)
            arrays = {name: getattr(side, name).copy() for name in SIDE_FIELDS}
            for name, value in fields.items():
                arrays[name][rows] = value
            new_side = SideQuotes(**arrays)
            edited = replace(e, call=new_side) if right is Right.CALL else replace(e, put=new_side)
            expiries.append(edited)
        else:
            expiries.append(e)
    return replace(chain, expiries=tuple(expiries))

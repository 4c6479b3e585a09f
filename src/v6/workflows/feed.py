"""What the workflows read about the market: spots, the VIX, option quotes for held contracts
and chain snapshots for entry scans, behind one small port (``MarketFeed``).

``SimFeed`` serves the simulator. Its chain snapshot is the vectorised equivalent of
``v6.strategies.fetch_chain_snapshot`` over the ``MarketData`` port (same expiries, strikes,
spot, statuses and IVs; a test checks they agree) without building a ``Quote`` object per
option: a scan of ~1,200 options costs array math instead of ~20 ms of objects. An IB feed
implements the same port over the IB adapter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

import numpy as np

from v6.domain.contracts import OptionContract
from v6.domain.quote import Quote, QuoteValidity
from v6.sim.market import MarketSimulator
from v6.strategies.chain import (
    EXCHANGE_TZ,
    ChainSnapshot,
    ExpiryChain,
    QuoteStatus,
    SideQuotes,
    snapshot,
    status_from_arrays,
)
from v6.strategies.fetch import years_to_expiry

CHUNK = 256
"""Contracts per simulator request (its bulk-conversion size, ``LazyQuoteMap.BULK_ROWS``)."""


class MarketFeed(Protocol):
    """The market as the engine reads it. ``None`` = not available now (feed gap, failure)."""

    @property
    def rate(self) -> float:
        """Risk-free rate (continuous, annual) used for pricing."""
        ...

    def dividend_yield(self, symbol: str) -> float: ...

    def spot(self, symbol: str) -> float | None:
        """The underlying's price now."""
        ...

    def vix(self) -> float | None:
        """VIX level now (index points)."""
        ...

    def quotes(self, contracts: Sequence[OptionContract]) -> Mapping[str, Quote]:
        """Quotes by contract key (absent: no quote); validity is checked by the caller."""
        ...

    def quote(self, contract: OptionContract) -> Quote | None:
        """One contract's quote (the execution engine's ``QuoteProvider``)."""
        ...

    def chain_snapshot(
        self,
        symbol: str,
        now: datetime,
        *,
        dte_min: int,
        dte_max: int,
        quote_max_age: timedelta,
        max_moneyness: float,
    ) -> ChainSnapshot | None:
        """Expiries with ``dte_min..dte_max`` days left, strikes within the moneyness range,
        both rights, completed Greeks; ``None`` when the underlying has no tradable quote."""
        ...


class SimFeed:
    """``MarketFeed`` over a ``MarketSimulator`` at its current step."""

    __slots__ = ("sim",)

    def __init__(self, sim: MarketSimulator) -> None:
        self.sim = sim

    @property
    def rate(self) -> float:
        return self.sim.cfg.risk_free_rate

    def dividend_yield(self, symbol: str) -> float:
        return self.sim.dividend_yield(symbol)

    def spot(self, symbol: str) -> float | None:
        """The underlying's last price (``None`` while its feed is down)."""
        return self.sim.underlying_price(symbol)

    def vix(self) -> float | None:
        if not self.sim.started:
            return None
        v = self.sim.state.vix
        return v if math.isfinite(v) and v > 0 else None

    def quotes(self, contracts: Sequence[OptionContract]) -> Mapping[str, Quote]:
        """Every contract's quote, built now. Requested in chunks the simulator converts to
        ``Quote`` objects in bulk (a larger request is built lazily, one object per read,
        which costs a monitoring cycle over a big book about twice as much)."""
        if not contracts or not self.sim.started:
            return {}
        if len(contracts) <= CHUNK:
            return self.sim.option_quotes(contracts)
        out: dict[str, Quote] = {}
        for lo in range(0, len(contracts), CHUNK):
            out.update(self.sim.option_quotes(contracts[lo : lo + CHUNK]))
        return out

    def quote(self, contract: OptionContract) -> Quote | None:
        if not self.sim.started:
            return None
        return self.sim.quote(contract)

    def underlying_price(self, symbol: str) -> float | None:
        """The paper broker's ``QuoteSource`` side (settlement and margin)."""
        return self.sim.underlying_price(symbol)

    def chain_snapshot(
        self,
        symbol: str,
        now: datetime,
        *,
        dte_min: int,
        dte_max: int,
        quote_max_age: timedelta,
        max_moneyness: float,
    ) -> ChainSnapshot | None:
        sim = self.sim
        if not sim.started:
            return None
        under = sim.underlying_quote(symbol)
        grid = sim.chain_grid(symbol)
        if under is None or grid is None:
            return None
        if under.validity(now, quote_max_age) is not QuoteValidity.VALID:
            return None
        spot = under.mid
        today = now.astimezone(EXCHANGE_TZ).date()
        lo, hi = spot * (1.0 - max_moneyness), spot * (1.0 + max_moneyness)
        dte = grid.expiry_ordinal - today.toordinal()
        keep = (dte >= dte_min) & (dte <= dte_max) & (grid.strike >= lo) & (grid.strike <= hi)
        rows = np.flatnonzero(keep)
        if rows.size == 0:
            return snapshot(symbol, spot, now, self.rate, self.dividend_yield(symbol), [])
        batch = sim.quote_batch(
            symbol, grid.expiry_ordinal[rows], grid.strike[rows], grid.is_call[rows]
        )
        if not batch.available:
            return None
        max_age_s = quote_max_age.total_seconds()
        status = status_from_arrays(batch.bid, batch.ask)
        stale = (batch.age_seconds > max_age_s) & (
            (status == QuoteStatus.VALID) | (status == QuoteStatus.ZERO_BID)
        )
        status[stale] = QuoteStatus.STALE
        iv = np.where(batch.greeks_missing, np.nan, batch.iv)
        greeks = [
            np.where(batch.greeks_missing, np.nan, g)
            for g in (batch.delta, batch.gamma, batch.theta_per_day, batch.vega_per_vol_point)
        ]
        expiries: list[ExpiryChain] = []
        ords = batch.expiry_ordinal
        for ordinal in np.unique(ords).tolist():
            sides: dict[bool, SideQuotes] = {}
            strikes: np.ndarray | None = None
            for is_call in (True, False):
                sel = np.flatnonzero((ords == ordinal) & (batch.is_call == is_call))
                order = sel[np.argsort(batch.strike[sel], kind="stable")]
                k = batch.strike[order]
                if strikes is None:
                    strikes = k
                elif not np.array_equal(strikes, k):
                    return None  # calls and puts listed on different grids: not a chain we scan
                sides[is_call] = SideQuotes(
                    bid=batch.bid[order],
                    ask=batch.ask[order],
                    iv=iv[order],
                    delta=greeks[0][order],
                    gamma=greeks[1][order],
                    theta_per_day=greeks[2][order],
                    vega_per_vol_point=greeks[3][order],
                    open_interest=np.full(order.size, np.nan),
                    status=status[order],
                )
            assert strikes is not None
            expiry = date.fromordinal(int(ordinal))
            expiries.append(
                ExpiryChain(
                    expiry, years_to_expiry(expiry, now), strikes, sides[True], sides[False]
                )
            )
        return snapshot(symbol, spot, now, self.rate, self.dividend_yield(symbol), expiries)


__all__ = ["MarketFeed", "SimFeed"]

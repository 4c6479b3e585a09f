"""The shell side of strike selection: gather a ``ChainSnapshot`` from the ``MarketData`` port
(chain definition, underlying quote, option quotes for the expiries in the DTE window and
strikes within a moneyness range). Builders never call the port; this is the one place that
does, so the same builders run on IB, the simulator and recorded data.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import numpy as np

from v6.domain.contracts import OptionContract, Right
from v6.domain.quote import Quote, QuoteValidity
from v6.errors import DataQualityError, DomainError, RetryableError
from v6.ports.market_data import MarketData
from v6.strategies.chain import (
    EXCHANGE_TZ,
    ChainSnapshot,
    ExpiryChain,
    SideQuotes,
    snapshot,
    status_from_validity,
)

SECONDS_PER_YEAR = 365.0 * 86400.0
MARKET_CLOSE = time(16, 0)


def years_to_expiry(expiry: date, now: datetime) -> float:
    """Year fraction (365-day year) from ``now`` to the 16:00 New York close on ``expiry``;
    0 once that has passed."""
    close = datetime.combine(expiry, MARKET_CLOSE, tzinfo=EXCHANGE_TZ)
    return max((close - now).total_seconds() / SECONDS_PER_YEAR, 0.0)


async def fetch_chain_snapshot(
    market: MarketData,
    symbol: str,
    *,
    now: datetime,
    dte_min: int,
    dte_max: int,
    rate: float,
    dividend_yield: float,
    quote_max_age: timedelta,
    max_moneyness: float = 0.25,
) -> ChainSnapshot:
    """A completed snapshot of ``symbol``'s expiries with ``dte_min..dte_max`` days left and
    strikes within ``spot * (1 +/- max_moneyness)``, both rights.

    Raises ``RetryableError`` when the port reports a failed request (``None``), and
    ``DataQualityError`` when the underlying has no tradable quote. An option without a quote
    stays in the snapshot with status ``MISSING``; a chain with no expiry in the window is an
    empty snapshot (builders then reject with ``no_expiry_in_window``).
    """
    if now.tzinfo is None:
        raise DomainError("fetch_chain_snapshot: now must be timezone-aware")
    definition = await market.chain(symbol)
    if definition is None:
        raise RetryableError(f"{symbol}: option chain request failed")
    under = await market.underlying_quote(symbol)
    if under is None:
        raise RetryableError(f"{symbol}: underlying quote request failed")
    validity = under.validity(now, quote_max_age)
    if validity is not QuoteValidity.VALID:
        raise DataQualityError(f"{symbol}: underlying quote is {validity.value}")
    spot = under.mid
    today = now.astimezone(EXCHANGE_TZ).date()
    lo, hi = spot * (1.0 - max_moneyness), spot * (1.0 + max_moneyness)
    grids: list[tuple[date, np.ndarray]] = []
    for expiry in definition.expiries:
        if dte_min <= (expiry - today).days <= dte_max:
            strikes = np.unique(np.asarray(definition.strikes.get(expiry, ()), dtype=np.float64))
            strikes = strikes[(strikes >= lo) & (strikes <= hi)]
            if strikes.size:
                grids.append((expiry, strikes))
    contracts = [
        OptionContract(symbol, expiry, float(k), right, definition.multiplier)
        for expiry, strikes in grids
        for right in (Right.CALL, Right.PUT)
        for k in strikes
    ]
    quotes = await market.option_quotes(contracts) if contracts else {}
    if quotes is None:
        raise RetryableError(f"{symbol}: option quotes request failed")
    expiries: list[ExpiryChain] = []
    pos = 0
    for expiry, strikes in grids:
        sides: list[SideQuotes] = []
        for _right in (Right.CALL, Right.PUT):
            rows = [quotes.get(c.key) for c in contracts[pos : pos + strikes.size]]
            sides.append(_side(rows, now, quote_max_age))
            pos += strikes.size
        expiries.append(
            ExpiryChain(expiry, years_to_expiry(expiry, now), strikes, sides[0], sides[1])
        )
    return snapshot(
        symbol, spot, now, rate, dividend_yield, expiries, multiplier=definition.multiplier
    )


def _side(rows: list[Quote | None], now: datetime, max_age: timedelta) -> SideQuotes:
    n = len(rows)
    cols = {name: np.full(n, np.nan) for name in ("bid", "ask", "iv", "d", "g", "t", "v")}
    status = np.empty(n, dtype=np.int8)
    for i, q in enumerate(rows):
        status[i] = status_from_validity(None if q is None else q.validity(now, max_age))
        if q is None:
            continue
        cols["bid"][i], cols["ask"][i] = q.bid, q.ask
        if q.iv is not None and math.isfinite(q.iv) and q.iv > 0:
            cols["iv"][i] = q.iv
        if q.greeks is not None and q.greeks.is_finite():
            g = q.greeks
            cols["d"][i], cols["g"][i] = g.delta, g.gamma
            cols["t"][i], cols["v"][i] = g.theta_per_day, g.vega_per_vol_point
    return SideQuotes(
        bid=cols["bid"],
        ask=cols["ask"],
        iv=cols["iv"],
        delta=cols["d"],
        gamma=cols["g"],
        theta_per_day=cols["t"],
        vega_per_vol_point=cols["v"],
        open_interest=np.full(n, np.nan),  # the port's Quote carries no open interest
        status=status,
    )

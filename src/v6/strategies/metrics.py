"""Risk readings of a proposal: ATM implied vol of an expiry and the lognormal probability of
profit between the exact breakevens (``Strategy`` computes those in ``Decimal``).

POP uses the risk-neutral lognormal (drift r - q) at the ATM IV: a deliberately simple,
well-known estimate; the smile's fatter put tail makes true POP of short puts a bit lower.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np

from v6.domain.strategy import Strategy
from v6.pricing import atm_iv
from v6.strategies.chain import ChainSnapshot, ExpiryChain


def expiry_atm_iv(chain: ChainSnapshot, expiry: ExpiryChain) -> float:
    """IV at the forward from tradable out-of-the-money quotes (puts below the forward,
    calls above), interpolated in strike; NaN if the forward is not bracketed."""
    fwd = chain.forward(expiry.t_years)
    k = expiry.strikes
    put_ok = expiry.put.valid & (k <= fwd)
    call_ok = expiry.call.valid & (k >= fwd)
    strikes = np.concatenate([k[put_ok], k[call_ok]])
    ivs = np.concatenate([expiry.put.iv[put_ok], expiry.call.iv[call_ok]])
    return atm_iv(strikes, ivs, fwd)


def lognormal_cdf(
    price: float, spot: float, t_years: float, rate: float, div_yield: float, vol: float
) -> float:
    """P(S_T <= price) under the risk-neutral lognormal; a step at spot when vol*sqrt(T)=0."""
    if price <= 0:
        return 0.0
    if math.isinf(price):
        return 1.0
    sd = vol * math.sqrt(t_years)
    drift = (rate - div_yield - 0.5 * vol * vol) * t_years
    if sd <= 0:
        return 1.0 if price >= spot * math.exp(drift) else 0.0
    z = (math.log(price / spot) - drift) / sd
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def probability_of_profit(
    strategy: Strategy,
    spot: float,
    t_years: float,
    rate: float,
    div_yield: float,
    vol: float,
    breakevens: tuple[float, ...] | None = None,
) -> float:
    """Probability that the expiry P&L is positive: the lognormal mass of every interval
    between consecutive breakevens (and beyond the outer ones) where the payoff is above 0.

    Works for any single-expiry structure (the payoff is piecewise linear, so its sign is
    constant between breakevens); ``breakevens`` may be passed to skip recomputing them.
    """
    if not (math.isfinite(vol) and vol > 0):
        return math.nan
    points = strategy.breakevens if breakevens is None else breakevens
    edges = [0.0, *points, math.inf]
    total = 0.0
    for lo, hi in pairwise(edges):
        probe = _probe(lo, hi)
        if _pnl_at_expiry(strategy, probe) > 0:
            total += lognormal_cdf(hi, spot, t_years, rate, div_yield, vol) - lognormal_cdf(
                lo, spot, t_years, rate, div_yield, vol
            )
    return min(max(total, 0.0), 1.0)


def _pnl_at_expiry(strategy: Strategy, spot: float) -> float:
    """Float expiry P&L: only its sign is read, well inside an interval between breakevens,
    so the exact ``Decimal`` version (``Strategy.pnl_at_expiry``) is not needed here."""
    total = 0.0
    for leg in strategy.legs:
        c = leg.contract
        intrinsic = max(spot - c.strike, 0.0) if c.is_call else max(c.strike - spot, 0.0)
        total += leg.quantity * (intrinsic - leg.open_price) * c.multiplier
    return total


def _probe(lo: float, hi: float) -> float:
    """A price strictly inside (lo, hi) at which to read the payoff's sign."""
    if math.isinf(hi):
        return lo * 1.5 + 1.0
    if lo == 0.0:
        return hi / 2.0
    return (lo + hi) / 2.0

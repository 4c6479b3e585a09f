"""Option quotes of the simulated market, computed vectorised for just the contracts asked for:
IV from the surface, price and Greeks from the BSM kernel, then a bid/ask on the tick grid
whose width grows with vol, distance from the money and short expiry, and sizes.

Spread model (per share, before rounding to the tick):
``spread = min_spread + stress * dte_factor * moneyness_factor
* (price_fraction * theo + vega_vol_points * vega_per_vol_point)`` with
``stress = clip((atm_vol_30d / long_run_vol)^1.3, 0.6, 6)``, ``dte_factor = 1 + 1/(1 + DTE)``
and ``moneyness_factor = 1 + 0.25 |z|`` (z = ln(K/F) / (iv sqrt T), capped at 6). The bid is
rounded down and the ask up to the tick, so the model price always lies inside the quote.
Ticks: SPY, QQQ and IWM are penny-pilot classes, $0.01 at every price; other symbols $0.01
below $3 and $0.05 from $3. An option worth less than half a tick quotes 0 bid, one tick ask.

Prices are European BSM on the surface, floored at intrinsic value (a listed ETF option is
American, so it never trades below exercise value). Greeks are the BSM model Greeks per share,
as IB reports them. Random parts (sizes) come from a counter-based hash, so a quote is the same
whether it was asked for alone or in a chain scan.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from v6.pricing import bsm_greeks
from v6.sim.faults import (
    SALT_SIZE,
    FaultInjector,
    U64Array,
    contract_keys,
    hashed_uniform,
    symbol_key,
)
from v6.sim.quote_batch import (
    SECONDS_PER_YEAR,
    SOURCE,
    BoolArray,
    ChainGrid,
    FloatArray,
    IntArray,
    LazyQuoteMap,
    QuoteBatch,
    years_to_expiry,
)
from v6.sim.surface import MIN_T_YEARS, VolSurface, ssvi_total_variance

__all__ = [  # the containers live in quote_batch; re-exported so callers need one import
    "SECONDS_PER_YEAR",
    "SOURCE",
    "BoolArray",
    "ChainGrid",
    "FloatArray",
    "IntArray",
    "LazyQuoteMap",
    "QuoteBatch",
    "SpreadParams",
    "SymbolMarket",
    "quote_options",
    "quote_segments",
    "spread_params_for",
    "stress_factor",
    "years_to_expiry",
]

PENNY_PILOT = frozenset({"SPY", "QQQ", "IWM"})


@dataclass(frozen=True, slots=True)
class SpreadParams:
    """Market-maker behaviour of one option class (see the module docstring for the formula)."""

    price_fraction: float
    vega_vol_points: float
    min_spread: float
    base_size: int
    penny_pilot: bool


DEFAULT_SPREADS: Mapping[str, SpreadParams] = {
    "SPY": SpreadParams(0.003, 0.03, 0.01, 250, True),
    "QQQ": SpreadParams(0.004, 0.04, 0.01, 150, True),
    "IWM": SpreadParams(0.007, 0.06, 0.01, 100, True),
}


def spread_params_for(symbol: str) -> SpreadParams:
    return DEFAULT_SPREADS.get(symbol) or SpreadParams(0.012, 0.10, 0.02, 40, symbol in PENNY_PILOT)


def stress_factor(surface: VolSurface) -> float:
    """How much wider than normal market makers quote: grows with vol above its long run."""
    ratio = surface.atm_vol_30d / surface.long_run_vol
    return float(min(max(ratio**1.3, 0.6), 6.0))


def _round_to_ticks(
    theo: FloatArray, spread: FloatArray, penny_pilot: BoolArray | bool
) -> tuple[FloatArray, FloatArray]:
    """Bid rounded down and ask rounded up to the tick; always at least one tick wide.

    Works in whole ticks and divides at the end, so prices are the doubles nearest to whole
    cents (``k / 100`` is correctly rounded) without a separate rounding pass.
    """
    eps = 1e-9  # so a price already on the grid is not pushed a tick out by float noise
    if penny_pilot is True:
        theo_t = theo * 100.0
        half_t = spread * 50.0
        bid_t = np.maximum(np.floor(theo_t - half_t + eps), 0.0)
        ask_t = np.maximum(np.ceil(theo_t + half_t - eps), bid_t + 1.0)
        return bid_t / 100.0, ask_t / 100.0
    ticks_per_dollar = np.where(penny_pilot | (theo < 3.0), 100.0, 20.0)
    theo_t = theo * ticks_per_dollar
    half_t = 0.5 * spread * ticks_per_dollar
    bid_t = np.maximum(np.floor(theo_t - half_t + eps), 0.0)
    ask_t = np.maximum(np.ceil(theo_t + half_t - eps), bid_t + 1.0)
    return bid_t / ticks_per_dollar, ask_t / ticks_per_dollar


@dataclass(frozen=True, slots=True)
class SymbolMarket:
    """What one underlying looks like at one instant: all a quote needs besides the contract."""

    symbol: str
    spot: float
    rate: float
    div_yield: float
    surface: VolSurface
    spread: SpreadParams


def _param_rows(
    markets: Sequence[SymbolMarket], counts: Sequence[int]
) -> tuple[list[FloatArray | float], list[float]]:
    """Symbol-level parameters expanded to one value per row (scalars for one symbol), in
    ``_PARAMS`` order, plus each market's stress factor. One ``np.repeat`` for all of them."""
    stress = [stress_factor(m.surface) for m in markets]
    table = [
        [
            m.spot,
            m.div_yield,
            x,
            m.surface.v_inf,
            m.surface.mean_reversion_years,
            m.surface.v0,
            m.surface.shape.rho,
            m.surface.shape.eta,
            m.surface.shape.gamma,
            m.spread.min_spread,
            m.spread.price_fraction,
            m.spread.vega_vol_points,
            m.spread.base_size / math.sqrt(x),
        ]
        for m, x in zip(markets, stress, strict=True)
    ]
    if len(markets) == 1:
        return list(table[0]), stress
    rows = np.repeat(np.array(table, dtype=np.float64).T, counts, axis=1)
    return list(rows), stress


def quote_segments(
    markets: Sequence[SymbolMarket],
    counts: Sequence[int],
    *,
    ts: datetime,
    expiry_ordinal: IntArray,
    t_years: FloatArray,
    strike: FloatArray,
    is_call: BoolArray,
    seed: int,
    faults: FaultInjector | None = None,
    hash_keys: U64Array | None = None,
) -> list[QuoteBatch]:
    """Quote rows of several symbols in ONE vectorised pass: rows are grouped by symbol,
    ``counts[i]`` rows for ``markets[i]``. Returns one ``QuoteBatch`` per market.

    One pass instead of one per symbol matters for the per-step quotes of held contracts,
    where NumPy's per-call overhead, not arithmetic, is the cost. The result per row does not
    depend on how rows were batched. ``hash_keys`` may pass precomputed ``contract_keys``.
    """
    cols, _ = _param_rows(markets, counts)
    spot, div, stress, v_inf, tau, v0, rho, eta, gamma = cols[:9]
    min_spread, price_fraction, vega_vol_points, base_size = cols[9:]
    rate = markets[0].rate

    t = np.maximum(t_years, 0.0)
    log_m = np.log(strike / spot) - (rate - div) * t  # ln(K / F)
    tt = np.maximum(t, MIN_T_YEARS)
    w = ssvi_total_variance(log_m, tt, v_inf, tau, v0, rho, eta, gamma)
    iv = np.sqrt(w / tt)
    g = bsm_greeks(spot, strike, t, rate, div, iv, is_call)
    # Floor at intrinsic (American exercise value); the price is >= 0, so the signed payoff
    # serves as well as max(payoff, 0).
    theo = np.maximum(g.price, np.where(is_call, spot - strike, strike - spot))
    vega_pt = g.vega_per_vol_point

    z = np.minimum(np.abs(log_m) / np.sqrt(w), 6.0)  # SSVI total variance is > 0
    width = stress * (1.0 + 1.0 / (1.0 + t * 365.0)) * (1.0 + 0.25 * z)
    raw_spread = min_spread + width * (price_fraction * theo + vega_vol_points * vega_pt)
    if all(m.spread.penny_pilot for m in markets):
        penny: BoolArray | bool = True
    else:
        penny = np.repeat(np.array([m.spread.penny_pilot for m in markets]), counts)
    bid, ask = _round_to_ticks(theo, raw_spread, penny)

    keys = hash_keys
    if keys is None:
        sym_keys = [symbol_key(m.symbol) for m in markets]
        keys = contract_keys(expiry_ordinal, strike, is_call, sym_keys, counts)
    epoch_s = int(ts.timestamp())
    size_scale = base_size * (0.25 + 0.75 * np.exp(-0.5 * z))
    # One hashed draw per quote: the bid size takes u, the ask size its mirror 1 - u.
    u = hashed_uniform(seed, SALT_SIZE, keys, epoch_s)
    bid_size = (size_scale * (0.5 + u)).astype(np.int64)
    ask_size = np.maximum((size_scale * (1.5 - u)).astype(np.int64), 1)
    bid_size = np.where(bid > 0, np.maximum(bid_size, 1), 0)

    greeks_missing = np.zeros(strike.shape, dtype=np.bool_)
    age = np.zeros(strike.shape)
    available = [True] * len(markets)
    if faults is not None and faults.enabled:
        available = [not faults.in_feed_gap(m.symbol, ts) for m in markets]
        fm = faults.option_masks(keys, ts)
        greeks_missing = fm.missing_greeks
        age = np.where(fm.stale, faults.config.stale_age_seconds, 0.0)
        bid = np.where(fm.zero_bid, 0.0, bid)
        bid_size = np.where(fm.zero_bid, 0, bid_size)
        # A crossed market: the bid jumps two ticks above the ask.
        bid = np.where(fm.crossed, np.round(ask + 0.02, 2), bid)

    out = []
    lo = 0
    for m, n, ok in zip(markets, counts, available, strict=True):
        sl = slice(lo, lo + n)
        lo += n
        out.append(
            QuoteBatch(
                symbol=m.symbol,
                ts=ts,
                spot=m.spot,
                expiry_ordinal=expiry_ordinal[sl],
                strike=strike[sl],
                is_call=is_call[sl],
                t_years=t[sl],
                iv=iv[sl],
                theo=theo[sl],
                bid=bid[sl],
                ask=ask[sl],
                bid_size=bid_size[sl],
                ask_size=ask_size[sl],
                delta=g.delta[sl],
                gamma=g.gamma[sl],
                theta_per_day=g.theta_per_day[sl],
                vega_per_vol_point=vega_pt[sl],
                greeks_missing=greeks_missing[sl],
                age_seconds=age[sl],
                available=ok,
            )
        )
    return out


def quote_options(
    *,
    symbol: str,
    ts: datetime,
    spot: float,
    rate: float,
    div_yield: float,
    surface: VolSurface,
    expiry_ordinal: IntArray,
    t_years: FloatArray,
    strike: FloatArray,
    is_call: BoolArray,
    seed: int,
    faults: FaultInjector | None = None,
    spread: SpreadParams | None = None,
) -> QuoteBatch:
    """Quote every contract described by the parallel arrays (one symbol, one instant)."""
    market = SymbolMarket(
        symbol, spot, rate, div_yield, surface, spread or spread_params_for(symbol)
    )
    return quote_segments(
        [market],
        [int(strike.size)],
        ts=ts,
        expiry_ordinal=expiry_ordinal,
        t_years=t_years,
        strike=strike,
        is_call=is_call,
        seed=seed,
        faults=faults,
    )[0]

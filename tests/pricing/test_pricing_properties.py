"""No-arbitrage invariants of the BSM kernel and the IV round trip, checked with hypothesis.

Tolerances are a few dozen ulps of the dollar amounts involved: every price is a difference of
two terms of size ~S and ~K, so that is the rounding floor, not a fudge factor.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.pricing import bsm_greeks, bsm_price, implied_vol

EPS = float(np.finfo(np.float64).eps)

spots = st.floats(1.0, 1000.0)
strike_ratios = st.floats(0.2, 5.0)
t_years = st.floats(1.0 / 365.0, 5.0)
rates = st.floats(-0.02, 0.10)
divs = st.floats(0.0, 0.10)
vols = st.floats(0.01, 3.0)

SETTINGS = settings(max_examples=150, deadline=None)


def _tol(*dollars: float) -> float:
    return 64.0 * EPS * sum(abs(d) for d in dollars)


@SETTINGS
@given(spots, strike_ratios, t_years, rates, divs, vols)
def test_put_call_parity(
    spot: float, ratio: float, t: float, rate: float, div: float, vol: float
) -> None:
    strike = spot * ratio
    call, put = bsm_price(spot, strike, t, rate, div, vol, np.array([True, False]))
    forward_gap = spot * np.exp(-div * t) - strike * np.exp(-rate * t)
    assert abs((call - put) - forward_gap) <= _tol(spot, strike)


@SETTINGS
@given(
    spots,
    st.lists(strike_ratios, min_size=3, max_size=3, unique=True),
    t_years,
    rates,
    divs,
    vols,
)
def test_prices_monotone_and_convex_in_strike(
    spot: float, ratios: list[float], t: float, rate: float, div: float, vol: float
) -> None:
    k1, k2, k3 = sorted(spot * r for r in ratios)
    strikes = np.array([k1, k2, k3])
    tol = _tol(spot, k3)
    lam = (k3 - k2) / (k3 - k1)
    c1, c2, c3 = bsm_price(spot, strikes, t, rate, div, vol, True)
    p1, p2, p3 = bsm_price(spot, strikes, t, rate, div, vol, False)
    assert c1 >= c2 - tol
    assert c2 >= c3 - tol
    assert c2 <= lam * c1 + (1 - lam) * c3 + tol
    assert p1 <= p2 + tol
    assert p2 <= p3 + tol
    assert p2 <= lam * p1 + (1 - lam) * p3 + tol


@SETTINGS
@given(spots, strike_ratios, t_years, rates, divs, vols)
def test_prices_and_greeks_within_no_arbitrage_bounds(
    spot: float, ratio: float, t: float, rate: float, div: float, vol: float
) -> None:
    strike = spot * ratio
    sq = spot * np.exp(-div * t)
    kr = strike * np.exp(-rate * t)
    tol = _tol(spot, strike)
    g = bsm_greeks(spot, strike, t, rate, div, vol, np.array([True, False]))
    call, put = g.price
    assert max(sq - kr, 0.0) - tol <= call <= sq + tol
    assert max(kr - sq, 0.0) - tol <= put <= kr + tol
    call_delta, put_delta = g.delta
    assert 0.0 <= call_delta <= np.exp(-div * t) * (1 + 4 * EPS)
    assert -np.exp(-div * t) * (1 + 4 * EPS) <= put_delta <= 0.0
    assert abs((call_delta - put_delta) - np.exp(-div * t)) <= 8 * EPS
    assert (g.gamma >= 0.0).all()
    assert (g.vega_per_unit >= 0.0).all()
    assert g.gamma[0] == g.gamma[1]
    assert g.vega_per_unit[0] == g.vega_per_unit[1]


@SETTINGS
@given(spots, strike_ratios, t_years, rates, divs, vols, st.booleans())
def test_implied_vol_round_trip(
    spot: float, ratio: float, t: float, rate: float, div: float, vol: float, is_call: bool
) -> None:
    strike = spot * ratio
    price = float(bsm_price(spot, strike, t, rate, div, vol, is_call))
    result = implied_vol(price, spot, strike, t, rate, div, is_call)
    w = 1.0 if is_call else -1.0
    intrinsic = max(w * (spot * np.exp(-div * t) - strike * np.exp(-rate * t)), 0.0)
    if price - intrinsic >= 0.005:
        assert bool(result.ok)
        assert abs(float(result.vol) - vol) <= 1e-8 * vol
    if bool(result.ok):
        repriced = float(bsm_price(spot, strike, t, rate, div, result.vol, is_call))
        assert abs(repriced - price) <= _tol(spot, strike)
    else:
        assert np.isnan(result.vol)

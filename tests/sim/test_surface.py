"""The IV surface: put skew, smile, a term structure that inverts in stress, no arbitrage."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.errors import ConfigError
from v6.pricing import bsm_price
from v6.sim.surface import (
    DEFAULT_VOL_PARAMS,
    REGIME_SMILE_ADJUSTMENT,
    T_30D_YEARS,
    SmileShape,
    build_surface,
    regime_shape,
    vol_params_for,
)

REGIMES = sorted(REGIME_SMILE_ADJUSTMENT)
SYMBOLS = sorted(DEFAULT_VOL_PARAMS)
atm_vols = st.floats(min_value=0.06, max_value=1.2)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(SYMBOLS), atm_vols, st.sampled_from(REGIMES))
def test_thirty_day_atm_vol_is_the_anchor(symbol: str, atm: float, regime: str) -> None:
    s = build_surface(DEFAULT_VOL_PARAMS[symbol], atm, regime)
    if s.v0 > 0.05 * atm**2:  # the floor only binds for a 30-day vol far below the long run
        assert s.atm_vol(T_30D_YEARS) == pytest.approx(atm, rel=1e-9)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(SYMBOLS), atm_vols, st.sampled_from(REGIMES))
def test_total_variance_grows_with_maturity_at_every_moneyness(
    symbol: str, atm: float, regime: str
) -> None:
    s = build_surface(DEFAULT_VOL_PARAMS[symbol], atm, regime)
    t = np.array([1, 2, 5, 7, 14, 21, 30, 45, 60, 90, 180, 365, 730]) / 365.0
    for k in np.linspace(-0.8, 0.5, 27):
        w = s.total_variance(np.full(t.shape, k), t)
        assert np.all(np.diff(w) > 0), (k, w)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SYMBOLS), atm_vols, st.sampled_from(REGIMES), st.integers(1, 400))
def test_no_butterfly_arbitrage(symbol: str, atm: float, regime: str, days: int) -> None:
    """Durrleman's condition g(k) >= 0 on a fine grid, and call prices convex in strike."""
    s = build_surface(DEFAULT_VOL_PARAMS[symbol], atm, regime)
    t = days / 365.0
    k = np.linspace(-1.5, 1.0, 2001)
    h = 1e-4
    w = s.total_variance(k, np.full(k.shape, t))
    w1 = (
        s.total_variance(k + h, np.full(k.shape, t)) - s.total_variance(k - h, np.full(k.shape, t))
    ) / (2 * h)
    w2 = (
        s.total_variance(k + h, np.full(k.shape, t))
        - 2 * w
        + s.total_variance(k - h, np.full(k.shape, t))
    ) / h**2
    g = (1 - k * w1 / (2 * w)) ** 2 - w1**2 / 4 * (1 / w + 0.25) + w2 / 2
    assert g.min() > -1e-6
    strikes = 100.0 * np.exp(k)
    calls = bsm_price(100.0, strikes, t, 0.0, 0.0, np.sqrt(w / t), True)
    assert np.all(np.diff(calls) <= 1e-12)
    slopes = np.diff(calls) / np.diff(strikes)
    assert np.all(np.diff(slopes) >= -1e-9)


def test_put_skew_and_smile_shape() -> None:
    s = build_surface(DEFAULT_VOL_PARAMS["SPY"], 0.15, "NORMAL")
    t = np.full(5, T_30D_YEARS)
    iv = s.iv(np.array([-0.10, -0.05, 0.0, 0.05, 0.15]), t)
    assert iv[0] > iv[1] > iv[2] > iv[3]  # puts richer than calls: the equity skew
    assert iv[4] > iv[3]  # and the call wing turns up again: a smile
    assert 0.17 < iv[1] < 0.25  # a 5 %-OTM 30-day put of a 15 % market, as on SPY


def test_term_structure_slopes_up_when_calm_and_inverts_in_stress() -> None:
    params = DEFAULT_VOL_PARAMS["SPY"]
    calm = build_surface(params, 0.10, "LOW_VOL")
    crash = build_surface(params, 0.55, "CRASH")
    tenors = [7 / 365, 30 / 365, 90 / 365, 365 / 365]
    calm_atm = [calm.atm_vol(t) for t in tenors]
    crash_atm = [crash.atm_vol(t) for t in tenors]
    assert calm_atm == sorted(calm_atm)
    assert crash_atm == sorted(crash_atm, reverse=True)


def test_stress_regime_has_a_higher_and_steeper_smile_in_dollar_terms() -> None:
    params = DEFAULT_VOL_PARAMS["SPY"]
    calm = build_surface(params, 0.11, "LOW_VOL")
    crash = build_surface(params, 0.50, "CRASH")
    t = np.full(2, T_30D_YEARS)
    k = np.array([-0.10, 0.0])
    calm_iv, crash_iv = calm.iv(k, t), crash.iv(k, t)
    assert crash_iv[1] > 3 * calm_iv[1]
    assert crash_iv[0] - crash_iv[1] > calm_iv[0] - calm_iv[1]


def test_regime_shapes_stay_arbitrage_free() -> None:
    for params in DEFAULT_VOL_PARAMS.values():
        for regime in REGIMES:
            shape = regime_shape(params.skew, regime)
            assert shape.eta * (1 + abs(shape.rho)) <= 2 + 1e-12
    assert regime_shape(SmileShape(-0.9, 5.0), "NORMAL").eta == pytest.approx(2 / 1.9)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ConfigError):
        SmileShape(rho=-1.2, eta=1.0)
    with pytest.raises(ValueError, match="30-day ATM vol"):
        build_surface(DEFAULT_VOL_PARAMS["SPY"], float("nan"))
    assert vol_params_for("SPY", 0.3).long_run_vol == 0.3
    assert vol_params_for("ZZZ").long_run_vol > 0

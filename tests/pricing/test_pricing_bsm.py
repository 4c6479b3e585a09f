"""BSM price and Greeks against QuantLib and mpmath, plus the invalid-input and expiry rules."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import mpmath as mp
import numpy as np
import pytest

from v6.pricing import BSMGreeks, bsm_greeks, bsm_price
from v6.pricing.bsm import BLOCK_SIZE

if TYPE_CHECKING:
    from conftest import MpGreeks, OptionSet, QuantLibEngine

GREEK_NAMES = ("price", "delta", "gamma", "theta_per_year", "vega_per_unit", "rho_per_unit")


def _stack(g: BSMGreeks) -> np.ndarray:
    return np.stack([getattr(g, name) for name in GREEK_NAMES])


def test_price_and_greeks_match_quantlib_engine(
    options_factory: Callable[..., OptionSet], quantlib_engine: QuantLibEngine
) -> None:
    opts = options_factory(3000, seed=11)
    ours = _stack(bsm_greeks(*opts.args()))
    ref = quantlib_engine.greeks(opts)
    errors = np.max(np.abs(ours - ref), axis=1)
    for name, err in zip(GREEK_NAMES, errors, strict=True):
        assert err <= 1e-10, f"{name}: max abs error {err:.3g} vs QuantLib"


def test_price_and_greeks_match_mpmath_50_digits(
    options_factory: Callable[..., OptionSet], mp_greeks: Callable[..., MpGreeks]
) -> None:
    opts = options_factory(200, seed=12)
    ours = _stack(bsm_greeks(*opts.args()))
    truth = np.empty_like(ours)
    with mp.workdps(50):
        for i in range(opts.size):
            values = mp_greeks(*(a[i] for a in opts.args()))
            truth[:, i] = [float(v) for v in values]
    errors = np.max(np.abs(ours - truth), axis=1)
    for name, err in zip(GREEK_NAMES, errors, strict=True):
        assert err <= 1e-11, f"{name}: max abs error {err:.3g} vs mpmath"


def test_short_expiries_match_mpmath(
    options_factory: Callable[..., OptionSet], mp_greeks: Callable[..., MpGreeks]
) -> None:
    """1-3 day options have the largest gamma and theta: the hardest case for absolute error."""
    opts = options_factory(100, seed=13, days_lo=1, days_hi=3)
    ours = _stack(bsm_greeks(*opts.args()))
    with mp.workdps(50):
        truth = np.array(
            [[float(v) for v in mp_greeks(*(a[i] for a in opts.args()))] for i in range(100)]
        ).T
    assert np.max(np.abs(ours - truth)) <= 1e-11


def test_price_function_equals_greeks_price(options_factory: Callable[..., OptionSet]) -> None:
    opts = options_factory(BLOCK_SIZE * 2 + 17, seed=14)  # several blocks plus a ragged tail
    np.testing.assert_array_equal(bsm_price(*opts.args()), bsm_greeks(*opts.args()).price)


def test_blocks_and_broadcast_scalars_agree_with_full_arrays(
    options_factory: Callable[..., OptionSet],
) -> None:
    opts = options_factory(BLOCK_SIZE + 5, seed=15)
    spot, rate, div = 560.0, 0.045, 0.013
    full = bsm_greeks(
        np.full(opts.size, spot),
        opts.strike,
        opts.t_years,
        np.full(opts.size, rate),
        np.full(opts.size, div),
        opts.vol,
        opts.is_call,
    )
    mixed = bsm_greeks(spot, opts.strike, opts.t_years, rate, div, opts.vol, opts.is_call)
    np.testing.assert_allclose(_stack(mixed), _stack(full), rtol=1e-15, atol=1e-15)


def test_chain_shaped_broadcast() -> None:
    strikes = np.linspace(400.0, 700.0, 7)
    t = (np.arange(1, 4) * 7 / 365.0)[:, None, None]
    is_call = np.array([True, False])
    g = bsm_greeks(560.0, strikes[None, :, None], t, 0.04, 0.01, 0.2, is_call)
    assert g.price.shape == (3, 7, 2)
    one = bsm_greeks(560.0, strikes[3], t[1, 0, 0], 0.04, 0.01, 0.2, False)
    assert g.price[1, 3, 1] == pytest.approx(float(one.price), rel=1e-15)
    assert g.delta[1, 3, 1] == pytest.approx(float(one.delta), rel=1e-15)


def test_unit_properties() -> None:
    g = bsm_greeks(100.0, 100.0, 0.5, 0.03, 0.01, 0.25, True)
    assert float(g.theta_per_day) == pytest.approx(float(g.theta_per_year) / 365.0, rel=1e-15)
    assert float(g.vega_per_vol_point) == pytest.approx(float(g.vega_per_unit) / 100.0, rel=1e-15)
    # vega per point approximates a one-point bump
    up = float(bsm_price(100.0, 100.0, 0.5, 0.03, 0.01, 0.26, True))
    down = float(bsm_price(100.0, 100.0, 0.5, 0.03, 0.01, 0.24, True))
    assert (up - down) / 2 == pytest.approx(float(g.vega_per_vol_point), rel=1e-3)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("spot", 0.0),
        ("spot", -100.0),
        ("spot", math.inf),
        ("spot", math.nan),
        ("strike", 0.0),
        ("strike", -5.0),
        ("strike", math.nan),
        ("t_years", -0.1),
        ("t_years", math.inf),
        ("t_years", math.nan),
        ("rate", math.nan),
        ("rate", math.inf),
        ("rate", -math.inf),
        ("div_yield", math.nan),
        ("div_yield", math.inf),
        ("vol", 0.0),
        ("vol", -0.2),
        ("vol", math.inf),
        ("vol", math.nan),
    ],
)
def test_invalid_input_gives_nan_only_where_invalid(field: str, value: float) -> None:
    base = {
        "spot": np.full(4, 100.0),
        "strike": np.array([90.0, 100.0, 110.0, 120.0]),
        "t_years": np.full(4, 0.25),
        "rate": np.full(4, 0.03),
        "div_yield": np.full(4, 0.01),
        "vol": np.full(4, 0.3),
    }
    base[field] = base[field].copy()
    base[field][1] = value
    is_call = np.array([True, False, True, False])
    g = bsm_greeks(is_call=is_call, **base)
    good = bsm_greeks(is_call=is_call[[0, 2, 3]], **{k: v[[0, 2, 3]] for k, v in base.items()})
    for name in GREEK_NAMES:
        values = getattr(g, name)
        assert np.isnan(values[1]), name
        np.testing.assert_array_equal(values[[0, 2, 3]], getattr(good, name))
    assert np.isnan(bsm_price(is_call=is_call, **base)[1])


def test_invalid_scalar_input_makes_everything_nan() -> None:
    g = bsm_greeks(math.nan, np.array([90.0, 100.0]), 0.25, 0.03, 0.0, 0.3, True)
    assert all(np.isnan(getattr(g, name)).all() for name in GREEK_NAMES)


@pytest.mark.parametrize(
    ("spot", "strike", "is_call", "price", "delta"),
    [
        (110.0, 100.0, True, 10.0, 1.0),
        (90.0, 100.0, True, 0.0, 0.0),
        (100.0, 100.0, True, 0.0, 0.0),
        (90.0, 100.0, False, 10.0, -1.0),
        (110.0, 100.0, False, 0.0, 0.0),
        (100.0, 100.0, False, 0.0, 0.0),
    ],
)
def test_expiry_is_intrinsic_with_step_delta(
    spot: float, strike: float, is_call: bool, price: float, delta: float
) -> None:
    g = bsm_greeks(spot, strike, 0.0, 0.05, 0.02, 0.3, is_call)
    assert float(g.price) == price
    assert float(g.delta) == delta
    for name in ("gamma", "theta_per_year", "vega_per_unit", "rho_per_unit"):
        assert float(getattr(g, name)) == 0.0
    assert float(bsm_price(spot, strike, 0.0, 0.05, 0.02, 0.3, is_call)) == price


def test_expiry_mixed_with_live_options_and_the_limit() -> None:
    t = np.array([0.0, 1e-9, 0.25])
    g = bsm_greeks(110.0, 100.0, t, 0.03, 0.0, 0.3, True)
    assert g.price[0] == 10.0
    # the t -> 0 limit of the live formula approaches the expiry value
    assert g.price[1] == pytest.approx(10.0, abs=1e-6)
    assert g.delta[1] == pytest.approx(1.0, abs=1e-9)
    assert g.price[2] > 10.0


def test_empty_input_gives_empty_output() -> None:
    g = bsm_greeks(np.array([]), 100.0, 0.5, 0.0, 0.0, 0.2, True)
    assert g.price.shape == (0,)
    assert bsm_price(np.array([]), 100.0, 0.5, 0.0, 0.0, 0.2, True).shape == (0,)


def test_no_warnings_escape_on_extreme_inputs() -> None:
    """Overflow/underflow/0-division are internal; pytest turns any warning into an error."""
    g = bsm_greeks(
        np.array([1e-300, 1e300, 100.0, 100.0]),
        np.array([1e300, 1e-300, 100.0, 100.0]),
        np.array([1e-12, 1e4, 1e-300, 1e3]),
        0.05,
        0.0,
        np.array([1e-8, 5.0, 0.2, 1e3]),
        True,
    )
    assert g.price.shape == (4,)

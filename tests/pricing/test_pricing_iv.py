"""Implied vol: accuracy on exact (mpmath) prices, the never-a-wrong-number rule, reason codes.

"Quotable" is defined as in /work/shared/reference/pricing.md: the out-of-the-money-equivalent
time value, ``exact price - max(w (S e^{-qT} - K e^{-rT}), 0)`` computed in 30-digit
arithmetic (by put-call parity the price of the same-strike OTM option), is at least $0.005.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import mpmath as mp
import numpy as np
import pytest

from v6.pricing import IVReason, IVResult, bsm_greeks, bsm_price, implied_vol
from v6.pricing import iv as iv_module

if TYPE_CHECKING:
    from conftest import FArr, MpGreeks, OptionSet

QUOTABLE_TIME_VALUE = 0.005


@pytest.fixture(scope="module")
def solved_sets(
    options_factory: Callable[..., OptionSet],
    extreme_factory: Callable[[int, int], OptionSet],
    exact_prices: Callable[..., tuple[FArr, FArr]],
) -> list[tuple[str, OptionSet, FArr, FArr, IVResult]]:
    """(name, options, exact price, exact time value, result) for three stress sets."""
    sets = [
        ("rand", options_factory(2500, seed=21)),
        ("short 1-7d", options_factory(1200, seed=22, days_lo=1, days_hi=7)),
        ("one day", options_factory(400, seed=23, days_lo=1, days_hi=1)),
        ("|z| 3-6", extreme_factory(1200, 24)),
    ]
    out = []
    for name, opts in sets:
        prices, time_values = exact_prices(opts)
        result = implied_vol(
            prices,
            opts.spot,
            opts.strike,
            opts.t_years,
            opts.rate,
            opts.div_yield,
            opts.is_call,
        )
        out.append((name, opts, prices, time_values, result))
    return out


def test_quotable_options_never_fail_and_are_exact(
    solved_sets: list[tuple[str, OptionSet, FArr, FArr, IVResult]],
) -> None:
    for name, opts, _prices, time_values, result in solved_sets:
        quotable = time_values >= QUOTABLE_TIME_VALUE
        assert quotable.sum() >= 100, f"{name}: too few quotable options to mean anything"
        assert result.ok[quotable].all(), (
            f"{name}: reasons {np.bincount(result.reason[quotable], minlength=6)}"
        )
        err = np.abs(result.vol[quotable] - opts.vol[quotable])
        assert err.max() <= 1e-10, f"{name}: max |IV - vol| = {err.max():.3g}"


def test_quotable_sets_cover_the_hard_cases(
    solved_sets: list[tuple[str, OptionSet, FArr, FArr, IVResult]],
) -> None:
    """Guard against a generator change silently dropping 1-day and deep ITM/OTM cases."""
    by_name = {name: (opts, tv) for name, opts, _p, tv, _r in solved_sets}
    opts, tv = by_name["one day"]
    assert (tv >= QUOTABLE_TIME_VALUE).sum() >= 100
    opts, tv = by_name["|z| 3-6"]
    quotable = tv >= QUOTABLE_TIME_VALUE
    forward = opts.spot * np.exp((opts.rate - opts.div_yield) * opts.t_years)
    itm = np.where(opts.is_call, opts.strike < forward, opts.strike > forward)
    assert (quotable & itm).sum() >= 30
    assert (quotable & ~itm).sum() >= 30


def test_every_returned_vol_is_right_or_reprices_exactly(
    solved_sets: list[tuple[str, OptionSet, FArr, FArr, IVResult]],
    mp_greeks: Callable[..., MpGreeks],
) -> None:
    """Outside the quotable set: NaN with a reason, or a vol that is accurate or reprices."""
    for name, opts, prices, _tv, result in solved_sets:
        assert np.array_equal(np.isnan(result.vol), ~result.ok), name
        assert set(np.unique(result.reason)) <= {int(r) for r in IVReason}
        inaccurate = np.flatnonzero(result.ok & (np.abs(result.vol - opts.vol) > 1e-8))
        with mp.workdps(40):
            for i in inaccurate:
                repriced = mp_greeks(
                    opts.spot[i],
                    opts.strike[i],
                    opts.t_years[i],
                    opts.rate[i],
                    opts.div_yield[i],
                    result.vol[i],
                    bool(opts.is_call[i]),
                )[0]
                rel = abs(float(repriced - mp.mpf(float(prices[i])))) / prices[i]
                assert rel <= 1e-10, f"{name}: option {i} vol {result.vol[i]} reprices off {rel}"


def test_well_posed_inputs_are_solved_to_1e_8(
    solved_sets: list[tuple[str, OptionSet, FArr, FArr, IVResult]],
) -> None:
    """Where a double-precision price pins the vol (eps * P / vega <= 1e-10), we find it."""
    eps = np.finfo(np.float64).eps
    for name, opts, prices, _tv, result in solved_sets:
        vega = bsm_greeks(*opts.args()).vega_per_unit
        well_posed = (eps * prices <= 1e-10 * vega) & (prices > 1e-300)
        assert result.ok[well_posed].all(), name
        err = np.abs(result.vol[well_posed] - opts.vol[well_posed])
        assert err.max() <= 1e-8, f"{name}: {err.max():.3g}"


def _iv(
    price: float,
    is_call: bool,
    spot: float = 100.0,
    strike: float = 100.0,
    t: float = 0.5,
    rate: float = 0.04,
    div: float = 0.01,
) -> IVResult:
    return implied_vol(price, spot, strike, t, rate, div, is_call)


def test_reason_below_intrinsic() -> None:
    intrinsic = 120.0 * math.exp(-0.01 * 0.5) - 100.0 * math.exp(-0.04 * 0.5)
    result = _iv(intrinsic - 0.01, True, spot=120.0)
    assert int(result.reason) == IVReason.BELOW_INTRINSIC
    assert math.isnan(float(result.vol))
    put_intrinsic = 100.0 * math.exp(-0.04 * 0.5) - 80.0 * math.exp(-0.01 * 0.5)
    assert int(_iv(put_intrinsic * 0.99, False, spot=80.0).reason) == IVReason.BELOW_INTRINSIC


def test_reason_above_upper_bound() -> None:
    call_max = 100.0 * math.exp(-0.01 * 0.5)
    put_max = 100.0 * math.exp(-0.04 * 0.5)
    cases = [
        (call_max, True),
        (math.nextafter(call_max, 0.0), True),  # within rounding of the bound
        (call_max + 1.0, True),
        (put_max, False),
        (put_max + 0.01, False),
    ]
    for price, is_call in cases:
        result = _iv(price, is_call)
        assert int(result.reason) == IVReason.ABOVE_UPPER_BOUND
        assert math.isnan(float(result.vol))


def test_reason_no_time_value() -> None:
    # OTM option priced at zero, and ITM options priced exactly at discounted intrinsic
    assert int(_iv(0.0, True, strike=150.0).reason) == IVReason.NO_TIME_VALUE
    assert int(_iv(0.0, False, strike=50.0).reason) == IVReason.NO_TIME_VALUE
    intrinsic = 120.0 * math.exp(-0.01 * 0.5) - 100.0 * math.exp(-0.04 * 0.5)
    assert int(_iv(intrinsic, True, spot=120.0).reason) == IVReason.NO_TIME_VALUE
    # a deep ITM price whose time value is lost in rounding
    deep = float(bsm_price(100.0, 10.0, 0.02, 0.04, 0.01, 0.2, True))
    result = _iv(deep, True, strike=10.0, t=0.02)
    assert int(result.reason) == IVReason.NO_TIME_VALUE
    assert math.isnan(float(result.vol))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"price": math.nan},
        {"price": -0.5},
        {"price": math.inf},
        {"spot": 0.0},
        {"spot": -1.0},
        {"spot": math.nan},
        {"strike": 0.0},
        {"strike": math.inf},
        {"t": 0.0},
        {"t": -0.1},
        {"t": math.inf},
        {"rate": math.nan},
        {"div": math.inf},
    ],
)
def test_reason_invalid_input(kwargs: dict[str, float]) -> None:
    args = {"price": 5.0, "is_call": True} | kwargs
    result = _iv(**args)  # type: ignore[arg-type]
    assert int(result.reason) == IVReason.INVALID_INPUT
    assert math.isnan(float(result.vol))


def test_reason_not_converged_when_iterations_run_out(monkeypatch: pytest.MonkeyPatch) -> None:
    price = float(bsm_price(100.0, 130.0, 0.5, 0.04, 0.01, 0.9, True))
    monkeypatch.setattr(iv_module, "MAX_ITERATIONS", 1)
    result = _iv(price, True, strike=130.0)
    assert int(result.reason) == IVReason.NOT_CONVERGED
    assert math.isnan(float(result.vol))


def test_reasons_are_per_element_in_a_mixed_batch() -> None:
    prices = np.array([math.nan, 0.0, 200.0, 5.0, 1.0])
    spot = np.array([100.0, 80.0, 100.0, 100.0, 120.0])
    result = implied_vol(prices, spot, 100.0, 0.5, 0.04, 0.01, True)
    assert result.reason.tolist() == [
        IVReason.INVALID_INPUT,
        IVReason.NO_TIME_VALUE,
        IVReason.ABOVE_UPPER_BOUND,
        IVReason.OK,
        IVReason.BELOW_INTRINSIC,
    ]
    assert result.ok.tolist() == [False, False, False, True, False]
    assert result.vol[3] == pytest.approx(
        float(implied_vol(5.0, 100.0, 100.0, 0.5, 0.04, 0.01, True).vol), rel=1e-15
    )


def test_at_the_money_forward_and_extreme_vols() -> None:
    t, rate, div = 0.75, 0.05, 0.02
    forward_strike = 100.0 * math.exp((rate - div) * t)
    vols = np.array([1e-4, 0.01, 0.3, 3.0, 8.0])
    for is_call in (True, False):
        prices = bsm_price(100.0, forward_strike, t, rate, div, vols, is_call)
        result = implied_vol(prices, 100.0, forward_strike, t, rate, div, is_call)
        assert result.ok.all()
        np.testing.assert_allclose(result.vol, vols, rtol=1e-9)


@pytest.mark.parametrize("vol", [1e-14, 1e-10, 1e-6, 12.0, 20.0])
@pytest.mark.parametrize("moneyness", [0.0, 1e-15, -1e-9])
def test_extreme_vols_a_few_ulps_from_the_money_solve_or_reprice(
    vol: float, moneyness: float
) -> None:
    """Degenerate corners (x ~ 1e-16, s ~ 1e-14 or s ~ 14): right vol, or exact repricing."""
    t, rate, div = 0.5, 0.03, 0.0
    strike = 100.0 * math.exp((rate - div) * t) * (1.0 + moneyness)
    price = float(bsm_price(100.0, strike, t, rate, div, vol, True))
    result = implied_vol(price, 100.0, strike, t, rate, div, True)
    if moneyness < 0.0 and vol < 1e-6:
        # in the money by 1e-7 $: the time value of a 1e-10 vol drowns in the intrinsic's ulps
        assert int(result.reason) == IVReason.NO_TIME_VALUE
        return
    assert bool(result.ok)
    repriced = float(bsm_price(100.0, strike, t, rate, div, result.vol, True))
    assert abs(float(result.vol) - vol) <= 1e-9 * vol or abs(repriced - price) <= 1e-13


def test_shapes_broadcast_like_numpy() -> None:
    strikes = np.linspace(80.0, 120.0, 5)
    t = np.array([[0.1], [0.5]])
    prices = bsm_price(100.0, strikes, t, 0.03, 0.0, 0.25, False)
    result = implied_vol(prices, 100.0, strikes, t, 0.03, 0.0, False)
    assert result.vol.shape == (2, 5)
    assert result.reason.shape == (2, 5)
    assert result.reason.dtype == np.int8
    np.testing.assert_allclose(result.vol, 0.25, rtol=1e-10)
    scalar = implied_vol(float(prices[0, 0]), 100.0, 80.0, 0.1, 0.03, 0.0, False)
    assert scalar.vol.shape == ()
    assert float(scalar.vol) == pytest.approx(0.25, rel=1e-10)


def test_large_batch_spans_chunks(options_factory: Callable[..., OptionSet]) -> None:
    opts = options_factory(iv_module.CHUNK_SIZE + 333, seed=25, vol_lo=0.1, vol_hi=0.6)
    prices = bsm_price(*opts.args())
    result = implied_vol(
        prices, opts.spot, opts.strike, opts.t_years, opts.rate, opts.div_yield, opts.is_call
    )
    priced = bsm_price(
        opts.spot, opts.strike, opts.t_years, opts.rate, opts.div_yield, result.vol, opts.is_call
    )
    ok = result.ok
    assert ok.mean() > 0.99
    assert np.max(np.abs(priced[ok] - prices[ok])) <= 1e-10

"""Smile readings on smiles whose answers are known in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from v6.pricing import atm_iv, bsm_greeks, iv_at_strike, put_call_iv_ratio


def _linear_smile(strikes: np.ndarray) -> np.ndarray:
    return 0.30 - 0.002 * (strikes - 100.0)


def test_iv_at_strike_is_exact_on_a_linear_smile() -> None:
    strikes = np.array([90.0, 95.0, 100.0, 105.0, 110.0])
    ivs = _linear_smile(strikes)
    for k in (90.0, 93.7, 100.0, 108.25, 110.0):
        assert iv_at_strike(strikes, ivs, k) == pytest.approx(0.30 - 0.002 * (k - 100.0), rel=1e-14)


def test_iv_at_strike_interpolates_linearly_between_kinks() -> None:
    strikes = np.array([90.0, 100.0, 110.0])
    ivs = np.array([0.40, 0.20, 0.30])  # a V-shaped smile
    assert iv_at_strike(strikes, ivs, 95.0) == pytest.approx(0.30)
    assert iv_at_strike(strikes, ivs, 107.5) == pytest.approx(0.275)


def test_iv_at_strike_does_not_extrapolate() -> None:
    strikes = np.array([90.0, 100.0, 110.0])
    ivs = _linear_smile(strikes)
    assert math.isnan(iv_at_strike(strikes, ivs, 89.99))
    assert math.isnan(iv_at_strike(strikes, ivs, 110.01))
    assert math.isnan(iv_at_strike(strikes, ivs, math.nan))


def test_unusable_points_are_dropped_and_unsorted_input_is_fine() -> None:
    strikes = np.array([110.0, 95.0, 100.0, 105.0, 90.0])
    ivs = np.array([_linear_smile(np.array([110.0]))[0], math.nan, 0.30, -0.1, 0.32])
    # 95 (NaN) and 105 (negative) are ignored: 102.5 lies between 100 and 110
    assert iv_at_strike(strikes, ivs, 102.5) == pytest.approx(0.295, rel=1e-14)
    assert iv_at_strike(strikes, ivs, 95.0) == pytest.approx(0.31, rel=1e-14)


def test_duplicate_strikes_are_averaged() -> None:
    strikes = np.array([100.0, 100.0, 110.0])
    ivs = np.array([0.20, 0.24, 0.30])  # call and put IV at the same strike
    assert iv_at_strike(strikes, ivs, 100.0) == pytest.approx(0.22)
    assert iv_at_strike(strikes, ivs, 105.0) == pytest.approx(0.26)


def test_no_data_gives_nan() -> None:
    assert math.isnan(iv_at_strike([], [], 100.0))
    assert math.isnan(iv_at_strike([100.0], [math.nan], 100.0))
    assert math.isnan(atm_iv(np.array([]), np.array([]), 100.0))


def test_mismatched_shapes_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="shape"):
        iv_at_strike([90.0, 100.0], [0.2], 95.0)


def test_atm_iv_reads_the_smile_at_the_forward() -> None:
    strikes = np.arange(500.0, 621.0, 5.0)
    ivs = 0.18 + 0.0005 * np.abs(strikes - 560.0) - 0.0002 * (strikes - 560.0)
    assert atm_iv(strikes, ivs, 560.0) == pytest.approx(0.18, rel=1e-14)
    # forward between strikes: linear between 560 and 565
    expected = 0.18 + (0.0005 - 0.0002) * 2.4
    assert atm_iv(strikes, ivs, 562.4) == pytest.approx(expected, rel=1e-14)
    assert math.isnan(atm_iv(strikes, ivs, 700.0))


def test_put_call_ratio_on_known_wings() -> None:
    put_deltas = np.array([-0.10, -0.20, -0.30, -0.40, -0.50])
    put_ivs = 0.30 - 0.2 * (np.abs(put_deltas) - 0.10)  # 0.30 .. 0.22
    call_deltas = np.array([0.50, 0.40, 0.30, 0.20, 0.10])
    call_ivs = 0.20 - 0.05 * (0.50 - call_deltas)  # 0.20 .. 0.18
    expected = (0.30 - 0.2 * 0.15) / (0.20 - 0.05 * 0.25)
    assert put_call_iv_ratio(put_deltas, put_ivs, call_deltas, call_ivs) == pytest.approx(
        expected, rel=1e-14
    )
    # absolute put deltas read the same
    assert put_call_iv_ratio(np.abs(put_deltas), put_ivs, call_deltas, call_ivs) == pytest.approx(
        expected, rel=1e-14
    )
    at_10 = put_call_iv_ratio(put_deltas, put_ivs, call_deltas, call_ivs, target_abs_delta=0.10)
    assert at_10 == pytest.approx(0.30 / 0.18, rel=1e-14)


def test_put_call_ratio_is_one_on_a_flat_smile_and_above_one_with_put_skew() -> None:
    strikes = np.linspace(400.0, 700.0, 121)
    spot, t = 560.0, 30 / 365.0

    def ratio(smile: np.ndarray) -> float:
        calls = bsm_greeks(spot, strikes, t, 0.04, 0.01, smile, True)
        puts = bsm_greeks(spot, strikes, t, 0.04, 0.01, smile, False)
        return put_call_iv_ratio(puts.delta, smile, calls.delta, smile)

    assert ratio(np.full(strikes.size, 0.2)) == pytest.approx(1.0, rel=1e-14)
    assert ratio(0.2 - 0.4 * np.log(strikes / spot)) > 1.05


def test_put_call_ratio_nan_when_a_side_is_missing() -> None:
    deltas = np.array([0.1, 0.2, 0.3])
    ivs = np.array([0.2, 0.2, 0.2])
    assert math.isnan(put_call_iv_ratio([], [], deltas, ivs))
    assert math.isnan(put_call_iv_ratio(-deltas, ivs, deltas, ivs, target_abs_delta=0.45))
    assert math.isnan(put_call_iv_ratio(-deltas, ivs, deltas, np.full(3, math.nan)))

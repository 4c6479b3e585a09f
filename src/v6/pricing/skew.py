"""Small smile / skew readings used by strike selection and regime rules.

All helpers interpolate linearly between quoted points and never extrapolate: a smile read
outside its quoted range is a guess, so they return NaN there (and when no usable data
remains after dropping NaN, non-positive or non-finite points). Repeated x values (a call and
a put at the same strike, say) are averaged.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from v6.pricing._arrays import FloatArray


def iv_at_strike(strikes: ArrayLike, ivs: ArrayLike, strike: float) -> float:
    """IV at ``strike`` by linear interpolation in strike; NaN outside the quoted strikes."""
    return _interpolate(np.asarray(strikes, dtype=np.float64), ivs, strike)


def atm_iv(strikes: ArrayLike, ivs: ArrayLike, forward_or_spot: float) -> float:
    """IV at the money: ``iv_at_strike`` at the forward (or spot, if that is what is passed)."""
    return iv_at_strike(strikes, ivs, forward_or_spot)


def put_call_iv_ratio(
    put_deltas: ArrayLike,
    put_ivs: ArrayLike,
    call_deltas: ArrayLike,
    call_ivs: ArrayLike,
    target_abs_delta: float = 0.25,
) -> float:
    """Put IV / call IV, each side interpolated linearly in |delta| at ``target_abs_delta``.

    The classic skew reading (e.g. 25-delta put vol over 25-delta call vol; > 1 when puts are
    bid). Deltas may be signed (puts negative) or absolute. NaN when either side has no quotes
    bracketing the target.
    """
    put_iv = _interpolate(
        np.abs(np.asarray(put_deltas, dtype=np.float64)), put_ivs, target_abs_delta
    )
    call_iv = _interpolate(
        np.abs(np.asarray(call_deltas, dtype=np.float64)), call_ivs, target_abs_delta
    )
    if math.isnan(put_iv) or math.isnan(call_iv):
        return math.nan
    return put_iv / call_iv


def _interpolate(xs: FloatArray, ys_like: ArrayLike, at: float) -> float:
    xs = xs.ravel()
    ys = np.asarray(ys_like, dtype=np.float64).ravel()
    if xs.shape != ys.shape:
        raise ValueError(f"x and iv arrays differ in shape: {xs.shape} vs {ys.shape}")
    at = float(at)
    usable = np.isfinite(xs) & np.isfinite(ys) & (ys > 0.0)
    if not usable.any() or not math.isfinite(at):
        return math.nan
    xs, ys = xs[usable], ys[usable]
    grid, inverse = np.unique(xs, return_inverse=True)
    ys = np.bincount(inverse, weights=ys) / np.bincount(inverse)
    if at < grid[0] or at > grid[-1]:
        return math.nan
    return float(np.interp(at, grid, ys))

"""Vectorised Black-Scholes-Merton implied volatility with a reason code for every "no vol".

Method. Each option is reduced by put-call parity to its out-of-the-money-equivalent call in
normalised Black form: ``x = -|ln(F/K)|`` and ``beta = time value / (e^{-rT} sqrt(F K))``,
solving ``b(x, s) = beta`` for ``s = vol sqrt(T)``. Working on the time value avoids the
catastrophic cancellation of deep in-the-money prices, and a single OTM call form serves calls
and puts. The objective is ``f(s) = ln b(x, s) - ln beta``:

* ``b`` is evaluated as ``0.5 exp(-x^2/(2 s^2) - s^2/8) (erfcx(u1) - erfcx(u2))`` with
  ``u1,2 = (|x|/s -+ s/2)/sqrt(2)``. ``erfcx`` (the scaled complementary error function) keeps
  full relative precision where both N(d1) and N(d2) underflow or cancel (deep OTM, 1-day
  expiries), and the Gaussian factor is handled exactly in log space, so ``ln b`` is accurate
  down to prices of 1e-300.
* ``ln b`` is concave and increasing in ``s`` for ``x <= 0`` (checked numerically in 40-digit
  arithmetic for |x| in [1e-6, 50], s in [1e-3, 30]), so Newton-type steps behave well.
  Halley steps (the second derivative is almost free: ``f''/f' = 2 u1 u2 / s - f'``)
  converge cubically: 3-4 iterations on average.
* Start points (Jaeckel): the inflection point ``s_c = sqrt(2|x|)`` splits the domain, since
  ``b(x, s_c) = e^{x/2}/2 - e^{-x/2} N(-s_c)`` needs only one ``ndtr``. Below it the start is
  the asymptotic lower bound ``|x| / sqrt(-2 ln beta)`` refined once with the small-``s``
  expansion ``b ~ exp(-x^2/(2 s^2)) s^3 / (x^2 sqrt(2 pi))``; above it the large-``s`` form
  ``s = -2 N^-1((e^{x/2} - beta) / (e^{x/2} + e^{-x/2}))``; ``beta sqrt(2 pi)`` is a lower
  bound everywhere and the useful one within ulps of the money. ``s_c`` is also the first bracket
  end, and the bracket is kept up to date: any step leaving it (or not finite) is replaced by a
  geometric bisection, so the solver cannot diverge.
* Converged when a Halley step is below ``1e-12`` relative. Arrays are solved in chunks that
  stay in cache; converged entries are compacted out of the working set every iteration.

Reason codes (``IVReason``), in order of precedence:

* ``INVALID_INPUT``: a non-finite input, spot/strike/t_years <= 0, or a negative price.
* ``ABOVE_UPPER_BOUND``: price at or above the no-arbitrage maximum (S e^{-qT} for a call,
  K e^{-rT} for a put), within the same rounding noise as below; no finite vol reaches it (a
  price a few ulps under the bound would only "solve" to a meaningless vol of 2000 %+).
* ``BELOW_INTRINSIC``: price below the discounted intrinsic value ``max(w (S e^{-qT} -
  K e^{-rT}), 0)`` by more than the rounding noise of that intrinsic.
* ``NO_TIME_VALUE``: time value zero, or (in the money) within the rounding noise of the
  intrinsic, ``|time value| <= 4 eps (S e^{-qT} + K e^{-rT})``; the vol is not determined by the
  price in double precision (only for vols below ~0.1% could a real vol hide there).
* ``NOT_CONVERGED``: the iteration cap was hit. Not seen on any test set; it is the safety net
  for pathological inputs (e.g. vol * sqrt(T) beyond ~40, where ``erfcx`` overflows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import erfcx, ndtr, ndtri

from v6.pricing._arrays import FloatArray, flatten_inputs, materialize

CHUNK_SIZE = 16384
"""Options solved together: the working set (~12 arrays) stays in L2 cache."""

MAX_ITERATIONS = 60
REL_TOL = 1e-12
_EPS = float(np.finfo(np.float64).eps)
_NOISE_ULPS = 4.0
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_LN_HALF = math.log(0.5)
_LN_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


class IVReason(IntEnum):
    """Why an implied vol is or is not available (see the module docstring)."""

    OK = 0
    INVALID_INPUT = 1
    BELOW_INTRINSIC = 2
    ABOVE_UPPER_BOUND = 3
    NO_TIME_VALUE = 4
    NOT_CONVERGED = 5


@dataclass(frozen=True, slots=True)
class IVResult:
    """Implied vols (NaN wherever ``reason != OK``) and ``IVReason`` codes, same shape."""

    vol: NDArray[np.float64]
    reason: NDArray[np.int8]

    @property
    def ok(self) -> NDArray[np.bool_]:
        ok: NDArray[np.bool_] = self.reason == np.int8(IVReason.OK)
        return ok


def implied_vol(
    price: ArrayLike,
    spot: ArrayLike,
    strike: ArrayLike,
    t_years: ArrayLike,
    rate: ArrayLike,
    div_yield: ArrayLike,
    is_call: ArrayLike,
) -> IVResult:
    """Black-Scholes-Merton implied vol; all arguments broadcast together. Never raises on data."""
    flat = flatten_inputs((price, spot, strike, t_years, rate, div_yield), is_call)
    n = flat.size
    cols = [materialize(c, n) for c in flat.columns]
    vol = np.full(n, np.nan)
    reason = np.empty(n, dtype=np.int8)
    with np.errstate(all="ignore"):
        for lo in range(0, n, CHUNK_SIZE):
            hi = min(n, lo + CHUNK_SIZE)
            _solve_chunk([c[lo:hi] for c in cols], vol[lo:hi], reason[lo:hi])
    return IVResult(vol.reshape(flat.shape), reason.reshape(flat.shape))


def _solve_chunk(cols: list[FloatArray], vol: FloatArray, reason: NDArray[np.int8]) -> None:
    price, spot, strike, t, rate, div, sign = cols
    valid = (
        np.isfinite(price)
        & (price >= 0.0)
        & (spot > 0.0)
        & (spot < math.inf)
        & (strike > 0.0)
        & (strike < math.inf)
        & (t > 0.0)
        & (t < math.inf)
        & np.isfinite(rate)
        & np.isfinite(div)
    )
    # discounted forward legs S e^{-qT} and K e^{-rT}, computed exactly as bsm.py does
    sq = spot * np.exp(-div * t)
    kr = strike * np.exp(-rate * t)
    upper = np.where(sign > 0.0, sq, kr)
    intrinsic = np.maximum(sign * (sq - kr), 0.0)
    time_value = price - intrinsic
    noise = _NOISE_ULPS * _EPS * (sq + kr)
    intrinsic_noise = np.where(intrinsic > 0.0, noise, 0.0)

    reason.fill(IVReason.OK)
    reason[time_value <= intrinsic_noise] = IVReason.NO_TIME_VALUE
    reason[time_value < -intrinsic_noise] = IVReason.BELOW_INTRINSIC
    reason[price >= upper - noise] = IVReason.ABOVE_UPPER_BOUND
    reason[~valid] = IVReason.INVALID_INPUT

    rows = np.flatnonzero(reason == IVReason.OK)
    if rows.size == 0:
        return
    sq_ok, kr_ok = sq[rows], kr[rows]
    x = -np.abs(np.log(sq_ok / kr_ok))
    ln_beta = np.log(time_value[rows]) - 0.5 * (np.log(sq_ok) + np.log(kr_ok))
    s, converged = _solve_normalised(x, ln_beta)
    vol[rows[converged]] = s[converged] / np.sqrt(t[rows[converged]])
    reason[rows[~converged]] = IVReason.NOT_CONVERGED


def _start_points(x: FloatArray, ln_beta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Start point and initial bracket ``(s0, lo, hi)`` for ``b(x, s) = beta``, x <= 0."""
    abs_x = -x
    beta = np.exp(ln_beta)
    s_c = np.sqrt(2.0 * abs_x)
    b_max = np.exp(0.5 * x)
    b_c = 0.5 * b_max - np.exp(-0.5 * x) * ndtr(-s_c)
    above = beta >= b_c
    # lower region: s_L = |x| / sqrt(-2 ln beta) is a proven lower bound; refine once with the
    # small-s expansion ln b ~ -x^2/(2 s^2) + 3 ln s - ln(x^2 sqrt(2 pi)).
    s_low = abs_x / np.sqrt(-2.0 * ln_beta)
    arg = 2.0 * (3.0 * np.log(s_low) - 2.0 * np.log(abs_x) - _LN_SQRT_2PI - ln_beta)
    s_ref = abs_x / np.sqrt(arg)
    use_ref = (arg > 0.0) & (s_ref < s_c) & (s_ref > s_low)
    # b(x, s) <= b(0, s) = erf(s / sqrt 8) <= s / sqrt(2 pi) (b grows with x up to 0), so
    # beta sqrt(2 pi) is a lower bound too: the useful one within a few ulps of the money
    s_atm = beta * _SQRT_2PI
    lower_bound = np.maximum(s_low, s_atm)
    s_lower = np.maximum(np.where(use_ref, s_ref, s_low), s_atm)
    # upper region: large-s asymptote b ~ e^{x/2} - (e^{x/2} + e^{-x/2}) N(-s/2)
    s_up = -2.0 * ndtri((b_max - beta) / (b_max + np.exp(-0.5 * x)))
    s_upper = np.maximum(np.maximum(s_up, s_c), s_atm)
    s0 = np.where(above, s_upper, s_lower)
    lo = np.where(above, np.maximum(s_c, s_atm), lower_bound)
    hi = np.where(above, math.inf, s_c)
    return s0, lo, hi


def _solve_normalised(x: FloatArray, ln_beta: FloatArray) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Halley on ``ln b(x, s) - ln beta`` with a maintained bracket; returns (s, converged)."""
    n = x.size
    s, lo, hi = _start_points(x, ln_beta)
    out = np.full(n, np.nan)
    converged = np.zeros(n, dtype=np.bool_)
    idx = np.arange(n)
    a = -x
    c0 = _LN_HALF - ln_beta
    for _ in range(MAX_ITERATIONS):
        a_s = a / s * _INV_SQRT2
        h_s = s * (0.5 * _INV_SQRT2)
        u1 = a_s - h_s
        u2 = a_s + h_s
        diff = erfcx(u1) - erfcx(u2)
        # f = ln b - ln beta ; f' = b'/b = sqrt(2/pi)/diff ; f''/f' = 2 u1 u2 / s - f'
        f = np.log(diff) - (a_s * a_s + h_s * h_s) + c0
        fp = _SQRT_2_OVER_PI / diff
        # NaN means diff <= 0: erfcx(u1) and erfcx(u2) equal to rounding, so s is far too small
        below = ~(f >= 0.0)
        np.copyto(lo, s, where=below)
        np.copyto(hi, s, where=~below)
        nu = -f / fp
        curv = 2.0 * u1 * u2 / s - fp
        s_new = s + nu / (1.0 + 0.5 * nu * curv)
        step_ok = (s_new >= lo) & (s_new <= hi)
        done = step_ok & (np.abs(s_new - s) <= REL_TOL * s_new)
        if not step_ok.all():
            bad = ~step_ok
            s_new[bad] = _fallback(lo[bad], hi[bad])
            # a collapsed bracket is as converged as double precision allows
            done |= hi - lo <= 4.0 * _EPS * lo
        if done.any():
            out[idx[done]] = s_new[done]
            converged[idx[done]] = True
            keep = ~done
            idx, s, a, c0, lo, hi = idx[keep], s_new[keep], a[keep], c0[keep], lo[keep], hi[keep]
            if idx.size == 0:
                break
        else:
            s = s_new
    return out, converged


def _fallback(lo: FloatArray, hi: FloatArray) -> FloatArray:
    """Geometric bisection inside the bracket (scale-free, so tiny vols are reached as fast
    as large ones); doubling while the bracket has no upper end yet."""
    return np.where(np.isinf(hi), 2.0 * lo, np.where(lo > 0.0, np.sqrt(lo) * np.sqrt(hi), 0.5 * hi))

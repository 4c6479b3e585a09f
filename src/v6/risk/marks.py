"""Marks, IVs and per-share Greeks for a column of legs, in one vectorised pass.

A mark is the mid of a valid quote (a zero bid is allowed: far wings often have one). IV and
Greeks come from the quote when present and finite (IB's model values); the rest are implied
from the mid with ``v6.pricing.implied_vol`` and computed with ``v6.pricing.bsm_greeks``. A leg
without a valid quote keeps NaN everywhere, and its problem is reported, never guessed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from v6.domain.quote import Quote, QuoteValidity
from v6.pricing.bsm import bsm_greeks
from v6.pricing.iv import implied_vol

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LegMarks:
    """Per-leg market values: ``greeks`` rows are delta, gamma, theta per day and vega per vol
    point, per share. ``problems`` names each leg that has no usable price (key, reason)."""

    mark: FloatArray
    iv: FloatArray
    greeks: FloatArray
    problems: tuple[tuple[str, str], ...]


def mark_legs(
    keys: Sequence[str],
    quotes: Mapping[str, Quote],
    *,
    spot: FloatArray,
    strike: FloatArray,
    t_years: FloatArray,
    is_call: NDArray[np.bool_],
    rate: float,
    div: FloatArray | float,
    ts: datetime,
    max_age: timedelta,
) -> LegMarks:
    n = len(keys)
    mark = np.full(n, math.nan)
    iv = np.full(n, math.nan)
    greeks = np.full((4, n), math.nan)
    problems: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        j = seen.get(key)
        if j is not None:  # the same contract in two strategies: copy the first reading
            mark[i], iv[i] = mark[j], iv[j]
            greeks[:, i] = greeks[:, j]
            continue
        seen[key] = i
        q = quotes.get(key)
        if q is None:
            problems.append((key, "no quote"))
            continue
        v = q.validity(ts, max_age, allow_zero_bid=True)
        if v is not QuoteValidity.VALID:
            problems.append((key, f"quote {v.value}"))
            continue
        mark[i] = (q.bid + q.ask) * 0.5
        if q.iv is not None and math.isfinite(q.iv) and q.iv > 0:
            iv[i] = q.iv
        g = q.greeks
        if g is not None and g.is_finite():
            greeks[:, i] = (g.delta, g.gamma, g.theta_per_day, g.vega_per_vol_point)
    _fill_model(mark, iv, greeks, spot, strike, t_years, is_call, rate, div)
    for i in np.flatnonzero(np.isfinite(mark) & ~np.isfinite(iv)).tolist():
        problems.append((keys[i], "no implied vol from the mid"))
    return LegMarks(mark, iv, greeks, tuple(problems))


def _fill_model(
    mark: FloatArray,
    iv: FloatArray,
    greeks: FloatArray,
    spot: FloatArray,
    strike: FloatArray,
    t_years: FloatArray,
    is_call: NDArray[np.bool_],
    rate: float,
    div: FloatArray | float,
) -> None:
    def at(a: FloatArray | float, rows: NDArray[np.intp]) -> FloatArray | float:
        return a if isinstance(a, float) else a[rows]

    need_iv = np.flatnonzero(~np.isfinite(iv) & np.isfinite(mark))
    if need_iv.size:
        iv[need_iv] = implied_vol(
            mark[need_iv],
            spot[need_iv],
            strike[need_iv],
            t_years[need_iv],
            rate,
            at(div, need_iv),
            is_call[need_iv],
        ).vol
    need_g = np.flatnonzero(~np.isfinite(greeks).all(axis=0) & np.isfinite(iv))
    if need_g.size:
        g = bsm_greeks(
            spot[need_g],
            strike[need_g],
            t_years[need_g],
            rate,
            at(div, need_g),
            iv[need_g],
            is_call[need_g],
        )
        greeks[0, need_g] = g.delta
        greeks[1, need_g] = g.gamma
        greeks[2, need_g] = g.theta_per_day
        greeks[3, need_g] = g.vega_per_vol_point

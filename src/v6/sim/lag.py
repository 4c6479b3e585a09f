"""The cash index's lag behind the efficient (futures) price: the spot at grid time ``t`` is
the efficient log price at ``t - lead``, linear between known points, where the known points
are the bridged pre-open point (``open - lead``) and every grid time of the session.

Because that spot is linear in the path's increments, a forced close can be pinned on the
spot itself (what the rules see) by shifting the increments along ``close_sensitivity``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def interp_rows(x: FloatArray, xp: FloatArray, fp: FloatArray) -> FloatArray:
    """Row-wise linear interpolation of ``fp`` (rows share the knots ``xp``), clamped."""
    idx = np.clip(np.searchsorted(xp, x, side="right"), 1, xp.size - 1)
    x0, x1 = xp[idx - 1], xp[idx]
    w = np.clip((x - x0) / np.maximum(x1 - x0, 1e-12), 0.0, 1.0)
    out: FloatArray = fp[:, idx - 1] * (1.0 - w) + fp[:, idx] * w
    return out


def knots(pre_open_s: float, grid_s: FloatArray) -> FloatArray:
    """Times of the known efficient prices for one session: pre-open point, then the grid."""
    return np.concatenate(([pre_open_s], grid_s))


def close_sensitivity(knot_s: FloatArray, lead_s: float) -> FloatArray:
    """d(spot log close) / d(increment j) for the intraday increments j = 1 .. n-1.

    Knot ``m >= 1`` is grid time ``m - 1``, the sum of increments ``0 .. m-1``; the spot close
    interpolates knots ``k`` and ``k + 1`` with weight ``w``.
    """
    n_t = knot_s.size - 1
    tq = knot_s[-1] - lead_s
    k = int(np.clip(np.searchsorted(knot_s, tq, side="right") - 1, 0, n_t - 1))
    span = knot_s[k + 1] - knot_s[k]
    w = float(np.clip((tq - knot_s[k]) / span, 0.0, 1.0)) if span > 0 else 1.0
    j = np.arange(1, n_t)
    out: FloatArray = (1.0 - w) * (j <= k - 1) + w * (j <= k)
    return out

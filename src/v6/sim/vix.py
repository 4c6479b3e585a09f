"""Expected 30-day volatility under the simulator's Heston-with-jumps model, and the VIX
built from it, so the index the rules watch is consistent with the paths they trade.

E[mean variance over T] = theta + (v0 - theta)(1 - e^{-kT}) / (kT) + jump variance per year;
ATM 30-day implied vol = sqrt(that) * ``implied_vol_premium`` (~1.2, the variance risk
premium); VIX = 100 * the reference symbol's ATM implied vol * ``premium_over_atm`` (~1.05,
because the VIX strip includes the expensive OTM puts). T is 21 sessions (30 calendar days).
Because spot and variance shocks are negatively correlated (rho ~ -0.7), VIX jumps when the
market falls.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

HORIZON_YEARS: Final = 21.0 / 252.0
"""30 calendar days on the model's trading-time clock (21 sessions of 252 a year)."""


def heston_mean_variance_factor(kappa: FloatArray | float, horizon_years: float) -> FloatArray:
    """(1 - e^{-kT}) / (kT): how much of today's variance excess survives on average over T."""
    kt = np.asarray(kappa, dtype=np.float64) * horizon_years
    out: FloatArray = np.where(kt > 1e-9, -np.expm1(-kt) / np.maximum(kt, 1e-300), 1.0)
    return out


def expected_mean_variance(
    v0: FloatArray,
    theta: FloatArray,
    kappa: FloatArray,
    jump_variance_per_year: FloatArray,
    horizon_years: float = HORIZON_YEARS,
) -> FloatArray:
    """Expected average annualised variance over the horizon (diffusion plus jumps).

    Arrays broadcast: ``v0`` may be ``(n_symbols, n_times)`` with per-symbol columns
    ``theta``, ``kappa`` and ``jump_variance_per_year`` of shape ``(n_symbols, 1)``.
    """
    f = heston_mean_variance_factor(kappa, horizon_years)
    out: FloatArray = theta + (v0 - theta) * f + jump_variance_per_year
    return np.maximum(out, 0.0)


def vix_from_implied(atm_implied_vol_30d: FloatArray, premium_over_atm: float) -> FloatArray:
    """VIX index points from the reference symbol's ATM 30-day implied vol (a fraction)."""
    out: FloatArray = 100.0 * premium_over_atm * atm_implied_vol_30d
    return out

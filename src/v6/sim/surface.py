"""The implied-volatility surface of the simulated option market: an SSVI smile (put skew and
curvature in log-forward-moneyness) on top of an ATM term structure anchored to the 30-day ATM
vol of the moment, free of static arbitrage by construction.

Term structure: the ATM forward variance mean-reverts, ``v(t) = v_inf + (v_0 - v_inf) e^(-t/tau)``
(the expected variance of a Heston-type model), so the ATM total variance
``theta(T) = v_inf T + (v_0 - v_inf) tau (1 - e^(-T/tau))`` always grows with T (no calendar
arbitrage) while ATM *vol* slopes up when the 30-day vol is below its long-run level (calm) and
inverts when it is above (stress). ``v_0`` is solved so that ``theta(30d)/30d`` equals the
30-day ATM vol squared.

Smile: SSVI (Gatheral and Jacquier 2014) with the power-law
``phi(theta) = eta / (theta^gamma (1 + theta)^(1 - gamma))``,
``w(k, T) = theta/2 (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2))``, ``k = ln(K/F)``.
With ``eta (1 + |rho|) <= 2`` and 0 < gamma <= 1/2 the surface has no butterfly or calendar
arbitrage; ``SmileShape`` clamps eta to keep that so. ``rho < 0`` gives the equity put skew;
skew in k steepens like ~1/sqrt(T) for short expiries, as listed index options do.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from v6.errors import ConfigError

FloatArray = npt.NDArray[np.float64]

T_30D_YEARS = 30.0 / 365.0
MIN_T_YEARS = 1.0 / (365.0 * 24.0 * 12.0)
"""Five minutes: the shortest time to expiry a quote is priced with (0 DTE at the close)."""


@dataclass(frozen=True, slots=True)
class SmileShape:
    """SSVI smile parameters: ``rho`` skew (negative = put skew), ``eta`` curvature level,
    ``gamma`` how fast the smile flattens as total variance grows."""

    rho: float
    eta: float
    gamma: float = 0.5

    def __post_init__(self) -> None:
        problems = []
        if not -1 < self.rho < 1:
            problems.append(f"smile rho must be in (-1, 1), got {self.rho}")
        if not self.eta > 0:
            problems.append(f"smile eta must be > 0, got {self.eta}")
        if not 0 < self.gamma <= 0.5:
            problems.append(f"smile gamma must be in (0, 0.5], got {self.gamma}")
        if problems:
            raise ConfigError(problems, "SmileShape")

    def arbitrage_free(self) -> SmileShape:
        """The same shape with eta clamped to the no-butterfly bound ``2 / (1 + |rho|)``."""
        bound = 2.0 / (1.0 + abs(self.rho))
        return self if self.eta <= bound else SmileShape(self.rho, bound, self.gamma)


@dataclass(frozen=True, slots=True)
class SymbolVolParams:
    """Per-underlying surface parameters.

    ``long_run_vol``: the ATM vol the term structure reverts to (its far end).
    ``mean_reversion_years``: how fast the near end reverts to it (tau).
    ``skew``: the calm-market smile; regimes adjust it (``REGIME_SMILE_ADJUSTMENT``).
    """

    long_run_vol: float
    mean_reversion_years: float = 0.35
    skew: SmileShape = SmileShape(rho=-0.68, eta=0.95)

    def __post_init__(self) -> None:
        if not (0 < self.long_run_vol < 3 and self.mean_reversion_years > 0):
            raise ConfigError(
                [f"vol params: long_run_vol in (0, 3) and tau > 0, got {self}"], "SymbolVolParams"
            )


DEFAULT_VOL_PARAMS: Mapping[str, SymbolVolParams] = {
    # Index ETFs carry a steep put skew; small caps a flatter one (rho closer to zero).
    "SPY": SymbolVolParams(0.18, 0.35, SmileShape(rho=-0.68, eta=0.95)),
    "QQQ": SymbolVolParams(0.23, 0.35, SmileShape(rho=-0.62, eta=0.95)),
    "IWM": SymbolVolParams(0.24, 0.35, SmileShape(rho=-0.52, eta=1.00)),
}

REGIME_SMILE_ADJUSTMENT: Mapping[str, tuple[float, float]] = {
    # regime name -> (rho shift, eta multiplier). In stress the skew flattens relative to the
    # (much higher) ATM level while the wings get richer: rho rises, eta rises.
    "LOW_VOL": (-0.03, 0.95),
    "NORMAL": (0.0, 1.0),
    "RANGE_BOUND": (-0.02, 0.97),
    "TRENDING": (0.02, 1.0),
    "HIGH_VOL": (0.07, 1.08),
    "CRASH": (0.14, 1.18),
}


def vol_params_for(symbol: str, long_run_vol: float | None = None) -> SymbolVolParams:
    """Defaults for known symbols; ``long_run_vol`` (e.g. from the path config) overrides."""
    base = DEFAULT_VOL_PARAMS.get(symbol, SymbolVolParams(0.25, 0.35, SmileShape(-0.6, 1.0)))
    if long_run_vol is None:
        return base
    return SymbolVolParams(long_run_vol, base.mean_reversion_years, base.skew)


def regime_shape(base: SmileShape, regime_name: str) -> SmileShape:
    """The smile of ``base`` adjusted for a regime (unknown names leave it unchanged)."""
    shift, mult = REGIME_SMILE_ADJUSTMENT.get(regime_name.upper(), (0.0, 1.0))
    rho = min(max(base.rho + shift, -0.95), 0.95)
    return SmileShape(rho, base.eta * mult, base.gamma).arbitrage_free()


@dataclass(frozen=True, slots=True)
class VolSurface:
    """One underlying's surface at one instant; ``iv`` evaluates it for arrays of options."""

    atm_vol_30d: float
    long_run_vol: float
    mean_reversion_years: float
    shape: SmileShape

    @property
    def v0(self) -> float:
        """Instantaneous ATM variance that reproduces ``atm_vol_30d`` at 30 days."""
        tau = self.mean_reversion_years
        v_inf = self.long_run_vol**2
        weight = tau * (1.0 - math.exp(-T_30D_YEARS / tau)) / T_30D_YEARS
        v0 = v_inf + (self.atm_vol_30d**2 - v_inf) / weight
        # A 30-day vol far below the long run would need a negative spot variance: floor it.
        return max(v0, 0.05 * self.atm_vol_30d**2)

    @property
    def v_inf(self) -> float:
        return self.long_run_vol**2

    def atm_total_variance(self, t_years: FloatArray) -> FloatArray:
        """theta(T): ATM total implied variance, increasing in T."""
        return atm_total_variance(t_years, self.v_inf, self.mean_reversion_years, self.v0)

    def total_variance(self, log_moneyness: FloatArray, t_years: FloatArray) -> FloatArray:
        """w(k, T) in SSVI form; ``log_moneyness`` is ln(K / F)."""
        s = self.shape
        return ssvi_total_variance(
            log_moneyness,
            t_years,
            self.v_inf,
            self.mean_reversion_years,
            self.v0,
            s.rho,
            s.eta,
            s.gamma,
        )

    def iv(self, log_moneyness: FloatArray, t_years: FloatArray) -> FloatArray:
        """Black implied vol per option (annualised, 0.20 = 20 %)."""
        t = np.maximum(t_years, MIN_T_YEARS)
        out: FloatArray = np.sqrt(self.total_variance(log_moneyness, t) / t)
        return out

    def atm_vol(self, t_years: float) -> float:
        """ATM vol for one maturity (the term-structure curve)."""
        t = max(t_years, MIN_T_YEARS)
        return math.sqrt(float(self.atm_total_variance(np.array([t]))[0]) / t)


Param = FloatArray | float
"""A surface parameter: one value, or one per option row (several symbols in one batch)."""


def atm_total_variance(t_years: FloatArray, v_inf: Param, tau: Param, v0: Param) -> FloatArray:
    """theta(T) = v_inf T + (v0 - v_inf) tau (1 - e^(-T/tau)) for T floored at 5 minutes."""
    t = np.maximum(t_years, MIN_T_YEARS)
    out: FloatArray = v_inf * t + (v0 - v_inf) * tau * -np.expm1(-t / tau)
    return out


def ssvi_total_variance(
    k: FloatArray,
    t_years: FloatArray,
    v_inf: Param,
    tau: Param,
    v0: Param,
    rho: Param,
    eta: Param,
    gamma: Param,
) -> FloatArray:
    """SSVI total variance with the power-law phi; every parameter may be per row."""
    theta = atm_total_variance(t_years, v_inf, tau, v0)
    if isinstance(gamma, float) and gamma == 0.5:  # the default: one sqrt instead of two powers
        phi = eta / np.sqrt(theta * (1.0 + theta))
    else:
        phi = eta / (theta**gamma * (1.0 + theta) ** (1.0 - gamma))
    pk = phi * k
    out: FloatArray = 0.5 * theta * (1.0 + rho * pk + np.sqrt((pk + rho) ** 2 + (1.0 - rho * rho)))
    return out


def build_surface(
    params: SymbolVolParams, atm_vol_30d: float, regime_name: str = "NORMAL"
) -> VolSurface:
    """The surface of one symbol for the current 30-day ATM vol and regime."""
    if not (math.isfinite(atm_vol_30d) and atm_vol_30d > 0):
        raise ValueError(f"30-day ATM vol must be positive and finite, got {atm_vol_30d}")
    return VolSurface(
        atm_vol_30d=atm_vol_30d,
        long_run_vol=params.long_run_vol,
        mean_reversion_years=params.mean_reversion_years,
        shape=regime_shape(params.skew, regime_name),
    )

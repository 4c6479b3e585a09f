"""Configuration of the market simulator (section ``sim`` of ``TradingConfig``): underlyings and
their stochastic-volatility parameters, correlations, regimes and crashes, forced scenarios,
VIX and futures. Every number has a realistic default, so ``SimConfig()`` is a usable market.

Model, per underlying, on a trading-time clock of 252 sessions a year (``stepper.py``):

    d ln S = (mu + beta*regime_drift - q - jump_comp - v/2 - a (ln S - anchor)) dt
             + sqrt(v) dW_S + J dN + beta * J_m dN_m
    dv     = kappa (theta_regime - v) dt + xi sqrt(v) dW_v,   corr(dW_S, dW_v) = rho

Defaults: SPY 590 / vol 16 %, QQQ 510 / 21 % (beta 1.2), IWM 220 / 23 % (beta 1.25);
price-shock correlations SPY-QQQ 0.90, SPY-IWM 0.80, QQQ-IWM 0.75; kappa 6 (vol half-life
~29 sessions), xi 0.55, rho -0.7; market jumps 3 a year ~ N(-1 %, 1.5 %) times beta, plus
1 idiosyncratic jump a year for QQQ and IWM; 20 % of a session's variance overnight; r 4 %.
``vol_level`` is the long-run total vol (diffusion and ordinary jumps, averaged over the
regime chain): theta_regime = (vol_level^2 - jump variance) * multiplier / E_pi[multiplier].
Regimes (mean days, variance multiplier, excess drift): calm 40 / 0.45 / +5 %, normal
30 / 0.9 / 0, trending 25 / 0.7 / +15 %, range-bound 20 / 0.8 / -5 % (with mean reversion
to its start level), high-vol 15 / 2.5 / -15 %. Crashes: 0.5 a year, -7 % to -12 % over 2-5
sessions, 30-50 % of it as a gap at the first open, vol 1.6-2.6x ``vol_level``, then
high-vol. Futures ES = 10 x SPY, NQ = 41 x QQQ, RTY = 10 x IWM with carry; 5-minute lead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Self

import numpy as np
from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from v6.config.types import (
    ConfigSection,
    FrozenMap,
    NoBool,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    Symbol,
)
from v6.sim.faults import FaultConfig
from v6.sim.regimes import CHAIN_REGIMES, Regime, ScenarioName

Correlation = Annotated[float, NoBool, Field(ge=-0.99, le=0.99)]
UnitFraction = Annotated[float, NoBool, Field(ge=0, lt=1)]


class JumpSpec(ConfigSection):
    """Poisson jumps in log-price: ``intensity_per_year`` arrivals, each ~ N(mean, std)."""

    intensity_per_year: NonNegativeFloat = 0.0
    mean_log_return: Annotated[float, NoBool, Field(ge=-0.5, le=0.5)] = 0.0
    std_log_return: Annotated[float, NoBool, Field(ge=0, le=0.5)] = 0.0

    @property
    def variance_per_year(self) -> float:
        """Variance the jumps add per year: lambda * E[J^2]."""
        return self.intensity_per_year * (self.mean_log_return**2 + self.std_log_return**2)


class UnderlyingSpec(ConfigSection):
    """One simulated underlying (an ETF such as SPY) and its Heston-with-jumps parameters."""

    symbol: Symbol
    start_price: PositiveFloat
    vol_level: Annotated[float, NoBool, Field(gt=0.01, le=2.0)]
    """Long-run annualised vol (0.16 = 16 %), diffusion plus ordinary jumps, across regimes."""
    start_vol: Annotated[float, NoBool, Field(gt=0.01, le=3.0)] | None = None
    """Instantaneous vol at the start; ``None`` = the start regime's long-run level."""
    drift_annual: Annotated[float, NoBool, Field(ge=-1, le=1)] = 0.07
    """Expected total return per year (real-world measure), before regime drift."""
    dividend_yield: Annotated[float, NoBool, Field(ge=0, le=0.2)] = 0.013
    mean_reversion_per_year: Annotated[float, NoBool, Field(gt=0, le=100)] = 6.0
    """Heston kappa: variance half-life is ln 2 / kappa years (6 -> about 29 sessions)."""
    vol_of_vol: Annotated[float, NoBool, Field(gt=0, le=5)] = 0.55
    """Heston xi (annualised vol of the variance process)."""
    spot_vol_correlation: Correlation = -0.7
    """Heston rho: negative, so vol (and VIX) rises when the price falls (leverage effect)."""
    beta: Annotated[float, NoBool, Field(gt=0, le=5)] = 1.0
    """Sensitivity to market-wide moves: market jumps, regime drift, crash and scenario pins."""
    jumps: JumpSpec = Field(default_factory=JumpSpec)
    """Idiosyncratic jumps (news on this name only); market jumps are in ``SimConfig``."""
    implied_vol_premium: Annotated[float, NoBool, Field(ge=0.8, le=2.0)] = 1.2
    """ATM implied vol over expected realised vol (the variance risk premium, as a vol ratio)."""


def _default_underlyings() -> tuple[UnderlyingSpec, ...]:
    return (
        UnderlyingSpec(symbol="SPY", start_price=590.0, vol_level=0.16, beta=1.0),
        UnderlyingSpec(
            symbol="QQQ",
            start_price=510.0,
            vol_level=0.21,
            drift_annual=0.09,
            dividend_yield=0.006,
            beta=1.2,
            jumps=JumpSpec(intensity_per_year=1.0, mean_log_return=0.0, std_log_return=0.02),
        ),
        UnderlyingSpec(
            symbol="IWM",
            start_price=220.0,
            vol_level=0.23,
            drift_annual=0.06,
            dividend_yield=0.012,
            beta=1.25,
            jumps=JumpSpec(intensity_per_year=1.0, mean_log_return=0.0, std_log_return=0.015),
        ),
    )


def _default_correlations() -> dict[str, float]:
    return {"SPY-QQQ": 0.90, "SPY-IWM": 0.80, "QQQ-IWM": 0.75}


class RegimeSpec(ConfigSection):
    """One chain regime: how long it lasts, how often it is chosen, and what it does."""

    mean_duration_days: Annotated[float, NoBool, Field(ge=1, le=10_000)]
    weight: PositiveFloat
    """Relative chance of being picked when the chain leaves another regime."""
    variance_multiplier: Annotated[float, NoBool, Field(gt=0, le=50)]
    """Long-run variance theta relative to the normalised base (normalised over the chain)."""
    excess_drift_annual: Annotated[float, NoBool, Field(ge=-3, le=3)] = 0.0
    """Added to every symbol's drift, times its beta."""
    price_reversion_per_year: NonNegativeFloat = 0.0
    """Pull of ln S back to its level at the regime's start (range-bound markets)."""


def _default_specs() -> dict[Regime, RegimeSpec]:
    return {
        Regime.LOW_VOL: RegimeSpec(
            mean_duration_days=40, weight=0.30, variance_multiplier=0.45, excess_drift_annual=0.05
        ),
        Regime.NORMAL: RegimeSpec(mean_duration_days=30, weight=0.35, variance_multiplier=0.9),
        Regime.TRENDING: RegimeSpec(
            mean_duration_days=25, weight=0.12, variance_multiplier=0.7, excess_drift_annual=0.15
        ),
        Regime.RANGE_BOUND: RegimeSpec(
            mean_duration_days=20,
            weight=0.13,
            variance_multiplier=0.8,
            excess_drift_annual=-0.05,
            price_reversion_per_year=15.0,
        ),
        Regime.HIGH_VOL: RegimeSpec(
            mean_duration_days=15, weight=0.10, variance_multiplier=2.5, excess_drift_annual=-0.15
        ),
    }


class CrashSpec(ConfigSection):
    """Crash episodes: rare, fast drawdowns with a gap at an open and a vol spike."""

    per_year: NonNegativeFloat = 0.5
    """Expected crashes per year (0.5 = one every two years); 0 disables random crashes."""
    drawdown_min: Annotated[float, NoBool, Field(gt=0, lt=0.9)] = 0.07
    drawdown_max: Annotated[float, NoBool, Field(gt=0, lt=0.9)] = 0.12
    """Total fall of a beta-1 symbol from the last close before the crash to its lowest close."""
    days_min: Annotated[int, NoBool, Field(ge=1, le=20)] = 2
    days_max: Annotated[int, NoBool, Field(ge=1, le=20)] = 5
    gap_share_min: UnitFraction = 0.3
    gap_share_max: UnitFraction = 0.5
    """Share of the drawdown that happens in the gap at the first crash open."""
    vol_multiplier_min: Annotated[float, NoBool, Field(ge=1, le=10)] = 1.6
    vol_multiplier_max: Annotated[float, NoBool, Field(ge=1, le=10)] = 2.6
    """Instantaneous vol at the crash open, as a multiple of ``vol_level``."""
    variance_multiplier: Annotated[float, NoBool, Field(gt=0, le=50)] = 3.0
    """theta during the crash, relative to the normalised base (keeps vol high)."""


_VALUES = frozenset(r.value for r in Regime)


class RegimeConfig(ConfigSection):
    """The regime chain, crashes, and how variance reacts to a regime change."""

    enabled: bool = True
    """False pins the chain to ``start`` (crashes still follow ``crash.per_year``)."""
    start: Regime = Regime.NORMAL
    specs: FrozenMap[Regime, RegimeSpec] = Field(default_factory=_default_specs)
    crash: CrashSpec = Field(default_factory=CrashSpec)
    switch_vol_adjustment: UnitFraction = 0.5
    """On a regime change, v moves this fraction of the way to the new theta at once."""
    vol_spike_multiplier: Annotated[float, NoBool, Field(ge=1, le=10)] = 2.5
    """Instantaneous vol (x ``vol_level``) at the start of the ``vol-spike`` scenario."""

    @field_validator("specs", mode="before")
    @classmethod
    def _merge_default_specs(cls, value: object) -> object:
        """A partial ``specs`` overrides only the regimes it names; the rest keep defaults."""
        if isinstance(value, Mapping):
            merged: dict[object, object] = dict(_default_specs().items())
            for key, spec in value.items():
                merged[Regime(key) if isinstance(key, str) and key in _VALUES else key] = spec
            return merged
        return value


class VixConfig(ConfigSection):
    """VIX = 100 * reference symbol's expected 30-day ATM implied vol * ``premium_over_atm``."""

    reference_symbol: Symbol = "SPY"
    premium_over_atm: Annotated[float, NoBool, Field(ge=0.8, le=2.0)] = 1.05
    """VIX integrates the whole strip, OTM puts included, so it sits above ATM implied vol."""


class FuturesSpec(ConfigSection):
    """One futures root tracking an underlying ETF: price = index_per_share * S * carry."""

    root: Annotated[str, Field(pattern=r"^[A-Z]{1,4}$")]
    underlying: Symbol
    index_per_share: PositiveFloat
    """Index points per ETF dollar (ES ~ 10 x SPY, NQ ~ 41 x QQQ, RTY ~ 10 x IWM)."""


def _default_futures() -> tuple[FuturesSpec, ...]:
    return (
        FuturesSpec(root="ES", underlying="SPY", index_per_share=10.0),
        FuturesSpec(root="NQ", underlying="QQQ", index_per_share=41.0),
        FuturesSpec(root="RTY", underlying="IWM", index_per_share=10.0),
    )


class FuturesConfig(ConfigSection):
    """Futures: quarterly contracts (H, M, U, Z), roll before expiry, lead over the index."""

    contracts: tuple[FuturesSpec, ...] = Field(default_factory=_default_futures)
    lead_minutes: Annotated[float, NoBool, Field(ge=0, le=60)] = 5.0
    """The cash index lags the futures (the efficient price) by this many minutes."""
    roll_days_before_expiry: Annotated[int, NoBool, Field(ge=0, le=60)] = 8
    """Calendar days before expiry when the front month rolls (CME: the Thursday 8 days
    before the third-Friday expiry)."""


class SimConfig(ConfigSection):
    """The simulated market. ``SimConfig()`` is SPY/QQQ/IWM from 2026-01-05 at 5-minute steps."""

    seed: NonNegativeInt = 7
    start_date: date = date(2026, 1, 5)
    """First session (moved forward to the next session if it is not one)."""
    step_minutes: Annotated[int, NoBool, Field(ge=1, le=1440)] = 5
    """Grid step inside the cash session; 390 or more gives one step from open to close."""
    underlyings: Annotated[tuple[UnderlyingSpec, ...], Field(min_length=1)] = Field(
        default_factory=_default_underlyings
    )
    correlations: FrozenMap[str, Correlation] = Field(default_factory=_default_correlations)
    """Pairwise correlation of the Brownian price shocks, keyed ``"SPY-QQQ"``; pairs not
    listed keep their built-in default (SPY-QQQ 0.90, SPY-IWM 0.80, QQQ-IWM 0.75)."""
    default_correlation: Correlation = 0.5
    """Used for pairs that are neither listed nor built in."""
    market_jumps: JumpSpec = Field(
        default_factory=lambda: JumpSpec(
            intensity_per_year=3.0, mean_log_return=-0.01, std_log_return=0.015
        )
    )
    """Jumps that hit every underlying at once, scaled by each one's beta."""
    risk_free_rate: Annotated[float, NoBool, Field(ge=-0.05, le=0.3)] = 0.04
    overnight_variance_share: UnitFraction = 0.2
    """Share of a session's variance in the overnight step (close to next open)."""
    intraday_seasonality: Annotated[float, NoBool, Field(ge=0, le=5)] = 1.5
    """U-shape of intraday variance: weight ``1 + A (e^{-t/30} + e^{-(T-t)/30})`` at ``t``
    minutes after the open (normalised so the day's variance is unchanged); 0 = flat. The
    default makes the first 5 minutes ~1.5x as volatile as midday."""
    vol_block_minutes: PositiveInt = 30
    """Variance is stepped (full-truncation Euler) every this many minutes; prices every step."""
    regimes: RegimeConfig = Field(default_factory=RegimeConfig)
    scenario: ScenarioName | None = None
    scenario_day: NonNegativeInt = 5
    """Session offset (0 = the first session) at which the forced scenario starts."""
    scenario_days: PositiveInt | None = None
    """Length of the scenario window in sessions; ``None`` = the scenario's default."""
    vix: VixConfig = Field(default_factory=VixConfig)
    futures: FuturesConfig = Field(default_factory=FuturesConfig)
    faults: FaultConfig = Field(default_factory=FaultConfig)
    """Injected data faults (stale, crossed, missing quotes); all off by default."""

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(u.symbol for u in self.underlyings)

    def underlying(self, symbol: str) -> UnderlyingSpec:
        for u in self.underlyings:
            if u.symbol == symbol:
                return u
        raise KeyError(symbol)

    def correlation_matrix(self) -> np.ndarray:
        """Symmetric correlation matrix of the price shocks in ``symbols`` order."""
        syms = self.symbols
        n = len(syms)
        m = np.eye(n)
        for i in range(n):
            for j in range(i + 1, n):
                m[i, j] = m[j, i] = self._pair_correlation(syms[i], syms[j])
        return m

    def _pair_correlation(self, a: str, b: str) -> float:
        """Configured pair, else the built-in default pair (SPY-QQQ 0.90, ...), else
        ``default_correlation``: overriding one pair does not reset the others."""
        builtin = _default_correlations()
        for table in (self.correlations, builtin):
            for key in (f"{a}-{b}", f"{b}-{a}"):
                if key in table:
                    return float(table[key])
        return self.default_correlation

    @model_validator(mode="after")
    def _check_cross_field(self) -> Self:
        problems = _problems(self)
        if problems:
            raise PydanticCustomError("sim_config", "{summary}", {"summary": "; ".join(problems)})
        return self


def _problems(cfg: SimConfig) -> list[str]:
    """Every rule spanning fields, collected so all violations are reported together."""
    out: list[str] = []
    syms = cfg.symbols
    if len(set(syms)) != len(syms):
        out.append(f"underlyings: symbols must be unique, got {list(syms)}")
    known = set(syms)
    for key in cfg.correlations:
        parts = key.split("-")
        if len(parts) != 2 or not set(parts) <= known or parts[0] == parts[1]:
            out.append(f"correlations.{key}: expected 'A-B' with two different known symbols")
    if not out:
        try:
            np.linalg.cholesky(cfg.correlation_matrix())
        except np.linalg.LinAlgError:
            out.append("correlations: the matrix is not positive definite")
    if cfg.vix.reference_symbol not in known:
        out.append(f"vix.reference_symbol: {cfg.vix.reference_symbol!r} is not an underlying")
    roots = [f.root for f in cfg.futures.contracts]
    if len(set(roots)) != len(roots):
        out.append("futures.contracts: roots must be unique")
    for f in cfg.futures.contracts:
        if f.underlying not in known:
            out.append(f"futures.contracts.{f.root}.underlying: {f.underlying!r} is unknown")
    out.extend(_regime_problems(cfg.regimes))
    for u in cfg.underlyings:
        jump_var = u.jumps.variance_per_year + u.beta**2 * cfg.market_jumps.variance_per_year
        if jump_var > 0.8 * u.vol_level**2:
            out.append(
                f"underlyings.{u.symbol}.jumps: jumps alone add {math.sqrt(jump_var):.3f} vol, "
                f"more than 80 % of the variance of vol_level {u.vol_level}"
            )
    return out


def _regime_problems(r: RegimeConfig) -> list[str]:
    out: list[str] = []
    missing = [x.value for x in CHAIN_REGIMES if x not in r.specs]
    if missing:
        out.append(f"regimes.specs: missing {missing}")
    if Regime.CRASH in r.specs:
        out.append("regimes.specs: 'crash' is configured under regimes.crash, not specs")
    c = r.crash
    for lo, hi in (
        ("drawdown_min", "drawdown_max"),
        ("days_min", "days_max"),
        ("gap_share_min", "gap_share_max"),
        ("vol_multiplier_min", "vol_multiplier_max"),
    ):
        if getattr(c, lo) > getattr(c, hi):
            out.append(f"regimes.crash.{lo}: must be at most regimes.crash.{hi}")
    return out


__all__ = [
    "CrashSpec",
    "FuturesConfig",
    "FuturesSpec",
    "JumpSpec",
    "RegimeConfig",
    "RegimeSpec",
    "ScenarioName",
    "SimConfig",
    "UnderlyingSpec",
    "VixConfig",
]

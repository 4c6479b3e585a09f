"""The ``strategies`` configuration section: how builders pick strikes (delta tolerance, wings,
liquidity, skew rules from the owner's notes) and how the selector scores candidates.

Imports only ``v6.config.types`` and ``v6.domain`` so ``v6.config.models`` can import it
without a cycle. The owner's skew numbers are the defaults: put/call IV ratio above 1.2 is
high put skew, below 0.8 high call skew, the expensive side's delta target moves 20 % higher,
capped at 0.30.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from v6.config.types import (
    ConfigSection,
    Fraction01,
    FrozenMap,
    NoBool,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
)
from v6.domain.regime import Regime
from v6.domain.strategy import StrategyType

AbsDelta = Annotated[float, NoBool, Field(gt=0, lt=0.5)]
"""An absolute option delta strictly between 0 and 0.5 (an out-of-the-money target)."""


class FitKey(StrEnum):
    """Rows of the regime-fit table: the six regimes, plus a trending regime whose direction
    is known (the regime detector says *trending*; the trend sign says which way)."""

    CRASH = "crash"
    HIGH_VOL = "high_vol"
    NORMAL = "normal"
    LOW_VOL = "low_vol"
    TRENDING = "trending"
    RANGE_BOUND = "range_bound"
    TRENDING_UP = "trending_up"
    TRENDING_DOWN = "trending_down"


_IC, _BP, _BC = StrategyType.IRON_CONDOR, StrategyType.BULL_PUT, StrategyType.BEAR_CALL
_BULL_CALL, _BEAR_PUT = StrategyType.BULL_CALL, StrategyType.BEAR_PUT

DEFAULT_REGIME_FIT: dict[FitKey, dict[StrategyType, float]] = {
    # Condors want a market that stays put; credit verticals lean with a trend; debit
    # verticals only where a direction is expected and premium is cheap. Crash: nothing.
    FitKey.CRASH: {_IC: 0.0, _BP: 0.0, _BC: 0.0, _BULL_CALL: 0.0, _BEAR_PUT: 0.0},
    FitKey.HIGH_VOL: {_IC: 0.6, _BP: 0.5, _BC: 0.5, _BULL_CALL: 0.1, _BEAR_PUT: 0.1},
    FitKey.NORMAL: {_IC: 0.9, _BP: 0.7, _BC: 0.6, _BULL_CALL: 0.3, _BEAR_PUT: 0.3},
    FitKey.LOW_VOL: {_IC: 0.9, _BP: 0.6, _BC: 0.6, _BULL_CALL: 0.4, _BEAR_PUT: 0.4},
    FitKey.TRENDING: {_IC: 0.4, _BP: 0.5, _BC: 0.5, _BULL_CALL: 0.3, _BEAR_PUT: 0.3},
    FitKey.RANGE_BOUND: {_IC: 1.0, _BP: 0.6, _BC: 0.6, _BULL_CALL: 0.2, _BEAR_PUT: 0.2},
    FitKey.TRENDING_UP: {_IC: 0.3, _BP: 1.0, _BC: 0.1, _BULL_CALL: 0.6, _BEAR_PUT: 0.0},
    FitKey.TRENDING_DOWN: {_IC: 0.3, _BP: 0.1, _BC: 1.0, _BULL_CALL: 0.0, _BEAR_PUT: 0.6},
}

DEFAULT_CANDIDATES: tuple[StrategyType, ...] = (_IC, _BP, _BC, _BULL_CALL, _BEAR_PUT)


def _default_regime_fit() -> dict[FitKey, dict[StrategyType, float]]:
    return {key: dict(row) for key, row in DEFAULT_REGIME_FIT.items()}


class LiquidityConfig(ConfigSection):
    """Which legs are tradable. A leg is liquid when ``ask - bid <= max(max_spread_dollars,
    max_spread_fraction * mid)`` (cheap wings are judged in cents, dear legs as a fraction)."""

    max_spread_dollars: NonNegativeFloat = 0.10
    max_spread_fraction: Fraction01 = 0.25
    min_open_interest: NonNegativeInt = 100
    """Checked only where the data source reports open interest."""
    allow_zero_bid_long_legs: bool = True
    """A long wing may be bought with no bid (far out-of-the-money); a short leg never sold."""


class SkewConfig(ConfigSection):
    """Skew-aware delta targeting (phase 9-04): put IV / call IV at matched |delta|."""

    enabled: bool = True
    reference_delta: AbsDelta = 0.25
    """|delta| at which put and call IVs are compared (the classic 25-delta reading)."""
    high_put_ratio: PositiveFloat = 1.2
    """A ratio above this is high put skew: puts are the expensive side."""
    high_call_ratio: PositiveFloat = 0.8
    """A ratio below this is high call skew: calls are the expensive side."""
    delta_boost: Fraction01 = 0.20
    """The expensive side's short-delta target is multiplied by 1 + this."""
    delta_cap: AbsDelta = 0.30
    """A boosted target never exceeds this."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.high_call_ratio < 1.0 < self.high_put_ratio:
            raise PydanticCustomError(
                "skew_ratios", "high_call_ratio < 1 < high_put_ratio (neutral 1.0 in between)"
            )
        return self


class ScoringConfig(ConfigSection):
    """Candidate scores: ``score = base * regime_fit * variance_weight``, where ``base`` is the
    weighted mean of the components (each 0-1) with the weights below."""

    weight_reward_risk: NonNegativeFloat = 0.25
    weight_pop: NonNegativeFloat = 0.30
    weight_iv: NonNegativeFloat = 0.15
    weight_skew: NonNegativeFloat = 0.10
    weight_liquidity: NonNegativeFloat = 0.20
    reward_risk_full: PositiveFloat = 0.5
    """max profit / max loss that scores a full 1.0 (0.5 = a credit of a third of the width)."""
    iv_low: Fraction01 = 0.10
    """ATM IV scoring 0 for selling premium (1 for buying it) when no IV rank is known."""
    iv_high: Fraction01 = 0.35
    """ATM IV scoring 1 for selling premium (0 for buying it) when no IV rank is known."""
    min_score: Fraction01 = 0.35
    """Below this no candidate is entered."""
    regime_fit: FrozenMap[FitKey, FrozenMap[StrategyType, Fraction01]] = Field(
        default_factory=_default_regime_fit
    )
    """Fit 0-1 per regime row and strategy type; a missing entry uses the built-in table."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        total = (
            self.weight_reward_risk
            + self.weight_pop
            + self.weight_iv
            + self.weight_skew
            + self.weight_liquidity
        )
        if total <= 0:
            raise PydanticCustomError("weights", "at least one score weight above 0")
        if self.iv_low >= self.iv_high:
            raise PydanticCustomError("iv_range", "iv_low below iv_high")
        return self

    def fit(self, key: FitKey, strategy_type: StrategyType) -> float:
        """The regime fit of ``strategy_type`` in row ``key``: configured, else built-in,
        else 0 (a type nobody said fits is not entered)."""
        row = self.regime_fit.get(key)
        if row is not None and strategy_type in row:
            return float(row[strategy_type])
        return DEFAULT_REGIME_FIT.get(key, {}).get(strategy_type, 0.0)


def fit_key(regime: Regime, trend: str | None = None) -> FitKey:
    """The regime-fit row: ``trending`` splits by trend direction (``up``/``down``) if known."""
    if regime is Regime.TRENDING and trend in ("up", "down"):
        return FitKey.TRENDING_UP if trend == "up" else FitKey.TRENDING_DOWN
    return FitKey(regime.value)


class StrategiesConfig(ConfigSection):
    """Strike selection and candidate scoring; the entry section holds DTE window, short
    delta, wing width and minimum credit."""

    candidates: Annotated[tuple[StrategyType, ...], Field(min_length=1)] = DEFAULT_CANDIDATES
    """Strategy types the selector builds and scores for every underlying."""
    preferred_dte: PositiveInt | None = None
    """Among expiries in the entry DTE window, the one nearest this; null = the longest."""
    delta_tolerance: Annotated[float, NoBool, Field(gt=0, le=0.5)] = 0.05
    """A delta-targeted leg is refused if the nearest listed strike misses by more."""
    wing_delta: AbsDelta | None = None
    """If set, long wings are chosen at this |delta| instead of entry.wing_width_dollars."""
    max_debit_fraction: Annotated[float, NoBool, Field(gt=0, lt=1)] = 0.5
    """Debit verticals: the largest debit worth paying, as a fraction of the width."""
    max_moneyness: Annotated[float, NoBool, Field(gt=0, lt=1)] = 0.25
    """Chain snapshots quote strikes within +/- this fraction of spot."""
    liquidity: LiquidityConfig = Field(default_factory=LiquidityConfig)
    skew: SkewConfig = Field(default_factory=SkewConfig)
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if len(set(self.candidates)) != len(self.candidates):
            raise PydanticCustomError("duplicates", "a list without repeated strategy types")
        return self

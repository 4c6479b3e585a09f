"""``RulesConfig``: every exit rule's switch, priority and parameters, plus the regime detector.

Defaults follow the owner's notes (seed priority order, 21 DTE management, 50 % take-profit,
200 % stop) and docs/rules.md gives each rule's formula. Imports only ``v6.config.types`` and
``v6.domain`` so ``v6.config.models`` can embed this section without an import cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from v6.config.types import (
    ConfigSection,
    Fraction01,
    NoBool,
    NonNegativeInt,
    OpenFraction01,
    PositiveFloat,
    PositiveInt,
    Seconds,
)

Priority = Annotated[int, NoBool, Field(ge=1, le=99)]
"""Evaluation order: 1 is evaluated first; the first rule that fires decides."""
AbsDelta = Annotated[float, NoBool, Field(gt=0, lt=1)]
VixPoints = Annotated[float, NoBool, Field(gt=0, le=200)]
Tolerance = Annotated[float, NoBool, Field(ge=1, le=5)]
RiskAction = Literal["close", "roll", "hedge", "reduce"]
ExitAction = Literal["close", "reduce"]
RollFallback = Literal["close", "hold"]


class RuleSection(ConfigSection):
    """Fields every rule has: an on/off switch and its place in the evaluation order."""

    enabled: bool = True
    priority: Priority = 50


class CatastropheConfig(RuleSection):
    """Immediate close on a catastrophic loss, a gap or a deeply breached short strike."""

    priority: Priority = 1
    max_loss_fraction: OpenFraction01 = 0.80
    """Close when the position has lost this fraction of its max loss."""
    daily_loss_fraction: OpenFraction01 = 0.05
    """Close everything when the account's daily loss reaches this fraction of net liq."""
    max_gap_fraction: OpenFraction01 = 0.05
    """Close when the underlying has moved this fraction since the previous close."""
    strike_breach_fraction: Fraction01 = 0.01
    """Close when spot is this fraction of the strike beyond a short strike."""
    blind_escalation_s: Seconds = 120.0
    """Data invalid for this long (catastrophe cannot be checked): escalate to CRITICAL."""


class TrailingStopConfig(RuleSection):
    """Trail the best P&L once it reaches an activation level; whipsaw-protected."""

    priority: Priority = 2
    activation_fraction: OpenFraction01 = 0.40
    """P&L (fraction of max profit) at which the trail starts."""
    distance_fraction: OpenFraction01 = 0.15
    """Trail distance below the best P&L, in fractions of max profit, at reference vol."""
    vol_scaling: bool = True
    """Scale the distance by (underlying vol / vol_reference)."""
    vol_reference: PositiveFloat = 0.20
    """Annualised vol at which the distance is exactly distance_fraction."""
    min_distance_fraction: OpenFraction01 = 0.08
    max_distance_fraction: OpenFraction01 = 0.30
    confirm_cycles: PositiveInt = 3
    """Consecutive cycles below the trail before closing (whipsaw protection)."""
    breach_buffer_fraction: Fraction01 = 0.10
    """A fall this far below the trail closes at once, without waiting for confirm_cycles."""

    @model_validator(mode="after")
    def _distance_inside_bounds(self) -> Self:
        if not self.min_distance_fraction <= self.distance_fraction <= self.max_distance_fraction:
            raise PydanticCustomError(
                "distance_bounds",
                "min_distance_fraction <= distance_fraction <= max_distance_fraction",
            )
        return self


class TimeExitConfig(RuleSection):
    """Close at a DTE; never carry a short option into expiration unless told to."""

    priority: Priority = 3
    exit_dte: NonNegativeInt = 7
    """Close at or below this many days to expiry (deferred to dte_roll, see defer_to_roll).
    7 rather than the common 21: on the tuning seeds exiting at 21 DTE paid the spread before
    most of the premium had decayed (docs/backtest.md)."""
    defer_to_roll: bool = True
    """While dte_roll is enabled, leave the exit_dte exit to it (roll, else its fallback)."""
    hard_exit_dte: NonNegativeInt = 0
    """Close at or below this DTE even when deferring (0 = on expiry day)."""
    hold_to_expiry: bool = False
    """Allow holding through expiration (disables the hard exit)."""

    @model_validator(mode="after")
    def _hard_below_soft(self) -> Self:
        if self.hard_exit_dte > self.exit_dte:
            raise PydanticCustomError("hard_exit", "hard_exit_dte <= exit_dte")
        return self


class DynamicTakeProfitConfig(RuleSection):
    """Take profit at the regime's target from ``profit_targets`` (the seed table)."""

    priority: Priority = 4


class TakeProfitConfig(RuleSection):
    """Fixed take-profit at a fraction of max profit."""

    priority: Priority = 5
    fraction: OpenFraction01 = 0.50
    defer_to_dynamic: bool = True
    """While dynamic_take_profit is enabled and the regime is known, leave it the decision."""


class StopLossConfig(RuleSection):
    """Close on a loss beyond a multiple of the credit (or a fraction of the debit)."""

    priority: Priority = 6
    credit_multiple: PositiveFloat = 2.0
    """Credit strategies: close when loss >= this multiple of the credit received."""
    debit_fraction: OpenFraction01 = 0.50
    """Debit strategies: close when loss >= this fraction of the debit paid."""
    vol_adjusted: bool = False
    """Scale the stop by clip(vol / vol_reference, vol_factor_min, vol_factor_max)."""
    vol_reference: PositiveFloat = 0.20
    vol_factor_min: PositiveFloat = 0.75
    vol_factor_max: PositiveFloat = 1.50

    @model_validator(mode="after")
    def _factor_order(self) -> Self:
        if self.vol_factor_min > self.vol_factor_max:
            raise PydanticCustomError("factor_order", "vol_factor_min <= vol_factor_max")
        return self


class DeltaRiskConfig(RuleSection):
    """Act when a short leg's delta or the position's net delta is beyond a limit."""

    priority: Priority = 7
    max_short_leg_abs_delta: AbsDelta = 0.5
    """Per-share |delta| of any short leg: 0.5 = the short strike is at the money. (At 0.35 the
    rule closed most tested condors at a loss that they would have recovered.)"""
    max_net_delta_per_share: AbsDelta = 0.5
    """|position delta| / (units x multiplier): the net delta of one unit, per share."""
    action: RiskAction = "close"
    reduce_fraction: OpenFraction01 = 0.5
    """Fraction of units to close when action is reduce (at least one unit)."""


class GammaRiskConfig(RuleSection):
    """Act when gamma risk is beyond a limit that tightens as expiry nears."""

    priority: Priority = 8
    move_fraction: OpenFraction01 = 0.02
    """Underlying move (fraction of spot) the gamma loss is measured on."""
    max_risk_fraction: OpenFraction01 = 0.30
    """Limit on 0.5 |gamma| (move x spot)^2 / max loss at taper_start_dte or more."""
    min_risk_fraction: OpenFraction01 = 0.10
    """The limit at 0 DTE; linear in DTE in between."""
    taper_start_dte: PositiveInt = 21
    action: RiskAction = "close"
    reduce_fraction: OpenFraction01 = 0.5

    @model_validator(mode="after")
    def _limit_order(self) -> Self:
        if self.min_risk_fraction > self.max_risk_fraction:
            raise PydanticCustomError("limit_order", "min_risk_fraction <= max_risk_fraction")
        return self


class IVCrushConfig(RuleSection):
    """Take the vega profit after implied vol has collapsed since entry."""

    priority: Priority = 9
    min_iv_drop_fraction: OpenFraction01 = 0.30
    """(IV at entry - IV now) / IV at entry at or above this."""
    min_pnl_fraction: Fraction01 = 0.25
    """And P&L at least this fraction of max profit."""


class DTERollConfig(RuleSection):
    """Roll to the next target expiry at a DTE, for a credit; else the fallback policy."""

    priority: Priority = 10
    roll_dte: PositiveInt = 7
    """Roll at or below this DTE (tuned with time_exit.exit_dte, docs/backtest.md)."""
    target_dte_min: PositiveInt = 35
    target_dte_max: PositiveInt = 45
    credit_only: bool = True
    """Roll only when the caller's roll_credit_estimate is a credit (> 0)."""
    fallback: RollFallback = "close"
    """When no credit roll is available: close, or hold (and say so in the decision)."""

    @model_validator(mode="after")
    def _windows(self) -> Self:
        if not self.roll_dte < self.target_dte_min <= self.target_dte_max:
            raise PydanticCustomError("roll_window", "roll_dte < target_dte_min <= target_dte_max")
        return self


class VIXExitConfig(RuleSection):
    """Close or reduce when VIX is high or jumped in a day."""

    priority: Priority = 11
    vix_level: VixPoints = 45.0
    """Exit at or above this VIX: a crash, not an ordinary high-vol stretch (at 35 the rule
    sold premium back at its most expensive on the tuning seeds)."""
    max_vix_change_1d: OpenFraction01 = 0.6
    """VIX up this fraction or more since the previous close (0.6 = +60 %)."""
    action: ExitAction = "close"
    reduce_fraction: OpenFraction01 = 0.5


class PortfolioLimitsConfig(RuleSection):
    """Reduce the largest contributor while portfolio Greeks or concentration are over limit.

    The limits are ``limits.max_abs_*`` and ``limits.max_concentration`` (the risk gate's),
    times ``tolerance`` so the gate and this rule do not fight at the edge.
    """

    priority: Priority = 12
    tolerance: Tolerance = 1.10
    concentration_min_strategies: PositiveInt = 4
    """Concentration is only acted on with at least this many open strategies."""
    reduce_fraction: OpenFraction01 = 0.5


class RegimeConfig(ConfigSection):
    """The regime detector's windows, thresholds and hysteresis, and the external override."""

    vol_window: Annotated[int, NoBool, Field(ge=5, le=252)] = 20
    """Daily returns in the realised-vol estimate."""
    trend_window: Annotated[int, NoBool, Field(ge=5, le=252)] = 40
    """Daily returns in the efficiency ratio and range ratio."""
    crash_window: Annotated[int, NoBool, Field(ge=2, le=60)] = 5
    """Days over which the drawdown from the high is measured."""
    crash_return_1d: OpenFraction01 = 0.04
    crash_drawdown: OpenFraction01 = 0.10
    crash_vix: VixPoints = 40.0
    crash_vix_change_1d: OpenFraction01 = 0.50
    high_vol_vix: VixPoints = 25.0
    high_vol_realized: PositiveFloat = 0.25
    low_vol_vix: VixPoints = 14.0
    low_vol_realized: PositiveFloat = 0.10
    trend_efficiency: OpenFraction01 = 0.35
    range_efficiency: OpenFraction01 = 0.15
    range_ratio: PositiveFloat = 1.0
    """Range-bound when (max - min of log price) / (daily vol x sqrt(n)) is at most this."""
    confirm_observations: PositiveInt = 3
    switch_margin: Fraction01 = 0.25
    """A challenger whose score beats the current regime's by this much switches at once."""
    external_file: Path | None = None
    """JSON or CSV file (symbol, regime, ts) from another program; overrides when fresh."""
    external_max_age_s: Seconds = 86400.0

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low_vol_vix >= self.high_vol_vix:
            raise PydanticCustomError("vix_order", "low_vol_vix < high_vol_vix")
        if self.range_efficiency >= self.trend_efficiency:
            raise PydanticCustomError("er_order", "range_efficiency < trend_efficiency")
        return self


RULE_NAMES: tuple[str, ...] = (
    "catastrophe",
    "trailing_stop",
    "time_exit",
    "dynamic_take_profit",
    "take_profit",
    "stop_loss",
    "delta_risk",
    "gamma_risk",
    "iv_crush",
    "dte_roll",
    "vix_exit",
    "portfolio_limits",
)
"""The twelve rules, in the seed documents' priority order; also their config keys."""


class RulesConfig(ConfigSection):
    """The decision engine's twelve rules and the regime detector."""

    catastrophe: CatastropheConfig = Field(default_factory=CatastropheConfig)
    trailing_stop: TrailingStopConfig = Field(default_factory=TrailingStopConfig)
    time_exit: TimeExitConfig = Field(default_factory=TimeExitConfig)
    dynamic_take_profit: DynamicTakeProfitConfig = Field(default_factory=DynamicTakeProfitConfig)
    take_profit: TakeProfitConfig = Field(default_factory=TakeProfitConfig)
    stop_loss: StopLossConfig = Field(default_factory=StopLossConfig)
    delta_risk: DeltaRiskConfig = Field(default_factory=DeltaRiskConfig)
    gamma_risk: GammaRiskConfig = Field(default_factory=GammaRiskConfig)
    iv_crush: IVCrushConfig = Field(default_factory=IVCrushConfig)
    dte_roll: DTERollConfig = Field(default_factory=DTERollConfig)
    vix_exit: VIXExitConfig = Field(default_factory=VIXExitConfig)
    portfolio_limits: PortfolioLimitsConfig = Field(default_factory=PortfolioLimitsConfig)
    regime: RegimeConfig = Field(default_factory=RegimeConfig)

    def section(self, name: str) -> RuleSection:
        """The config of rule ``name`` (one of ``RULE_NAMES``)."""
        if name not in RULE_NAMES:
            raise KeyError(f"unknown rule {name!r}; expected one of {', '.join(RULE_NAMES)}")
        value: RuleSection = getattr(self, name)
        return value

    @model_validator(mode="after")
    def _unique_priorities(self) -> Self:
        """Two rules with one priority would make the order depend on code, not config."""
        seen: dict[int, str] = {}
        clashes: list[str] = []
        for name in RULE_NAMES:
            p = self.section(name).priority
            if p in seen:
                clashes.append(f"{seen[p]} and {name} both have priority {p}")
            seen.setdefault(p, name)
        if clashes:
            raise PydanticCustomError(
                "priority_clash",
                "a distinct priority per rule ({clashes})",
                {"clashes": "; ".join(clashes)},
            )
        return self

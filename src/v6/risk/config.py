"""The ``risk`` configuration section: circuit-breaker thresholds, auto-hedge trigger and target
band, the stress grid, correlation and beta settings, the gate's snapshot age and the kill-switch
file. The portfolio limits themselves stay in ``limits`` (``TradingLimitsConfig``).

Imports only ``v6.config.types`` so ``v6.config.models`` can embed it without an import cycle.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from v6.config.types import (
    ConfigSection,
    Dollars,
    FrozenMap,
    NoBool,
    NonNegativeFloat,
    NonNegativeInt,
    OpenFraction01,
    PositiveFloat,
    PositiveInt,
    Seconds,
    Symbol,
)

BreakerAction = Literal["reducing", "halted"]
"""What a tripped breaker does: ``reducing`` allows closes and hedges only, ``halted`` blocks
every order except (optionally) closes."""
HedgeMethod = Literal["reduce_largest", "underlying_shares"]
StressMove = Annotated[float, NoBool, Field(gt=-1.0, le=5.0)]
"""A relative underlying move: -0.20 is a 20 % fall."""
VolShift = Annotated[float, NoBool, Field(ge=-100.0, le=500.0)]
"""An implied-vol shift in volatility points: 5.0 adds 0.05 to every IV."""
FileName = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+$", min_length=1)]


class BreakerRule(ConfigSection):
    """Fields every breaker has: a switch, what it does when tripped, and the cool-down.

    A breaker trips when its condition holds; it releases once the condition has been clear
    for ``cooldown_s`` seconds, or at an explicit resume.
    """

    enabled: bool = True
    action: BreakerAction = "halted"
    cooldown_s: Seconds = 1800.0


class DailyLossBreaker(BreakerRule):
    """Trips when today's P&L is a loss of at least ``max_loss_dollars``."""

    max_loss_dollars: Dollars | None = None
    """None uses ``limits.max_daily_loss``."""


class DrawdownBreaker(BreakerRule):
    """Trips when net liquidation is ``max_drawdown_fraction`` or more below its high."""

    max_drawdown_fraction: OpenFraction01 = 0.10


class LosingStreakBreaker(BreakerRule):
    """Trips after ``max_consecutive_losses`` losing trades in a row; the streak then restarts,
    so only the cool-down holds trading back (a pause, like freqtrade's StoplossGuard)."""

    action: BreakerAction = "reducing"
    cooldown_s: Seconds = 86400.0
    max_consecutive_losses: PositiveInt = 3


class RejectionRateBreaker(BreakerRule):
    """Trips when at least ``max_rejection_fraction`` of the orders of the last ``window_s``
    seconds were rejected (counted only from ``min_orders`` orders)."""

    cooldown_s: Seconds = 600.0
    max_rejection_fraction: OpenFraction01 = 0.5
    window_s: Seconds = 600.0
    min_orders: PositiveInt = 4


class StaleDataBreaker(BreakerRule):
    """Trips when market data has been stale or invalid for ``max_stale_s`` seconds."""

    cooldown_s: Seconds = 300.0
    max_stale_s: Seconds = 60.0


class BrokerBreaker(BreakerRule):
    """Trips when the broker connection has been down for ``grace_s`` seconds (0 = at once)."""

    cooldown_s: Seconds = 300.0
    grace_s: NonNegativeFloat = 30.0


class VixSpikeBreaker(BreakerRule):
    """Trips when VIX is at or above ``max_vix`` or up ``max_change_1d`` since the previous
    close (the IC-bot trades only while VIX <= 35)."""

    action: BreakerAction = "reducing"
    cooldown_s: Seconds = 3600.0
    max_vix: Annotated[float, NoBool, Field(gt=0, le=200)] = 35.0
    max_change_1d: PositiveFloat = 0.30
    """Fraction: 0.30 = VIX up 30 % since the previous close."""


class BreakersConfig(ConfigSection):
    """Real-time protection: each breaker's threshold, action and cool-down."""

    daily_loss: DailyLossBreaker = Field(default_factory=DailyLossBreaker)
    drawdown: DrawdownBreaker = Field(default_factory=DrawdownBreaker)
    losing_streak: LosingStreakBreaker = Field(default_factory=LosingStreakBreaker)
    rejection_rate: RejectionRateBreaker = Field(default_factory=RejectionRateBreaker)
    stale_data: StaleDataBreaker = Field(default_factory=StaleDataBreaker)
    broker: BrokerBreaker = Field(default_factory=BrokerBreaker)
    vix_spike: VixSpikeBreaker = Field(default_factory=VixSpikeBreaker)
    halted_allows_closes: bool = True
    """While HALTED, still let whole closes and pro-rata reductions of held strategies through."""
    history_limit: PositiveInt = 500
    """Transitions kept in the breaker state (older ones are in the journal)."""


class HedgeConfig(ConfigSection):
    """Auto-hedge: when |portfolio delta| passes ``delta_trigger`` (or near-expiry |gamma|
    passes ``gamma_trigger``), produce intents that bring it back to ``delta_target``
    (``gamma_target``)."""

    enabled: bool = True
    method: HedgeMethod = "reduce_largest"
    """``reduce_largest``: close or reduce the largest contributors (fully implemented).
    ``underlying_shares``: propose a share hedge in ``instrument`` (needs domain support for
    stock legs before the execution engine can trade it; see docs/risk.md)."""
    delta_trigger: PositiveFloat = 150.0
    """|Portfolio delta| in share-equivalents above which a hedge is planned (below the gate's
    limits.max_abs_delta, so the hedge acts before entries are blocked)."""
    delta_target: NonNegativeFloat = 50.0
    """The hedge aims for |delta| at most this."""
    gamma_dte: NonNegativeInt = 7
    """Strategies at or below this many days to expiry count as near expiry."""
    gamma_trigger: PositiveFloat = 20.0
    """|Gamma| of near-expiry strategies (share-equivalents per $1) above which they are closed."""
    gamma_target: NonNegativeFloat = 5.0
    instrument: Symbol = "SPY"
    """Share-hedge instrument (``underlying_shares`` only)."""
    max_intents_per_cycle: PositiveInt = 5

    @model_validator(mode="after")
    def _targets_inside_triggers(self) -> Self:
        if self.delta_target >= self.delta_trigger:
            raise PydanticCustomError("hedge_band", "delta_target < delta_trigger")
        if self.gamma_target >= self.gamma_trigger:
            raise PydanticCustomError("hedge_band", "gamma_target < gamma_trigger")
        return self


def _default_moves() -> tuple[float, ...]:
    return (-0.20, -0.15, -0.10, -0.05, 0.0, 0.05, 0.10)


def _default_shifts() -> tuple[float, ...]:
    return (-10.0, -5.0, 0.0, 5.0, 10.0, 15.0, 20.0)


class StressConfig(ConfigSection):
    """The stress grid: every underlying moved by each of ``moves`` (fractions) while every IV
    is shifted by each of ``vol_shifts_points`` (volatility points), fully revalued."""

    moves: Annotated[tuple[StressMove, ...], Field(min_length=1, max_length=101)] = Field(
        default_factory=_default_moves
    )
    vol_shifts_points: Annotated[tuple[VolShift, ...], Field(min_length=1, max_length=101)] = Field(
        default_factory=_default_shifts
    )
    min_vol: PositiveFloat = 0.01
    """A shifted IV is floored here (a -10 point shift on a 8 % IV would be negative)."""
    beta_scaled: bool = False
    """True: each underlying moves by beta x the move (the move is then the benchmark's)."""


def _default_betas() -> dict[str, float]:
    return {"SPY": 1.0, "QQQ": 1.15, "IWM": 1.2}


class KillSwitchConfig(ConfigSection):
    """The kill switch: a flag file in ``data_dir`` the engine polls every cycle."""

    file_name: FileName = "KILL"
    flatten: bool = False
    """When the flag carries no choice of its own: also close every position (else only cancel
    working orders and stop trading)."""


class RiskConfig(ConfigSection):
    """Portfolio risk: betas, correlations, stress grid, breakers, auto-hedge, kill switch."""

    benchmark: Symbol = "SPY"
    """Beta-weighted delta is expressed in shares of this underlying."""
    betas: FrozenMap[Symbol, PositiveFloat] = Field(default_factory=_default_betas)
    """Beta to the benchmark per underlying; missing ones use 1.0 (and are reported)."""
    estimate_betas: bool = False
    """Estimate betas from recent daily returns when they are supplied (else use ``betas``)."""
    correlation_lookback_days: Annotated[int, NoBool, Field(ge=5, le=1000)] = 60
    """Daily returns used for correlations and beta estimates."""
    correlation_min_observations: Annotated[int, NoBool, Field(ge=3, le=1000)] = 20
    """Fewer common returns than this: the pair is treated as uncorrelated (and reported)."""
    concentration_min_strategies: PositiveInt = 4
    """Concentration is enforced only with at least this many open strategies after the trade
    (a first trade always holds 100 % of the risk); matches rules.portfolio_limits."""
    max_snapshot_age_s: Seconds = 90.0
    """The gate refuses to open risk on a portfolio snapshot older than this."""
    stress: StressConfig = Field(default_factory=StressConfig)
    breakers: BreakersConfig = Field(default_factory=BreakersConfig)
    hedge: HedgeConfig = Field(default_factory=HedgeConfig)
    kill_switch: KillSwitchConfig = Field(default_factory=KillSwitchConfig)

    @model_validator(mode="after")
    def _lookback_holds_min(self) -> Self:
        if self.correlation_min_observations > self.correlation_lookback_days:
            raise PydanticCustomError(
                "correlation_window", "correlation_min_observations <= correlation_lookback_days"
            )
        return self

"""Configuration of the execution engine: price-walk schedules, legging, rollback, protective
orders and the restart policy. Frozen and strict like every v6 section; prices are dollars per
share of one combo unit, fractions are of the half-spread measured from mid toward the natural.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import model_validator

from v6.config.types import (
    ConfigSection,
    Fraction01,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    Seconds,
)


class LeggingOrder(StrEnum):
    """How a multi-leg intent is legged in when it cannot go as one combo.

    Both keep the rule that makes legging safe: every bought leg fills before any leg is sold,
    so each intermediate position is the start or the target plus extra long options.
    """

    WINGS_FIRST = "wings_first"
    """All buys at once (wings of an entry, shorts of an exit), then all sells at once."""
    ONE_AT_A_TIME = "one_at_a_time"
    """Buys first, then sells, one leg at a time (slowest, smallest exposure to a gap)."""


class UnsentPolicy(StrEnum):
    """What reconciliation does with intents journaled before a crash that never reached the
    broker (nothing working, nothing filled)."""

    EXPIRE = "expire"
    """Record them as expired; the rules decide again on fresh data (the default: prices moved)."""
    RESEND = "resend"
    """Submit them again (through the risk gate) if younger than ``max_resend_age_seconds``."""


class WalkSchedule(ConfigSection):
    """How a limit walks from mid toward the natural price.

    Step ``k`` targets ``mid + (start_fraction + k x step_fraction) x half_spread``, never past
    ``mid + worst_fraction x half_spread + slippage_per_unit`` and never less aggressive than
    the previous step (re-pricing never widens the gap to the market). After the last step has
    waited ``step_timeout_seconds`` the order is cancelled.
    """

    start_fraction: NonNegativeFloat = 0.0
    """Where the first price sits: 0 = mid, 1 = the natural."""
    step_fraction: PositiveFloat = 0.25
    """How far each re-price moves toward the natural, as a fraction of the half-spread."""
    steps: NonNegativeInt = 4
    """Re-prices after the first price (0 = one price, then cancel after one timeout)."""
    step_timeout_seconds: Seconds = 30.0
    """How long each price works before the next step (or the cancel)."""
    worst_fraction: NonNegativeFloat = 1.0
    """The walk never goes past this fraction of the half-spread (1 = the natural)."""
    slippage_per_unit: NonNegativeFloat = 0.0
    """Dollars per share allowed beyond ``worst_fraction`` (crossing the natural: urgent only)."""

    @model_validator(mode="after")
    def _start_within_worst(self) -> WalkSchedule:
        if self.start_fraction > self.worst_fraction:
            raise ValueError(
                f"start_fraction ({self.start_fraction}) must not exceed worst_fraction "
                f"({self.worst_fraction}): the first price would already be past the worst"
            )
        return self


def _urgent_default() -> WalkSchedule:
    return WalkSchedule(
        start_fraction=0.5,
        step_fraction=0.5,
        steps=2,
        step_timeout_seconds=5.0,
        worst_fraction=1.0,
        slippage_per_unit=0.05,
    )


def _rollback_default() -> WalkSchedule:
    return WalkSchedule(
        start_fraction=1.0,
        step_fraction=0.5,
        steps=2,
        step_timeout_seconds=5.0,
        worst_fraction=1.0,
        slippage_per_unit=0.10,
    )


class ProtectiveConfig(ConfigSection):
    """Broker-side GTC orders that guard an open credit strategy while the process is down:
    one OCA pair per strategy, a take-profit limit and a catastrophe stop on the closing combo."""

    enabled: bool = False
    take_profit_fraction: Fraction01 = 0.50
    """Close when this fraction of the entry credit is captured (0.5: buy back at half)."""
    catastrophe_stop_multiple: PositiveFloat = 3.0
    """Stop when the cost to close reaches this multiple of the entry credit (3.0 = a loss of
    twice the credit)."""
    stop_limit_slippage_per_unit: NonNegativeFloat | None = None
    """None: the triggered stop is a market order; else a stop-limit this far past the stop."""

    @model_validator(mode="after")
    def _stop_above_entry(self) -> ProtectiveConfig:
        if self.catastrophe_stop_multiple <= 1.0:
            raise ValueError(
                "catastrophe_stop_multiple must be > 1: a stop at or below the entry credit "
                "would close a position that has not lost anything"
            )
        return self


class ExecutionConfig(ConfigSection):
    """Everything the execution engine needs; defaults are conservative."""

    use_combos: bool = True
    """Send multi-leg intents as one combo (BAG) order with one net limit."""
    fallback_to_legs_on_reject: bool = True
    """Leg in (wings first, with rollback) when the broker rejects a combo."""
    normal: WalkSchedule = WalkSchedule()
    urgent: WalkSchedule = _urgent_default()
    """Schedule of ``Urgency.IMMEDIATE`` intents (catastrophe exits): nearer the natural at
    once, short timeouts, may cross the natural by ``slippage_per_unit``."""
    rollback: WalkSchedule = _rollback_default()
    """Schedule of orders that unwind a failed legging attempt (getting flat comes first)."""
    price_increment: PositiveFloat = 0.01
    """Limit prices are rounded to this tick, always toward the less aggressive side."""
    min_entry_credit_per_unit: NonNegativeFloat = 0.01
    """A credit entry is never sent for less credit than this per share (never turns into a
    debit), whatever the walk or the market says."""
    max_quote_age_seconds: Seconds = 15.0
    """Older quotes are not traded on (an intent whose legs are not all fresh is refused)."""
    legging_order: LeggingOrder = LeggingOrder.WINGS_FIRST
    max_rollback_attempts: PositiveInt = 3
    """Orders per leg when unwinding; after that the remainder is left (defined-risk) and a
    critical alert asks a human to look."""
    protective: ProtectiveConfig = ProtectiveConfig()
    unsent_after_restart: UnsentPolicy = UnsentPolicy.EXPIRE
    max_resend_age_seconds: Seconds = 300.0
    max_drain_rounds: PositiveInt = 8
    """Event drains per ``step()`` (handling events may send orders whose events follow)."""

    @model_validator(mode="after")
    def _urgent_not_slower(self) -> ExecutionConfig:
        if self.urgent.step_timeout_seconds > self.normal.step_timeout_seconds:
            raise ValueError(
                f"urgent.step_timeout_seconds ({self.urgent.step_timeout_seconds}) must not "
                f"exceed normal.step_timeout_seconds ({self.normal.step_timeout_seconds})"
            )
        return self

"""Configuration of the paper broker: money, fees, fill realism and assignment.

Frozen and strict like every v6 config section: an unknown key or a NaN is an error that
names the field. Defaults mirror IB's fixed US-options pricing and a conservative fill model.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator

from v6.config.types import (
    ConfigSection,
    Fraction01,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
)

SIM_ACCOUNT_PREFIX = "SIM"
"""Simulated account ids start with ``SIM``: never ``DU`` (IB paper) nor ``U`` (IB live), so
the live-trading safety checks can never mistake the simulator for a real account."""


class Dividend(ConfigSection):
    """One dividend of an underlying, for the ex-dividend early-assignment model."""

    ex_date: date
    amount_per_share: PositiveFloat


class PaperBrokerConfig(ConfigSection):
    """Everything the paper broker needs; defaults are IB-like (fixed pricing, Reg-T)."""

    account_id: str = "SIM0001"
    starting_cash: PositiveFloat = 100_000.0
    commission_per_contract: NonNegativeFloat = 0.65
    """IB fixed pricing for US options (premium >= $0.10), dollars per contract."""
    min_commission_per_order: NonNegativeFloat = 1.00
    """Applied to the order's cumulative commission, so partial fills pay it once."""
    fees_per_contract: NonNegativeFloat = 0.03
    """Regulatory, clearing and exchange fees passed through per contract (approximate)."""
    slippage_fraction: Fraction01 = 1.0
    """How far from mid toward the natural a taker trades, as a fraction of the half-spread:
    1.0 = at the natural (a buy pays the combined ask), 0.0 = at mid. A limit order fills
    when its limit reaches this level, at this level (so at its limit or better)."""
    delay_probability: Fraction01 = 0.0
    """Chance that a new order, once marketable, still waits ``1..max_delay_steps`` steps."""
    max_delay_steps: PositiveInt = 3
    partial_fill_probability: Fraction01 = 0.0
    """Chance that a marketable order of quantity > 1 fills only part of its remainder."""
    fill_on_submit: bool = True
    """Evaluate a new or modified order against the current quotes at once, as an exchange
    does, instead of waiting for the next ``process()`` step."""
    max_quote_age_seconds: PositiveFloat = 900.0
    """Quotes older than this (relative to the clock) are not traded on."""
    naked_underlying_fraction: Fraction01 = 0.20
    """Reg-T naked short option: premium + this fraction of the underlying - OTM amount ..."""
    naked_minimum_fraction: Fraction01 = 0.10
    """... but at least premium + this fraction of the strike (puts) or underlying (calls)."""
    early_assignment: bool = False
    """Model early assignment of short ITM options (off by default)."""
    early_assignment_probability: Fraction01 = 1.0
    """Chance that an eligible short position is assigned at a session close."""
    assignment_extrinsic_threshold: NonNegativeFloat = 0.05
    """A short ITM option whose extrinsic value (mid - intrinsic, per share) is below this is
    eligible for early assignment ..."""
    assignment_max_days_to_expiry: NonNegativeInt = 5
    """... when it has at most this many calendar days left."""
    dividends: dict[str, tuple[Dividend, ...]] = Field(default_factory=dict)
    """Per underlying symbol: dividends whose ex-dates trigger early assignment of short ITM
    calls whose extrinsic value is below the dividend on the last session before."""
    session_timezone: str = "America/New_York"
    """Timezone whose calendar date is the trading session's date."""
    seed: NonNegativeInt = 0

    @field_validator("account_id")
    @classmethod
    def _sim_account(cls, value: str) -> str:
        if not value.startswith(SIM_ACCOUNT_PREFIX):
            raise ValueError(
                f"a simulated account id must start with {SIM_ACCOUNT_PREFIX!r} so it can never "
                "look like an IB paper (DU...) or live (U...) account"
            )
        return value

    @field_validator("session_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

"""What a builder returns: a ``Proposal`` (a PENDING strategy priced at mid, with its risk
numbers) or a ``Rejection`` that says why not, with the numbers it saw and the threshold it
compared them with, so the decision journal can answer "why was nothing entered?".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from v6.domain.greeks import Greeks
from v6.domain.strategy import MetadataValue, Strategy, StrategyType
from v6.strategies.strikes import DeltaTargets, SkewReading


class RejectReason(StrEnum):
    NO_EXPIRY_IN_WINDOW = "no_expiry_in_window"
    NO_STRIKE_IN_RANGE = "no_strike_in_range"
    INVALID_QUOTE = "invalid_quote"
    ILLIQUID = "illiquid"
    CREDIT_TOO_LOW = "credit_too_low"
    DEBIT_TOO_HIGH = "debit_too_high"
    INVALID_STRUCTURE = "invalid_structure"
    UNDEFINED_RISK = "undefined_risk"
    NO_IV = "no_iv"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A candidate that was not produced, and why."""

    strategy_type: StrategyType
    symbol: str
    reason: RejectReason
    detail: str
    values: Mapping[str, float] = field(default_factory=dict)
    expiry: date | None = None

    @property
    def ok(self) -> bool:
        return False

    def record(self) -> dict[str, MetadataValue]:
        """Flat fields for the decision journal."""
        out: dict[str, MetadataValue] = {
            "strategy_type": self.strategy_type.value,
            "symbol": self.symbol,
            "outcome": "rejected",
            "reason": self.reason.value,
            "detail": self.detail,
        }
        if self.expiry is not None:
            out["expiry"] = self.expiry.isoformat()
        out.update(self.values)
        return out


@dataclass(frozen=True, slots=True)
class Proposal:
    """A strategy worth proposing: PENDING, legs opened at mid (the expected fill).

    Credits are per share of one unit (positive = credit, negative = debit); max profit and
    max loss in dollars for the whole position; ``pop`` is the lognormal probability that
    the position expires with a profit, at the ATM IV.
    """

    strategy: Strategy
    dte: int
    t_years: float
    credit_mid: float
    credit_natural: float
    max_profit: float
    max_loss: float
    breakevens: tuple[float, ...]
    pop: float
    atm_iv: float
    greeks: Greeks
    skew: SkewReading
    targets: DeltaTargets | None = None
    min_credit: float | None = None
    """The smallest credit per unit worth taking (the execution engine's floor)."""
    max_debit: float | None = None
    """The largest debit per unit worth paying (the execution engine's ceiling)."""

    @property
    def ok(self) -> bool:
        return True

    @property
    def strategy_type(self) -> StrategyType:
        return self.strategy.strategy_type

    @property
    def symbol(self) -> str:
        return self.strategy.symbol

    @property
    def expiry(self) -> date:
        return self.strategy.expiry

    @property
    def width(self) -> float:
        return self.strategy.width

    @property
    def reward_to_risk(self) -> float:
        """Max profit / max loss (credit / (width - credit) for a credit spread)."""
        return self.max_profit / self.max_loss if self.max_loss > 0 else float("inf")

    @property
    def crossing_cost(self) -> float:
        """Fraction of the mid price lost by filling at the natural price (0 = no spread)."""
        mid = abs(self.credit_mid)
        return abs(self.credit_mid - self.credit_natural) / mid if mid > 0 else 1.0

    def record(self) -> dict[str, MetadataValue]:
        """Flat fields for the decision journal (the strategy's metadata included)."""
        out: dict[str, MetadataValue] = dict(self.strategy.metadata)
        out.update(
            {
                "strategy_type": self.strategy_type.value,
                "symbol": self.symbol,
                "outcome": "proposed",
                "strategy_id": self.strategy.strategy_id,
                "legs": " ".join(
                    f"{leg.quantity:+d} {leg.contract.strike:g}{leg.contract.right.value}"
                    for leg in self.strategy.legs
                ),
                "max_profit": self.max_profit,
                "max_loss": self.max_loss,
                "breakevens": " ".join(f"{b:.4f}" for b in self.breakevens),
                "delta": self.greeks.delta,
                "gamma": self.greeks.gamma,
                "theta_per_day": self.greeks.theta_per_day,
                "vega_per_vol_point": self.greeks.vega_per_vol_point,
            }
        )
        return out


BuildResult = Proposal | Rejection

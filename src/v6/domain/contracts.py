"""Option contracts: the identity of what we trade.

A contract is identified by (symbol, expiry, strike, right, multiplier). The broker's conId
is carried when known but does not take part in equality, so a contract built from a chain
scan equals the same contract after IB qualification.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from v6.errors import DomainError


class Right(StrEnum):
    """Option right, spelled as IB spells it."""

    CALL = "C"
    PUT = "P"


@dataclass(frozen=True, slots=True)
class OptionContract:
    """One listed option. ``strike`` is in dollars per share; ``multiplier`` shares per contract."""

    symbol: str
    expiry: date
    strike: float
    right: Right
    multiplier: int = 100
    con_id: int | None = field(default=None, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)
    _key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.symbol or not self.symbol.strip():
            raise DomainError("option contract: symbol must not be empty")
        if not math.isfinite(self.strike) or self.strike <= 0:
            raise DomainError(
                f"option contract {self.symbol}: strike must be > 0, got {self.strike}"
            )
        if self.multiplier <= 0:
            raise DomainError(
                f"option contract {self.symbol}: multiplier must be > 0, got {self.multiplier}"
            )
        # Accept "C"/"P" from tables and the wire; store the enum.
        object.__setattr__(self, "right", Right(self.right))
        # Contracts key every quote, position and margin lookup (hundreds of thousands of
        # times a simulated year), so the hash and the key are computed once.
        identity = (self.symbol, self.expiry, self.strike, self.right, self.multiplier)
        object.__setattr__(self, "_hash", hash(identity))
        key = f"{self.symbol} {self.expiry.isoformat()} {self.strike:g}{self.right.value}"
        object.__setattr__(self, "_key", key)

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[type[OptionContract], tuple[object, ...]]:
        # Rebuilt through __init__: a pickled hash of a str is wrong in another process.
        fields = (self.symbol, self.expiry, self.strike, self.right, self.multiplier)
        return (OptionContract, (*fields, self.con_id))

    @property
    def key(self) -> str:
        """A stable human-readable key, e.g. ``SPY 2026-12-18 450P``; used in tables and logs."""
        return self._key

    @property
    def is_call(self) -> bool:
        return self.right is Right.CALL

    def intrinsic(self, spot: float) -> float:
        """Exercise value per share at underlying price ``spot``."""
        if self.right is Right.CALL:
            return max(spot - self.strike, 0.0)
        return max(self.strike - spot, 0.0)

    def days_to_expiry(self, today: date) -> int:
        """Calendar days from ``today`` to expiry (0 on expiry day, negative after)."""
        return (self.expiry - today).days

    def with_con_id(self, con_id: int) -> OptionContract:
        """The same contract, qualified with the broker's id."""
        return OptionContract(
            self.symbol, self.expiry, self.strike, self.right, self.multiplier, con_id
        )

"""A leg: a signed quantity of one option contract and the price it was opened at."""

from __future__ import annotations

import math
from dataclasses import dataclass

from v6.domain.contracts import OptionContract
from v6.domain.greeks import Greeks
from v6.errors import DomainError


@dataclass(frozen=True, slots=True)
class OptionLeg:
    """``quantity`` > 0 is long, < 0 short, in contracts. ``open_price`` is per share (>= 0)."""

    contract: OptionContract
    quantity: int
    open_price: float = 0.0

    def __post_init__(self) -> None:
        if self.quantity == 0:
            raise DomainError(f"leg {self.contract.key}: quantity must not be zero")
        if not math.isfinite(self.open_price) or self.open_price < 0:
            raise DomainError(
                f"leg {self.contract.key}: open price must be a finite price >= 0, "
                f"got {self.open_price}"
            )

    @property
    def is_long(self) -> bool:
        return self.quantity > 0

    @property
    def is_short(self) -> bool:
        return self.quantity < 0

    @property
    def entry_cash(self) -> float:
        """Cash received (positive) or paid (negative) to open this leg, in dollars."""
        return -self.quantity * self.open_price * self.contract.multiplier

    def pnl_at(self, mark: float) -> float:
        """Unrealised P&L in dollars if the leg is marked at ``mark`` per share."""
        return self.quantity * (mark - self.open_price) * self.contract.multiplier

    def greeks(self, per_share: Greeks) -> Greeks:
        """Position Greeks of this leg from one option's per-share Greeks."""
        return per_share.for_position(self.quantity, self.contract.multiplier)

"""IB-like commissions: a rate per contract with a minimum per order, plus pass-through fees.

The minimum applies to the order as a whole: each execution is charged the growth of the
order's cumulative commission, so an order filled in three pieces pays what it would have
paid filled at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from v6.broker.sim.config import PaperBrokerConfig


@dataclass(frozen=True, slots=True)
class CommissionSchedule:
    per_contract: float
    min_per_order: float
    fees_per_contract: float

    @classmethod
    def from_config(cls, config: PaperBrokerConfig) -> CommissionSchedule:
        return cls(
            per_contract=config.commission_per_contract,
            min_per_order=config.min_commission_per_order,
            fees_per_contract=config.fees_per_contract,
        )

    def cumulative(self, contracts: int) -> float:
        """Dollars charged for an order once ``contracts`` contracts (all legs) have traded."""
        if contracts <= 0:
            return 0.0
        brokerage = max(self.per_contract * contracts, self.min_per_order)
        return brokerage + self.fees_per_contract * contracts

    def for_execution(self, contracts_before: int, contracts_now: int) -> float:
        """Dollars charged for one execution that takes the order from ``contracts_before`` to
        ``contracts_now`` traded contracts."""
        return self.cumulative(contracts_now) - self.cumulative(contracts_before)


def split_commission(total: float, leg_contracts: Sequence[int]) -> tuple[float, ...]:
    """Share ``total`` between legs in proportion to their contracts; the last leg takes the
    rounding remainder so the parts add up to ``total`` exactly."""
    count = sum(leg_contracts)
    if count <= 0:
        return tuple(0.0 for _ in leg_contracts)
    parts = [total * n / count for n in leg_contracts[:-1]]
    parts.append(total - sum(parts))
    return tuple(parts)

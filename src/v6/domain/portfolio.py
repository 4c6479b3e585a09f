"""Broker positions and the portfolio view the risk gate and rules read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from math import inf

from v6.domain.contracts import OptionContract
from v6.domain.greeks import Greeks
from v6.domain.strategy import Strategy, StrategyType


@dataclass(frozen=True, slots=True)
class Position:
    """What the broker holds: a signed quantity of a contract at an average cost per share."""

    contract: OptionContract
    quantity: int
    avg_cost: float


@dataclass(frozen=True, slots=True)
class Portfolio:
    """A snapshot of the account: strategies we manage, broker positions and cash."""

    strategies: tuple[Strategy, ...]
    cash: float
    net_liquidation: float
    ts: datetime
    positions: tuple[Position, ...] = ()

    @property
    def active(self) -> tuple[Strategy, ...]:
        return tuple(s for s in self.strategies if s.is_active)

    def count_by_symbol(self) -> Counter[str]:
        return Counter(s.symbol for s in self.active)

    def count_by_type(self) -> Counter[StrategyType]:
        return Counter(s.strategy_type for s in self.active)

    @property
    def margin_in_use(self) -> float:
        """Defined-risk margin: the sum of active strategies' max losses (``inf`` if undefined)."""
        total = 0.0
        for s in self.active:
            total += s.max_loss if s.single_expiry else inf
        return total

    def greeks(self, per_share: Mapping[str, Greeks]) -> Greeks:
        """Portfolio Greeks from per-share Greeks keyed by contract key."""
        return Greeks.total(s.greeks(per_share) for s in self.active)

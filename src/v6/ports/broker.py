"""The broker port, shaped by IB's semantics.

Orders are acknowledged asynchronously: ``place_order`` returns once the broker has the
order (or refuses it outright), and everything after that (status changes, partial fills,
executions with commissions) arrives as ``BrokerEvent`` through ``events()``. Combo orders
carry one net limit price. Every order carries our ``order_ref`` (the journaled intent id)
so open orders and executions can be matched to intents after a restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from v6.domain.orders import Fill, Order, OrderEvent
from v6.domain.portfolio import Position

BrokerEvent = OrderEvent | Fill


@dataclass(frozen=True, slots=True)
class AccountSummary:
    account_id: str
    net_liquidation: float
    cash: float
    buying_power: float
    maintenance_margin: float
    realized_pnl_today: float
    unrealized_pnl: float
    ts: datetime

    @property
    def is_paper(self) -> bool:
        """IB paper account ids start with ``DU``."""
        return self.account_id.upper().startswith("DU")


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """An order the broker still works, with what has filled so far."""

    order: Order
    last_event: OrderEvent


@runtime_checkable
class Broker(Protocol):
    async def place_order(self, order: Order) -> OrderEvent:
        """Required. Send ``order``; returns the first status (Submitted, or Rejected with the
        broker's code and text). Raises ``RetryableError`` only if it is unknown whether the
        broker received the order (the caller must reconcile by ``order_ref`` before resending)."""
        ...

    async def cancel_order(self, order_ref: str) -> bool:
        """Required. Request cancellation; True if a cancel was sent. The terminal status
        arrives through ``events()``."""
        ...

    async def modify_order(self, order: Order) -> OrderEvent | None:
        """Required. Replace price/quantity of a working order with the same ``order_ref`` and
        the same legs (IB refuses leg changes). ``None`` if no such working order."""
        ...

    def events(self) -> AsyncIterator[BrokerEvent]:
        """Required. Order events and fills in the order the broker reported them."""
        ...

    async def open_orders(self) -> list[OpenOrder] | None:
        """Required. Every working order of this account (ours matched by ``order_ref``).
        ``None`` on failure, ``[]`` when none are working."""
        ...

    async def executions(self, since: datetime | None = None) -> list[Fill] | None:
        """Required. Executions (with commissions) since ``since`` (the broker's whole memory
        if None). ``None`` on failure."""
        ...

    async def positions(self) -> list[Position] | None:
        """Required. Positions keyed by contract, signed. ``None`` on failure."""
        ...

    async def account(self) -> AccountSummary | None:
        """Required. Account values. ``None`` on failure."""
        ...

    async def what_if(self, order: Order) -> float | None:
        """Optional. Initial-margin change if ``order`` filled; ``None`` if unsupported/failed."""
        ...

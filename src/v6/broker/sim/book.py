"""The paper broker's memory: working orders and the record of everything it reported.

Every event goes both to a queue (``events()`` consumers) and to a record, so queries
(``open_orders``, ``executions``) answer from the same history the stream delivered, as IB's
reconciliation queries do after a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from v6.domain.orders import Fill, Order, OrderEvent, OrderStatus
from v6.ports.broker import BrokerEvent


@dataclass(slots=True)
class WorkingOrder:
    """Mutable state of one order at the paper broker."""

    order: Order
    broker_order_id: int
    status: OrderStatus = OrderStatus.PENDING_SUBMIT
    filled: int = 0
    filled_value: float = 0.0
    """Sum of quantity x net price over executions, for the average fill price."""
    contracts_traded: int = 0
    """All legs' contracts traded so far: the per-order commission minimum applies to it."""
    delay_steps: int = 0
    """``process()`` steps left before the order may fill (the delay model)."""
    triggered: bool = False
    """A stop order whose stop has been reached works as a market (or limit) order."""
    last_event: OrderEvent | None = None

    @property
    def remaining(self) -> int:
        return self.order.quantity - self.filled

    @property
    def avg_fill_price(self) -> float | None:
        return self.filled_value / self.filled if self.filled else None

    def event(
        self, status: OrderStatus, now: datetime, *, code: int | None = None, message: str = ""
    ) -> OrderEvent:
        """A status report of this order as it stands now."""
        return OrderEvent(
            order_ref=self.order.order_ref,
            status=status,
            filled=self.filled,
            remaining=self.remaining if status is not OrderStatus.REJECTED else 0,
            avg_fill_price=self.avg_fill_price,
            ts_event=now,
            ts_init=now,
            broker_order_id=self.broker_order_id,
            error_code=code,
            message=message,
        )


class EventLog:
    """Ordered delivery (an asyncio queue, one consumer) plus the queryable record."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[BrokerEvent] = asyncio.Queue()
        self._executions: list[Fill] = []
        self._last_status: dict[str, OrderEvent] = {}

    def publish(self, event: BrokerEvent) -> None:
        if isinstance(event, Fill):
            self._executions.append(event)
        else:
            self._last_status[event.order_ref] = event
        self._queue.put_nowait(event)

    async def stream(self) -> AsyncIterator[BrokerEvent]:
        """Events in the order they were published; waits for more, never ends."""
        while True:
            yield await self._queue.get()

    def drain(self) -> list[BrokerEvent]:
        """Everything published and not yet consumed, without waiting."""
        out: list[BrokerEvent] = []
        while not self._queue.empty():
            out.append(self._queue.get_nowait())
        return out

    def executions(self, since: datetime | None = None) -> list[Fill]:
        """Recorded executions with ``ts_event >= since`` (all if ``since`` is None)."""
        if since is None:
            return list(self._executions)
        return [f for f in self._executions if f.ts_event >= since]

    def last_status(self, order_ref: str) -> OrderEvent | None:
        return self._last_status.get(order_ref)

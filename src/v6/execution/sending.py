"""Sending one order when the connection may fail: if the broker may or may not have it
(``RetryableError`` from ``place_order``), ask the broker by reference before deciding,
never resend blind (reference ib.md §9)."""

from __future__ import annotations

from datetime import datetime

from v6.domain.orders import Order, OrderEvent, OrderStatus
from v6.errors import HaltError, RetryableError
from v6.ports.broker import Broker


def synthetic(
    ref: str, status: OrderStatus, filled: int, message: str, now: datetime
) -> OrderEvent:
    """A status the engine concludes itself (no broker report will come for it)."""
    return OrderEvent(ref, status, filled, 0, None, now, now, message=message)


async def send(broker: Broker, order: Order, now: datetime) -> OrderEvent:
    """``place_order``, resolving an unknown outcome through the broker's own lists."""
    try:
        return await broker.place_order(order)
    except RetryableError:
        pass
    ref = order.order_ref
    working = await broker.open_orders()
    fills = await broker.executions()
    if working is None or fills is None:
        raise HaltError(f"order {ref}: unknown whether the broker has it and it cannot say")
    for item in working:
        if item.order.order_ref == ref:
            return item.last_event
    first = order.legs[0]
    traded = sum(f.quantity for f in fills if f.order_ref == ref and f.contract == first.contract)
    return synthetic(
        ref, OrderStatus.CANCELLED, traded // first.ratio, "not working at the broker", now
    )

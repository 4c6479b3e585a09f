"""The event stream, its agreement with the queries, and reproducibility by seed."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from datetime import timedelta
from typing import Any

import pytest

from v6.broker.sim import PaperBroker, PaperBrokerConfig
from v6.clock import VirtualClock
from v6.domain import Fill, OrderEvent, OrderStatus, TimeInForce
from v6.ports import BrokerEvent

from .kit import (
    BUY,
    IC_LEGS,
    P_LONG,
    P_SHORT,
    SELL,
    START,
    DictQuotes,
    combo,
    set_condor_quotes,
    single,
)


async def take(broker: PaperBroker, n: int) -> list[BrokerEvent]:
    async with aclosing(broker.events()) as stream:  # type: ignore[type-var]
        return [await anext(stream) for _ in range(n)]


@pytest.mark.asyncio
async def test_events_arrive_in_broker_order(broker: PaperBroker) -> None:
    first = await broker.place_order(combo("ic", IC_LEGS, quantity=1, limit=-0.80))
    assert first.status is OrderStatus.SUBMITTED
    events = await take(broker, 7)
    kinds = [e.status if isinstance(e, OrderEvent) else "fill" for e in events]
    assert kinds == [
        OrderStatus.PENDING_SUBMIT,
        OrderStatus.SUBMITTED,
        "fill",
        "fill",
        "fill",
        "fill",
        OrderStatus.FILLED,
    ]
    stamps = [e.ts_event for e in events]
    assert stamps == sorted(stamps)
    streamed_fills = [e for e in events if isinstance(e, Fill)]
    assert streamed_fills == await broker.executions()


@pytest.mark.asyncio
async def test_a_waiting_consumer_receives_later_events(
    broker: PaperBroker, clock: VirtualClock, quotes: DictQuotes
) -> None:
    await broker.place_order(single("o", P_SHORT, SELL, 1, limit=1.70))
    assert len(await take(broker, 2)) == 2  # PendingSubmit, Submitted

    async with aclosing(broker.events()) as stream:  # type: ignore[type-var]

        async def next_event() -> BrokerEvent:
            return await anext(stream)

        waiting = asyncio.create_task(next_event())
        await asyncio.sleep(0)
        assert not waiting.done()
        clock.advance(timedelta(minutes=5))
        quotes.set(P_SHORT, 1.75, 1.85)
        broker.process()
        fill = await asyncio.wait_for(waiting, timeout=1.0)
    assert isinstance(fill, Fill)
    assert fill.order_ref == "o"
    assert fill.ts_event == clock.now()


@pytest.mark.asyncio
async def test_cancel_and_modify_through_the_async_port(broker: PaperBroker) -> None:
    order = single("w", P_LONG, BUY, 1, limit=0.50, tif=TimeInForce.GTC)
    await broker.place_order(order)
    (working,) = await broker.open_orders() or []
    assert working.order == order
    assert await broker.modify_order(order) is not None
    assert await broker.cancel_order("w") is True
    events = await take(broker, 4)
    assert [e.status for e in events if isinstance(e, OrderEvent)] == [
        OrderStatus.PENDING_SUBMIT,
        OrderStatus.SUBMITTED,
        OrderStatus.SUBMITTED,
        OrderStatus.CANCELLED,
    ]
    assert await broker.open_orders() == []


def _scenario(seed: int) -> list[tuple[Any, ...]]:
    """A day of orders under random delays and partial fills; the full event record."""
    clock = VirtualClock(START)
    quotes = DictQuotes(clock)
    quotes.spots["SPY"] = 500.0
    set_condor_quotes(quotes)
    config = PaperBrokerConfig(
        seed=seed, delay_probability=0.5, partial_fill_probability=0.5, max_delay_steps=4
    )
    broker = PaperBroker(quotes, clock, config)
    for i in range(12):
        broker.submit(combo(f"ic{i}", IC_LEGS, quantity=1 + i % 5, limit=-0.80))
        broker.submit(single(f"p{i}", P_SHORT, BUY, 2 + i % 3, limit=1.60))
    record: list[tuple[Any, ...]] = []
    for step in range(30):
        clock.advance(timedelta(minutes=5))
        quotes.set(P_SHORT, 1.50 + 0.01 * (step % 3), 1.60 + 0.01 * (step % 3))
        broker.process()
    for event in broker.drain_events():
        if isinstance(event, Fill):
            record.append((event.execution_id, event.quantity, event.price, event.ts_event))
        else:
            record.append((event.order_ref, event.status, event.filled, event.ts_event))
    return record


def test_same_seed_same_history_different_seed_different_history() -> None:
    first = _scenario(7)
    assert first == _scenario(7)
    assert first != _scenario(8)

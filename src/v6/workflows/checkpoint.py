"""Checkpointed paper broker: makes a simulated broker outlive the engine process, as a real
broker does, so crash recovery can be exercised (``v6 run --checkpoint`` / ``--resume``).

The paper broker lives in the engine's process; a real one does not. ``CheckpointBroker``
saves the whole paper broker (orders, fills, ledger, random state) with the simulator's
position after every call that changes it, atomically (temporary file, rename), before the
call returns to the engine. A process killed at any instant therefore leaves exactly the
broker state of its last completed call: an order sent and acknowledged stays working, a
fill that happened stays filled. The simulator itself is not saved: it is deterministic by
seed and fast-forwarded to the saved step. Undelivered broker events are dropped at a restore
(a reconnecting client gets no replay; reconciliation asks for orders and executions).

What this proves, and what it does not: the journal/broker reconciliation of a restarted
engine against a broker that kept going. It does not model a broker that kept trading while
the engine was down (the simulator is paused while no engine runs).
"""

from __future__ import annotations

import asyncio
import io
import os
import pickle
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from v6.broker.sim.broker import EndOfDayReport, PaperBroker
from v6.domain.orders import Fill, Order, OrderEvent
from v6.domain.portfolio import Position
from v6.ports.broker import AccountSummary, BrokerEvent, OpenOrder
from v6.ports.clock import Clock
from v6.sim.market import MarketSimulator

_QUOTES = "quotes"
_CLOCK = "clock"


class _Pickler(pickle.Pickler):
    """Leaves the simulator and the clock out (saved by reference) and empties the event
    queue (events not yet delivered are not part of the broker's durable state)."""

    def __init__(self, file: io.BytesIO, quotes: object, clock: object) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._quotes = quotes
        self._clock = clock

    def persistent_id(self, obj: Any) -> str | None:
        if obj is self._quotes:
            return _QUOTES
        if obj is self._clock:
            return _CLOCK
        return None

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, asyncio.Queue):
            return (asyncio.Queue, ())
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, quotes: object, clock: object) -> None:
        super().__init__(file)
        self._refs = {_QUOTES: quotes, _CLOCK: clock}

    def persistent_load(self, pid: Any) -> Any:
        return self._refs[str(pid)]


def save_broker(
    path: Path, broker: PaperBroker, quotes: object, clock: object, ts: datetime
) -> None:
    buf = io.BytesIO()
    _Pickler(buf, quotes, clock).dump({"ts": ts.isoformat(), "broker": broker})
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)


def load_broker(path: Path, quotes: object, clock: object) -> tuple[PaperBroker, datetime]:
    data = _Unpickler(io.BytesIO(path.read_bytes()), quotes, clock).load()
    broker = data["broker"]
    if not isinstance(broker, PaperBroker):
        raise TypeError(f"{path} does not hold a paper broker")
    return broker, datetime.fromisoformat(str(data["ts"]))


class CheckpointBroker:
    """The ``Broker`` port (plus the sim runner hooks) over a paper broker that is saved to
    ``path`` after every call that changes it."""

    __slots__ = ("_clock", "_position", "_sim", "inner", "path", "saves")

    def __init__(
        self,
        inner: PaperBroker,
        path: Path,
        sim: MarketSimulator,
        clock: Clock,
        position: Callable[[], datetime],
    ) -> None:
        self.inner = inner
        self.path = path
        self._sim = sim
        self._clock = clock
        self._position = position
        self.saves = 0

    def save(self) -> None:
        save_broker(self.path, self.inner, self._sim, self._clock, self._position())
        self.saves += 1

    # -- Broker port ------------------------------------------------------------------------

    async def place_order(self, order: Order) -> OrderEvent:
        event = await self.inner.place_order(order)
        self.save()
        return event

    async def cancel_order(self, order_ref: str) -> bool:
        done = await self.inner.cancel_order(order_ref)
        self.save()
        return done

    async def modify_order(self, order: Order) -> OrderEvent | None:
        event = await self.inner.modify_order(order)
        self.save()
        return event

    def events(self) -> AsyncIterator[BrokerEvent]:
        return self.inner.events()

    async def open_orders(self) -> list[OpenOrder] | None:
        return await self.inner.open_orders()

    async def executions(self, since: datetime | None = None) -> list[Fill] | None:
        return await self.inner.executions(since)

    async def positions(self) -> list[Position] | None:
        return await self.inner.positions()

    async def account(self) -> AccountSummary | None:
        return await self.inner.account()

    async def what_if(self, order: Order) -> float | None:
        return await self.inner.what_if(order)

    # -- runner hooks -----------------------------------------------------------------------

    def process(self) -> int:
        n = self.inner.process()
        self.save()
        return n

    def end_of_day(self, day: date | None = None) -> EndOfDayReport:
        report = self.inner.end_of_day(day)
        self.save()
        return report

    def drain_events(self) -> list[BrokerEvent]:
        return self.inner.drain_events()

    def account_summary(self) -> AccountSummary:
        return self.inner.account_summary()

    def list_positions(self) -> list[Position]:
        return self.inner.list_positions()


__all__ = ["CheckpointBroker", "load_broker", "save_broker"]

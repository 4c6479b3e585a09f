"""Test kit for the execution tests: a dict quote source, an in-memory Store that can "crash",
a broker wrapper of our own that records every call and can refuse or die on a chosen order,
a recording risk gate and alert sink, and a harness that steps clock, broker and engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from v6.broker.sim import PaperBroker, PaperBrokerConfig
from v6.clock import VirtualClock
from v6.domain import (
    AlertType,
    Fill,
    Intent,
    IntentKind,
    LegInstruction,
    OptionContract,
    OptionLeg,
    Order,
    OrderEvent,
    OrderStatus,
    Right,
    Severity,
    Strategy,
    StrategyStatus,
    StrategyType,
    Urgency,
    make_intent_id,
)
from v6.errors import RetryableError
from v6.execution import ExecutionConfig, ExecutionEngine, GateDecision, uncovered_shorts
from v6.ports import BrokerEvent, OpenOrder
from v6.ports.store import Row
from v6.testing.quotes import DictQuotes

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 10:00 New York
EXPIRY = date(2026, 3, 20)


def opt(strike: float, right: str) -> OptionContract:
    return OptionContract("SPY", EXPIRY, float(strike), Right(right))


P_LONG, P_SHORT, C_SHORT, C_LONG = opt(475, "P"), opt(480, "P"), opt(520, "C"), opt(525, "C")
IC = (P_LONG, P_SHORT, C_SHORT, C_LONG)
IC_SIGNS = (1, -1, -1, 1)
IC_QUOTES = {
    P_LONG: (1.00, 1.10),
    P_SHORT: (1.50, 1.60),
    C_SHORT: (1.40, 1.50),
    C_LONG: (0.90, 1.00),
}
"""Open credit: natural 0.80, mid 1.00, far side 1.20 (per unit, IB sign: -0.80/-1.00/-1.20)."""


class MemoryStore:
    """Implements the Store port and the JournalReader the engine reconciles from. Durable rows
    are committed at once, buffered rows at ``flush``; ``crash()`` loses the buffer, as a
    killed process would. Every call is appended to ``log`` (shared with the broker wrapper)."""

    def __init__(self, log: list[tuple[str, Any]] | None = None) -> None:
        self.log: list[tuple[str, Any]] = log if log is not None else []
        self.committed: dict[str, list[Row]] = {}
        self._buffer: dict[str, list[Row]] = {}

    def append(self, table: str, rows: Sequence[Row]) -> None:
        self._buffer.setdefault(table, []).extend(dict(r) for r in rows)
        self.log.append(("append", (table, [dict(r) for r in rows])))

    def append_durable(self, table: str, rows: Sequence[Row]) -> None:
        self.committed.setdefault(table, []).extend(dict(r) for r in rows)
        self.log.append(("durable", (table, [dict(r) for r in rows])))

    def flush(self) -> None:
        for table, rows in self._buffer.items():
            self.committed.setdefault(table, []).extend(rows)
        self._buffer.clear()

    def close(self) -> None:
        self.flush()

    def crash(self) -> None:
        self._buffer.clear()

    def rows(self, table: str) -> Sequence[Row] | None:
        return list(self.committed.get(table, [])) + list(self._buffer.get(table, []))

    def all(self, table: str) -> list[Row]:
        return list(self.committed.get(table, [])) + list(self._buffer.get(table, []))


class Crash(BaseException):
    """The process dies (BaseException: nothing in the engine may swallow it)."""


Refusal = tuple[int, str]


@dataclass
class BrokerProbe:
    """Our own wrapper over the paper broker: logs calls, checks after every call that no
    short is uncovered, and can refuse (``reject``) or die on (``crash_on``) chosen orders."""

    inner: PaperBroker
    clock: VirtualClock
    log: list[tuple[str, Any]] = field(default_factory=list)
    reject: Callable[[Order], Refusal | None] = lambda order: None
    crash_on: Callable[[Order], bool] = lambda order: False
    lose_ack: Callable[[Order], str | None] = lambda order: None
    """"before": the connection drops before the order reaches the broker; "after": it
    reaches the broker but the acknowledgement is lost. Either way ``RetryableError``."""
    before_place: Callable[[Order], None] = lambda order: None
    after_place: Callable[[Order], None] = lambda order: None
    after_cancel: Callable[[str], None] = lambda ref: None
    injected: list[BrokerEvent] = field(default_factory=list)
    naked_seen: list[dict[str, int]] = field(default_factory=list)

    def _check(self) -> None:
        naked = uncovered_shorts(self.positions_now())
        if naked:
            self.naked_seen.append(naked)

    def positions_now(self) -> dict[OptionContract, int]:
        return {p.contract: p.quantity for p in self.inner.list_positions()}

    async def place_order(self, order: Order) -> OrderEvent:
        if self.crash_on(order):
            raise Crash(order.order_ref)
        self.log.append(("place", order))
        refusal = self.reject(order)
        if refusal is not None:
            ts = self.clock.now()
            event = OrderEvent(
                order.order_ref,
                OrderStatus.REJECTED,
                0,
                0,
                None,
                ts,
                ts,
                error_code=refusal[0],
                message=refusal[1],
            )
            self.injected.append(event)
            return event
        lost = self.lose_ack(order)
        if lost == "before":
            raise RetryableError(f"connection lost sending {order.order_ref}")
        self.before_place(order)
        event = await self.inner.place_order(order)
        self._check()
        self.after_place(order)
        if lost == "after":
            raise RetryableError(f"acknowledgement of {order.order_ref} lost")
        return event

    async def cancel_order(self, order_ref: str) -> bool:
        self.log.append(("cancel", order_ref))
        done = await self.inner.cancel_order(order_ref)
        self.after_cancel(order_ref)
        return done

    async def modify_order(self, order: Order) -> OrderEvent | None:
        self.log.append(("modify", order))
        event = await self.inner.modify_order(order)
        self._check()
        return event

    def events(self) -> Any:
        return self.inner.events()

    async def open_orders(self) -> list[OpenOrder] | None:
        return await self.inner.open_orders()

    async def executions(self, since: datetime | None = None) -> list[Fill] | None:
        return await self.inner.executions(since)

    async def positions(self) -> Any:
        return await self.inner.positions()

    async def account(self) -> Any:
        return await self.inner.account()

    async def what_if(self, order: Order) -> float | None:
        return await self.inner.what_if(order)

    def drain_events(self) -> list[BrokerEvent]:
        out = [*self.injected, *self.inner.drain_events()]
        self.injected.clear()
        return out

    def process(self) -> int:
        n = self.inner.process()
        self._check()
        return n

    def places(self, prefix: str = "") -> list[Order]:
        return [o for kind, o in self.log if kind == "place" and o.order_ref.startswith(prefix)]

    def modifies(self, prefix: str = "") -> list[Order]:
        return [o for kind, o in self.log if kind == "modify" and o.order_ref.startswith(prefix)]


class Gate:
    """A risk gate that records every intent it sees and answers from ``refuse``."""

    def __init__(self, refuse: Callable[[Intent], str | None] = lambda i: None) -> None:
        self.refuse = refuse
        self.checked: list[Intent] = []

    def check(self, intent: Intent) -> GateDecision:
        self.checked.append(intent)
        reason = self.refuse(intent)
        return GateDecision(approved=reason is None, reason=reason or "within limits")


@dataclass(frozen=True)
class RaisedAlert:
    alert_type: AlertType
    severity: Severity
    key: str
    message: str
    data: Mapping[str, Any]


class Alerts:
    def __init__(self) -> None:
        self.raised: list[RaisedAlert] = []

    def raise_alert(
        self,
        alert_type: AlertType,
        severity: Severity,
        key: str,
        message: str,
        data: Mapping[str, Any],
    ) -> None:
        self.raised.append(RaisedAlert(alert_type, severity, key, message, data))

    def of(self, alert_type: AlertType) -> list[RaisedAlert]:
        return [a for a in self.raised if a.alert_type is alert_type]


@dataclass
class World:
    """Clock, quotes, paper broker (behind the probe), store, gate, alerts; builds engines."""

    clock: VirtualClock
    quotes: DictQuotes
    broker: BrokerProbe
    store: MemoryStore
    gate: Gate
    alerts: Alerts
    config: ExecutionConfig

    def engine(self, config: ExecutionConfig | None = None, **kwargs: Any) -> ExecutionEngine:
        kwargs.setdefault("journal_reader", self.store)
        return ExecutionEngine(
            self.broker,
            self.store,
            self.clock,
            self.quotes,
            self.gate,
            self.alerts,
            config or self.config,
            drain=self.broker.drain_events,
            **kwargs,
        )

    async def run(self, engine: ExecutionEngine, seconds: float, dt: float = 1.0) -> list[Any]:
        """Advance the clock in ``dt`` steps; after each, the broker works its orders and the
        engine steps. Returns every step report."""
        reports = []
        elapsed = 0.0
        while elapsed < seconds - 1e-9:
            self.clock.advance(timedelta(seconds=dt))
            elapsed += dt
            self.broker.process()
            reports.append(await engine.step())
        return reports


def make_world(config: ExecutionConfig | None = None, **broker_settings: Any) -> World:
    clock = VirtualClock(START)
    quotes = DictQuotes(clock, {"SPY": 500.0})
    for contract, (bid, ask) in IC_QUOTES.items():
        quotes.set(contract, bid, ask)
    settings: dict[str, Any] = {"fees_per_contract": 0.0}
    settings.update(broker_settings)
    paper = PaperBroker(quotes, clock, PaperBrokerConfig(**settings))
    log: list[tuple[str, Any]] = []
    return World(
        clock,
        quotes,
        BrokerProbe(paper, clock, log=log),
        MemoryStore(log),
        Gate(),
        Alerts(),
        config or ExecutionConfig(),
    )


def pending_condor(strategy_id: str = "ic-1", units: int = 1) -> Strategy:
    legs = tuple(OptionLeg(c, s * units, 0.0) for c, s in zip(IC, IC_SIGNS, strict=True))
    return Strategy(strategy_id, StrategyType.IRON_CONDOR, legs, StrategyStatus.PENDING)


def condor_intent(
    strategy_id: str = "ic-1",
    kind: IntentKind = IntentKind.OPEN,
    units: int = 1,
    *,
    seq: int | str = 1,
    limit: float | None = None,
    urgency: Urgency = Urgency.NORMAL,
    created_at: datetime = START,
) -> Intent:
    """Open (or, with kind CLOSE/REDUCE, trade back) a short iron condor of ``units`` lots."""
    sign = 1 if kind is IntentKind.OPEN else -1
    return Intent(
        intent_id=make_intent_id(strategy_id, kind, seq),
        kind=kind,
        strategy_id=strategy_id,
        legs=tuple(LegInstruction(c, sign * s * units) for c, s in zip(IC, IC_SIGNS, strict=True)),
        created_at=created_at,
        urgency=urgency,
        limit_price=limit,
    )


def positions(world: World) -> dict[OptionContract, int]:
    return world.broker.positions_now()

"""The core of the execution engine: the one path from an intent to the broker.

``submit`` runs the risk gate (every intent, no exceptions), checks every leg's quote, journals
the intent durably and sends its first order; events are routed to each intent's state machine
and timed-out price steps walked on. Nothing sleeps: deadlines are compared with the injected
clock, so the same code runs live and in backtests. ``ExecutionEngine`` (``engine.py``) adds the
step loop, protective pairs and restart reconciliation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from v6.domain.alert import AlertType, Severity
from v6.domain.contracts import OptionContract
from v6.domain.orders import Fill, Intent, IntentKind, Order, OrderEvent, OrderStatus
from v6.domain.strategy import Strategy
from v6.execution.config import ExecutionConfig
from v6.execution.journal import Journal
from v6.execution.lifecycle import average_prices, closing, settle
from v6.execution.machine import IntentMachine
from v6.execution.mapping import OrderShape, Role, SignedLegs
from v6.execution.ports import AlertSink, QuoteProvider, RiskGate
from v6.execution.quoting import Pricer
from v6.execution.results import IntentResult, Outcome, SubmitResult
from v6.execution.rows import INTENDED, Row
from v6.execution.sending import send, synthetic
from v6.execution.tracking import Action, Cancel, Modify, Place, Stage
from v6.execution.walk import NetMarket, entry_cap
from v6.ports.broker import Broker, BrokerEvent
from v6.ports.clock import Clock

EXIT_KINDS = frozenset({IntentKind.CLOSE, IntentKind.ROLL, IntentKind.REDUCE})
"""Kinds that trade an open strategy's legs: its protective pair is cancelled first."""

_QUIET_CODES = frozenset({202})
"""Broker codes that are routine (202: cancelled at our request), not alerts."""


@dataclass(slots=True)
class Active:
    """An intent in flight and what the engine keeps beside its state machine."""

    machine: IntentMachine
    strategy: Strategy | None
    successor: Strategy | None
    mids: dict[OptionContract, float]
    fills: list[Fill] = field(default_factory=list)


@dataclass(slots=True)
class Tally:
    """What happened since the last report."""

    finished: list[IntentResult] = field(default_factory=list)
    strategies: dict[str, Strategy] = field(default_factory=dict)
    unmatched: list[Fill] = field(default_factory=list)
    placed: int = 0
    modified: int = 0
    cancelled: int = 0


class EngineCore:
    """Submission, event routing, timers and order dispatch. Not re-entrant: call it from one
    task (the engine loop); the broker's event stream must be fed (``drain`` or ``feed``)."""

    def __init__(
        self,
        broker: Broker,
        journal: Journal,
        clock: Clock,
        quotes: QuoteProvider,
        gate: RiskGate,
        alerts: AlertSink,
        config: ExecutionConfig,
        drain: Callable[[], Sequence[BrokerEvent]] | None = None,
    ) -> None:
        self.config = config
        self._broker = broker
        self._journal = journal
        self._clock = clock
        self._quotes = quotes
        self._gate = gate
        self._alerts = alerts
        self._drain = drain
        self._pricer = Pricer(quotes, clock, config.max_quote_age_seconds)
        self._active: dict[str, Active] = {}
        self._owner: dict[str, tuple[str, str]] = {}
        """order ref -> (intent id, strategy id), kept after the intent ends for late fills."""
        self._known: set[str] = set()
        self._seen_exec: set[str] = set()
        self._busy: dict[str, str] = {}
        """strategy id -> the intent working on it (one at a time per strategy)."""
        self._strategies: dict[str, Strategy] = {}
        self._inbox: deque[BrokerEvent] = deque()
        self._tally = Tally()

    # -- queries ----------------------------------------------------------------------------

    @property
    def active_intents(self) -> int:
        return len(self._active)

    def strategy(self, strategy_id: str) -> Strategy | None:
        return self._strategies.get(strategy_id)

    def is_active(self, intent_id: str) -> bool:
        return intent_id in self._active

    def track(self, strategy: Strategy) -> None:
        """Tell the engine about a strategy it did not open (e.g. loaded at start)."""
        self._strategies[strategy.strategy_id] = strategy

    # -- submission -------------------------------------------------------------------------

    async def submit(
        self, intent: Intent, strategy: Strategy | None = None, successor: Strategy | None = None
    ) -> SubmitResult:
        """Gate, check, journal (durably) and send ``intent``.

        ``strategy`` is the pending strategy of an OPEN (or the open one an exit trades; the
        engine's own record is used if omitted); ``successor`` is the new strategy of a ROLL.
        Their states move only on confirmed fills and are reported by ``step``.
        """
        iid = intent.intent_id
        if iid in self._known:
            return SubmitResult(iid, False, "duplicate: this intent is already journaled", True)
        decision = self._gate.check(intent)
        if not decision.approved:
            return self._refuse(intent, f"risk gate: {decision.reason}", AlertType.RISK_LIMIT)
        strategy = strategy if strategy is not None else self._strategies.get(intent.strategy_id)
        problem = self._problem(intent, strategy)
        if problem is not None:
            return self._refuse(intent, problem, AlertType.SYSTEM)
        mids, bad = self._pricer.decision_mids(intent, strategy)
        if bad:
            reason = "not every leg is quotable: " + "; ".join(bad)
            return self._refuse(intent, reason, AlertType.BAD_DATA)
        shape = OrderShape.of([(leg.contract, leg.quantity) for leg in intent.legs])
        unit_mid = sum(mids[c] * r for c, r in shape.legs)
        cap = entry_cap(
            intent.limit_price,
            unit_mid,
            is_entry=intent.kind is IntentKind.OPEN,
            min_credit=self.config.min_entry_credit_per_unit,
        )
        active = Active(IntentMachine(intent, self.config, cap), strategy, successor, mids)
        self._known.add(iid)
        self._active[iid] = active
        self._busy[intent.strategy_id] = iid
        for s in (strategy, successor):
            if s is not None:
                self._strategies[s.strategy_id] = s
        row = self._journal.intent_row(intent, INTENDED, mid=unit_mid)
        if intent.kind in EXIT_KINDS and self._protection_live(intent.strategy_id):
            active.machine.stage = Stage.WAITING_PROTECTION
            self._journal.durable("orders", [row])  # journaled before anything is touched
            await self._release_protection(intent)
        else:
            await self.execute(active, active.machine.start(self._clock.now(), self.price), [row])
        await self.settle_done()
        return SubmitResult(iid, True)

    def _problem(self, intent: Intent, strategy: Strategy | None) -> str | None:
        if ":" in intent.intent_id or "|" in intent.intent_id:
            return f"intent id {intent.intent_id!r} must not contain ':' or '|'"
        if len({leg.contract for leg in intent.legs}) != len(intent.legs):
            return "the same contract appears twice among the legs"
        busy = self._busy.get(intent.strategy_id)
        if busy is not None:
            return f"strategy {intent.strategy_id} already has intent {busy} in flight"
        if strategy is not None and strategy.strategy_id != intent.strategy_id:
            return f"strategy {strategy.strategy_id} is not the intent's {intent.strategy_id}"
        return None

    def _refuse(self, intent: Intent, reason: str, alert_type: AlertType) -> SubmitResult:
        """Never reaches the broker: journaled with the reason, alerted, reported."""
        self._journal.intent_status(intent, Outcome.REFUSED.value.upper(), reason)
        self._alerts.raise_alert(
            alert_type,
            Severity.WARNING,
            f"refused:{intent.strategy_id}:{intent.kind.value}",
            f"intent {intent.intent_id} refused: {reason}",
            {"intent_id": intent.intent_id, "strategy_id": intent.strategy_id},
        )
        self._tally.finished.append(
            IntentResult(intent.intent_id, intent.strategy_id, Outcome.REFUSED, reason)
        )
        return SubmitResult(intent.intent_id, False, reason)

    def _protection_live(self, strategy_id: str) -> bool:
        """Whether a protective pair rests for the strategy (the engine overrides this)."""
        return False

    async def _release_protection(self, intent: Intent) -> None:
        """Cancel the pair; the exit starts once both cancels are confirmed (overridden)."""

    def price(self, legs: SignedLegs) -> NetMarket | None:
        return self._pricer.price(legs)

    # -- dispatch ---------------------------------------------------------------------------

    async def execute(
        self, active: Active, actions: Sequence[Action], rows: Sequence[Row] = ()
    ) -> None:
        """Carry out a machine's actions. Every run of new orders is journaled durably (with
        ``rows``, e.g. the intent row) BEFORE the first of them is sent."""
        machine = active.machine
        intent = machine.intent
        pending = list(rows)
        queue: deque[Action] = deque(actions)
        while queue:
            action = queue.popleft()
            if isinstance(action, Place):
                batch = [action]
                while queue and isinstance(nxt := queue[0], Place):
                    batch.append(nxt)
                    queue.popleft()
                pending += [self._journal.order_row(p.order, intent, p.role.name) for p in batch]
                self._journal.durable("orders", pending)
                pending = []
                for p in batch:
                    ref = p.order.order_ref
                    self._owner[ref] = (intent.intent_id, intent.strategy_id)
                    if machine.orders[ref].cancel_requested:
                        event = synthetic(
                            ref, OrderStatus.CANCELLED, 0, "withdrawn unsent", self._clock.now()
                        )
                        self._journal.order_event(event, p.order.limit_price)
                    else:
                        event = await self.send(p.order)
                        self._tally.placed += 1
                    queue.extend(machine.on_status(event, self._clock.now(), self.price))
            elif isinstance(action, Modify):
                self._journal.walk(action.order, action.step)
                await self._broker.modify_order(action.order)
                self._tally.modified += 1
            elif isinstance(action, Cancel):
                await self._broker.cancel_order(action.order_ref)
                self._tally.cancelled += 1
        self._journal.durable("orders", pending)

    async def send(self, order: Order) -> OrderEvent:
        return await send(self._broker, order, self._clock.now())

    # -- events -----------------------------------------------------------------------------

    def feed(self, event: BrokerEvent) -> None:
        """Queue a broker event for the next ``step`` (for a pump over ``Broker.events()``)."""
        self._inbox.append(event)

    async def pump(self) -> None:
        """Forward the broker's event stream into ``feed`` forever (live mode task)."""
        async for event in self._broker.events():
            self.feed(event)

    async def handle_events(self) -> None:
        for _ in range(self.config.max_drain_rounds):
            if self._drain is not None:
                self._inbox.extend(self._drain())
            if not self._inbox:
                return
            while self._inbox:
                event = self._inbox.popleft()
                if isinstance(event, Fill):
                    self._on_fill(event)
                else:
                    await self.on_status(event)

    def _on_fill(self, fill: Fill) -> None:
        if fill.execution_id in self._seen_exec:
            return
        self._seen_exec.add(fill.execution_id)
        owner = self._owner.get(fill.order_ref)
        if owner is None:
            self._tally.unmatched.append(fill)
            return
        iid, sid = owner
        active = self._active.get(iid)
        self._journal.fills(
            [fill], strategy_id=sid, intent_id=iid, mids=None if active is None else active.mids
        )
        if active is None:
            return
        active.fills.append(fill)
        strategy = active.strategy
        if strategy is not None and active.machine.intent.kind in EXIT_KINDS:
            moved = closing(strategy, self._clock.now())
            if moved is not None:
                active.strategy = moved
                self.update_strategy(moved)
                self._journal.strategies([moved], intent_id=iid, reason=None)

    async def on_status(self, event: OrderEvent) -> None:
        owner = self._owner.get(event.order_ref)
        if owner is None:
            return
        active = self._active.get(owner[0])
        tracked = None if active is None else active.machine.orders.get(event.order_ref)
        limit = None if tracked is None or tracked.order is None else tracked.order.limit_price
        self._journal.order_event(event, limit)
        self.alert_on(
            event, owner[1], critical=tracked is not None and tracked.role is Role.ROLLBACK
        )
        if active is not None:
            actions = active.machine.on_status(event, self._clock.now(), self.price)
            await self.execute(active, actions)

    def alert_on(self, event: OrderEvent, strategy_id: str, *, critical: bool = False) -> None:
        """A rejection (or a refused modification) is recorded with its code and alerted."""
        rejected = event.status is OrderStatus.REJECTED
        if not rejected and (event.error_code is None or event.error_code in _QUIET_CODES):
            return
        if event.status is OrderStatus.CANCELLED:
            return
        self._alerts.raise_alert(
            AlertType.ORDER_REJECTED,
            Severity.CRITICAL if critical else Severity.WARNING,
            f"order:{event.order_ref}",
            f"order {event.order_ref} {'rejected' if rejected else 'refused a change'}: "
            f"{event.error_code} {event.message}".strip(),
            {
                "order_ref": event.order_ref,
                "strategy_id": strategy_id,
                "error_code": event.error_code,
                "status": event.status.value,
            },
        )

    # -- timers and endings -----------------------------------------------------------------

    async def tick(self) -> None:
        now = self._clock.now()
        for active in list(self._active.values()):
            if active.machine.done or active.machine.stage is Stage.WAITING_PROTECTION:
                continue
            actions = active.machine.on_tick(now, self.price)
            if actions:
                await self.execute(active, actions)

    async def settle_done(self) -> None:
        for iid in [i for i, a in self._active.items() if a.machine.done]:
            await self.finish(self._active.pop(iid))

    async def finish(self, active: Active) -> None:
        """An intent ended: move its strategies on what actually filled, journal, alert."""
        machine = active.machine
        intent = machine.intent
        outcome = machine.outcome or Outcome.CANCELLED
        net = machine.net_filled()
        prices = {**active.mids, **average_prices(active.fills)}
        now = self._clock.now()
        updates = settle(
            intent.kind,
            active.strategy,
            active.successor,
            net,
            prices,
            now,
            intent_id=intent.intent_id,
        )
        for s in updates:
            self.update_strategy(s)
        self._journal.strategies(updates, intent_id=intent.intent_id, reason=machine.reason)
        self._journal.intent_status(intent, outcome.value.upper(), machine.reason, durable=True)
        if self._busy.get(intent.strategy_id) == intent.intent_id:
            del self._busy[intent.strategy_id]
        if outcome in (Outcome.STRANDED, Outcome.ROLLED_BACK):
            self._alerts.raise_alert(
                AlertType.SYSTEM,
                Severity.CRITICAL if outcome is Outcome.STRANDED else Severity.WARNING,
                f"legging:{intent.strategy_id}",
                f"intent {intent.intent_id} {outcome.value}: {machine.reason}",
                {"intent_id": intent.intent_id, "strategy_id": intent.strategy_id},
            )
        self._tally.finished.append(
            IntentResult(
                intent.intent_id,
                intent.strategy_id,
                outcome,
                machine.reason,
                {c.key: q for c, q in net.items() if q != 0},
            )
        )
        await self.after_finish(active, updates)

    async def after_finish(self, active: Active, updates: list[Strategy]) -> None:
        """Hook for the guards (re-protect what is still open)."""

    def update_strategy(self, strategy: Strategy) -> None:
        self._strategies[strategy.strategy_id] = strategy
        self._tally.strategies[strategy.strategy_id] = strategy

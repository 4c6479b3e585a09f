"""ExecutionEngine: the core plus the step loop, protective OCA pairs and restart reconciliation.

One ``step()`` per clock tick: drain broker events into the intents' state machines, walk every
price whose step timed out, drain again, settle the intents that ended. Cost is one deadline
comparison per working order when nothing is due, so a thousand working intents cost little.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from v6.domain.alert import AlertType, Severity
from v6.domain.orders import Intent, IntentKind, OrderEvent, OrderStatus
from v6.domain.strategy import Strategy
from v6.errors import HaltError
from v6.execution.config import ExecutionConfig, UnsentPolicy
from v6.execution.core import EXIT_KINDS, Active, EngineCore, Tally
from v6.execution.journal import Journal
from v6.execution.lifecycle import remaining
from v6.execution.machine import IntentMachine
from v6.execution.mapping import OrderShape, Role, parse_ref
from v6.execution.ports import AlertSink, JournalReader, QuoteProvider, RiskGate
from v6.execution.protective import Protection, plan_protection, protective_intent
from v6.execution.reconcile import IntentTrace, gather, rebuild_orders
from v6.execution.results import Outcome, ReconcileReport, StepReport
from v6.execution.rows import INTENDED
from v6.execution.walk import entry_cap
from v6.ports.broker import Broker, BrokerEvent
from v6.ports.clock import Clock
from v6.ports.store import Store


class ExecutionEngine(EngineCore):
    """Intents in, orders out, fills and strategy states journaled. See ``docs/execution.md``.

    ``drain`` (e.g. ``PaperBroker.drain_events``) lets ``step`` pull broker events itself; live,
    run ``pump()`` as a task instead. ``journal_reader`` is what ``reconcile`` reads the journal
    through; ``columns`` (known columns per table) lets rows fit the store's current schemas.
    """

    def __init__(
        self,
        broker: Broker,
        store: Store,
        clock: Clock,
        quotes: QuoteProvider,
        gate: RiskGate,
        alerts: AlertSink,
        config: ExecutionConfig | None = None,
        *,
        journal_reader: JournalReader | None = None,
        drain: Callable[[], Sequence[BrokerEvent]] | None = None,
        mode: str = "sim",
        columns: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        journal = Journal(store, clock, mode=mode, columns=columns)
        config = config if config is not None else ExecutionConfig()
        super().__init__(broker, journal, clock, quotes, gate, alerts, config, drain)
        self._reader = journal_reader
        self._protection: dict[str, Protection] = {}
        self._protect_refs: dict[str, Protection] = {}
        self._waiting: dict[str, str] = {}
        """strategy id -> exit intent waiting for the protective pair's cancel."""
        self._replace: set[str] = set()
        """strategies whose new pair waits for the old pair's cancel to be confirmed."""

    # -- the loop ---------------------------------------------------------------------------

    async def step(self, events: Iterable[BrokerEvent] = ()) -> StepReport:
        """Advance every working intent by what the broker said and what the clock says."""
        for event in events:
            self.feed(event)
        await self.handle_events()
        await self.tick()
        await self.handle_events()
        await self.settle_done()
        return self._report()

    def _report(self) -> StepReport:
        t, self._tally = self._tally, Tally()
        return StepReport(
            finished=tuple(t.finished),
            strategies=tuple(t.strategies.values()),
            unmatched_fills=tuple(t.unmatched),
            orders_placed=t.placed,
            orders_modified=t.modified,
            orders_cancelled=t.cancelled,
        )

    def protection(self, strategy_id: str) -> Protection | None:
        return self._protection.get(strategy_id)

    # -- protective pairs -------------------------------------------------------------------

    async def protect(self, strategy: Strategy) -> str | None:
        """Place the strategy's protective pair, or replace it (the old pair is cancelled and
        the new one placed only once the cancel is confirmed: never two pairs at once).
        Returns ``None`` when done or under way, else why there is no pair."""
        if not self.config.protective.enabled:
            return "protective orders are disabled"
        self.track(strategy)
        sid = strategy.strategy_id
        if not strategy.is_active:
            return f"strategy {sid} is not open"
        if sid in self._busy:
            return f"strategy {sid} has an intent in flight; it is protected when that ends"
        old = self._protection.get(sid)
        if old is not None and old.live:
            self._replace.add(sid)
            await self._cancel_protection(old)
            return None
        return await self._place_protection(strategy)

    async def _place_protection(self, strategy: Strategy) -> str | None:
        sid = strategy.strategy_id
        now = self._clock.now()
        version = 1
        intent = protective_intent(strategy, version, now)
        while intent.intent_id in self._known:
            version += 1
            intent = protective_intent(strategy, version, now)
        decision = self._gate.check(intent)
        if not decision.approved:
            return self._refuse(
                intent, f"risk gate: {decision.reason}", AlertType.RISK_LIMIT
            ).reason
        plan = plan_protection(
            strategy, intent, self.config.protective, self.config.price_increment
        )
        if isinstance(plan, str):
            return plan
        self._known.add(intent.intent_id)
        close = OrderShape.of([(leg.contract, leg.quantity) for leg in intent.legs])
        prot = Protection(sid, intent.intent_id, close, intent)
        self._protection[sid] = prot
        orders = (plan.take_profit, plan.stop)
        rows = [self._journal.intent_row(intent, INTENDED)]
        rows += [
            self._journal.order_row(o, intent, r) for o, r in zip(orders, ("TP", "SL"), strict=True)
        ]
        self._journal.durable("orders", rows)
        for order in orders:
            self._protect_refs[order.order_ref] = prot
            self._owner[order.order_ref] = (intent.intent_id, sid)
            event = await self.send(order)
            self._tally.placed += 1
            self._apply(prot, event)
        return None

    def _protection_live(self, strategy_id: str) -> bool:
        prot = self._protection.get(strategy_id)
        return prot is not None and prot.live

    async def _release_protection(self, intent: Intent) -> None:
        prot = self._protection[intent.strategy_id]
        self._waiting[intent.strategy_id] = intent.intent_id
        await self._cancel_protection(prot)

    async def _cancel_protection(self, prot: Protection) -> None:
        if prot.cancel_sent:
            return
        prot.cancel_sent = True
        for ref in prot.refs:
            if not prot.statuses.get(ref, OrderStatus.SUBMITTED).is_terminal:
                await self._broker.cancel_order(ref)
                self._tally.cancelled += 1

    def _apply(self, prot: Protection, event: OrderEvent) -> int:
        """Update the pair from a status; returns units newly filled."""
        ref = event.order_ref
        before = prot.filled_units.get(ref, 0)
        prot.filled_units[ref] = max(before, event.filled)
        current = prot.statuses.get(ref)
        if event.status is not OrderStatus.PENDING_SUBMIT and (
            current is None or not current.is_terminal
        ):
            prot.statuses[ref] = event.status
        return prot.filled_units[ref] - before

    async def on_status(self, event: OrderEvent) -> None:
        prot = self._protect_refs.get(event.order_ref)
        if prot is None:
            await super().on_status(event)
            return
        was_live = prot.live
        self._journal.order_event(event, None)
        self.alert_on(event, prot.strategy_id)
        newly = self._apply(prot, event)
        strategy = self._strategies.get(prot.strategy_id)
        if newly > 0 and strategy is not None and strategy.is_active:
            updated = remaining(strategy, prot.shape.quantities(newly), self._clock.now())
            self.update_strategy(updated)
            self._journal.strategies([updated], intent_id=prot.intent_id, reason="protective")
        if was_live and not prot.live:
            await self._protection_cleared(prot)

    async def _protection_cleared(self, prot: Protection) -> None:
        sid = prot.strategy_id
        if self._protection.get(sid) is prot:
            del self._protection[sid]
        filled = prot.units_filled > 0
        outcome = Outcome.FILLED if filled else Outcome.CANCELLED
        self._journal.intent_status(prot.intent, outcome.value.upper(), "protective pair ended")
        if not filled and not prot.cancel_sent:
            self._alerts.raise_alert(
                AlertType.ORDER_REJECTED,
                Severity.WARNING,
                f"protective:{sid}",
                f"strategy {sid}: the broker ended its protective pair",
                {"strategy_id": sid},
            )
        waiting = self._waiting.pop(sid, None)
        active = None if waiting is None else self._active.get(waiting)
        if active is not None:
            self._replace.discard(sid)  # the exit re-protects whatever it leaves open
            active.strategy = self._strategies.get(sid, active.strategy)
            if filled:
                active.machine.supersede("a protective order filled before the exit was sent")
            else:
                now = self._clock.now()
                await self.execute(active, active.machine.start(now, self.price))
            return
        strategy = self._strategies.get(sid)
        if (sid in self._replace or filled) and strategy is not None and strategy.is_active:
            self._replace.discard(sid)
            if sid not in self._busy:
                await self._place_protection(strategy)

    async def after_finish(self, active: Active, updates: list[Strategy]) -> None:
        """Whatever an ended intent left open gets a (new) protective pair."""
        if not self.config.protective.enabled:
            return
        ids = {s.strategy_id for s in updates}
        ids.update(s.strategy_id for s in (active.strategy, active.successor) if s is not None)
        for sid in sorted(ids):
            strategy = self._strategies.get(sid)
            prot = self._protection.get(sid)
            if strategy is None or not strategy.is_active or sid in self._busy:
                continue
            if prot is None or not prot.live:
                await self._place_protection(strategy)
            elif sid in {s.strategy_id for s in updates}:
                await self.protect(strategy)

    # -- restart ----------------------------------------------------------------------------

    async def reconcile(self, strategies: Sequence[Strategy] = ()) -> ReconcileReport:
        """Before anything else after a start: match journaled intents with the broker's
        working orders and executions by reference, resume or settle each, record fills the
        journal missed, apply the unsent policy. Raises ``HaltError`` if the journal or the
        broker cannot answer (trading must not start blind)."""
        for s in strategies:
            self.track(s)
        if self._reader is None:
            raise HaltError("reconcile needs a journal reader")
        order_rows = self._reader.rows("orders")
        exec_rows = self._reader.rows("executions")
        if order_rows is None or exec_rows is None:
            raise HaltError("the journal cannot be read: refusing to reconcile blind")
        working = await self._broker.open_orders()
        fills = await self._broker.executions()
        if working is None or fills is None:
            raise HaltError("the broker did not list orders/executions: cannot reconcile")
        rec = gather(order_rows, exec_rows, working, fills)
        self._known |= rec.known_ids
        self._seen_exec.update(f.execution_id for f in fills)
        self._owner.update(rec.owners)
        for fill in rec.unjournaled:
            iid, sid = rec.owners.get(fill.order_ref, (None, None))
            self._journal.fills([fill], strategy_id=sid, intent_id=iid)
        found: defaultdict[str, list[str]] = defaultdict(list)
        for iid, trace in rec.traces.items():
            kind = await self._recover(trace)
            found[kind].append(iid if kind != "protected" else trace.intent.strategy_id)
        await self.settle_done()
        for iid in found["unsent"]:
            found[await self._unsent(rec.traces[iid])].append(iid)
        for item in rec.orphans:
            self._alerts.raise_alert(
                AlertType.SYSTEM,
                Severity.CRITICAL,
                f"orphan:{item.order.order_ref}",
                f"working order {item.order.order_ref} has no journaled intent",
                {"order_ref": item.order.order_ref},
            )
        if self.config.protective.enabled:
            for sid, strategy in sorted(self._strategies.items()):
                prot = self._protection.get(sid)
                bare = prot is None or not prot.live
                if strategy.is_active and sid not in self._busy and bare:
                    placed = await self._place_protection(strategy)
                    if placed is None:
                        found["reprotected"].append(sid)
        t = self._report()
        lists = {k: tuple(found[k]) for k in ReconcileReport.__dataclass_fields__ if k in found}
        return ReconcileReport(
            **lists,
            recorded_fills=tuple(rec.unjournaled),
            orphan_orders=tuple(o.order.order_ref for o in rec.orphans),
            finished=t.finished,
            strategies=t.strategies,
        )

    async def _recover(self, trace: IntentTrace) -> str:
        """Rebuild one unfinished intent; returns which report list it belongs to."""
        intent = trace.intent
        if trace.protective:
            return self._adopt_protection(trace)
        if not trace.working and not trace.fills:
            return "unsent"
        now = self._clock.now()
        cap = entry_cap(
            intent.limit_price,
            self._decision_mid(trace),
            is_entry=intent.kind is IntentKind.OPEN,
            min_credit=self.config.min_entry_credit_per_unit,
        )
        machine = IntentMachine(intent, self.config, cap)
        strategy = self._strategies.get(intent.strategy_id)
        active = Active(machine, strategy, None, {}, list(trace.fills))
        for tracked in rebuild_orders(trace, machine, self.config, now):
            machine.adopt(tracked)
        self._active[intent.intent_id] = active
        self._busy[intent.strategy_id] = intent.intent_id
        roles = trace.roles()
        if not trace.working and trace.net() == trace.target():
            machine.conclude(Outcome.FILLED, "filled while the engine was down")
            return "filled"
        if not trace.working and roles == {Role.COMBO}:
            machine.conclude(Outcome.PARTIAL, "partly filled, then ended while the engine was down")
            return "partial"
        parsed = [parse_ref(o.order.order_ref) for o in trace.working]
        legging = not trace.working or any(p is not None and p.role is Role.LEG for p in parsed)
        await self.execute(active, machine.resume(now, self.price))
        return "interrupted" if legging else "working"

    def _decision_mid(self, trace: IntentTrace) -> float:
        """The journaled mid, else today's, else the sign of the working limit: enough to
        know whether a resumed entry is a credit that must keep its minimum credit."""
        if trace.mid is not None:
            return trace.mid
        market = self.price(
            OrderShape.of([(g.contract, g.quantity) for g in trace.intent.legs]).legs
        )
        if market is not None:
            return market.mid
        limits = [o.order.limit_price for o in trace.working if o.order.limit_price is not None]
        return limits[0] if limits else 0.0

    async def _unsent(self, trace: IntentTrace) -> str:
        intent = trace.intent
        age = self._clock.now() - intent.created_at
        policy = self.config.unsent_after_restart
        if (
            policy is UnsentPolicy.RESEND
            and age.total_seconds() <= self.config.max_resend_age_seconds
        ):
            self._known.discard(intent.intent_id)
            result = await self.submit(intent, self._strategies.get(intent.strategy_id))
            if result.accepted:
                return "resent"
            return "expired"
        reason = f"journaled before a restart, never sent; policy {policy.value}"
        self._journal.intent_status(intent, Outcome.EXPIRED.value.upper(), reason, durable=True)
        return "expired"

    def _adopt_protection(self, trace: IntentTrace) -> str:
        intent = trace.intent
        sid = intent.strategy_id
        shape = OrderShape.of([(leg.contract, leg.quantity) for leg in intent.legs])
        prot = Protection(sid, intent.intent_id, shape, intent)
        for ref in prot.refs:
            prot.statuses[ref] = OrderStatus.CANCELLED
        for item in trace.working:
            prot.statuses[item.order.order_ref] = item.last_event.status
            prot.filled_units[item.order.order_ref] = item.last_event.filled
        for ref in prot.refs:
            self._protect_refs[ref] = prot
        if prot.live:
            self._protection[sid] = prot
            return "protected"
        strategy = self._strategies.get(sid)
        net = trace.net()
        if net and strategy is not None and strategy.is_active:
            self.update_strategy(remaining(strategy, net, self._clock.now()))
        outcome = Outcome.FILLED if net else Outcome.CANCELLED
        self._journal.intent_status(intent, outcome.value.upper(), "protective pair ended")
        return "filled" if net else "expired"


__all__ = ["EXIT_KINDS", "ExecutionEngine"]

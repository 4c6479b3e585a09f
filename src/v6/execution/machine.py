"""The per-intent state machine: combo walk, legging, abort and unwind, as plain transitions.

It never calls the broker, the clock or the store: it is told what happened (a status, a tick
with a pricing function) and answers with the actions to take (place, modify, cancel). The
engine executes them. Stages::

    COMBO   --filled--> DONE(filled)        --cancelled--> DONE(cancelled | partial)
      |--rejected (fallback on)--> LEGGING
    LEGGING --all phases filled--> DONE(filled)
      |--a leg cancelled/rejected--> ABORTING (cancel the other legs, wait for them)
    ABORTING --nothing filled--> DONE(cancelled | rejected)
      |--risk-reducing intent--> DONE(partial)          (what filled only took risk off)
      |--otherwise--> ROLLBACK (buy back what was sold, then sell what was bought)
    ROLLBACK --flat--> DONE(rolled_back)    --a leg out of attempts--> DONE(stranded)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from v6.domain.contracts import OptionContract
from v6.domain.orders import Intent, OrderEvent, OrderStatus, Urgency
from v6.execution.config import ExecutionConfig, WalkSchedule
from v6.execution.legging import Phase, leg_caps, plan_phases, unwind_phases
from v6.execution.mapping import OrderShape, Role, combo_ref, leg_ref, rollback_ref
from v6.execution.results import Outcome
from v6.execution.tracking import (
    Action,
    Cancel,
    Modify,
    Place,
    PriceFn,
    Stage,
    TrackedOrder,
)
from v6.execution.walk import NetMarket, walk_limit

_INF = float("inf")


@dataclass(slots=True)
class IntentMachine:
    """State of one intent from the first order to its outcome."""

    intent: Intent
    config: ExecutionConfig
    cap: float
    """Absolute pay-space cap per unit (the intent's limit, an entry's minimum credit)."""
    stage: Stage = Stage.COMBO
    outcome: Outcome | None = None
    reason: str = ""
    orders: dict[str, TrackedOrder] = field(default_factory=dict)
    rejected: OrderEvent | None = None
    _phases: tuple[Phase, ...] = ()
    _phase_index: int = 0
    _leg_caps: dict[int, float] = field(default_factory=dict)
    _unwind: tuple[Phase, ...] = ()
    _unwind_index: int = 0
    _attempts: dict[int, int] = field(default_factory=dict)
    _retry_at: dict[int, datetime] = field(default_factory=dict)
    _stuck: set[int] = field(default_factory=set)

    # -- queries ----------------------------------------------------------------------------

    @property
    def schedule(self) -> WalkSchedule:
        urgent = self.intent.urgency is Urgency.IMMEDIATE
        return self.config.urgent if urgent else self.config.normal

    @property
    def done(self) -> bool:
        return self.stage is Stage.DONE

    @property
    def legs(self) -> list[tuple[OptionContract, int]]:
        return [(leg.contract, leg.quantity) for leg in self.intent.legs]

    def net_filled(self) -> dict[OptionContract, int]:
        """Signed contracts traded by every order of this intent (from statuses, so it does
        not depend on execution reports arriving first)."""
        out: dict[OptionContract, int] = defaultdict(int)
        for t in self.orders.values():
            for contract, qty in t.filled_quantities().items():
                out[contract] += qty
        return dict(out)

    def net_by_leg(self) -> dict[int, int]:
        index = {c: i for i, (c, _) in enumerate(self.legs)}
        return {index[c]: q for c, q in self.net_filled().items() if c in index}

    # -- starting ---------------------------------------------------------------------------

    def start(self, now: datetime, price: PriceFn) -> list[Action]:
        """First orders: one combo (or a plain order for one leg), or the first legging phase."""
        if len(self.intent.legs) > 1 and not self.config.use_combos:
            return self._start_legging(now, price, "combos disabled by config")
        self.stage = Stage.COMBO
        shape = OrderShape.of(self.legs)
        market = price(shape.legs)
        if market is None:
            return self._finish(Outcome.CANCELLED, "no tradable quote for every leg")
        tracked = TrackedOrder(
            combo_ref(self.intent.intent_id), Role.COMBO, shape, self.schedule, self.cap
        )
        return [self._place(tracked, market, now)]

    def _start_legging(self, now: datetime, price: PriceFn, why: str) -> list[Action]:
        self.stage = Stage.LEGGING
        self.reason = f"legging: {why}"
        self._phases = plan_phases(self.legs, self.config.legging_order)
        self._phase_index = 0
        markets: list[NetMarket] = []
        for contract, quantity in self.legs:
            market = price(((contract, 1 if quantity > 0 else -1),))
            if market is None:
                return self._finish(
                    Outcome.CANCELLED, f"{self.reason}; no quote for {contract.key}"
                )
            markets.append(market)
        units = OrderShape.of(self.legs).units
        total_cap = self.cap * units if self.cap != _INF else _INF
        caps = leg_caps(markets, [q for _, q in self.legs], total_cap, self.schedule)
        self._leg_caps = dict(enumerate(caps))
        return self._place_phase(now, price)

    def _place_phase(self, now: datetime, price: PriceFn) -> list[Action]:
        """Orders for the legs of the current phase not sent yet; every leg's quote is checked
        before any is sent, so a phase never starts half-way for want of a quote."""
        todo: list[tuple[TrackedOrder, NetMarket]] = []
        for step in self._phases[self._phase_index]:
            ref = leg_ref(self.intent.intent_id, step.leg_index)
            if ref in self.orders:
                continue
            shape = OrderShape.of([(step.contract, step.quantity)])
            cap = self._leg_caps.get(step.leg_index, _INF)
            tracked = TrackedOrder(ref, Role.LEG, shape, self.schedule, cap, step.leg_index)
            market = price(shape.legs)
            if market is None:
                tracked.status = OrderStatus.CANCELLED
                tracked.last_error = f"no tradable quote for {step.contract.key}"
                self.orders[ref] = tracked
                return self._leg_failed(tracked, now, price)
            todo.append((tracked, market))
        return [self._place(tracked, market, now) for tracked, market in todo]

    def _place(self, tracked: TrackedOrder, market: NetMarket, now: datetime) -> Place:
        tracked.pay_limit = walk_limit(
            market, 0, tracked.schedule, self.config.price_increment, cap=tracked.cap
        )
        tracked.order = tracked.shape.build(
            tracked.ref, self.intent.intent_id, self.intent.strategy_id, pay_limit=tracked.pay_limit
        )
        tracked.deadline = now + timedelta(seconds=tracked.schedule.step_timeout_seconds)
        self.orders[tracked.ref] = tracked
        return Place(tracked.order, tracked.role)

    # -- events -----------------------------------------------------------------------------

    def on_status(self, event: OrderEvent, now: datetime, price: PriceFn) -> list[Action]:
        tracked = self.orders.get(event.order_ref)
        if tracked is None or tracked.terminal:
            return []
        tracked.filled_units = max(tracked.filled_units, event.filled)
        if event.status is OrderStatus.PENDING_SUBMIT:
            return []  # the stream's echo of a submission we already saw acknowledged
        tracked.status = event.status
        if event.status is OrderStatus.REJECTED:
            self.rejected = event
            tracked.last_error = f"rejected ({event.error_code}): {event.message}"
        if not tracked.status.is_terminal or self.done:
            return []
        if tracked.role is Role.COMBO:
            return self._combo_ended(tracked, now, price)
        if tracked.role is Role.LEG:
            if self.stage is Stage.LEGGING and tracked.status is OrderStatus.FILLED:
                return self._advance_legging(now, price)
            if self.stage is Stage.LEGGING:
                return self._leg_failed(tracked, now, price)
            if self.stage is Stage.ABORTING and not self._legs_working():
                return self._after_abort(now, price)
            return []
        if tracked.role is Role.ROLLBACK and self.stage is Stage.ROLLBACK:
            return self._unwind_progress(now, price)
        return []

    def on_tick(self, now: datetime, price: PriceFn) -> list[Action]:
        """Walk every order whose step timed out one step further, or cancel it after the
        last step; retry unwind legs that were waiting for a quote."""
        actions: list[Action] = []
        tick = self.config.price_increment
        for tracked in self.orders.values():
            if tracked.terminal or tracked.cancel_requested or tracked.order is None:
                continue
            if tracked.deadline is None or tracked.deadline > now:
                continue
            if tracked.step >= tracked.schedule.steps:
                tracked.cancel_requested = True
                actions.append(Cancel(tracked.ref))
                continue
            tracked.step += 1
            tracked.deadline = now + timedelta(seconds=tracked.schedule.step_timeout_seconds)
            market = price(tracked.shape.legs)
            if market is None:
                continue  # keep the working price; never re-price on data we must not trust
            new = walk_limit(
                market,
                tracked.step,
                tracked.schedule,
                tick,
                cap=tracked.cap,
                previous=tracked.pay_limit,
            )
            if new != tracked.pay_limit:
                tracked.pay_limit = new
                tracked.order = replace(tracked.order, limit_price=tracked.shape.order_limit(new))
                actions.append(Modify(tracked.order, tracked.step))
        if self.stage is Stage.ROLLBACK and any(t <= now for t in self._retry_at.values()):
            actions.extend(self._unwind_progress(now, price))
        return actions

    def resume(self, now: datetime, price: PriceFn) -> list[Action]:
        """Continue after a restart from the orders reconciliation found (see ``adopt``): a
        working combo keeps walking from its current price; a legging attempt is not resumed
        but aborted (its working legs cancelled, what filled unwound or, for a risk-reducing
        intent, kept); a working unwind carries on."""
        roles = {t.role for t in self.orders.values()}
        working = {t.role for t in self.orders.values() if t.working}
        if Role.ROLLBACK in working or (Role.ROLLBACK in roles and Role.LEG not in working):
            for t in self.orders.values():
                if t.role is Role.ROLLBACK and t.leg_index is not None:
                    seen = self._attempts.get(t.leg_index, 0)
                    self._attempts[t.leg_index] = max(seen, _attempt_of(t.ref) + 1)
            net = {i: q for i, q in self.net_by_leg().items() if q != 0}
            self.stage = Stage.ROLLBACK
            self.reason = "unwinding after a restart"
            self._unwind = unwind_phases(net, self.legs)
            self._unwind_index = 0
            return self._unwind_progress(now, price)
        if Role.LEG in roles:
            self.reason = "legging interrupted by a restart"
            return self.abort(now, price)
        self.stage = Stage.COMBO
        return []

    def adopt(self, tracked: TrackedOrder) -> None:
        """Take over an order found at the broker (or only in its executions) at a restart."""
        self.orders[tracked.ref] = tracked

    def supersede(self, reason: str) -> None:
        """Give up before any order (a protective order filled while we waited)."""
        self._finish(Outcome.SUPERSEDED, reason)

    def conclude(self, outcome: Outcome, reason: str) -> None:
        """End with an outcome found elsewhere (reconciliation saw it at the broker)."""
        self._finish(outcome, reason)

    # -- combo and legging ------------------------------------------------------------------

    def _combo_ended(self, tracked: TrackedOrder, now: datetime, price: PriceFn) -> list[Action]:
        if tracked.status is OrderStatus.FILLED:
            return self._finish(Outcome.FILLED, "")
        if tracked.status is OrderStatus.REJECTED:
            if (
                tracked.filled_units == 0
                and tracked.shape.is_combo
                and self.config.fallback_to_legs_on_reject
            ):
                return self._start_legging(now, price, f"combo {tracked.last_error}")
            return self._finish(Outcome.REJECTED, tracked.last_error)
        if tracked.filled_units > 0:
            return self._finish(
                Outcome.PARTIAL,
                f"{tracked.filled_units} of {tracked.shape.units} units filled before the cancel",
            )
        return self._finish(Outcome.CANCELLED, "unfilled after the last price step")

    def _advance_legging(self, now: datetime, price: PriceFn) -> list[Action]:
        for step in self._phases[self._phase_index]:
            t = self.orders.get(leg_ref(self.intent.intent_id, step.leg_index))
            if t is None or t.status is not OrderStatus.FILLED:
                return []
        self._phase_index += 1
        if self._phase_index == len(self._phases):
            return self._finish(Outcome.FILLED, self.reason)
        return self._place_phase(now, price)

    def _legs_working(self) -> bool:
        return any(t.working for t in self.orders.values() if t.role is Role.LEG)

    def _leg_failed(self, tracked: TrackedOrder, now: datetime, price: PriceFn) -> list[Action]:
        self.stage = Stage.ABORTING
        why = tracked.last_error or "unfilled after the last price step"
        self.reason = f"{self.reason}; leg {tracked.leg_index} failed: {why}"
        return self.abort(now, price)

    def abort(self, now: datetime, price: PriceFn) -> list[Action]:
        """Cancel every working leg; once none works, unwind or stop (see module doc)."""
        self.stage = Stage.ABORTING
        cancels: list[Action] = []
        for t in self.orders.values():
            if t.role is Role.LEG and t.working and not t.cancel_requested:
                t.cancel_requested = True
                cancels.append(Cancel(t.ref))
        if cancels or self._legs_working():
            return cancels
        return self._after_abort(now, price)

    def _after_abort(self, now: datetime, price: PriceFn) -> list[Action]:
        net = {i: q for i, q in self.net_by_leg().items() if q != 0}
        if not net:
            outcome = Outcome.REJECTED if self.rejected is not None else Outcome.CANCELLED
            return self._finish(outcome, f"{self.reason}; nothing filled")
        if self.intent.reduces_risk:
            return self._finish(
                Outcome.PARTIAL, f"{self.reason}; filled legs kept (they only took risk off)"
            )
        self.stage = Stage.ROLLBACK
        self._unwind = unwind_phases(net, self.legs)
        self._unwind_index = 0
        return self._unwind_progress(now, price)

    # -- unwind -----------------------------------------------------------------------------

    def _unwind_progress(self, now: datetime, price: PriceFn) -> list[Action]:
        if self._unwind_index >= len(self._unwind):
            return self._finish(Outcome.ROLLED_BACK, f"{self.reason}; unwound to flat")
        phase = self._unwind[self._unwind_index]
        net = self.net_by_leg()
        actions: list[Action] = []
        pending = False
        for step in phase:
            i = step.leg_index
            if i in self._stuck:
                continue
            if any(
                t.working
                for t in self.orders.values()
                if t.role is Role.ROLLBACK and t.leg_index == i
            ):
                pending = True
                continue
            need = -net.get(i, 0)
            if need == 0 or (need > 0) != (step.quantity > 0):
                continue
            retry = self._retry_at.get(i)
            if retry is not None and retry > now:
                pending = True
                continue
            self._retry_at.pop(i, None)
            placed = self._place_unwind_leg(i, need, now, price)
            actions.extend(placed)
            pending = pending or bool(placed) or i in self._retry_at
        if actions or pending:
            return actions
        if any(step.leg_index in self._stuck for step in phase):
            return self._finish(
                Outcome.STRANDED,
                f"{self.reason}; unwind stopped: legs {sorted(self._stuck)} could not be traded",
            )
        self._unwind_index += 1
        return self._unwind_progress(now, price)

    def _place_unwind_leg(
        self, index: int, need: int, now: datetime, price: PriceFn
    ) -> list[Action]:
        attempt = self._attempts.get(index, 0)
        if attempt >= self.config.max_rollback_attempts:
            self._stuck.add(index)
            return []
        self._attempts[index] = attempt + 1
        contract = self.legs[index][0]
        shape = OrderShape.of([(contract, need)])
        market = price(shape.legs)
        schedule = self.config.rollback
        if market is None:
            self._retry_at[index] = now + timedelta(seconds=schedule.step_timeout_seconds)
            return []
        ref = rollback_ref(self.intent.intent_id, index, attempt)
        tracked = TrackedOrder(ref, Role.ROLLBACK, shape, schedule, _INF, index)
        return [self._place(tracked, market, now)]

    def _finish(self, outcome: Outcome, reason: str) -> list[Action]:
        self.stage = Stage.DONE
        self.outcome = outcome
        self.reason = reason.strip("; ")
        return []


def _attempt_of(ref: str) -> int:
    """The attempt number of a rollback reference (``...:R2.1`` -> 1)."""
    _, _, attempt = ref.rpartition(".")
    return int(attempt) if attempt.isdigit() else 0

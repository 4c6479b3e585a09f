"""Restart recovery, the pure part: match journaled intents with the broker's working orders and
executions by order reference, and rebuild the tracked orders an intent's state machine needs.

IB's advice (reference ib.md §9): on restart list open orders and executions, match them by
``orderRef`` before any resubmission. The engine acts on what ``gather`` finds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from v6.domain.contracts import OptionContract
from v6.domain.orders import Fill, Intent, OrderStatus
from v6.execution.config import ExecutionConfig
from v6.execution.machine import IntentMachine
from v6.execution.mapping import OrderShape, Role, parse_ref, shape_of_order
from v6.execution.protective import PROTECTIVE_REASON
from v6.execution.results import Outcome
from v6.execution.rows import INTENDED, intent_from_row, is_intent_row
from v6.execution.tracking import TrackedOrder
from v6.ports.broker import OpenOrder

FINAL_STATUSES = frozenset(o.value.upper() for o in Outcome if o is not Outcome.REFUSED)
"""Intent-row statuses after which an intent needs nothing more. REFUSED is not among them:
a refused intent never reached the broker and may be submitted again (then INTENDED)."""


@dataclass(slots=True)
class IntentTrace:
    """One unfinished journaled intent and every trace of it at the broker."""

    intent: Intent
    mid: float | None
    working: list[OpenOrder] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)

    @property
    def protective(self) -> bool:
        return self.intent.reason == PROTECTIVE_REASON

    def net(self) -> dict[OptionContract, int]:
        out: dict[OptionContract, int] = defaultdict(int)
        for f in self.fills:
            out[f.contract] += f.signed_quantity
        return {c: q for c, q in out.items() if q != 0}

    def target(self) -> dict[OptionContract, int]:
        return {leg.contract: leg.quantity for leg in self.intent.legs}

    def roles(self) -> set[Role]:
        refs = [o.order.order_ref for o in self.working] + [f.order_ref for f in self.fills]
        return {p.role for p in map(parse_ref, refs) if p is not None}


@dataclass(slots=True)
class Recovery:
    traces: dict[str, IntentTrace] = field(default_factory=dict)
    known_ids: set[str] = field(default_factory=set)
    """Every intent id in the journal: none of them is ever submitted again as new."""
    unjournaled: list[Fill] = field(default_factory=list)
    orphans: list[OpenOrder] = field(default_factory=list)
    owners: dict[str, tuple[str, str]] = field(default_factory=dict)
    """order ref -> (intent id, strategy id) for every journaled order and broker trace."""


def gather(
    order_rows: Sequence[Mapping[str, Any]],
    execution_rows: Sequence[Mapping[str, Any]],
    open_orders: Iterable[OpenOrder],
    executions: Iterable[Fill],
) -> Recovery:
    """Group the broker's state by journaled intent (pure; nothing is sent or written)."""
    out = Recovery()
    ended: set[str] = set()
    first: dict[str, Mapping[str, Any]] = {}
    for row in sorted(order_rows, key=lambda r: r["ts_init"]):
        if is_intent_row(row):
            iid = str(row["intent_id"])
            status = str(row.get("status"))
            if status == INTENDED:
                first.setdefault(iid, row)
            elif status in FINAL_STATUSES:
                ended.add(iid)  # final whatever order rows with equal stamps are read in
        elif row.get("intent_id") is not None:
            out.owners[str(row["order_ref"])] = (
                str(row["intent_id"]),
                str(row.get("strategy_id") or ""),
            )
    out.known_ids = set(first)
    for iid, row in first.items():
        if iid not in ended:
            mid = row.get("mid_at_decision")
            out.traces[iid] = IntentTrace(intent_from_row(row), None if mid is None else float(mid))
    journaled = {str(r["exec_id"]) for r in execution_rows}
    for order in open_orders:
        trace = _trace_of(out, order.order.order_ref)
        if trace is None:
            if order.order.order_ref not in out.owners:
                out.orphans.append(order)
            continue
        trace.working.append(order)
    for fill in executions:
        trace = _trace_of(out, fill.order_ref)
        if trace is not None:
            trace.fills.append(fill)
        parsed = parse_ref(fill.order_ref)
        ours = parsed is not None and parsed.intent_id in out.known_ids
        if ours and fill.execution_id not in journaled:
            out.unjournaled.append(fill)
    for iid, trace in out.traces.items():
        for ref in {o.order.order_ref for o in trace.working} | {f.order_ref for f in trace.fills}:
            out.owners[ref] = (iid, trace.intent.strategy_id)
    return out


def _trace_of(recovery: Recovery, ref: str) -> IntentTrace | None:
    parsed = parse_ref(ref)
    return None if parsed is None else recovery.traces.get(parsed.intent_id)


def rebuild_orders(
    trace: IntentTrace, machine: IntentMachine, config: ExecutionConfig, now: datetime
) -> list[TrackedOrder]:
    """Tracked orders for the machine: working ones as the broker reports them (walk resumes
    from their current limit), finished ones from their executions."""
    out: list[TrackedOrder] = []
    by_ref: dict[str, list[Fill]] = defaultdict(list)
    for f in trace.fills:
        by_ref[f.order_ref].append(f)
    working = {o.order.order_ref: o for o in trace.working}
    legs = [(leg.contract, leg.quantity) for leg in trace.intent.legs]
    for ref in sorted(set(by_ref) | set(working)):
        parsed = parse_ref(ref)
        if parsed is None:
            continue
        schedule = config.rollback if parsed.role is Role.ROLLBACK else machine.schedule
        cap = machine.cap if parsed.role is Role.COMBO else float("inf")
        if ref in working:
            open_order = working[ref]
            shape = shape_of_order(open_order.order)
            limit = open_order.order.limit_price
            out.append(
                TrackedOrder(
                    ref,
                    parsed.role,
                    shape,
                    schedule,
                    cap,
                    parsed.leg_index,
                    pay_limit=shape.pay_of(limit) if limit is not None else 0.0,
                    deadline=now + timedelta(seconds=schedule.step_timeout_seconds),
                    status=open_order.last_event.status,
                    filled_units=open_order.last_event.filled,
                    order=open_order.order,
                )
            )
            continue
        found, units = _filled_shape(parsed.role, parsed.leg_index, legs, by_ref[ref])
        if found is None:
            continue
        done = OrderStatus.FILLED if units == found.units else OrderStatus.CANCELLED
        out.append(
            TrackedOrder(
                ref,
                parsed.role,
                found,
                schedule,
                cap,
                parsed.leg_index,
                status=done,
                filled_units=units,
            )
        )
    return out


def _filled_shape(
    role: Role,
    leg_index: int | None,
    legs: Sequence[tuple[OptionContract, int]],
    fills: Sequence[Fill],
) -> tuple[OrderShape | None, int]:
    """Shape of a finished order and the units it filled, from its executions alone."""
    net: dict[OptionContract, int] = defaultdict(int)
    for f in fills:
        net[f.contract] += f.signed_quantity
    if role is Role.COMBO:
        shape = OrderShape.of(legs)
        contract, ratio = shape.legs[0]
        return shape, abs(net.get(contract, 0)) // abs(ratio)
    if leg_index is None or leg_index >= len(legs):
        return None, 0
    contract = legs[leg_index][0]
    qty = net.get(contract, 0)
    if role is Role.LEG:
        return OrderShape.of([legs[leg_index]]), abs(qty)
    if qty == 0:
        return None, 0
    return OrderShape.of([(contract, qty)]), abs(qty)

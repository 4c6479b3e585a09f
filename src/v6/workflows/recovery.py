"""Rebuild the book at a start from what survives any crash: the journal's intents (durable,
written before every order) and the fills (the journal's, plus the broker's own record, which
the journal may have missed), replayed in order. The broker is the truth for quantities, the
journal for intent.

Only intents that ended are replayed here; unfinished ones are left to
``ExecutionEngine.reconcile``, which resumes or concludes them and moves their strategies
itself (replaying them here too would count their fills twice). Buffered strategy rows that a
crash lost therefore cost nothing: the replay does not depend on them (the ``strategies`` table
only supplies each strategy's type and metadata when present).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from v6.domain.contracts import OptionContract, Right
from v6.domain.legs import OptionLeg
from v6.domain.orders import Fill, Intent, IntentKind, OrderAction
from v6.domain.strategy import Strategy, StrategyStatus, StrategyType
from v6.errors import DomainError
from v6.execution.lifecycle import LAST_INTENT, average_prices, opened, remaining
from v6.execution.mapping import parse_ref
from v6.execution.reconcile import FINAL_STATUSES
from v6.execution.rows import INTENDED, intent_from_row, is_intent_row
from v6.workflows.book import Book, IntentInfo

_INFER_ORDER = (
    StrategyType.IRON_CONDOR,
    StrategyType.BULL_PUT,
    StrategyType.BEAR_CALL,
    StrategyType.BULL_CALL,
    StrategyType.BEAR_PUT,
)


def infer_type(strategy_id: str, legs: tuple[OptionLeg, ...]) -> StrategyType:
    """The first standard structure the legs form, else CUSTOM."""
    for t in _INFER_ORDER:
        try:
            Strategy(strategy_id, t, legs)
        except DomainError:
            continue
        return t
    return StrategyType.CUSTOM


def fill_from_row(row: Mapping[str, Any]) -> Fill | None:
    """A journaled execution as a ``Fill`` (None if the row is incomplete)."""
    try:
        contract = OptionContract(
            str(row["underlying"]),
            row["expiry"] if isinstance(row["expiry"], date) else date.fromisoformat(row["expiry"]),
            float(row["strike"]),
            Right(str(row["right"])),
            int(row.get("multiplier") or 100),
        )
        ts = row["ts_event"]
        ts = ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)
        return Fill(
            execution_id=str(row["exec_id"]),
            order_ref=str(row.get("order_ref") or ""),
            contract=contract,
            action=OrderAction.BUY if row.get("side") == "BOT" else OrderAction.SELL,
            quantity=int(float(row["quantity"])),
            price=float(row["price"]),
            commission=float(row.get("commission") or 0.0),
            ts_event=ts,
            ts_init=ts,
        )
    except (KeyError, TypeError, ValueError, AttributeError, DomainError):
        return None


@dataclass(slots=True)
class Replay:
    """What the journal and the broker's record say the book is."""

    strategies: dict[str, Strategy] = field(default_factory=dict)
    unfinished: dict[str, Intent] = field(default_factory=dict)
    """Intents without an outcome: for ``ExecutionEngine.reconcile``."""
    pending: dict[str, Strategy] = field(default_factory=dict)
    """PENDING strategies of unfinished entries."""
    infos: dict[str, IntentInfo] = field(default_factory=dict)
    cash: dict[str, float] = field(default_factory=dict)
    seen_exec: set[str] = field(default_factory=set)
    settlements: list[Fill] = field(default_factory=list)


def _strategy_meta(
    rows: Sequence[Mapping[str, Any]],
) -> dict[str, tuple[StrategyType, dict[str, Any]]]:
    out: dict[str, tuple[StrategyType, dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["updated_at"]):
        try:
            t = StrategyType(str(row.get("strategy_type")))
        except ValueError:
            continue
        try:
            meta = json.loads(str(row.get("metadata_json") or "{}"))
        except ValueError:
            meta = {}
        clean = {k: v for k, v in meta.items() if isinstance(v, str | int | float | bool)}
        prev = out.get(str(row["strategy_id"]))
        if prev is None or t is not StrategyType.CUSTOM:
            out[str(row["strategy_id"])] = (t, clean)
    return out


def _rule_of(intent: Intent) -> str:
    head = intent.reason.split(":", 1)[0].strip()
    return head or intent.kind.value


def replay(
    order_rows: Sequence[Mapping[str, Any]],
    execution_rows: Sequence[Mapping[str, Any]],
    strategy_rows: Sequence[Mapping[str, Any]],
    broker_fills: Sequence[Fill],
) -> Replay:
    """Rebuild every strategy from ended intents and their fills, in the order they traded."""
    out = Replay()
    meta = _strategy_meta(strategy_rows)
    intents: dict[str, Intent] = {}
    ended: set[str] = set()
    for row in sorted(order_rows, key=lambda r: r["ts_init"]):
        if not is_intent_row(row):
            continue
        iid = str(row["intent_id"])
        status = str(row.get("status"))
        if status == INTENDED and iid not in intents:
            intents[iid] = intent_from_row(row)
        elif status in FINAL_STATUSES:
            ended.add(iid)
    fills: dict[str, Fill] = {}
    for row in execution_rows:
        f = fill_from_row(row)
        if f is not None:
            fills[f.execution_id] = f
    for f in broker_fills:
        fills.setdefault(f.execution_id, f)
    by_intent: defaultdict[str, list[Fill]] = defaultdict(list)
    for f in fills.values():
        parsed = parse_ref(f.order_ref)
        if parsed is not None and parsed.intent_id in intents:
            by_intent[parsed.intent_id].append(f)
        elif parsed is None:
            out.settlements.append(f)
    for iid, intent in intents.items():
        out.infos[iid] = IntentInfo(iid, intent.strategy_id, intent.kind, _rule_of(intent))
        if iid not in ended:
            out.unfinished[iid] = intent
    events: list[tuple[datetime, int, str]] = []
    for iid, items in by_intent.items():
        if iid in ended:
            events.append((min(f.ts_event for f in items), 0, iid))
    events.sort()
    for _, _, iid in events:
        _apply(out, intents[iid], by_intent[iid], meta)
    book = Book(strategies=out.strategies, cash=out.cash, seen_exec=out.seen_exec)
    for f in sorted(out.settlements, key=lambda x: (x.ts_event, x.execution_id)):
        book.settle([f], f.ts_event)
    for iid, intent in out.unfinished.items():
        if intent.kind is IntentKind.OPEN and intent.strategy_id not in out.strategies:
            out.pending[intent.strategy_id] = _pending(intent, meta)
        for f in by_intent.get(iid, []):
            out.cash[intent.strategy_id] = out.cash.get(intent.strategy_id, 0.0) + f.cash_flow
            out.seen_exec.add(f.execution_id)
    return out


def _pending(intent: Intent, meta: Mapping[str, tuple[StrategyType, dict[str, Any]]]) -> Strategy:
    legs = tuple(OptionLeg(leg.contract, leg.quantity, 0.0) for leg in intent.legs)
    sid = intent.strategy_id
    known = meta.get(sid)
    t = known[0] if known is not None else infer_type(sid, legs)
    try:
        return Strategy(sid, t, legs, StrategyStatus.PENDING, metadata=known[1] if known else {})
    except DomainError:
        return Strategy(sid, StrategyType.CUSTOM, legs, StrategyStatus.PENDING)


def _apply(
    out: Replay,
    intent: Intent,
    fills: Sequence[Fill],
    meta: Mapping[str, tuple[StrategyType, dict[str, Any]]],
) -> None:
    sid = intent.strategy_id
    net: dict[OptionContract, int] = defaultdict(int)
    for f in fills:
        net[f.contract] += f.signed_quantity
        out.cash[sid] = out.cash.get(sid, 0.0) + f.cash_flow
        out.seen_exec.add(f.execution_id)
    at = max(f.ts_event for f in fills)
    current = out.strategies.get(sid)
    if intent.kind is IntentKind.OPEN and current is None:
        moved = opened(_pending(intent, meta), dict(net), average_prices(fills), at)
    elif current is not None and current.is_active and intent.kind is not IntentKind.OPEN:
        own = {leg.contract for leg in current.legs}
        mine = {c: q for c, q in net.items() if c in own and q}
        moved = remaining(current, mine, at, rolled=intent.kind is IntentKind.ROLL)
    else:
        return
    out.strategies[sid] = moved.with_metadata(**{LAST_INTENT: intent.intent_id})


__all__ = ["Replay", "fill_from_row", "infer_type", "replay"]

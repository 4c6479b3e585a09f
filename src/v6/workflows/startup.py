"""What the engine does before its first cycle: rebuild the book from the journal and the
broker's record (``v6.workflows.recovery``), let the execution engine reconcile every
unfinished intent, compare the book with the broker's positions, restore open alerts and the
circuit breaker.

A broker position the journal does not explain is adopted as an unmanaged CUSTOM strategy
(counted by the risk limits, never traded by the rules) with a CRITICAL alert; a position the
journal holds but the broker does not is taken off the book (the broker is the truth for
quantities), also with a CRITICAL alert. Trading never starts blind: an unreadable journal or
a broker that does not answer raises ``HaltError``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from v6.alerts.codec import AlertRecord
from v6.domain.alert import AlertType, Severity
from v6.domain.contracts import OptionContract
from v6.domain.legs import OptionLeg
from v6.domain.orders import IntentKind
from v6.domain.portfolio import Position
from v6.domain.strategy import Strategy, StrategyStatus, StrategyType
from v6.errors import HaltError
from v6.execution.lifecycle import LAST_INTENT, remaining
from v6.execution.ports import JournalReader
from v6.execution.results import ReconcileReport
from v6.workflows.book import UNMANAGED, ClosedTrade
from v6.workflows.control import ENGINE_STATE_FILE, breaker_from_json, read_json
from v6.workflows.engine import Engine
from v6.workflows.recovery import replay
from v6.workflows.services import log


@dataclass(slots=True)
class StartReport:
    """What the start found: strategies rebuilt, reconciliation, adopted and missing positions."""

    strategies: int = 0
    closed: int = 0
    reconcile: ReconcileReport = field(default_factory=ReconcileReport)
    adopted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    breaker_restored: bool = False
    alerts_restored: int = 0


async def start(
    engine: Engine,
    journal: JournalReader,
    *,
    alert_states: Callable[[], Iterable[AlertRecord]] | None = None,
) -> StartReport:
    svc = engine.svc
    book = svc.book
    now = svc.now()
    out = StartReport()
    if alert_states is not None:
        out.alerts_restored = svc.alerts.restore(alert_states())
    order_rows = journal.rows("orders")
    exec_rows = journal.rows("executions")
    strategy_rows = journal.rows("strategies")
    if order_rows is None or exec_rows is None or strategy_rows is None:
        raise HaltError("the journal cannot be read: refusing to start blind")
    broker_fills = await svc.broker.executions()
    if broker_fills is None:
        raise HaltError("the broker did not list its executions: refusing to start blind")
    rep = replay(order_rows, exec_rows, strategy_rows, broker_fills)
    book.cash.update(rep.cash)
    book.seen_exec |= rep.seen_exec
    book.intents.update(rep.infos)
    journaled = _journaled_status(strategy_rows)
    for s in sorted(rep.strategies.values(), key=lambda x: x.strategy_id):
        if s.is_active:
            book.strategies[s.strategy_id] = s
            book.entries[s.strategy_type.value] += 1
        elif s.status in (StrategyStatus.CLOSED, StrategyStatus.ROLLED):
            book.entries[s.strategy_type.value] += 1
            info = book.intents.get(str(s.metadata.get(LAST_INTENT)))
            rule = str(s.metadata.get("exit_rule") or (info.rule if info else "external"))
            book.closed.append(
                ClosedTrade(
                    s.strategy_id,
                    s.symbol,
                    s.strategy_type.value,
                    s.status,
                    book.cash.get(s.strategy_id, 0.0),
                    rule,
                    s.opened_at,
                    s.opened_at or now,
                )
            )
            book.exits[rule] += 1
            if journaled.get(s.strategy_id) != s.status.value.upper():
                # its end was buffered when the process died: write it again
                engine._journal_strategy(
                    s, now, rule, pnl=book.cash.get(s.strategy_id, 0.0), rule=rule
                )
    out.closed = len(book.closed)
    known = [*book.active(), *rep.pending.values()]
    report = await svc.execution.reconcile(known)
    out.reconcile = report
    ended = book.update(report.strategies, now)
    for iid, intent in rep.unfinished.items():
        if svc.execution.is_active(iid):
            book.working[intent.strategy_id] = iid
            pending = rep.pending.get(intent.strategy_id)
            if intent.kind is IntentKind.OPEN and pending is not None:
                book.strategies.setdefault(intent.strategy_id, pending)
    engine._journal_ended(ended, report.strategies, now)
    positions = await svc.broker.positions()
    if positions is None:
        raise HaltError("the broker did not list its positions: refusing to start blind")
    _compare(engine, positions, now, out)
    for s in book.active():
        svc.execution.track(s)
        engine._journal_strategy(s, now, "restart")
    out.strategies = len(book.active())
    saved = read_json(engine.data_dir / ENGINE_STATE_FILE)
    if saved is not None and isinstance(saved.get("breaker"), dict):
        state = breaker_from_json(saved["breaker"])
        if state is not None:
            svc.desk.breaker.state = state
            out.breaker_restored = True
    log.info(
        "start: %d strategies open, %d closed before; reconcile %s; adopted %s; missing %s",
        out.strategies,
        out.closed,
        {k: len(v) for k, v in _report_lists(report).items() if v},
        out.adopted,
        out.missing,
    )
    return out


def _journaled_status(rows: Iterable[Mapping[str, object]]) -> dict[str, str]:
    """The latest journaled status of every strategy."""
    latest: dict[str, tuple[object, str]] = {}
    for row in rows:
        sid = str(row.get("strategy_id"))
        ts = row.get("updated_at")
        prev = latest.get(sid)
        if prev is None or (ts is not None and prev[0] is not None and ts >= prev[0]):  # type: ignore[operator]
            latest[sid] = (ts, str(row.get("status") or ""))
    return {k: v[1] for k, v in latest.items()}


def _report_lists(report: ReconcileReport) -> dict[str, tuple[object, ...]]:
    return {
        "working": report.working,
        "filled": report.filled,
        "expired": report.expired,
        "resent": report.resent,
        "interrupted": report.interrupted,
        "partial": report.partial,
        "protected": report.protected,
        "orphans": report.orphan_orders,
    }


def _compare(engine: Engine, positions: list[Position], now: datetime, out: StartReport) -> None:
    """Make the book agree with the broker's positions (see the module docstring)."""
    svc = engine.svc
    book = svc.book
    broker = {p.contract: p for p in positions if p.quantity}
    held = book.held()
    for contract, qty in sorted(held.items(), key=lambda kv: kv[0].key):
        have = broker[contract].quantity if contract in broker else 0
        if have == 0 or (have > 0) != (qty > 0):
            excess = qty  # the broker holds none of it (or the other side)
        elif abs(qty) > abs(have):
            excess = qty - have
        else:
            excess = 0
        if excess:
            _take_off(engine, contract, excess, now, out)
    held = book.held()
    extra: dict[str, list[OptionLeg]] = defaultdict(list)
    for contract, pos in sorted(broker.items(), key=lambda kv: kv[0].key):
        diff = pos.quantity - held.get(contract, 0)
        if diff:
            extra[contract.symbol].append(OptionLeg(contract, diff, max(pos.avg_cost, 0.0)))
    for symbol, legs in sorted(extra.items()):
        sid = f"adopted-{symbol}-{now.strftime('%Y%m%dT%H%M%S')}"
        adopted = Strategy(
            sid,
            StrategyType.CUSTOM,
            tuple(legs),
            StrategyStatus.OPEN,
            opened_at=now,
            metadata={UNMANAGED: True, "origin": "adopted"},
        )
        book.strategies[sid] = adopted
        out.adopted.append(sid)
        svc.alert(
            AlertType.SYSTEM,
            Severity.CRITICAL,
            f"adopted:{symbol}",
            f"broker holds {symbol} positions the journal does not know: "
            f"{_legs_text(legs)}; adopted as {sid}, unmanaged (never traded by rules)",
            {"strategy_id": sid, "legs": json.dumps(_legs_text(legs))},
        )


def _take_off(
    engine: Engine, contract: OptionContract, excess: int, now: datetime, out: StartReport
) -> None:
    """Remove ``excess`` (signed, as held) of ``contract`` from the strategies holding it."""
    svc = engine.svc
    left = excess
    for s in svc.book.active():
        for leg in s.legs:
            if leg.contract != contract or left == 0 or (leg.quantity > 0) != (left > 0):
                continue
            take = leg.quantity if abs(leg.quantity) <= abs(left) else left
            moved = remaining(s, {contract: -take}, now)
            if not moved.is_active:
                moved = moved.with_metadata(exit_rule="external")
                svc.book.strategies[s.strategy_id] = s
                for trade in svc.book.update([moved], now):
                    engine._journal_ended([trade], (), now)
            else:
                svc.book.strategies[s.strategy_id] = moved
            left -= take
            out.missing.append(f"{s.strategy_id}:{contract.key}")
            svc.alert(
                AlertType.SYSTEM,
                Severity.CRITICAL,
                f"missing:{contract.key}",
                f"{s.strategy_id} holds {take:+d} {contract.key} the broker does not: taken off "
                "the book (the broker is the truth for quantities)",
                {"strategy_id": s.strategy_id},
            )
            break


def _legs_text(legs: Iterable[OptionLeg]) -> str:
    return ", ".join(f"{leg.quantity:+d} {leg.contract.key}" for leg in legs)


__all__ = ["StartReport", "start"]

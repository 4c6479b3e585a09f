"""The ``Engine``: entry, monitoring, execution, end of day, journal upkeep, alert delivery and
the health record, run on the injected clock.

One ``cycle()`` per tick: the execution engine steps (fills and walks), the book takes what
it reports (strategies moved on confirmed fills, settlements, realised P&L), the monitoring
workflow runs, then the entry workflow when its schedule says so, then the operator's files
(kill switch, resume requests, alert acknowledgements) and the health record. ``start()``
first rebuilds the book and reconciles with the broker (``v6.workflows.startup``); ``stop()``
flushes the journal and leaves resting protective orders where they are.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from v6 import __version__
from v6.domain.alert import AlertType, Severity
from v6.domain.orders import IntentKind, make_intent_id
from v6.domain.portfolio import Portfolio
from v6.domain.strategy import Strategy
from v6.execution.results import Outcome, StepReport
from v6.ports.clock import Clock
from v6.risk.killswitch import plan_kill
from v6.workflows.book import ENDED, ClosedTrade, IntentInfo
from v6.workflows.control import (
    ENGINE_STATE_FILE,
    breaker_to_json,
    pending_resumes,
    write_json_atomic,
)
from v6.workflows.entry import EntryReport, EntryWorkflow
from v6.workflows.health import HealthRecord, write_health
from v6.workflows.monitoring import MonitorReport, PositionMonitoringWorkflow
from v6.workflows.records import settlement_rows, strategy_rows, trade_date
from v6.workflows.services import Services, log


@dataclass(frozen=True, slots=True)
class CycleReport:
    ts: datetime
    cpu_ms: float
    monitor: MonitorReport
    entry: EntryReport | None
    ended: tuple[ClosedTrade, ...] = ()


@dataclass(slots=True)
class Counters:
    cycles: int = 0
    last_cycle_ms: float = 0.0
    kill_cancelled: set[str] = field(default_factory=set)


class Engine:
    """Owns the workflows; built by ``v6.workflows.build`` (sim) or an IB wiring later."""

    def __init__(
        self,
        svc: Services,
        monitoring: PositionMonitoringWorkflow,
        entry: EntryWorkflow,
        *,
        data_dir: Path,
        mode: str,
        wall: Clock,
        health_every_s: float = 0.0,
        flush_every_s: float = 5.0,
    ) -> None:
        self.svc = svc
        self.monitoring = monitoring
        self.entry = entry
        self.data_dir = data_dir
        self.mode = mode
        self._wall = wall
        self._health_every_s = health_every_s
        self._flush_every_s = flush_every_s
        self._last_health = -1e18
        self._last_flush = time.monotonic()
        self.counters = Counters()
        self._rolls: list[tuple[Strategy, tuple[int, int]]] = []
        self.started_at = self._wall_now()
        self.state_reason = ""
        self.health_path = data_dir / svc.cfg.engine.health_file

    def _wall_now(self) -> datetime:
        return self._wall.now()

    # -- the cycle --------------------------------------------------------------------------

    async def cycle(self) -> CycleReport:
        """One tick of the loop (the caller has advanced the clock and the broker)."""
        t0 = time.process_time()
        svc = self.svc
        now = svc.now()
        self._roll_day(now)
        ended = list(await self.apply_step(await svc.execution.step()))
        await self._control(now)
        cycle_id = now.strftime("%Y%m%dT%H%M%S")
        monitor = await self.monitoring.run(cycle_id)
        await self._open_rolls()
        if monitor.transitions:
            self._save_breaker()
        entry: EntryReport | None = None
        if self.entry.due(now):
            entry = await self.entry.run()
        svc.alerts.apply_requests()
        await svc.alerts.deliver()
        self._maintain()
        ms = (time.process_time() - t0) * 1000.0
        self.counters.cycles += 1
        self.counters.last_cycle_ms = ms
        self.write_health()
        return CycleReport(now, ms, monitor, entry, tuple(ended))

    async def apply_step(self, report: StepReport) -> list[ClosedTrade]:
        """Take what the execution engine reported into the book and the journal."""
        svc = self.svc
        now = svc.now()
        book = svc.book
        self.monitoring.note_step(report)
        rolls: list[tuple[str, tuple[int, int]]] = []
        for r in report.finished:
            info = book.finished(r.intent_id, r.strategy_id)
            if info is None:
                continue
            if info.kind is IntentKind.ROLL and r.outcome is Outcome.FILLED and info.roll_window:
                rolls.append((r.strategy_id, info.roll_window))
            if r.outcome in (Outcome.STRANDED, Outcome.REJECTED):
                book.rejections[f"{info.kind.value}: {r.outcome.value}"] += 1
        ended = book.update(report.strategies, now)
        if report.unmatched_fills:
            ended += self._settle(report, now)
        self._journal_ended(ended, report.strategies, now)
        if svc.predictions is not None:
            svc.predictions.after_step(report.strategies, ended, now)
        for sid, window in rolls:
            rolled = book.strategies.get(sid)
            if rolled is not None:
                self._rolls.append((rolled, window))  # opened after this cycle's risk check
        self._prune()
        return ended

    async def _open_rolls(self) -> None:
        """The opening halves of rolls whose closes filled, judged on this cycle's snapshot."""
        rolls, self._rolls = self._rolls, []
        for rolled, window in rolls:
            await self.entry.open_successor(rolled, window)

    def _settle(self, report: StepReport, now: datetime) -> list[ClosedTrade]:
        svc = self.svc
        fills = [f for f in report.unmatched_fills if f.execution_id not in svc.book.seen_exec]
        if not fills:
            return []
        done = svc.book.settle(fills, now)
        rows = settlement_rows((f, done.holders.get(f.execution_id)) for f in fills)
        svc.store.append("executions", rows)
        for s in done.changed.values():
            svc.execution.track(s)
            if s.is_active:
                self._journal_strategy(s, now, "expiry settlement")
        for f in done.orphans:
            svc.alert(
                AlertType.SYSTEM,
                Severity.CRITICAL,
                f"unowned_fill:{f.contract.key}",
                f"broker booked {f.signed_quantity:+d} {f.contract.key} ({f.order_ref}) that "
                "no managed strategy holds",
                {"exec_id": f.execution_id, "order_ref": f.order_ref},
            )
        return done.ended

    def _journal_ended(
        self, ended: list[ClosedTrade], changed: tuple[Strategy, ...], now: datetime
    ) -> None:
        svc = self.svc
        for trade in ended:
            s = svc.book.strategies.get(trade.strategy_id)
            if s is None:
                continue
            self._journal_strategy(s, now, trade.rule, pnl=trade.pnl, rule=trade.rule)
            self.monitoring.forget(trade.strategy_id)
            self.monitoring.note_closed([trade.pnl])
            start = svc.day.open_pnl_at_start.pop(trade.strategy_id, 0.0)
            svc.day.realised_today += trade.pnl - start
            svc.realised_total += trade.pnl
            log.info("closed %s (%s): P&L %.2f", trade.strategy_id, trade.rule, trade.pnl)
        for s in changed:
            if s.status.value == "cancelled":
                self.monitoring.forget(s.strategy_id)

    def _journal_strategy(
        self,
        s: Strategy,
        now: datetime,
        reason: str | None,
        *,
        pnl: float | None = None,
        rule: str | None = None,
    ) -> None:
        row, legs = strategy_rows(
            s,
            ts=now,
            reason=reason,
            entry_intent_id=make_intent_id(s.strategy_id, IntentKind.OPEN, 1),
            realized_pnl=pnl,
            exit_rule=rule,
            regime=str(s.metadata.get("regime")) if s.metadata.get("regime") else None,
        )
        self.svc.store.append("strategies", [row])
        self.svc.store.append("legs", legs)

    def _prune(self) -> None:
        book = self.svc.book
        gone = [
            sid
            for sid, s in book.strategies.items()
            if s.status in ENDED and sid not in book.working
        ]
        for sid in gone:
            del book.strategies[sid]

    # -- days -------------------------------------------------------------------------------

    def _roll_day(self, now: datetime) -> None:
        svc = self.svc
        key = trade_date(now).isoformat()
        if svc.day.day == key:
            return
        svc.day.day = key
        svc.day.entries.clear()
        svc.day.realised_today = 0.0
        if svc.day.start_equity is None and svc.account is not None:
            svc.day.start_equity = svc.account.net_liquidation
        symbols = sorted({*svc.cfg.entry.underlyings, *(s.symbol for s in svc.book.active())})
        svc.desk.groups = svc.desk.checker.groups_from_returns(svc.history.returns(symbols))

    async def close_session(self) -> list[ClosedTrade]:
        """After the session's last cycle and the broker's end of day (DAY orders expired,
        expiries settled): take those events, record the closes, commit the regime readings
        and remember where the day ended (the next day's P&L starts from it)."""
        svc = self.svc
        now = svc.now()
        ended = await self.apply_step(await svc.execution.step())
        symbols = sorted({*svc.cfg.entry.underlyings, *(s.symbol for s in svc.book.active())})
        spots = {s: svc.feed.spot(s) for s in symbols}
        vix = svc.feed.vix()
        svc.regimes.update(now, spots, vix, svc.history, commit=True)
        svc.history.record_close(spots, vix)
        account = await svc.broker.account()
        if account is not None:
            svc.account = account
            svc.day.start_equity = account.net_liquidation
        risk = svc.desk.risk()
        svc.day.open_pnl_at_start = {}
        if risk is not None:
            for k, strat in enumerate(risk.book.strategies):
                svc.day.open_pnl_at_start[strat.strategy_id] = float(risk.strategy_pnl[k])
        svc.day.day = ""
        if svc.predictions is not None:
            self.entry.selector.weights = svc.predictions.weights(now)
        svc.store.pump()
        self._last_flush = time.monotonic()
        self._save_breaker()
        return ended

    # -- operator files ---------------------------------------------------------------------

    async def _control(self, now: datetime) -> None:
        svc = self.svc
        for req in pending_resumes(self.data_dir):
            svc.desk.breaker.request_resume(now, f"operator resume {req.by} {req.note}".strip())
            svc.alert(
                AlertType.CIRCUIT_BREAKER,
                Severity.INFO,
                "breaker",
                f"trading resumed by the operator ({req.by or 'unknown'}): {req.note}",
            )
            req.path.unlink(missing_ok=True)
            self._save_breaker()
        status = svc.desk.poll_kill()
        if status is None:
            self.counters.kill_cancelled.clear()
            return
        working = await svc.broker.open_orders() or []
        refs = [o.order.order_ref for o in working]
        plan = plan_kill(
            status,
            [r for r in refs if r not in self.counters.kill_cancelled],
            _portfolio(svc),
            now,
            flatten_default=svc.cfg.risk.kill_switch.flatten,
        )
        if plan.cancel_order_refs or plan.close_intents:
            svc.alert(AlertType.SYSTEM, Severity.CRITICAL, "kill_switch", plan.reason)
        for ref in plan.cancel_order_refs:
            await svc.broker.cancel_order(ref)
            self.counters.kill_cancelled.add(ref)
        for intent in plan.close_intents:
            strategy = svc.book.strategies.get(intent.strategy_id)
            if strategy is None or intent.strategy_id in svc.book.working:
                continue
            result = await svc.execution.submit(intent, strategy)
            if result.accepted:
                svc.book.register(
                    IntentInfo(intent.intent_id, intent.strategy_id, intent.kind, "kill_switch")
                )

    # -- upkeep -----------------------------------------------------------------------------

    def _maintain(self) -> None:
        if time.monotonic() - self._last_flush >= self._flush_every_s:
            self.svc.store.pump()
            self._last_flush = time.monotonic()

    def _save_breaker(self) -> None:
        write_json_atomic(
            self.data_dir / ENGINE_STATE_FILE,
            {"breaker": breaker_to_json(self.svc.desk.state)},
        )

    def health(self, *, state: str | None = None, note: str = "") -> HealthRecord:
        svc = self.svc
        book = svc.book
        account = svc.account
        equity = None if account is None else account.net_liquidation
        start = svc.day.start_equity
        trading = state or svc.desk.trading_state()
        reason = (
            svc.desk.state.reason
            if trading != "HALTED" or svc.desk.kill_status is None
            else (svc.desk.kill_status.reason or "kill switch set")
        )
        return HealthRecord(
            heartbeat=self._wall_now(),
            clock_at=svc.now(),
            pid=os.getpid(),
            version=__version__,
            mode=self.mode,
            state=trading,
            state_reason=reason,
            started_at=self.started_at,
            last_cycle_ms=round(self.counters.last_cycle_ms, 3),
            cycles=self.counters.cycles,
            counts={
                "open_strategies": len(book.active()),
                "pending_entries": len(book.pending_entries()),
                "working_intents": svc.execution.active_intents,
                "entries": sum(book.entries.values()),
                "exits": sum(book.exits.values()),
                "rejections": sum(book.rejections.values()),
                "gate_refusals": sum(svc.desk.refusals.values()),
                "alerts_open": len(svc.alerts.open_alerts()),
            },
            equity=equity,
            daily_pnl=None if equity is None or start is None else equity - start,
            kill_switch=svc.desk.kill_status is not None,
            broker_connected=account is not None,
            note=note,
        )

    def write_health(
        self, *, force: bool = False, state: str | None = None, note: str = ""
    ) -> None:
        t = time.monotonic()
        if not force and t - self._last_health < self._health_every_s:
            return
        self._last_health = t
        write_health(self.health_path, self.health(state=state, note=note))

    async def stop(self, *, state: str = "STOPPED", note: str = "") -> None:
        """Flush the journal and record the stop. Working DAY orders stay with the broker
        (they expire there) and resting protective orders stay in place on purpose."""
        self._save_breaker()
        try:
            self.svc.store.flush()
        finally:
            self.write_health(force=True, state=state, note=note)


def _portfolio(svc: Services) -> Portfolio:
    account = svc.account
    return Portfolio(
        tuple(svc.book.managed()),
        account.cash if account is not None else 0.0,
        account.net_liquidation if account is not None else 0.0,
        svc.now(),
    )


def closing_prices(svc: Services) -> Mapping[str, float]:
    return {s: p for s in svc.cfg.entry.underlyings if (p := svc.feed.spot(s)) is not None}


__all__ = ["CycleReport", "Engine", "closing_prices"]

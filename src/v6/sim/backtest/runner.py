"""``Backtest``: the engine on a virtual clock over a simulated or replayed market, as fast as
the machine allows, with the same decision, risk and execution code as ``v6 run``.

Per grid step: ``clock.set(state.ts)``; the entry lag counts the step; ``broker.process()``;
``engine.cycle()``; at the session's close ``broker.end_of_day()``, ``engine.close_session()``
and the day's mark: one ``account_snapshots`` row from the broker's account after the close
(positions at their marks), which is the daily mark-to-market equity curve every metric uses.
A row at the previous session's close holds the starting equity, so the first day counts.

What is cut, compared with ``v6 run``, is overhead only: the journal is kept in memory
(``MemoryWriter``, one Delta commit per table when the run is saved), per-step snapshot rows
are skipped in the lean modes, the health file is written at the start and the end, and the
engine reads the market through ``GuardedFeed``, which refuses any read of the future.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

from v6.analytics.equity import EquityCurve
from v6.analytics.performance import PerformanceReport, performance_report
from v6.analytics.runfolder import load_equity, load_trades
from v6.broker.sim.broker import PaperBroker
from v6.broker.sim.config import PaperBrokerConfig
from v6.clock import VirtualClock
from v6.config.models import TradingConfig
from v6.errors import InputRejected
from v6.execution.config import ExecutionConfig
from v6.journal import HoldPolicy
from v6.ports.broker import AccountSummary
from v6.ports.clock import Clock
from v6.sim.backtest.entry_lag import EntryTiming, LaggedEntryWorkflow
from v6.sim.backtest.guard import GuardedFeed
from v6.sim.backtest.memstore import MemoryJournal, MemoryReader, MemoryWriter
from v6.sim.backtest.options import BacktestOptions, JournalMode
from v6.sim.calendar import TradingCalendar
from v6.sim.market import MarketSimulator
from v6.sim.paths import MarketState
from v6.store.port import LakeStore
from v6.strategies.scoring import VarianceWeights
from v6.workflows.build import Adapters, build_engine
from v6.workflows.engine import Engine
from v6.workflows.feed import CHUNK, SimFeed
from v6.workflows.records import account_row, trade_date
from v6.workflows.startup import start

QUIET_S = 1e12
"""Cadence (seconds) that in effect never comes: lean runs write no per-step snapshots and
the health file only at the start and the end."""


MEMORY_TABLES = frozenset({"strategies", "account_snapshots", "alerts", "strategy_predictions"})
"""What a path kept only in memory holds on to: equity, trades, alerts, predictions."""


@dataclass(frozen=True, slots=True)
class DayMark:
    """One session's close: equity after the close, the market's regime (the simulator's
    own label) and VIX, what was held."""

    day: date
    equity: float
    regime: str
    vix: float
    open_strategies: int
    closes: dict[str, float] = field(default_factory=dict)
    """Each underlying's close."""


@dataclass(frozen=True, slots=True)
class Progress:
    day: int
    days: int
    ts: datetime
    equity: float
    open_strategies: int
    entries: int
    exits: int


@dataclass(slots=True)
class BacktestResult:
    """Everything one run produced. ``memory`` is its journal (every table the engine wrote);
    ``report`` the metrics on the daily mark-to-market curve and the trades."""

    cfg: TradingConfig
    options: BacktestOptions
    memory: MemoryWriter
    equity: EquityCurve
    trades: pl.DataFrame
    report: PerformanceReport
    marks: list[DayMark]
    timings: list[EntryTiming]
    steps: int
    wall_s: float
    cpu_s: float
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """entries by type, exits by rule, refusals by reason, alerts by severity."""
    weights: VarianceWeights = field(default_factory=VarianceWeights)
    """The strategy selector's prediction-variance weights at the end of the run."""

    @property
    def daily(self) -> pl.DataFrame:
        """One row per session close: date, equity, regime, VIX, open strategies and each
        underlying's close (``close_<SYMBOL>``)."""
        symbols = sorted({s for m in self.marks for s in m.closes})
        data: dict[str, list[object]] = {
            "date": [m.day for m in self.marks],
            "equity": [m.equity for m in self.marks],
            "regime": [m.regime for m in self.marks],
            "vix": [m.vix for m in self.marks],
            "open_strategies": [m.open_strategies for m in self.marks],
        }
        schema: dict[str, pl.DataType] = {
            "date": pl.Date(),
            "equity": pl.Float64(),
            "regime": pl.String(),
            "vix": pl.Float64(),
            "open_strategies": pl.Int64(),
        }
        for sym in symbols:
            data[f"close_{sym}"] = [m.closes.get(sym) for m in self.marks]
            schema[f"close_{sym}"] = pl.Float64()
        return pl.DataFrame(data, schema=schema)


def backtest_config(cfg: TradingConfig, journal: JournalMode, work_dir: Path) -> TradingConfig:
    """The config the engine runs with: the user's, with the data dir pointed at the run and,
    in the lean modes, the snapshot cadence (journal only; no decision reads it) off."""
    update: dict[str, object] = {"data_dir": work_dir}
    if journal is not JournalMode.FULL:
        update["engine"] = cfg.engine.model_copy(update={"snapshot_interval_s": QUIET_S})
    return cfg.model_copy(update=update)


class Backtest:
    """One run; ``run()`` once. ``work_dir`` holds the engine's own files (health record,
    breaker state); nothing else is written there."""

    def __init__(
        self,
        cfg: TradingConfig,
        opts: BacktestOptions,
        *,
        work_dir: Path,
        wall: Clock,
        calendar: TradingCalendar | None = None,
        broker_config: PaperBrokerConfig | None = None,
        execution: ExecutionConfig | None = None,
    ) -> None:
        self.user_cfg = cfg
        self.cfg = backtest_config(cfg, opts.journal, work_dir)
        self.opts = opts
        self.work_dir = work_dir
        self.wall = wall
        self.calendar = calendar or TradingCalendar()
        self.broker_config = broker_config or PaperBrokerConfig()
        self.execution = execution
        keep = MEMORY_TABLES if opts.journal is JournalMode.MEMORY else None
        self.memory = MemoryWriter(work_dir / "lake", keep=keep)

    async def run(self, progress: Callable[[Progress], None] | None = None) -> BacktestResult:
        t0, c0 = time.perf_counter(), time.process_time()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        sim = self.opts.market(self.calendar)
        first = sim.advance()
        if first is None:
            raise InputRejected("the market has no session to run")
        clock = VirtualClock(first.ts)
        paper = PaperBroker(sim, clock, self.broker_config)
        feed = GuardedFeed(SimFeed(sim), clock, lambda: sim.state.ts)
        store = LakeStore(self.memory, durable=False)
        engine = build_engine(
            self.cfg,
            Adapters(
                clock=clock,
                wall=self.wall,
                feed=feed,
                broker=paper,
                store=store,
                journal=MemoryJournal(self.memory),
                drain=paper.drain_events,
            ),
            data_dir=self.work_dir,
            mode="sim",
            execution=self.execution,
            calendar=sim.calendar,
            health_every_s=QUIET_S,
            flush_every_s=QUIET_S,
        )
        if self.opts.journal is JournalMode.MEMORY:
            # The decisions table is not kept: an unchanged HOLD need not even be encoded.
            engine.svc.decisions.policy = HoldPolicy(interval_s=math.inf)
        lag = LaggedEntryWorkflow(engine.entry, self.opts.lag_entries)
        engine.entry = lag  # the same entry workflow, entries held N steps (0: none)
        await start(engine, MemoryJournal(self.memory))
        start_account = paper.account_summary()
        prev_close = sim.calendar.open_close(sim.calendar.previous_session(first.session_day))[1]
        store.append("account_snapshots", [_mark_row(start_account, engine, prev_close)])
        marks: list[DayMark] = []
        steps = await self._loop(sim, clock, paper, engine, store, lag, marks, progress)
        await engine.stop(state="FINISHED")
        store.close()
        reader = MemoryReader(self.memory)
        equity, trades = load_equity(reader), load_trades(reader)
        return BacktestResult(
            cfg=self.user_cfg,
            options=self.opts,
            memory=self.memory,
            equity=equity,
            trades=trades,
            report=performance_report(equity, trades),
            marks=marks,
            timings=list(lag.timings),
            steps=steps,
            wall_s=time.perf_counter() - t0,
            cpu_s=time.process_time() - c0,
            counts=_counts(engine, self.memory),
            weights=engine.entry.selector.weights,
        )

    async def _loop(
        self,
        sim: MarketSimulator,
        clock: VirtualClock,
        paper: PaperBroker,
        engine: Engine,
        store: LakeStore,
        lag: LaggedEntryWorkflow,
        marks: list[DayMark],
        progress: Callable[[Progress], None] | None,
    ) -> int:
        state: MarketState | None = sim.state
        steps = 0
        while state is not None:
            clock.set(state.ts)
            if steps:
                lag.advance()
            steps += 1
            _prewarm(sim, paper)
            paper.process()
            await engine.cycle()
            if state.ts == sim.calendar.open_close(state.session_day)[1]:
                paper.end_of_day(state.session_day)
                await engine.close_session()
                account = engine.svc.account or paper.account_summary()
                store.append("account_snapshots", [_mark_row(account, engine, state.ts)])
                mark = DayMark(
                    state.session_day,
                    account.net_liquidation,
                    state.regime.value,
                    state.vix,
                    len(engine.svc.book.active()),
                    dict(state.spots),
                )
                marks.append(mark)
                if progress is not None:
                    progress(self._progress(engine, mark, len(marks), state.ts))
            state = sim.advance()
        return steps

    def _progress(self, engine: Engine, mark: DayMark, day: int, ts: datetime) -> Progress:
        book = engine.svc.book
        return Progress(
            day=day,
            days=self.opts.days,
            ts=ts,
            equity=mark.equity,
            open_strategies=mark.open_strategies,
            entries=sum(book.entries.values()),
            exits=sum(book.exits.values()),
        )


def _prewarm(sim: MarketSimulator, paper: PaperBroker) -> None:
    """Quote every contract the broker holds or works an order on, in one vectorised request
    per chunk, before the broker and the engine look at them one by one. Only a cache: the
    simulator serves the very same quotes however they are asked for (its randomness is a
    hash of the contract and the time), and keeps them for this step."""
    wanted = dict.fromkeys(p.contract for p in paper.list_positions())
    for working in paper.list_open_orders():
        for leg in working.order.legs:
            wanted.setdefault(leg.contract)
    contracts = list(wanted)
    for lo in range(0, len(contracts), CHUNK):
        sim.option_quotes(contracts[lo : lo + CHUNK])


def _mark_row(account: AccountSummary, engine: Engine, ts: datetime) -> dict[str, object]:
    """The day's equity row, stamped at the close (its trade date is the session's)."""
    row = account_row(
        account, engine.svc.desk.risk(), open_strategies=len(engine.svc.book.active()), ts=ts
    )
    row.update(ts_event=ts, ts_init=ts, trade_date=trade_date(ts))
    return row


_SEVERITY_RANK = {"INFO": 0, "WARNING": 1, "CRITICAL": 2}


def _counts(engine: Engine, memory: MemoryWriter) -> dict[str, dict[str, int]]:
    svc = engine.svc
    top: dict[str, str] = {}
    for row in memory.rows("alerts"):  # an alert's highest severity, as the summary counts
        sev = str(row.get("severity") or "INFO").upper()
        aid = str(row.get("alert_id"))
        if _SEVERITY_RANK.get(sev, 0) >= _SEVERITY_RANK.get(top.get(aid, "INFO"), 0):
            top[aid] = sev
    severities: Counter[str] = Counter(top.values())
    return {
        "entries_by_type": dict(svc.book.entries),
        "exits_by_rule": dict(svc.book.exits),
        "rejections": dict(svc.book.rejections),
        "gate_refusals": dict(svc.desk.refusals),
        "alerts_by_severity": dict(severities),
    }


__all__ = ["Backtest", "BacktestResult", "DayMark", "Progress", "backtest_config"]

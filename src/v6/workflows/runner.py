"""The sim runner behind ``v6 run``: the simulated market, the paper broker and the engine on
a virtual clock, as fast as the machine allows (or paced to wall time).

Per simulator step: ``clock.set(state.ts)``; ``broker.process()``; ``engine.cycle()`` (which
steps the execution engine, monitors every open strategy and enters on schedule); at each
session's close ``broker.end_of_day()`` then ``engine.close_session()``. A plain run journals
into a fresh lake (a previous simulated lake is archived); ``checkpoint`` saves the paper
broker after every call so a killed run can ``resume`` (see ``v6.workflows.checkpoint``).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from v6.broker.sim.broker import PaperBroker
from v6.broker.sim.config import PaperBrokerConfig
from v6.clock import VirtualClock
from v6.config.models import TradingConfig
from v6.errors import HaltError, InputRejected
from v6.execution.config import ExecutionConfig
from v6.ports.broker import AccountSummary
from v6.ports.clock import Clock
from v6.queries import Queries
from v6.sim.config import SimConfig
from v6.sim.market import MarketSimulator
from v6.sim.paths import MarketState
from v6.sim.regimes import ScenarioName
from v6.store.lake import Lake
from v6.store.port import LakeJournalReader, LakeStore
from v6.store.reader import LakeReader
from v6.store.service import WriterService
from v6.workflows.build import Adapters, build_engine
from v6.workflows.checkpoint import CheckpointBroker, load_broker
from v6.workflows.control import read_json, write_json_atomic
from v6.workflows.engine import Engine
from v6.workflows.feed import SimFeed
from v6.workflows.startup import StartReport, start
from v6.workflows.summary import RunSummary, summarize

RUN_FILE = "sim_run.json"
BROKER_FILE = "sim_broker.pkl"
ARCHIVE_DIR = "archive"
KEEP_ARCHIVES = 3


@dataclass(frozen=True, slots=True)
class SimOptions:
    days: int
    seed: int = 7
    scenario: ScenarioName | None = None
    scenario_day: int | None = None
    start: date | None = None
    realtime: float | None = None
    """None: as fast as possible; N: N times wall-clock speed (intraday steps only)."""
    checkpoint: bool = False
    resume: bool = False


@dataclass(frozen=True, slots=True)
class Progress:
    day: int
    days: int
    ts: datetime
    equity: float
    pnl: float
    drawdown: float
    state: str
    open_strategies: int
    entries: int
    exits: dict[str, int]
    rejections: int


@dataclass(slots=True)
class RunResult:
    summary: RunSummary
    account: AccountSummary
    """The paper broker's account at the end (what the summary's money numbers come from)."""
    start: StartReport
    cycles: int
    wall_s: float
    cpu_ms_per_cycle: float
    stopped: bool = False
    notes: list[str] = field(default_factory=list)


def sim_config(opts: SimOptions) -> SimConfig:
    cfg = SimConfig(seed=opts.seed, scenario=opts.scenario)
    if opts.scenario_day is not None:
        cfg = cfg.model_copy(update={"scenario_day": opts.scenario_day})
    if opts.start is not None:
        cfg = cfg.model_copy(update={"start_date": opts.start})
    return SimConfig.model_validate(cfg.model_dump())


def prepare_data_dir(data_dir: Path, wall: Clock, *, fresh: bool) -> None:
    """A fresh sim run journals into an empty lake: a previous simulated lake is archived
    (the newest few kept). A lake holding paper or live orders is never touched."""
    lake = data_dir / "lake"
    if not fresh or not lake.exists():
        return
    reader = LakeReader(lake)
    if reader.exists("orders"):
        modes = set(reader.read("orders", columns=["mode"])["mode"].drop_nulls().to_list())
        if modes - {"sim"}:
            raise InputRejected(
                f"{lake} holds {sorted(modes - {'sim'})} orders: a sim run will not archive a "
                "real journal; use another --data-dir"
            )
    archive = data_dir / ARCHIVE_DIR
    archive.mkdir(parents=True, exist_ok=True)
    target = archive / f"sim-{wall.now().strftime('%Y%m%dT%H%M%S%f')}"
    shutil.move(str(lake), str(target))
    for name in (RUN_FILE, BROKER_FILE, "engine_state.json"):
        (data_dir / name).unlink(missing_ok=True)
    old = sorted(p for p in archive.iterdir() if p.name.startswith("sim-"))
    for path in old[:-KEEP_ARCHIVES]:
        shutil.rmtree(path, ignore_errors=True)


def _options_from_run_file(data_dir: Path, opts: SimOptions) -> SimOptions:
    saved = read_json(data_dir / RUN_FILE)
    if saved is None or not (data_dir / BROKER_FILE).exists():
        raise InputRejected(f"nothing to resume in {data_dir}: no checkpointed sim run")
    scenario = saved.get("scenario")
    start_day = saved.get("start")
    return replace(
        opts,
        days=int(saved["days"]),
        seed=int(saved["seed"]),
        scenario=ScenarioName(scenario) if scenario else None,
        scenario_day=saved.get("scenario_day"),
        start=date.fromisoformat(start_day) if start_day else None,
        checkpoint=True,
    )


def _is_close(sim: MarketSimulator, state: MarketState) -> bool:
    return state.ts == sim.calendar.open_close(state.session_day)[1]


class SimRun:
    """One simulated run; ``run()`` once."""

    def __init__(
        self,
        cfg: TradingConfig,
        opts: SimOptions,
        *,
        data_dir: Path,
        wall: Clock,
        execution: ExecutionConfig | None = None,
        broker_config: PaperBrokerConfig | None = None,
        health_every_s: float = 0.5,
        flush_every_s: float = 2.0,
    ) -> None:
        self.cfg = cfg.model_copy(update={"data_dir": data_dir})
        self.data_dir = data_dir
        self.wall = wall
        self.execution = execution
        self.broker_config = broker_config or PaperBrokerConfig()
        self.health_every_s = health_every_s
        self.flush_every_s = flush_every_s
        if opts.resume:
            opts = _options_from_run_file(data_dir, opts)
        self.opts = opts
        self.stop_requested = False
        self._deadline = 0.0

    def request_stop(self) -> None:
        self.stop_requested = True

    async def run(self, progress: Callable[[Progress], None] | None = None) -> RunResult:
        opts = self.opts
        data_dir = self.data_dir
        prepare_data_dir(data_dir, self.wall, fresh=not opts.resume)
        data_dir.mkdir(parents=True, exist_ok=True)
        sim = MarketSimulator(sim_config(opts), max_days=opts.days)
        first = sim.advance()
        if first is None:
            raise InputRejected("the simulation has no session to run")
        resume_ts: datetime | None = None
        clock = VirtualClock(first.ts)
        feed = SimFeed(sim)
        if opts.resume:
            paper, resume_ts = load_broker(data_dir / BROKER_FILE, sim, clock)
            state: MarketState | None = first
            while state is not None and state.ts < resume_ts:
                state = sim.advance()
            if state is None or state.ts != resume_ts:
                raise HaltError("the checkpoint does not match the simulation: cannot resume")
            clock.set(resume_ts)
        else:
            paper = PaperBroker(sim, clock, self.broker_config)
            write_json_atomic(
                data_dir / RUN_FILE,
                {
                    "days": opts.days,
                    "seed": opts.seed,
                    "scenario": None if opts.scenario is None else opts.scenario.value,
                    "scenario_day": opts.scenario_day,
                    "start": None if opts.start is None else opts.start.isoformat(),
                    "checkpoint": opts.checkpoint,
                },
            )
        broker: PaperBroker | CheckpointBroker = paper
        if opts.checkpoint:
            broker = CheckpointBroker(paper, data_dir / BROKER_FILE, sim, clock, clock.now)
            broker.save()
        lake = Lake(self.cfg.lake_dir)
        service = WriterService(lake)
        store = LakeStore(service, durable=opts.checkpoint)
        reader = LakeReader(self.cfg.lake_dir)
        engine = build_engine(
            self.cfg,
            Adapters(
                clock=clock,
                wall=self.wall,
                feed=feed,
                broker=broker,
                store=store,
                journal=LakeJournalReader(reader),
                drain=broker.drain_events,
            ),
            data_dir=data_dir,
            mode="sim",
            execution=self.execution,
            calendar=sim.calendar,
            health_every_s=self.health_every_s,
            flush_every_s=self.flush_every_s,
        )
        try:
            started = await start(
                engine, LakeJournalReader(reader), alert_states=Queries(reader).alert_states
            )
            result = await self._loop(sim, clock, broker, engine, store, started, reader, progress)
        except BaseException:
            with contextlib.suppress(Exception):  # the original error is the one to report
                store.close()
            raise
        store.close()  # a journal that cannot be written is an error here
        return result

    async def _loop(
        self,
        sim: MarketSimulator,
        clock: VirtualClock,
        broker: PaperBroker | CheckpointBroker,
        engine: Engine,
        store: LakeStore,
        started: StartReport,
        reader: LakeReader,
        progress: Callable[[Progress], None] | None,
    ) -> RunResult:
        t0 = time.perf_counter()
        cpu = 0.0
        cycles = 0
        state: MarketState | None = sim.state
        prev: MarketState | None = None
        start_equity = self.broker_config.starting_cash
        peak = start_equity
        stopped = False
        previous = _install_signals(self.request_stop)
        try:
            while state is not None:
                if self.stop_requested:
                    stopped = True
                    break
                clock.set(state.ts)
                if isinstance(broker, CheckpointBroker):
                    broker.save()  # the step boundary, before the engine acts
                broker.process()
                report = await engine.cycle()
                cycles += 1
                cpu += report.cpu_ms
                if _is_close(sim, state):
                    broker.end_of_day(state.session_day)
                    await engine.close_session()
                account = engine.svc.account
                equity = account.net_liquidation if account is not None else start_equity
                peak = max(peak, equity)
                if progress is not None and (cycles % 6 == 0 or _is_close(sim, state)):
                    progress(self._progress(sim, engine, state, equity, start_equity, peak))
                await self._pace(prev, state)
                prev = state
                state = sim.advance()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        await engine.stop(state="STOPPED" if stopped else "FINISHED")
        account = await engine.svc.broker.account()
        assert account is not None
        summary = summarize(reader, account, start_equity)
        return RunResult(
            summary,
            account,
            started,
            cycles,
            time.perf_counter() - t0,
            cpu / max(cycles, 1),
            stopped,
        )

    def _progress(
        self,
        sim: MarketSimulator,
        engine: Engine,
        state: MarketState,
        equity: float,
        start_equity: float,
        peak: float,
    ) -> Progress:
        book = engine.svc.book
        return Progress(
            day=sim.session_index + 1,
            days=self.opts.days,
            ts=state.ts,
            equity=equity,
            pnl=equity - start_equity,
            drawdown=peak - equity,
            state=engine.svc.desk.trading_state(),
            open_strategies=len(book.active()),
            entries=sum(book.entries.values()),
            exits=dict(book.exits),
            rejections=sum(book.rejections.values()),
        )

    async def _pace(self, prev: MarketState | None, state: MarketState) -> None:
        """Hold each intraday step until its share of wall time has passed (the time the
        step itself took counts); overnight gaps are not waited for."""
        factor = self.opts.realtime
        if factor is None:
            return
        now = time.monotonic()
        if prev is None or prev.session_day != state.session_day:
            self._deadline = now
            return
        self._deadline += (state.ts - prev.ts).total_seconds() / factor
        wait = self._deadline - now
        if wait > 0 and math.isfinite(wait):
            await asyncio.sleep(wait)
        else:
            self._deadline = now  # behind: do not try to catch up


def _install_signals(stop: Callable[[], None]) -> dict[int, Any]:
    """SIGINT/SIGTERM end the run cleanly after the current step. A plain handler (not the
    event loop's): the simulation loop never waits on the loop, so its callbacks would only
    run at the end. Main thread only; returns the previous handlers to restore."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, lambda _signum, _frame: stop())
    return previous


def daily_equity(reader: LakeReader) -> pl.DataFrame:
    """Last account snapshot per trading day (for reports and tests)."""
    if not reader.exists("account_snapshots"):
        return pl.DataFrame()
    return (
        reader.read("account_snapshots")
        .sort("ts_init")
        .group_by("trade_date", maintain_order=True)
        .agg(pl.col("net_liquidation").last())
        .sort("trade_date")
    )


__all__ = [
    "BROKER_FILE",
    "RUN_FILE",
    "Progress",
    "RunResult",
    "SimOptions",
    "SimRun",
    "prepare_data_dir",
    "sim_config",
]

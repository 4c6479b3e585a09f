"""Wiring: one ``Engine`` from configuration and its adapters (clock, market feed, broker,
journal). The same function builds the engine for sim today and for IB once its adapter
exists; nothing here knows which broker it is given."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from v6.alerts.manager import AlertManager
from v6.alerts.requests import RequestInbox
from v6.analytics.predictions import StrategyPredictionsTable
from v6.config.models import TradingConfig
from v6.execution.config import ExecutionConfig
from v6.execution.engine import ExecutionEngine
from v6.execution.ports import JournalReader
from v6.journal.decisions import DecisionJournal
from v6.ports.broker import Broker, BrokerEvent
from v6.ports.clock import Clock
from v6.ports.notifier import Notifier
from v6.rules.regime import EnhancedMarketRegimeDetector
from v6.rules.regime_source import FileRegimeSource
from v6.sim.calendar import TradingCalendar
from v6.store.port import LakeStore
from v6.store.reader import LakeReader
from v6.store.schemas import TABLES
from v6.strategies.selector import StrategySelector
from v6.workflows.book import Book
from v6.workflows.desk import RiskDesk
from v6.workflows.engine import Engine
from v6.workflows.entry import EntryWorkflow
from v6.workflows.feed import MarketFeed
from v6.workflows.market import MarketHistory, RegimeTracker
from v6.workflows.monitoring import PositionMonitoringWorkflow
from v6.workflows.predictions import PredictionTracker
from v6.workflows.rolls import RollDesk
from v6.workflows.schedule import EntrySchedule
from v6.workflows.services import Services


@dataclass(frozen=True, slots=True)
class Adapters:
    """What the engine talks to."""

    clock: Clock
    wall: Clock
    feed: MarketFeed
    broker: Broker
    store: LakeStore
    journal: JournalReader
    drain: Callable[[], Sequence[BrokerEvent]] | None = None
    notifiers: Sequence[Notifier] = ()


def build_engine(
    cfg: TradingConfig,
    adapters: Adapters,
    *,
    data_dir: Path,
    mode: str,
    execution: ExecutionConfig | None = None,
    calendar: TradingCalendar | None = None,
    health_every_s: float = 0.0,
    flush_every_s: float = 5.0,
) -> Engine:
    """The engine, ready for ``v6.workflows.startup.start``."""
    a = adapters
    book = Book()
    a.store.observe("executions", book.on_execution_rows)
    desk = RiskDesk(cfg, data_dir, a.clock)
    alerts = AlertManager(
        a.clock,
        sink=a.store,
        notifiers=a.notifiers,
        inbox=RequestInbox.for_data_dir(data_dir),
    )
    engine_exec = ExecutionEngine(
        a.broker,
        a.store,
        a.clock,
        a.feed,
        desk.gate,
        alerts,
        execution or ExecutionConfig(),
        journal_reader=a.journal,
        drain=a.drain,
        mode=mode,
        columns={name: frozenset(spec.column_names) for name, spec in TABLES.items()},
    )
    svc = Services(
        cfg=cfg,
        clock=a.clock,
        feed=a.feed,
        broker=a.broker,
        execution=engine_exec,
        store=a.store,
        alerts=alerts,
        decisions=DecisionJournal(a.store, a.clock),
        book=book,
        desk=desk,
        history=MarketHistory(),
        regimes=RegimeTracker(
            EnhancedMarketRegimeDetector(cfg.rules.regime),
            FileRegimeSource.from_config(cfg.rules.regime),
        ),
    )
    svc.predictions = PredictionTracker(
        StrategyPredictionsTable(a.store, LakeReader(cfg.lake_dir), cfg.variance_analysis),
        cfg,
        a.store,
    )
    rolls = RollDesk(svc)
    schedule = EntrySchedule(
        calendar or TradingCalendar(), cfg.engine, entry_scan_s=cfg.refresh.entry_scan_s
    )
    selector = StrategySelector.from_config(cfg, quantity=cfg.engine.units_per_trade)
    if cfg.variance_analysis.enabled:  # weights from the predictions the journal already holds
        selector.weights = svc.predictions.weights(a.clock.now())
    return Engine(
        svc,
        PositionMonitoringWorkflow(svc, rolls),
        EntryWorkflow(svc, schedule, rolls, selector),
        data_dir=data_dir,
        mode=mode,
        wall=a.wall,
        health_every_s=health_every_s,
        flush_every_s=flush_every_s,
    )


__all__ = ["Adapters", "build_engine"]

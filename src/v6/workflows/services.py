"""What every workflow of one engine shares: configuration, clock, market feed, broker,
execution engine, journal, alerts, the book, the risk desk and the market memory. One
instance per engine, built by ``v6.workflows.engine``; workflows hold a reference."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from v6.alerts.manager import AlertManager
from v6.config.models import TradingConfig
from v6.domain.alert import AlertType, Severity
from v6.execution.engine import ExecutionEngine
from v6.journal.decisions import DecisionJournal
from v6.ports.broker import AccountSummary, Broker
from v6.ports.clock import Clock
from v6.risk.calculator import PnLInputs
from v6.store.port import LakeStore
from v6.workflows.book import Book
from v6.workflows.desk import RiskDesk
from v6.workflows.feed import MarketFeed
from v6.workflows.market import MarketHistory, RegimeTracker

if TYPE_CHECKING:
    from v6.workflows.predictions import PredictionTracker

log = logging.getLogger("v6.engine")


@dataclass(slots=True)
class Day:
    """Per-session bookkeeping (reset at each session's first cycle)."""

    day: str = ""
    start_equity: float | None = None
    open_pnl_at_start: dict[str, float] = field(default_factory=dict)
    realised_today: float = 0.0
    entries: dict[str, int] = field(default_factory=dict)
    """Entries made today per underlying."""


@dataclass(slots=True)
class Services:
    cfg: TradingConfig
    clock: Clock
    feed: MarketFeed
    broker: Broker
    execution: ExecutionEngine
    store: LakeStore
    alerts: AlertManager
    decisions: DecisionJournal
    book: Book
    desk: RiskDesk
    history: MarketHistory
    regimes: RegimeTracker
    day: Day = field(default_factory=Day)
    account: AccountSummary | None = None
    realised_total: float = 0.0
    predictions: PredictionTracker | None = None
    """Prediction tracking at entry and exit (``v6.workflows.predictions``); None = off."""

    @property
    def quote_max_age(self) -> timedelta:
        return timedelta(seconds=self.cfg.refresh.quote_max_age_s)

    def now(self) -> datetime:
        return self.clock.now()

    def pnl_inputs(self) -> PnLInputs:
        """What only the journal knows, for the risk calculator's daily P&L."""
        return PnLInputs(self.day.realised_today, self.realised_total, self.day.open_pnl_at_start)

    def alert(
        self,
        alert_type: AlertType,
        severity: Severity,
        key: str,
        message: str,
        data: dict[str, str | float | int | bool | None] | None = None,
    ) -> None:
        self.alerts.raise_alert(alert_type, severity, key, message, data or {})


__all__ = ["Day", "Services", "log"]

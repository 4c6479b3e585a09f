"""The one query layer every front end reads through (CLI, dashboard, notifications), so they
always agree: alerts (open, history, by id), decisions (by strategy, rule, action, time, id),
the explanation of a decision, and acknowledgements waiting for the engine. The modules
``account``, ``positions``, ``orders``, ``risk``, ``health`` and ``backtests`` answer the
dashboard's (and ``v6 status``'s) questions as plain functions over a ``LakeReader``.

Read-only: fresh handles per call, safe next to the running engine. Ids may be given as a
unique prefix of at least four characters; an unknown id raises a ``NotFound`` (exit code 2).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from v6.alerts.codec import AlertRecord
from v6.alerts.requests import RequestInbox
from v6.domain.alert import AlertType, Severity
from v6.domain.decision import Action
from v6.errors import InputRejected
from v6.journal.codec import DecisionRecord
from v6.queries import account, backtests, health, orders, positions, risk
from v6.queries import alerts as _alerts
from v6.queries import decisions as _decisions
from v6.queries.account import AccountSummary
from v6.queries.backtests import RunInfo
from v6.queries.base import AlertNotFound, AmbiguousId, DecisionNotFound, NotFound
from v6.queries.decisions import StrategyInfo
from v6.queries.explain import Explanation, explain_record, format_value
from v6.queries.health import HealthRecord, LogEntry, ProcessInfo
from v6.queries.legs import LegView
from v6.queries.orders import WorkingOrder
from v6.queries.positions import LadderBucket, PositionView
from v6.queries.proximity import RuleProximity
from v6.queries.risk import Correlations, Exposure, StressResult
from v6.store.reader import LakeReader

__all__ = [
    "AccountSummary",
    "AlertNotFound",
    "AmbiguousId",
    "Correlations",
    "DecisionNotFound",
    "Explanation",
    "Exposure",
    "HealthRecord",
    "LadderBucket",
    "LegView",
    "LogEntry",
    "NotFound",
    "PositionView",
    "ProcessInfo",
    "Queries",
    "RuleProximity",
    "RunInfo",
    "StrategyInfo",
    "StressResult",
    "WorkingOrder",
    "account",
    "backtests",
    "format_value",
    "health",
    "orders",
    "positions",
    "risk",
]


def _utc(ts: datetime | None, name: str) -> datetime | None:
    if ts is None:
        return None
    if ts.tzinfo is None:
        raise InputRejected(f"{name} must be a timezone-aware timestamp")
    return ts.astimezone(UTC)


class Queries:
    """Read-only questions about the journal. Build with ``Queries.for_data_dir(data_dir)``."""

    __slots__ = ("inbox", "reader")

    def __init__(self, reader: LakeReader, *, inbox: RequestInbox | None = None) -> None:
        self.reader = reader
        self.inbox = inbox

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> Queries:
        """Queries over ``data_dir/lake`` and its request folder."""
        return cls(LakeReader(data_dir / "lake"), inbox=RequestInbox.for_data_dir(data_dir))

    # ------------------------------------------------------------------ alerts
    def alert_states(self) -> list[AlertRecord]:
        """Latest record of every alert (what ``AlertManager.restore`` loads at start)."""
        return _alerts.alert_states(self.reader)

    def alerts(
        self,
        *,
        include_resolved: bool = False,
        min_severity: Severity | None = None,
        alert_type: AlertType | None = None,
        limit: int | None = None,
    ) -> list[AlertRecord]:
        """Open alerts (or all with ``include_resolved``) newest first."""
        return _alerts.alerts(
            self.reader,
            include_resolved=include_resolved,
            min_severity=min_severity,
            alert_type=alert_type,
            limit=limit,
        )

    def active_alerts(self) -> list[AlertRecord]:
        """Active and acknowledged alerts, newest first."""
        return _alerts.alerts(self.reader)

    def alert(self, alert_id: str) -> AlertRecord:
        return _alerts.alert(self.reader, alert_id)

    def alert_history(self, alert_id: str) -> list[AlertRecord]:
        return _alerts.alert_history(self.reader, alert_id)

    def pending_acks(self) -> set[str]:
        """Alert ids with an acknowledgement request the engine has not applied yet."""
        return set() if self.inbox is None else self.inbox.pending_alert_ids()

    # ------------------------------------------------------------------ decisions
    def decisions(
        self,
        *,
        strategy_id: str | None = None,
        rule: str | None = None,
        action: Action | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = 100,
    ) -> list[DecisionRecord]:
        """Journaled decisions newest first, filtered by strategy, rule, action and time."""
        return _decisions.decisions(
            self.reader,
            strategy_id=strategy_id,
            rule=rule,
            action=action,
            since=_utc(since, "since"),
            until=_utc(until, "until"),
            limit=limit,
        )

    def decision(self, decision_id: str) -> DecisionRecord:
        return _decisions.decision(self.reader, decision_id)

    def strategy(self, strategy_id: str) -> StrategyInfo | None:
        return _decisions.strategy(self.reader, strategy_id)

    def explain(self, decision_id: str) -> Explanation:
        """The decision in plain language with its inputs and thresholds."""
        record = self.decision(decision_id)
        return explain_record(record, self.strategy(record.decision.strategy_id))

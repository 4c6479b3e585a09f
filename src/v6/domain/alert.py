"""Alerts: something a person should know about, with a severity and a lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum


class AlertType(StrEnum):
    RISK_LIMIT = "risk_limit"
    RULE_FIRED = "rule_fired"
    ORDER_REJECTED = "order_rejected"
    BAD_DATA = "bad_data"
    CONNECTION = "connection"
    CIRCUIT_BREAKER = "circuit_breaker"
    SYSTEM = "system"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class AlertStatus(StrEnum):
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Alert:
    """``key`` groups repeats of the same condition for de-duplication (e.g. ``stale:SPY``)."""

    alert_id: str
    alert_type: AlertType
    severity: Severity
    key: str
    message: str
    ts: datetime
    status: AlertStatus = AlertStatus.ACTIVE
    data: Mapping[str, str | float | int | bool | None] = field(default_factory=dict, hash=False)

    def with_status(self, status: AlertStatus) -> Alert:
        return replace(self, status=status)

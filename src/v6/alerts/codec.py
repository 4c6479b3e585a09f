"""Alerts to and from rows of the ``alerts`` event table (one row per state change).

The table keeps the alert's own fields in columns and the bookkeeping (first raise time,
repeat count, last time seen, acknowledgement note) in ``data_json`` next to the caller's data,
so the latest row per ``alert_id`` alone describes the alert completely.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from v6.domain.alert import Alert, AlertStatus, AlertType, Severity

AlertValue = str | float | int | bool | None
"""What an alert's ``data`` may hold (it is journaled as JSON and shown to a person)."""

TABLE = "alerts"

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One alert as the journal knows it after a state change.

    ``updated_at`` is when the change happened (``ts_event``: for an acknowledgement, when the
    person asked), ``recorded_at`` when the engine wrote it (``ts_init``). ``repeats`` counts
    raises of the same key that were folded into this alert; ``last_seen`` is the latest one.
    """

    alert: Alert
    updated_at: datetime
    recorded_at: datetime
    repeats: int = 0
    last_seen: datetime | None = None
    note: str = ""

    @property
    def alert_id(self) -> str:
        return self.alert.alert_id

    @property
    def key(self) -> str:
        return self.alert.key

    @property
    def status(self) -> AlertStatus:
        return self.alert.status

    @property
    def severity(self) -> Severity:
        return self.alert.severity

    @property
    def raised_at(self) -> datetime:
        return self.alert.ts

    @property
    def is_open(self) -> bool:
        """Active or acknowledged: the condition has not been resolved."""
        return self.alert.status is not AlertStatus.RESOLVED

    @property
    def strategy_id(self) -> str | None:
        value = self.alert.data.get("strategy_id")
        return value if isinstance(value, str) else None


def clean_data(data: Mapping[str, Any] | None) -> dict[str, AlertValue]:
    """JSON-safe copy of caller data: non-finite floats become None, other types their str."""
    out: dict[str, AlertValue] = {}
    for key, value in (data or {}).items():
        if value is None or isinstance(value, str | bool | int):
            out[str(key)] = value
        elif isinstance(value, float):
            out[str(key)] = value if math.isfinite(value) else None
        else:
            out[str(key)] = str(value)
    return out


def _iso(ts: datetime | None) -> str | None:
    return None if ts is None else ts.astimezone(UTC).isoformat()


def to_row(record: AlertRecord) -> dict[str, Any]:
    """The table row for ``record``. Enums are stored by name (``CRITICAL``, ``ACTIVE``)."""
    alert = record.alert
    envelope = {
        "data": clean_data(alert.data),
        "raised_at": _iso(alert.ts),
        "repeats": record.repeats,
        "last_seen": _iso(record.last_seen),
        "note": record.note,
    }
    return {
        "alert_id": alert.alert_id,
        "alert_type": alert.alert_type.name,
        "severity": alert.severity.name,
        "key": alert.key,
        "status": alert.status.name,
        "strategy_id": record.strategy_id,
        "message": alert.message,
        "data_json": json.dumps(envelope, allow_nan=False, sort_keys=True),
        "ts_event": record.updated_at,
        "ts_init": record.recorded_at,
    }


def parse_enum(kind: type[E], raw: object) -> E:
    """Enum member from its stored name (``WARNING``) or value (``warning``)."""
    text = str(raw)
    if text.upper() in kind.__members__:
        return kind[text.upper()]
    return kind(text.lower())


def _as_utc(ts: object, fallback: datetime) -> datetime:
    if isinstance(ts, datetime):
        return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)
    if isinstance(ts, str):
        try:
            return _as_utc(datetime.fromisoformat(ts), fallback)
        except ValueError:
            return fallback
    return fallback


def from_row(row: Mapping[str, Any]) -> AlertRecord:
    """Inverse of ``to_row``; tolerant of a missing or foreign ``data_json``."""
    updated_at = _as_utc(row["ts_event"], datetime.min.replace(tzinfo=UTC))
    recorded_at = _as_utc(row.get("ts_init"), updated_at)
    try:
        envelope = json.loads(row.get("data_json") or "{}")
    except ValueError:
        envelope = {}
    if not isinstance(envelope, dict):
        envelope = {}
    data = envelope.get("data")
    alert = Alert(
        alert_id=str(row["alert_id"]),
        alert_type=parse_enum(AlertType, row.get("alert_type") or "SYSTEM"),
        severity=parse_enum(Severity, row.get("severity") or "INFO"),
        key=str(row.get("key") or ""),
        message=str(row.get("message") or ""),
        ts=_as_utc(envelope.get("raised_at"), updated_at),
        status=parse_enum(AlertStatus, row.get("status") or "ACTIVE"),
        data=clean_data(data if isinstance(data, dict) else {}),
    )
    repeats = envelope.get("repeats")
    last_seen = envelope.get("last_seen")
    return AlertRecord(
        alert=alert,
        updated_at=updated_at,
        recorded_at=recorded_at,
        repeats=repeats if isinstance(repeats, int) and not isinstance(repeats, bool) else 0,
        last_seen=None if last_seen is None else _as_utc(last_seen, updated_at),
        note=str(envelope.get("note") or ""),
    )

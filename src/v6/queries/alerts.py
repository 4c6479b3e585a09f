"""Alert queries: current state per alert (latest row of the append-only ``alerts`` table),
filters for the list views, one alert by id or unique prefix, and its full history."""

from __future__ import annotations

import polars as pl

from v6.alerts.codec import TABLE, AlertRecord, from_row
from v6.alerts.policy import severity_rank
from v6.domain.alert import AlertType, Severity
from v6.queries.base import (
    MIN_PREFIX,
    AlertNotFound,
    AmbiguousId,
    latest_or_empty,
    read_or_empty,
    rows,
)
from v6.store.reader import LakeReader


def alert_states(reader: LakeReader) -> list[AlertRecord]:
    """The latest record of every alert ever raised (any status), in table order."""
    frame = latest_or_empty(reader, TABLE)
    return [] if frame is None else [from_row(r) for r in rows(frame)]


def alerts(
    reader: LakeReader,
    *,
    include_resolved: bool = False,
    min_severity: Severity | None = None,
    alert_type: AlertType | None = None,
    limit: int | None = None,
) -> list[AlertRecord]:
    """Alerts newest first: open ones (active, acknowledged) unless ``include_resolved``;
    ``min_severity`` keeps that severity and above."""
    floor = -1 if min_severity is None else severity_rank(min_severity)
    selected = [
        r
        for r in alert_states(reader)
        if (include_resolved or r.is_open)
        and severity_rank(r.severity) >= floor
        and (alert_type is None or r.alert.alert_type is alert_type)
    ]
    selected.sort(key=lambda r: (r.raised_at, r.recorded_at), reverse=True)
    return selected if limit is None else selected[:limit]


def alert(reader: LakeReader, alert_id: str) -> AlertRecord:
    """One alert's current state by exact id or unique prefix (at least 4 characters)."""
    states = alert_states(reader)
    for record in states:
        if record.alert_id == alert_id:
            return record
    matches = (
        [r for r in states if r.alert_id.startswith(alert_id)]
        if len(alert_id) >= MIN_PREFIX
        else []
    )
    if len(matches) > 1:
        raise AmbiguousId("alert", alert_id, [r.alert_id for r in matches])
    if not matches:
        where = "" if states else " (no alerts have been journaled yet)"
        raise AlertNotFound(f"no alert with id {alert_id!r}{where}")
    return matches[0]


def alert_history(reader: LakeReader, alert_id: str) -> list[AlertRecord]:
    """Every state change of one alert, oldest first (empty for an unknown id)."""
    scan = read_or_empty(reader, TABLE)
    if scan is None:
        return []
    frame = scan.filter(pl.col("alert_id") == alert_id).collect().sort("ts_init")
    return [from_row(r) for r in rows(frame)]

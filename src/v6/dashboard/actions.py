"""The dashboard's one write: an alert acknowledgement *request*, dropped exactly as
``v6 alerts ack`` drops it (``v6.alerts.requests``), for the engine to apply on its next cycle.
The engine stays the only writer of the journal and of all trading state.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path

from v6.alerts.codec import AlertRecord
from v6.alerts.requests import AckRequest, ack_requests_dir, write_ack_request
from v6.domain.alert import AlertStatus

SOURCE = "dashboard"


class AckOutcome(StrEnum):
    REQUESTED = "requested"
    ALREADY_PENDING = "already pending"
    ALREADY_ACKNOWLEDGED = "already acknowledged"
    RESOLVED = "resolved"


def request_ack(
    data_dir: Path, record: AlertRecord, *, pending: set[str], now: datetime, note: str = ""
) -> AckOutcome:
    """Ask the engine to acknowledge ``record``'s alert (nothing is written for an alert that
    is resolved, already acknowledged, or already waiting for the engine)."""
    if record.status is AlertStatus.RESOLVED:
        return AckOutcome.RESOLVED
    if record.status is AlertStatus.ACKNOWLEDGED:
        return AckOutcome.ALREADY_ACKNOWLEDGED
    if record.alert_id in pending:
        return AckOutcome.ALREADY_PENDING
    request = AckRequest(alert_id=record.alert_id, requested_at=now, note=note, source=SOURCE)
    write_ack_request(ack_requests_dir(data_dir), request)
    return AckOutcome.REQUESTED

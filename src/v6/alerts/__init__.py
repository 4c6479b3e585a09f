"""Alerts: the ``AlertManager`` (types, severity, de-duplication, cooldown, lifecycle, journal,
notifications) and the acknowledgement requests front ends use to reach it.

The apprise-backed notifier lives in ``v6.alerts.apprise_notifier`` (imported on demand: the
CLI and dashboard never need it).
"""

from v6.alerts.codec import AlertRecord, AlertValue
from v6.alerts.delivery import Delivery
from v6.alerts.manager import AlertManager, RowSink
from v6.alerts.policy import AlertPolicy, escalates, severity_rank
from v6.alerts.requests import AckRequest, RequestInbox, ack_requests_dir, write_ack_request

__all__ = [
    "AckRequest",
    "AlertManager",
    "AlertPolicy",
    "AlertRecord",
    "AlertValue",
    "Delivery",
    "RequestInbox",
    "RowSink",
    "ack_requests_dir",
    "escalates",
    "severity_rank",
    "write_ack_request",
]

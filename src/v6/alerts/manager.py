"""AlertManager: raises, de-duplicates, cools down, acknowledges and resolves alerts, journals
every state change to the ``alerts`` table and queues notifications for delivery.

It runs inside the engine (the journal's only writer) and is driven from the engine loop:
``raise_alert``/``resolve`` from any component, ``apply_requests`` and ``await deliver()`` once
per cycle. No method raises into the engine: failures are logged and counted. Not thread-safe.
"""

from __future__ import annotations

import hashlib
import logging
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from v6.alerts.codec import TABLE, AlertRecord, AlertValue, clean_data, to_row
from v6.alerts.delivery import Delivery, deliver
from v6.alerts.policy import AlertPolicy, escalates
from v6.alerts.requests import RequestInbox
from v6.domain.alert import Alert, AlertStatus, AlertType, Severity
from v6.ports.clock import Clock
from v6.ports.notifier import Notifier

log = logging.getLogger(__name__)

_TICK = timedelta(microseconds=1)
MAX_OUTBOX = 1_000
"""Undelivered notifications kept when ``deliver`` is not called; the oldest are dropped."""


class RowSink(Protocol):
    """Where journal rows go: ``LakeWriter.buffer`` or ``WriterService.buffer`` (buffered,
    flushed by the writer). Raises when the rows cannot be accepted."""

    def buffer(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None: ...


def _is_repeat_checkpoint(repeats: int) -> bool:
    """10, 100, 1000, ...: repeats worth a journal row without writing one per cycle."""
    if repeats < 10:
        return False
    while repeats % 10 == 0:
        repeats //= 10
    return repeats == 1


class AlertManager:
    """The engine's alert desk. See ``docs/alerts.md`` for the lifecycle and the rules.

    Keys: one open (active or acknowledged) alert per ``key``. Raising an open key again is a
    *repeat* (counted, not re-sent) unless the severity is higher, which *escalates* the same
    alert (re-activated, journaled, sent again). After ``resolve(key)`` the key is in cooldown
    for ``policy.cooldown_s``: raising it again then is suppressed unless it escalates past the
    resolved severity.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        sink: RowSink | None = None,
        notifiers: Sequence[Notifier] = (),
        policy: AlertPolicy | None = None,
        inbox: RequestInbox | None = None,
    ) -> None:
        self._clock = clock
        self._sink = sink
        self._notifiers = tuple(notifiers)
        self.policy = policy or AlertPolicy()
        self._inbox = inbox
        self._open: dict[str, AlertRecord] = {}
        self._key_by_id: dict[str, str] = {}
        self._cooldown: dict[str, tuple[datetime, Severity]] = {}
        self._outbox: deque[Alert] = deque()
        self._last_stamp: datetime | None = None
        self._seq = 0
        self.suppressed = 0
        """Raises swallowed by a cooldown since start."""
        self.persist_failures = 0
        """Rows the sink refused since start (the alert still lives in memory and is sent)."""
        self.dropped_notifications = 0

    # ------------------------------------------------------------------ queries
    def open_alerts(self) -> list[AlertRecord]:
        """Active and acknowledged alerts, oldest first."""
        return sorted(self._open.values(), key=lambda r: r.raised_at)

    def get(self, key: str) -> AlertRecord | None:
        """The open alert for ``key``, if any."""
        return self._open.get(key)

    def in_cooldown(self, key: str) -> bool:
        cooling = self._cooldown.get(key)
        return cooling is not None and self._clock.now() - cooling[0] < self._cooldown_delta

    @property
    def pending_notifications(self) -> int:
        return len(self._outbox)

    @property
    def _cooldown_delta(self) -> timedelta:
        return timedelta(seconds=self.policy.cooldown_s)

    # ------------------------------------------------------------------ commands
    def raise_alert(
        self,
        alert_type: AlertType,
        severity: Severity,
        key: str,
        message: str,
        data: Mapping[str, AlertValue] | None = None,
    ) -> Alert | None:
        """Raise (or repeat, or escalate) the alert for ``key``; never raises.

        Returns the new or escalated alert, or None when it was folded into an open alert
        (a repeat) or suppressed by a cooldown.
        """
        try:
            return self._raise(alert_type, severity, key, message, data)
        except Exception:
            log.exception("alert %s could not be raised", key)
            return None

    def resolve(self, key: str, message: str | None = None) -> Alert | None:
        """Resolve the open alert for ``key`` and start its cooldown; never raises.

        Returns the resolved alert, or None when nothing was open for ``key``.
        """
        try:
            return self._resolve(key, message)
        except Exception:
            log.exception("alert %s could not be resolved", key)
            return None

    def acknowledge(
        self, alert_id: str, *, requested_at: datetime | None = None, note: str = ""
    ) -> Alert | None:
        """Acknowledge an active alert: a person has seen it. It stays open until resolved;
        only an escalation makes it active again.

        Returns the acknowledged alert, or None if ``alert_id`` is not active (unknown,
        already acknowledged or resolved) or the journal refused the row.
        """
        try:
            alert, _ = self._acknowledge(alert_id, requested_at, note)
        except Exception:
            log.exception("alert %s could not be acknowledged", alert_id)
            return None
        return alert

    def apply_requests(self) -> int:
        """Apply acknowledgement requests from the front ends; returns how many took effect.

        A request is deleted once applied or found to be a no-op (unknown or already resolved
        alert). If the journal refuses the row, the request stays for the next cycle.
        """
        if self._inbox is None:
            return 0
        applied = 0
        try:
            for path, request in self._inbox.pending():
                alert, settled = self._acknowledge(
                    request.alert_id, request.requested_at, request.note
                )
                if alert is not None:
                    applied += 1
                    log.info("alert %s acknowledged from %s", alert.alert_id, request.source)
                elif settled:
                    log.info("ack request for %s ignored: not an active alert", request.alert_id)
                if settled:
                    self._inbox.done(path)
        except Exception:
            log.exception("applying alert requests failed")
        return applied

    def restore(self, records: Iterable[AlertRecord]) -> int:
        """Load the journal's current state (latest record per alert) after a restart.

        Open alerts become open again (without a new notification); alerts resolved within
        the cooldown keep their cooldown. Returns the number of open alerts.
        """
        now = self._clock.now()
        for record in sorted(records, key=lambda r: r.recorded_at):
            if self._last_stamp is None or record.recorded_at > self._last_stamp:
                self._last_stamp = record.recorded_at
            if record.is_open:
                previous = self._open.get(record.key)
                if previous is not None:
                    self._key_by_id.pop(previous.alert_id, None)
                self._open[record.key] = record
                self._key_by_id[record.alert_id] = record.key
                self._cooldown.pop(record.key, None)
            elif now - record.updated_at < self._cooldown_delta and record.key not in self._open:
                self._cooldown[record.key] = (record.updated_at, record.severity)
        return len(self._open)

    async def deliver(self) -> list[Delivery]:
        """Send every queued notification (oldest first) to every notifier; never raises."""
        results: list[Delivery] = []
        while self._outbox:
            alert = self._outbox.popleft()
            try:
                results.extend(await deliver(alert, self._notifiers, self.policy.notify_timeout_s))
            except Exception:
                log.exception("delivering alert %s failed", alert.alert_id)
        return results

    # ------------------------------------------------------------------ internals
    def _raise(
        self,
        alert_type: AlertType,
        severity: Severity,
        key: str,
        message: str,
        data: Mapping[str, AlertValue] | None,
    ) -> Alert | None:
        now = self._clock.now()
        current = self._open.get(key)
        if current is not None:
            return self._repeat(current, severity, message, data, now)
        cooling = self._cooldown.get(key)
        if cooling is not None:
            resolved_at, resolved_severity = cooling
            if now - resolved_at < self._cooldown_delta and not escalates(
                severity, resolved_severity
            ):
                self.suppressed += 1
                log.debug("alert %s suppressed by cooldown", key)
                return None
            del self._cooldown[key]
        alert = Alert(
            alert_id=self._new_id(key, now),
            alert_type=alert_type,
            severity=severity,
            key=key,
            message=message,
            ts=now,
            status=AlertStatus.ACTIVE,
            data=clean_data(data),
        )
        record = AlertRecord(alert=alert, updated_at=now, recorded_at=self._stamp(now))
        self._open[key] = record
        self._key_by_id[alert.alert_id] = key
        self._append(record)
        self._log(alert, "raised")
        self._queue(alert)
        return alert

    def _repeat(
        self,
        current: AlertRecord,
        severity: Severity,
        message: str,
        data: Mapping[str, AlertValue] | None,
        now: datetime,
    ) -> Alert | None:
        repeats = current.repeats + 1
        if escalates(severity, current.severity):
            alert = replace(
                current.alert,
                severity=severity,
                message=message,
                status=AlertStatus.ACTIVE,
                data=clean_data(data) if data else current.alert.data,
            )
            record = replace(
                current,
                alert=alert,
                repeats=repeats,
                last_seen=now,
                updated_at=now,
                recorded_at=self._stamp(now),
            )
            self._open[current.key] = record
            self._append(record)
            self._log(alert, "escalated")
            self._queue(alert)
            return alert
        record = replace(current, repeats=repeats, last_seen=now)
        if _is_repeat_checkpoint(repeats):
            record = replace(record, updated_at=now, recorded_at=self._stamp(now))
            self._append(record)
        self._open[current.key] = record
        return None

    def _resolve(self, key: str, message: str | None) -> Alert | None:
        current = self._open.pop(key, None)
        if current is None:
            return None
        self._key_by_id.pop(current.alert_id, None)
        now = self._clock.now()
        alert = replace(
            current.alert, status=AlertStatus.RESOLVED, message=message or current.alert.message
        )
        record = replace(current, alert=alert, updated_at=now, recorded_at=self._stamp(now))
        self._cooldown[key] = (now, alert.severity)
        self._append(record)
        self._log(alert, "resolved")
        if self.policy.notify_on_resolve:
            self._queue(alert)
        return alert

    def _acknowledge(
        self, alert_id: str, requested_at: datetime | None, note: str
    ) -> tuple[Alert | None, bool]:
        """(acknowledged alert or None, settled): ``settled`` is False only when the journal
        refused the row, so the caller may retry."""
        key = self._key_by_id.get(alert_id)
        current = None if key is None else self._open.get(key)
        if current is None or current.status is not AlertStatus.ACTIVE:
            return None, True
        now = self._clock.now()
        alert = current.alert.with_status(AlertStatus.ACKNOWLEDGED)
        record = replace(
            current,
            alert=alert,
            updated_at=requested_at or now,
            recorded_at=self._stamp(now),
            note=note,
        )
        if not self._append(record):
            return None, False
        self._open[current.key] = record
        self._log(alert, "acknowledged")
        return alert, True

    def _append(self, record: AlertRecord) -> bool:
        if self._sink is None:
            return True
        try:
            self._sink.buffer(TABLE, [to_row(record)])
        except Exception as exc:
            self.persist_failures += 1
            log.error("alert %s not journaled: %r", record.alert_id, exc)
            return False
        return True

    def _queue(self, alert: Alert) -> None:
        if not self._notifiers or not self.policy.should_notify(alert.severity):
            return
        if len(self._outbox) >= MAX_OUTBOX:
            dropped = self._outbox.popleft()
            self.dropped_notifications += 1
            log.warning("notification outbox full: dropped alert %s", dropped.alert_id)
        self._outbox.append(alert)

    def _stamp(self, now: datetime) -> datetime:
        """``ts_init`` strictly increasing, so "latest row per alert" is never a tie even when
        a virtual clock does not move between two changes."""
        if self._last_stamp is not None and now <= self._last_stamp:
            now = self._last_stamp + _TICK
        self._last_stamp = now
        return now

    def _new_id(self, key: str, now: datetime) -> str:
        while True:
            self._seq += 1
            digest = hashlib.sha256(f"{key}|{now.isoformat()}|{self._seq}".encode()).hexdigest()
            alert_id = f"al-{digest[:12]}"
            if alert_id not in self._key_by_id:
                return alert_id

    @staticmethod
    def _log(alert: Alert, event: str) -> None:
        level = logging.WARNING if alert.severity is Severity.CRITICAL else logging.INFO
        log.log(
            level,
            "alert %s %s: %s %s %s: %s",
            alert.alert_id,
            event,
            alert.severity.name,
            alert.alert_type.name,
            alert.key,
            alert.message,
        )

"""AlertManager behaviour: de-duplication, cooldown, escalation, lifecycle, notification
filtering, and never raising into the engine."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.alerts import AlertManager, AlertPolicy
from v6.alerts.codec import from_row
from v6.clock import VirtualClock
from v6.domain.alert import AlertStatus, AlertType, Severity
from v6.errors import ConfigError

from .helpers import T0, RecordingNotifier, RecordingSink

STALE = "stale:SPY"


def make(
    clock: VirtualClock, sink: RecordingSink, **policy: object
) -> tuple[AlertManager, RecordingNotifier]:
    notifier = RecordingNotifier()
    manager = AlertManager(
        clock,
        sink=sink,
        notifiers=[notifier],
        policy=AlertPolicy(**policy),  # type: ignore[arg-type]
    )
    return manager, notifier


def sent(manager: AlertManager) -> None:
    asyncio.run(manager.deliver())


def test_new_alert_is_active_journaled_and_sent(clock: VirtualClock, sink: RecordingSink) -> None:
    manager, notifier = make(clock, sink)
    alert = manager.raise_alert(
        AlertType.BAD_DATA, Severity.WARNING, STALE, "SPY quote 25 s old", {"age_s": 25.0}
    )
    assert alert is not None
    assert alert.status is AlertStatus.ACTIVE
    assert alert.ts == clock.now()
    [row] = sink.of("alerts")
    assert from_row(row).alert == alert
    sent(manager)
    assert notifier.sent == [alert]


def test_same_key_while_active_is_a_counted_repeat(
    clock: VirtualClock, sink: RecordingSink
) -> None:
    manager, notifier = make(clock, sink)
    first = manager.raise_alert(AlertType.BAD_DATA, Severity.WARNING, STALE, "stale")
    for _ in range(4):
        clock.advance(timedelta(seconds=30))
        again = manager.raise_alert(AlertType.BAD_DATA, Severity.WARNING, STALE, "still stale")
        assert again is None
    record = manager.get(STALE)
    assert record is not None
    assert first is not None
    assert record.alert_id == first.alert_id
    assert record.repeats == 4
    assert record.last_seen == clock.now()
    assert len(sink.of("alerts")) == 1  # repeats do not write a row per cycle
    sent(manager)
    assert notifier.sent == [first]


def test_lower_severity_repeat_does_not_downgrade(clock: VirtualClock, sink: RecordingSink) -> None:
    manager, _ = make(clock, sink)
    manager.raise_alert(AlertType.RISK_LIMIT, Severity.CRITICAL, "delta", "delta 250 > 200")
    assert manager.raise_alert(AlertType.RISK_LIMIT, Severity.INFO, "delta", "ok-ish") is None
    record = manager.get("delta")
    assert record is not None
    assert record.severity is Severity.CRITICAL
    assert record.alert.message == "delta 250 > 200"


@pytest.mark.parametrize("repeats", [9, 10, 11, 99, 100, 250, 1000])
def test_repeat_rows_only_at_powers_of_ten(
    clock: VirtualClock, sink: RecordingSink, repeats: int
) -> None:
    manager, _ = make(clock, sink)
    manager.raise_alert(AlertType.CONNECTION, Severity.WARNING, "ib", "disconnected")
    for _ in range(repeats):
        manager.raise_alert(AlertType.CONNECTION, Severity.WARNING, "ib", "disconnected")
    checkpoints = [n for n in (10, 100, 1000) if n <= repeats]
    rows = [from_row(r) for r in sink.of("alerts")]
    assert [r.repeats for r in rows] == [0, *checkpoints]
    assert all(r.status is AlertStatus.ACTIVE for r in rows)


def test_escalation_updates_the_same_alert_and_resends(
    clock: VirtualClock, sink: RecordingSink
) -> None:
    manager, notifier = make(clock, sink)
    first = manager.raise_alert(AlertType.RISK_LIMIT, Severity.WARNING, "loss", "loss 80 %")
    assert first is not None
    manager.acknowledge(first.alert_id)
    clock.advance(timedelta(minutes=1))
    escalated = manager.raise_alert(AlertType.RISK_LIMIT, Severity.CRITICAL, "loss", "loss 100 %")
    assert escalated is not None
    assert escalated.alert_id == first.alert_id
    assert escalated.severity is Severity.CRITICAL
    assert escalated.status is AlertStatus.ACTIVE  # an escalation re-opens an acknowledged alert
    assert escalated.message == "loss 100 %"
    assert escalated.ts == first.ts  # still raised when it first happened
    statuses = [from_row(r).status for r in sink.of("alerts")]
    assert statuses == [AlertStatus.ACTIVE, AlertStatus.ACKNOWLEDGED, AlertStatus.ACTIVE]
    sent(manager)
    assert [a.severity for a in notifier.sent] == [Severity.WARNING, Severity.CRITICAL]


def test_cooldown_suppresses_until_it_expires(clock: VirtualClock, sink: RecordingSink) -> None:
    manager, notifier = make(clock, sink, cooldown_s=300.0)
    first = manager.raise_alert(AlertType.BAD_DATA, Severity.WARNING, STALE, "stale")
    assert manager.resolve(STALE) is not None
    clock.advance(timedelta(seconds=299))
    assert manager.in_cooldown(STALE)
    assert manager.raise_alert(AlertType.BAD_DATA, Severity.WARNING, STALE, "stale") is None
    assert manager.raise_alert(AlertType.BAD_DATA, Severity.INFO, STALE, "stale") is None
    assert manager.suppressed == 2
    assert manager.get(STALE) is None
    clock.advance(timedelta(seconds=1))
    assert not manager.in_cooldown(STALE)
    again = manager.raise_alert(AlertType.BAD_DATA, Severity.WARNING, STALE, "stale again")
    assert again is not None
    assert first is not None
    assert again.alert_id != first.alert_id
    sent(manager)
    assert [a.alert_id for a in notifier.sent] == [first.alert_id, again.alert_id]


def test_escalation_breaks_through_cooldown(clock: VirtualClock, sink: RecordingSink) -> None:
    manager, _ = make(clock, sink, cooldown_s=300.0)
    manager.raise_alert(AlertType.BAD_DATA, Severity.WARNING, STALE, "stale")
    manager.resolve(STALE)
    clock.advance(timedelta(seconds=10))
    critical = manager.raise_alert(AlertType.BAD_DATA, Severity.CRITICAL, STALE, "blind 10 min")
    assert critical is not None
    assert critical.severity is Severity.CRITICAL
    assert not manager.in_cooldown(STALE)


def test_lifecycle_active_acknowledged_resolved(clock: VirtualClock, sink: RecordingSink) -> None:
    manager, _ = make(clock, sink)
    alert = manager.raise_alert(AlertType.ORDER_REJECTED, Severity.WARNING, "ord:1", "rejected")
    assert alert is not None
    clock.advance(timedelta(seconds=5))
    acked = manager.acknowledge(alert.alert_id, note="looking")
    assert acked is not None
    assert acked.status is AlertStatus.ACKNOWLEDGED
    assert manager.acknowledge(alert.alert_id) is None  # already acknowledged
    assert manager.raise_alert(AlertType.ORDER_REJECTED, Severity.WARNING, "ord:1", "x") is None
    clock.advance(timedelta(seconds=5))
    resolved = manager.resolve("ord:1", "order replaced")
    assert resolved is not None
    assert resolved.status is AlertStatus.RESOLVED
    assert resolved.message == "order replaced"
    assert manager.resolve("ord:1") is None
    assert manager.acknowledge(alert.alert_id) is None
    assert manager.open_alerts() == []
    records = [from_row(r) for r in sink.of("alerts")]
    assert [r.status for r in records] == [
        AlertStatus.ACTIVE,
        AlertStatus.ACKNOWLEDGED,
        AlertStatus.RESOLVED,
    ]
    assert records[1].note == "looking"
    assert records[2].repeats == 1  # the repeat while acknowledged is carried to the next row
    assert all(r.alert_id == alert.alert_id for r in records)


def test_rows_are_strictly_ordered_even_when_the_clock_stands_still(
    clock: VirtualClock, sink: RecordingSink
) -> None:
    manager, _ = make(clock, sink, cooldown_s=0.0)
    for _ in range(3):
        manager.raise_alert(AlertType.SYSTEM, Severity.INFO, "k", "m")
        manager.resolve("k")
    stamps = [r["ts_init"] for r in sink.of("alerts")]
    assert len(stamps) == 6
    assert all(a < b for a, b in itertools.pairwise(stamps))
    assert len({r["alert_id"] for r in sink.of("alerts")}) == 3


@pytest.mark.parametrize(
    ("minimum", "expected"),
    [
        (Severity.INFO, [Severity.INFO, Severity.WARNING, Severity.CRITICAL]),
        (Severity.WARNING, [Severity.WARNING, Severity.CRITICAL]),
        (Severity.CRITICAL, [Severity.CRITICAL]),
    ],
)
def test_min_severity_filters_notifications_not_the_journal(
    clock: VirtualClock, sink: RecordingSink, minimum: Severity, expected: list[Severity]
) -> None:
    manager, notifier = make(clock, sink, min_notify_severity=minimum)
    for i, severity in enumerate(Severity):
        manager.raise_alert(AlertType.SYSTEM, severity, f"k{i}", "m")
    sent(manager)
    assert [a.severity for a in notifier.sent] == expected
    assert len(sink.of("alerts")) == 3


def test_resolution_is_sent_only_when_asked(clock: VirtualClock, sink: RecordingSink) -> None:
    for notify_on_resolve in (False, True):
        manager, notifier = make(clock, sink, notify_on_resolve=notify_on_resolve)
        manager.raise_alert(AlertType.CONNECTION, Severity.CRITICAL, "ib", "down")
        manager.resolve("ib", "reconnected")
        sent(manager)
        statuses = [a.status for a in notifier.sent]
        assert (AlertStatus.RESOLVED in statuses) is notify_on_resolve


def test_journal_failure_never_raises_and_still_notifies(clock: VirtualClock) -> None:
    broken = RecordingSink(fail=True)
    manager, notifier = make(clock, broken)
    alert = manager.raise_alert(AlertType.SYSTEM, Severity.CRITICAL, "disk", "journal down")
    assert alert is not None
    assert manager.persist_failures == 1
    assert manager.resolve("disk") is not None
    sent(manager)
    assert notifier.sent == [alert]


def test_acknowledge_is_not_applied_when_the_journal_refuses_it(clock: VirtualClock) -> None:
    sink = RecordingSink()
    manager, _ = make(clock, sink)
    alert = manager.raise_alert(AlertType.SYSTEM, Severity.WARNING, "k", "m")
    assert alert is not None
    sink.fail = True
    assert manager.acknowledge(alert.alert_id) is None
    record = manager.get("k")
    assert record is not None
    assert record.status is AlertStatus.ACTIVE
    sink.fail = False
    assert manager.acknowledge(alert.alert_id) is not None


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ConfigError, match="cooldown_s"):
        AlertPolicy(cooldown_s=-1)
    with pytest.raises(ConfigError, match="notify_timeout_s"):
        AlertPolicy(notify_timeout_s=0)


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("raise"), st.sampled_from("abc"), st.sampled_from(list(Severity))),
        st.tuples(st.just("resolve"), st.sampled_from("abc"), st.none()),
        st.tuples(st.just("ack"), st.sampled_from("abc"), st.none()),
        st.tuples(st.just("wait"), st.integers(0, 400), st.none()),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(ops=OPS, minimum=st.sampled_from(list(Severity)))
def test_invariants_over_any_sequence(
    ops: list[tuple[str, object, Severity | None]], minimum: Severity
) -> None:
    """At most one open alert per key; the journal's latest row per alert always equals the
    manager's view; nothing below the minimum severity is ever sent; ids never repeat."""
    clock = VirtualClock(T0)
    sink = RecordingSink()
    notifier = RecordingNotifier()
    manager = AlertManager(
        clock,
        sink=sink,
        notifiers=[notifier],
        policy=AlertPolicy(cooldown_s=120, min_notify_severity=minimum),
    )
    raised_ids: list[str] = []
    for op, arg, severity in ops:
        if op == "raise":
            assert severity is not None
            alert = manager.raise_alert(AlertType.SYSTEM, severity, str(arg), "m")
            if alert is not None and alert.alert_id not in raised_ids:
                raised_ids.append(alert.alert_id)
        elif op == "resolve":
            manager.resolve(str(arg))
        elif op == "ack":
            record = manager.get(str(arg))
            if record is not None:
                manager.acknowledge(record.alert_id)
        else:
            assert isinstance(arg, int)
            clock.advance(timedelta(seconds=arg))
    open_records = manager.open_alerts()
    assert len({r.key for r in open_records}) == len(open_records)
    latest = {}
    for row in sorted(sink.of("alerts"), key=lambda r: r["ts_init"]):
        latest[row["alert_id"]] = from_row(row)
    assert set(latest) == set(raised_ids)
    for record in open_records:
        stored = latest[record.alert_id]
        assert stored.alert == record.alert
        assert stored.status is record.status
    for alert_id, stored in latest.items():
        if stored.is_open:
            assert manager.get(stored.key) is not None
            assert manager.get(stored.key).alert_id == alert_id  # type: ignore[union-attr]
    sent(manager)
    rank = list(Severity).index
    assert all(rank(a.severity) >= rank(minimum) for a in notifier.sent)

"""Alerts through a real Delta lake: every state change appended, current state read back
through the query layer, and a restarted manager carrying on where the last one stopped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from v6.alerts import AlertManager, AlertPolicy
from v6.clock import VirtualClock
from v6.domain.alert import AlertStatus, AlertType, Severity
from v6.queries import Queries
from v6.store import Lake, LakeReader, LakeWriter, WriterConfig
from v6.store.schemas import TABLES

from .helpers import T0

CONFIG = WriterConfig(sync_on_start=False, commit_backoff_s=0.001)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def writer(data_dir: Path) -> Iterator[LakeWriter]:
    lake = Lake(data_dir / "lake", {"alerts": TABLES["alerts"]})
    w = LakeWriter(lake, CONFIG)
    yield w
    w.close()


def test_round_trip_of_every_state_change(data_dir: Path, writer: LakeWriter) -> None:
    clock = VirtualClock(T0)
    manager = AlertManager(clock, sink=writer)
    a = manager.raise_alert(
        AlertType.RISK_LIMIT,
        Severity.WARNING,
        "delta",
        "portfolio delta 230 > 200",
        {"delta": 230.0, "limit": 200.0, "strategy_id": "ic-1", "breached": True},
    )
    b = manager.raise_alert(AlertType.CONNECTION, Severity.CRITICAL, "ib", "IB disconnected")
    assert a is not None
    assert b is not None
    for _ in range(3):
        clock.advance(timedelta(seconds=30))
        manager.raise_alert(AlertType.RISK_LIMIT, Severity.WARNING, "delta", "still")
    manager.acknowledge(a.alert_id, note="hedging by hand")
    clock.advance(timedelta(seconds=30))
    manager.resolve("ib", "reconnected")
    writer.flush()

    queries = Queries(LakeReader(data_dir / "lake"))
    states = {r.alert_id: r for r in queries.alert_states()}
    assert set(states) == {a.alert_id, b.alert_id}
    live = manager.get("delta")
    assert live is not None
    assert states[a.alert_id] == live  # every field, incl. repeats, last_seen and the note
    assert states[a.alert_id].strategy_id == "ic-1"
    assert states[a.alert_id].alert.data["breached"] is True
    assert states[b.alert_id].status is AlertStatus.RESOLVED
    assert states[b.alert_id].alert.message == "reconnected"

    history = queries.alert_history(a.alert_id)
    assert [h.status for h in history] == [AlertStatus.ACTIVE, AlertStatus.ACKNOWLEDGED]
    assert [r.alert_id for r in queries.alerts()] == [a.alert_id]
    assert {r.alert_id for r in queries.alerts(include_resolved=True)} == set(states)
    assert [r.alert_id for r in queries.alerts(min_severity=Severity.CRITICAL)] == []
    only_ib = queries.alerts(include_resolved=True, alert_type=AlertType.CONNECTION)
    assert [r.alert_id for r in only_ib] == [b.alert_id]


def test_restart_keeps_deduplication_and_cooldown(data_dir: Path, writer: LakeWriter) -> None:
    clock = VirtualClock(T0)
    first = AlertManager(clock, sink=writer, policy=AlertPolicy(cooldown_s=600))
    open_alert = first.raise_alert(AlertType.BAD_DATA, Severity.WARNING, "stale:SPY", "stale")
    first.raise_alert(AlertType.SYSTEM, Severity.WARNING, "flap", "flapping")
    first.resolve("flap")
    writer.flush()
    assert open_alert is not None

    clock.advance(timedelta(seconds=60))
    queries = Queries(LakeReader(data_dir / "lake"))
    second = AlertManager(clock, sink=writer, policy=AlertPolicy(cooldown_s=600))
    assert second.restore(queries.alert_states()) == 1
    assert second.raise_alert(AlertType.BAD_DATA, Severity.WARNING, "stale:SPY", "x") is None
    assert second.raise_alert(AlertType.SYSTEM, Severity.WARNING, "flap", "again") is None
    assert second.in_cooldown("flap")
    resolved = second.resolve("stale:SPY")
    assert resolved is not None
    assert resolved.alert_id == open_alert.alert_id
    writer.flush()
    assert queries.alert(open_alert.alert_id).status is AlertStatus.RESOLVED

    clock.advance(timedelta(seconds=600))
    third = AlertManager(clock, sink=writer, policy=AlertPolicy(cooldown_s=600))
    third.restore(queries.alert_states())
    assert not third.in_cooldown("flap")
    assert third.raise_alert(AlertType.SYSTEM, Severity.WARNING, "flap", "again") is not None


def test_restored_rows_stay_ordered_after_restart(data_dir: Path, writer: LakeWriter) -> None:
    """A restarted manager whose clock has not moved still writes rows that sort after the
    ones already journaled, so "latest row per alert" stays right."""
    clock = VirtualClock(T0)
    first = AlertManager(clock, sink=writer)
    alert = first.raise_alert(AlertType.SYSTEM, Severity.WARNING, "k", "m")
    first.raise_alert(AlertType.SYSTEM, Severity.WARNING, "other", "m")
    writer.flush()
    assert alert is not None
    queries = Queries(LakeReader(data_dir / "lake"))
    second = AlertManager(clock, sink=writer)
    second.restore(queries.alert_states())
    second.acknowledge(alert.alert_id)
    writer.flush()
    assert queries.alert(alert.alert_id).status is AlertStatus.ACKNOWLEDGED

"""Acknowledgement requests: written atomically by a front end, applied and removed by the
engine's AlertManager, also when the engine starts after the request was made."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from v6.alerts import AckRequest, AlertManager, RequestInbox, ack_requests_dir, write_ack_request
from v6.alerts.codec import from_row
from v6.clock import VirtualClock
from v6.domain.alert import AlertStatus, AlertType, Severity

from .helpers import RecordingSink


def test_request_file_is_complete_and_round_trips(tmp_path: Path, clock: VirtualClock) -> None:
    directory = ack_requests_dir(tmp_path)
    request = AckRequest("al-123", clock.now(), note="on it", source="dashboard")
    path = write_ack_request(directory, request)
    assert path.parent == directory
    assert [p.name for p in directory.iterdir()] == [path.name]  # no temporary file left
    assert AckRequest.from_json(path.read_text()) == request
    assert RequestInbox(directory).pending_alert_ids() == {"al-123"}


def test_manager_applies_and_deletes_requests_in_order(
    tmp_path: Path, clock: VirtualClock, sink: RecordingSink
) -> None:
    inbox = RequestInbox.for_data_dir(tmp_path)
    manager = AlertManager(clock, sink=sink, inbox=inbox)
    a = manager.raise_alert(AlertType.SYSTEM, Severity.WARNING, "a", "m")
    assert a is not None
    asked_at = clock.now() + timedelta(seconds=5)
    write_ack_request(inbox.directory, AckRequest(a.alert_id, asked_at, note="first"))
    write_ack_request(inbox.directory, AckRequest(a.alert_id, asked_at + timedelta(seconds=1)))
    write_ack_request(inbox.directory, AckRequest("al-unknown", asked_at))
    clock.advance(timedelta(seconds=10))
    assert manager.apply_requests() == 1
    assert inbox.pending() == []
    record = manager.get("a")
    assert record is not None
    assert record.status is AlertStatus.ACKNOWLEDGED
    assert record.note == "first"
    last = from_row(sink.of("alerts")[-1])
    assert last.status is AlertStatus.ACKNOWLEDGED
    assert last.updated_at == asked_at  # ts_event: when the person asked
    assert last.recorded_at == clock.now()  # ts_init: when the engine applied it
    assert manager.apply_requests() == 0


def test_unreadable_request_is_moved_aside(
    tmp_path: Path, clock: VirtualClock, sink: RecordingSink
) -> None:
    inbox = RequestInbox.for_data_dir(tmp_path)
    inbox.directory.mkdir(parents=True)
    (inbox.directory / "20260101T000000000000Z-bad.json").write_text("{not json")
    manager = AlertManager(clock, sink=sink, inbox=inbox)
    assert manager.apply_requests() == 0
    assert list(inbox.directory.glob("*.json")) == []
    assert [p.name for p in (inbox.directory / "rejected").iterdir()] == [
        "20260101T000000000000Z-bad.json"
    ]


def test_request_waits_while_the_journal_refuses_it(tmp_path: Path, clock: VirtualClock) -> None:
    sink = RecordingSink()
    inbox = RequestInbox.for_data_dir(tmp_path)
    manager = AlertManager(clock, sink=sink, inbox=inbox)
    alert = manager.raise_alert(AlertType.SYSTEM, Severity.WARNING, "k", "m")
    assert alert is not None
    write_ack_request(inbox.directory, AckRequest(alert.alert_id, clock.now()))
    sink.fail = True
    assert manager.apply_requests() == 0
    assert len(inbox.pending()) == 1
    sink.fail = False
    assert manager.apply_requests() == 1
    assert inbox.pending() == []

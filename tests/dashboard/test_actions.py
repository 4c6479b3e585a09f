"""The dashboard writes nothing but acknowledgement requests: the Acknowledge button drops the
same request file ``v6 alerts ack`` drops, and no table changes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from v6.alerts.requests import RequestInbox
from v6.dashboard.actions import AckOutcome, request_ack
from v6.dashboard.context import CONFIG_ENV
from v6.dashboard.fixtures import write_fixture_lake
from v6.domain.alert import AlertStatus
from v6.queries import Queries
from v6.store.reader import LakeReader

from .conftest import APP, write_config


def _versions(lake_dir: Path) -> dict[str, int]:
    reader = LakeReader(lake_dir)
    return {name: reader.version(name) for name in reader.tables()}


def test_acknowledge_button_files_a_request_and_writes_no_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = write_fixture_lake(tmp_path / "data", seed=3)
    monkeypatch.setenv(CONFIG_ENV, str(write_config(tmp_path / "c.yaml", lake.data_dir)))
    before = _versions(lake.lake_dir)
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.switch_page("views/alerts.py").run()
    buttons = [b for b in at.button if b.label == "Acknowledge"]
    assert buttons
    target = str(buttons[0].key).removeprefix("ack-")
    buttons[0].click().run()
    assert not at.exception
    pending = RequestInbox.for_data_dir(lake.data_dir).pending()
    assert [req.alert_id for _, req in pending] == [target]
    assert pending[0][1].source == "dashboard"
    assert _versions(lake.lake_dir) == before
    # from the next refresh on, the page says so and offers no second button for that alert
    at.run()
    assert f"ack-{target}" not in [b.key for b in at.button]
    assert any("requested" in c.value for c in at.caption)


def test_request_ack_refuses_what_the_cli_refuses(tmp_path: Path) -> None:
    lake = write_fixture_lake(tmp_path / "data", seed=3, extras=False)
    queries = Queries.for_data_dir(lake.data_dir)
    now = datetime(2026, 11, 21, tzinfo=UTC)
    by_status = {r.status: r for r in queries.alerts(include_resolved=True)}
    resolved = by_status[AlertStatus.RESOLVED]
    acked = by_status[AlertStatus.ACKNOWLEDGED]
    active = by_status[AlertStatus.ACTIVE]
    assert request_ack(lake.data_dir, resolved, pending=set(), now=now) is AckOutcome.RESOLVED
    assert (
        request_ack(lake.data_dir, acked, pending=set(), now=now) is AckOutcome.ALREADY_ACKNOWLEDGED
    )
    assert request_ack(lake.data_dir, active, pending=set(), now=now) is AckOutcome.REQUESTED
    pending = queries.pending_acks()
    assert pending == {active.alert_id}
    again = request_ack(lake.data_dir, active, pending=pending, now=now)
    assert again is AckOutcome.ALREADY_PENDING
    assert len(RequestInbox.for_data_dir(lake.data_dir).pending()) == 1

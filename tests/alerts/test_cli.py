"""``v6 alerts list`` and ``v6 alerts ack`` on a real temporary lake, and the engine picking the
acknowledgement up afterwards."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from v6.alerts import AlertManager, RequestInbox
from v6.cli.main import app, main
from v6.clock import VirtualClock
from v6.domain.alert import Alert, AlertStatus, AlertType, Severity
from v6.queries import Queries
from v6.store import Lake, LakeWriter, WriterConfig
from v6.store.schemas import TABLES

from .helpers import T0

CONFIG = WriterConfig(sync_on_start=False, commit_backoff_s=0.001)


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "220"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def writer_for(data_dir: Path) -> LakeWriter:
    return LakeWriter(Lake(data_dir / "lake", {"alerts": TABLES["alerts"]}), CONFIG)


@pytest.fixture
def lake_alerts(tmp_path: Path) -> tuple[Path, dict[str, Alert]]:
    """A data dir whose journal holds an open critical, an open warning and a resolved info."""
    data_dir = tmp_path / "data"
    writer = writer_for(data_dir)
    clock = VirtualClock(T0)
    manager = AlertManager(clock, sink=writer)
    made = {
        "ib": manager.raise_alert(AlertType.CONNECTION, Severity.CRITICAL, "ib", "IB down"),
        "delta": manager.raise_alert(
            AlertType.RISK_LIMIT, Severity.WARNING, "delta", "delta 230 [limit 200]"
        ),
        "note": manager.raise_alert(AlertType.SYSTEM, Severity.INFO, "note", "started"),
    }
    clock.advance(timedelta(seconds=1))
    manager.resolve("note")
    writer.close()
    alerts = {k: v for k, v in made.items() if v is not None}
    assert len(alerts) == 3
    return data_dir, alerts


def test_list_shows_open_alerts_by_default(lake_alerts: tuple[Path, dict[str, Alert]]) -> None:
    data_dir, alerts = lake_alerts
    out = run("alerts", "list", "--data-dir", str(data_dir))
    assert alerts["ib"].alert_id in out
    assert alerts["delta"].alert_id in out
    assert "delta 230 [limit 200]" in out  # messages are shown literally, not as markup
    assert alerts["note"].alert_id not in out
    everything = run("alerts", "list", "--all", "--data-dir", str(data_dir))
    assert alerts["note"].alert_id in everything
    assert "RESOLVED" in everything


def test_list_filters_by_severity_and_type(lake_alerts: tuple[Path, dict[str, Alert]]) -> None:
    data_dir, alerts = lake_alerts
    critical = run("alerts", "list", "--severity", "critical", "--data-dir", str(data_dir))
    assert alerts["ib"].alert_id in critical
    assert alerts["delta"].alert_id not in critical
    risk = run("alerts", "list", "--all", "--type", "risk_limit", "--data-dir", str(data_dir))
    assert alerts["delta"].alert_id in risk
    assert alerts["ib"].alert_id not in risk


def test_list_on_an_empty_data_dir(tmp_path: Path) -> None:
    assert "no open alerts" in run("alerts", "list", "--data-dir", str(tmp_path))


def test_ack_is_a_request_the_engine_applies(lake_alerts: tuple[Path, dict[str, Alert]]) -> None:
    data_dir, alerts = lake_alerts
    target = alerts["ib"].alert_id
    out = run(
        "alerts", "ack", target[:8], "--note", "rebooting gateway", "--data-dir", str(data_dir)
    )
    assert target in out
    assert "requested" in out
    queries = Queries.for_data_dir(data_dir)
    assert queries.alert(target).status is AlertStatus.ACTIVE  # the CLI wrote no journal row
    assert queries.pending_acks() == {target}
    assert "ack requested" in run("alerts", "list", "--data-dir", str(data_dir))
    assert "already waiting" in run("alerts", "ack", target, "--data-dir", str(data_dir))

    # the engine starts later: restore from the journal, then apply the waiting request
    writer = writer_for(data_dir)
    engine = AlertManager(
        VirtualClock(T0 + timedelta(minutes=5)),
        sink=writer,
        inbox=RequestInbox.for_data_dir(data_dir),
    )
    engine.restore(queries.alert_states())
    assert engine.apply_requests() == 1
    writer.close()
    acked = queries.alert(target)
    assert acked.status is AlertStatus.ACKNOWLEDGED
    assert acked.note == "rebooting gateway"
    assert queries.pending_acks() == set()
    assert "already acknowledged" in run("alerts", "ack", target, "--data-dir", str(data_dir))


@pytest.mark.parametrize("which", ["resolved", "unknown"])
def test_ack_refuses_with_one_line_and_exit_2(
    lake_alerts: tuple[Path, dict[str, Alert]], which: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, alerts = lake_alerts
    alert_id = alerts["note"].alert_id if which == "resolved" else "al-doesnotexist"
    assert main(["alerts", "ack", alert_id, "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert alert_id in err
    assert len(err.strip().splitlines()) == 1
    assert RequestInbox.for_data_dir(data_dir).pending() == []

"""``v6 alerts``: list alerts and acknowledge one.

Both read the journal through ``v6.queries``. Acknowledging never writes the journal (the
engine is its only writer): it drops an acknowledgement request that the engine applies on its
next cycle, or when it next starts if none is running.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from v6.alerts.requests import AckRequest, ack_requests_dir, write_ack_request
from v6.cli.db_cmd import DEFAULT_DATA_DIR, DataDir
from v6.clock import WallClock
from v6.domain.alert import AlertStatus, AlertType, Severity
from v6.errors import InputRejected
from v6.queries import Queries

app = typer.Typer(
    help="List and acknowledge alerts (journal under DATA_DIR/lake).", no_args_is_help=True
)

SEVERITY_STYLE = {Severity.INFO: "cyan", Severity.WARNING: "yellow", Severity.CRITICAL: "bold red"}
STATUS_STYLE = {
    AlertStatus.ACTIVE: "bold",
    AlertStatus.ACKNOWLEDGED: "dim",
    AlertStatus.RESOLVED: "green",
}


def console() -> Console:
    """Rich console; when piped (no terminal) use a wide fixed width instead of 80 columns."""
    out = Console()
    return out if out.is_terminal else Console(width=160)


def _when(ts: datetime | None) -> str:
    return "-" if ts is None else ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@app.command("list")
def list_alerts(
    show_all: Annotated[
        bool, typer.Option("--all", help="Include resolved alerts (default: open ones only).")
    ] = False,
    severity: Annotated[
        Severity | None,
        typer.Option("--severity", case_sensitive=False, help="This severity and above."),
    ] = None,
    alert_type: Annotated[
        AlertType | None, typer.Option("--type", case_sensitive=False, help="Only this type.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest alerts to show.")] = 50,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Alerts newest first: id, time raised, severity, type, status, key, repeats, message."""
    queries = Queries.for_data_dir(data_dir)
    records = queries.alerts(
        include_resolved=show_all, min_severity=severity, alert_type=alert_type, limit=limit
    )
    out = console()
    if not records:
        out.print("no alerts" if show_all else "no open alerts")
        return
    pending = queries.pending_acks()
    table = Table(title=f"{'all' if show_all else 'open'} alerts in {data_dir / 'lake'}")
    for column in ("id", "raised (UTC)", "severity", "type", "status", "key", "repeats"):
        table.add_column(column, no_wrap=True)
    table.add_column("message", overflow="fold")
    for r in records:
        status = Text(r.status.name, style=STATUS_STYLE[r.status])
        if r.alert_id in pending and r.status is AlertStatus.ACTIVE:
            status.append(" (ack requested)", style="italic")
        table.add_row(
            Text(r.alert_id),
            _when(r.raised_at),
            Text(r.severity.name, style=SEVERITY_STYLE[r.severity]),
            Text(r.alert.alert_type.name),
            status,
            Text(r.key),
            str(r.repeats),
            Text(r.alert.message),
        )
    out.print(table)


@app.command()
def ack(
    alert_id: Annotated[str, typer.Argument(help="Alert id (or a unique prefix of it).")],
    note: Annotated[str, typer.Option("--note", help="Why; journaled with the ack.")] = "",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Acknowledge an active alert: it stays open until resolved but is no longer pending.

    The engine applies the request on its next cycle (or at its next start).
    """
    queries = Queries.for_data_dir(data_dir)
    record = queries.alert(alert_id)
    out = console()
    if record.status is AlertStatus.RESOLVED:
        raise InputRejected(f"alert {record.alert_id} is already resolved")
    if record.status is AlertStatus.ACKNOWLEDGED:
        out.print(f"alert {record.alert_id} is already acknowledged")
        return
    if record.alert_id in queries.pending_acks():
        out.print(f"acknowledgement of {record.alert_id} is already waiting for the engine")
        return
    request = AckRequest(
        alert_id=record.alert_id, requested_at=WallClock().now(), note=note, source="cli"
    )
    write_ack_request(ack_requests_dir(data_dir), request)
    out.print(
        f"acknowledgement of {record.alert_id} requested; the engine applies it on its next "
        "cycle (or when it next starts)",
        highlight=False,
    )

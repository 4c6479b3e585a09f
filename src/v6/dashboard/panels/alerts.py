"""Alerts: the open ones (with an acknowledge button that writes a request for the engine,
never the journal), the history, filters by severity and type, and the alert configuration
with its secrets masked."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import streamlit as st

from v6.alerts.codec import AlertRecord
from v6.config import redacted_dict
from v6.dashboard import data
from v6.dashboard import format as fmt
from v6.dashboard.actions import AckOutcome, request_ack
from v6.dashboard.context import DashboardContext
from v6.dashboard.panels.common import empty, live
from v6.domain.alert import AlertStatus, AlertType, Severity

ALL = "(all)"
SEVERITY_COLORS = {Severity.CRITICAL: "red", Severity.WARNING: "orange", Severity.INFO: "blue"}


def alerts_frame(records: Sequence[AlertRecord], pending: set[str]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "severity": r.severity.name,
                "type": r.alert.alert_type.name,
                "status": r.status.name
                + (
                    " (ack requested)"
                    if r.alert_id in pending and r.status is AlertStatus.ACTIVE
                    else ""
                ),
                "raised (ET)": fmt.new_york(r.raised_at, seconds=True),
                "UTC": fmt.utc(r.raised_at),
                "repeats": r.repeats,
                "message": r.alert.message,
                "key": r.key,
                "note": r.note,
                "alert id": r.alert_id,
            }
            for r in records
        ],
        schema_overrides={"repeats": pl.Int64},
    )


def _open(ctx: DashboardContext, severity: Severity | None, kind: AlertType | None) -> None:
    records = data.alerts(ctx, include_resolved=False, min_severity=severity, alert_type=kind)
    pending = data.pending_acks(ctx)
    st.subheader(f"Open alerts ({len(records)})")
    if not records:
        st.success("No open alerts.")
        return
    st.dataframe(alerts_frame(records, pending), hide_index=True, key="open-alerts")
    for r in records:
        cols = st.columns([0.7, 0.3])
        badge = f":{SEVERITY_COLORS[r.severity]}-badge[{r.severity.name}]"
        cols[0].markdown(f"{badge} **{r.alert.alert_type.name}** · {fmt.md(r.alert.message)}")
        if r.status is AlertStatus.ACKNOWLEDGED:
            cols[1].caption("acknowledged" + (f": {fmt.md(r.note)}" if r.note else ""))
        elif r.alert_id in pending:
            cols[1].caption("acknowledgement requested; the engine applies it next cycle")
        elif cols[1].button("Acknowledge", key=f"ack-{r.alert_id}"):
            outcome = request_ack(
                ctx.data_dir, r, pending=pending, now=data.now(), note="from the dashboard"
            )
            if outcome is AckOutcome.REQUESTED:
                st.toast(f"acknowledgement of {r.alert_id} requested")
                cols[1].caption("acknowledgement requested; the engine applies it next cycle")
            else:
                cols[1].caption(outcome.value)


def _history(ctx: DashboardContext, severity: Severity | None, kind: AlertType | None) -> None:
    records = data.alerts(ctx, include_resolved=True, min_severity=severity, alert_type=kind)
    st.subheader(f"History ({len(records)})")
    if not records:
        empty("alerts")
        return
    st.dataframe(
        alerts_frame(records, data.pending_acks(ctx)), hide_index=True, key="alert-history"
    )


def render(ctx: DashboardContext) -> None:
    st.title("Alerts")
    cols = st.columns(2)
    sev = cols[0].selectbox(
        "Minimum severity", [ALL, *(s.name for s in Severity)], key="alert-severity"
    )
    kind = cols[1].selectbox("Type", [ALL, *(t.name for t in AlertType)], key="alert-type")
    severity = None if sev == ALL else Severity[sev]
    alert_type = None if kind == ALL else AlertType[kind]
    live(ctx, _open, severity, alert_type)
    live(ctx, _history, severity, alert_type)
    with st.expander("Alert configuration (secrets masked)"):
        st.json(redacted_dict(ctx.config.alerts))

"""System health: the engine's heartbeat and cycle latency, market-data freshness per
underlying, streaming slots and queue depth ("n/a in sim" when the engine reports none), table
versions and last writes, the engine process's memory and uptime, and recent errors."""

from __future__ import annotations

import polars as pl
import streamlit as st

from v6.dashboard import data
from v6.dashboard import format as fmt
from v6.dashboard.context import DashboardContext
from v6.dashboard.panels.common import empty, live
from v6.queries import health
from v6.queries.health import HealthRecord

NOT_IN_SIM = "n/a in sim"


def _streaming(record: HealthRecord | None, mode: str) -> tuple[str, str]:
    """(streaming slots, queue depth) as shown."""
    absent = NOT_IN_SIM if mode == "sim" else fmt.MISSING
    if record is None:
        return absent, absent
    if record.streaming_used is not None:
        cap = record.streaming_max
        slots = (
            f"{record.streaming_used} / {cap}" if cap is not None else str(record.streaming_used)
        )
    else:
        slots = absent
    queue = str(record.queue_depth) if record.queue_depth is not None else absent
    return slots, queue


def _engine(ctx: DashboardContext) -> None:
    record = data.health_record(ctx)
    st.subheader("Engine")
    if record is None:
        st.warning(
            f"No heartbeat file at {fmt.md(str(ctx.data_dir / ctx.health_file))}: "
            "the engine has not run with this data directory."
        )
        return
    if record.error:
        st.error(fmt.md(record.error))
        return
    now = data.now()
    mode = record.mode or ctx.config.mode.value
    slots, queue = _streaming(record, mode)
    cols = st.columns(6)
    cols[0].metric(
        "Heartbeat age", fmt.duration(record.age_s(now)), help=fmt.both(record.heartbeat_at)
    )
    cols[1].metric(
        "Last cycle",
        fmt.milliseconds(record.last_cycle_s),
    )
    cols[2].metric("Cycles", fmt.MISSING if record.cycles is None else f"{record.cycles:,}")
    cols[3].metric("Streaming slots", slots, help="market-data lines used / allowed")
    cols[4].metric("Queue depth", queue, help="contracts waiting for a batch snapshot")
    cols[5].metric("Version", record.version or fmt.MISSING)
    info = health.engine_process(record.pid, now)
    proc = st.columns(4)
    if info is None:
        proc[0].metric("Process", "no pid")
    else:
        proc[0].metric(
            "Process",
            f"pid {info.pid}",
            "running" if info.alive else "not running",
            delta_color="normal" if info.alive else "inverse",
        )
        proc[1].metric("Memory (RSS)", fmt.bytes_(info.rss_bytes))
        proc[2].metric("Uptime", fmt.duration(info.uptime_s))
        proc[3].metric("CPU time", fmt.duration(info.cpu_seconds))
    if record.counts:
        st.caption("counts: " + ", ".join(f"{k} {v:,.0f}" for k, v in record.counts.items()))
    if record.clock_at is not None:
        st.caption(f"engine clock {fmt.both(record.clock_at)}")


def _freshness(ctx: DashboardContext) -> None:
    st.subheader("Market data freshness")
    record = data.health_record(ctx)
    frame = data.freshness(ctx)
    engine_now = data.engine_time(ctx)
    ages = dict(record.data_age_s) if record else {}
    symbols = sorted(
        set(ages) | set(frame.get_column("underlying").to_list() if not frame.is_empty() else [])
    )
    if not symbols:
        empty("market data")
        return
    last = {r["underlying"]: r for r in frame.iter_rows(named=True)} if not frame.is_empty() else {}
    max_age = ctx.config.refresh.quote_max_age_s
    rows = []
    for s in symbols:
        info = last.get(s, {})
        quoted, marked = info.get("last_quote_at"), info.get("last_mark_at")
        newest = max((t for t in (quoted, marked) if t is not None), default=None)
        age = ages.get(s)
        source = "engine heartbeat"
        if age is None and newest is not None:
            age = (engine_now - newest).total_seconds()
            source = "lake (vs engine clock)"
        rows.append(
            {
                "underlying": s,
                "data age": fmt.duration(age),
                "age s": age,
                "fresh": age is not None and age <= max_age,
                "age from": source if age is not None else fmt.MISSING,
                "last quote (ET)": fmt.new_york(quoted, seconds=True),
                "last mark (ET)": fmt.new_york(marked, seconds=True),
                "spot": info.get("underlying_price"),
                "quotes (3 days)": info.get("quotes"),
            }
        )
    st.dataframe(
        pl.DataFrame(rows),
        hide_index=True,
        key="freshness",
        column_config={"age s": None, "spot": st.column_config.NumberColumn(format="%.2f")},
    )
    st.caption(
        f"Quotes older than {max_age:g} s are stale and never traded on (refresh.quote_max_age_s)."
    )


def _tables(ctx: DashboardContext) -> None:
    st.subheader("Journal tables")
    stats = data.table_stats(ctx)
    if not stats:
        empty(f"tables under {ctx.config.lake_dir}")
        return
    frame = pl.DataFrame(
        [
            {
                "table": s.name,
                "kind": s.kind,
                "version": s.version,
                "rows": s.rows,
                "files": s.files,
                "size": fmt.bytes_(s.size_bytes),
                "last write (ET)": fmt.new_york(s.last_write, seconds=True),
                "UTC": fmt.utc(s.last_write),
            }
            for s in stats
        ]
    )
    st.dataframe(frame, hide_index=True, key="tables")


def _errors(ctx: DashboardContext) -> None:
    st.subheader("Recent errors")
    entries = health.recent_errors(ctx.config.log_file, min_level="ERROR", limit=30)
    if not entries:
        st.success(f"No errors in {fmt.md(str(ctx.config.log_file))}.")
        return
    frame = pl.DataFrame(
        [
            {
                "time (ET)": fmt.new_york(e.ts, seconds=True),
                "UTC": fmt.utc(e.ts),
                "level": e.level,
                "logger": e.logger,
                "message": e.message,
            }
            for e in entries
        ]
    )
    st.dataframe(frame, hide_index=True, key="errors")


def render(ctx: DashboardContext) -> None:
    st.title("System health")
    live(ctx, _engine)
    live(ctx, _freshness)
    live(ctx, _tables)
    live(ctx, _errors)

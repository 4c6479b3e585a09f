"""Health as data: the engine's heartbeat record (``DATA_DIR/health.json``), the kill switch,
the engine process (memory, uptime), market-data freshness, table versions and recent errors
from the JSON log, for ``v6 status`` and the dashboard alike.

The heartbeat file is read tolerantly: known fields are taken under a few spellings, the rest
is kept in ``raw`` so a newer engine never breaks an older dashboard.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import psutil

from v6.queries.base import read_or_empty
from v6.risk.killswitch import KillSwitch, KillSwitchStatus
from v6.store.reader import LakeReader, TableStats

HEALTH_FILE = "health.json"
TAIL_BYTES = 512 * 1024
"""How much of the end of the JSON log is searched for recent errors."""

_ALIASES: Mapping[str, tuple[str, ...]] = {
    "heartbeat_at": ("heartbeat_at", "heartbeat", "ts", "updated_at", "written_at"),
    "pid": ("pid",),
    "version": ("version",),
    "mode": ("mode",),
    "trading_state": ("trading_state", "breaker_state", "state", "breaker.state", "breaker"),
    "broker_connected": ("broker_connected", "connected", "broker.connected"),
    "last_cycle_s": (
        "last_cycle_s",
        "cycle_s",
        "last_cycle_seconds",
        "cycle_seconds",
        "last_cycle_duration_s",
    ),
    "last_cycle_ms": ("last_cycle_ms", "cycle_ms"),
    "started_at": ("started_at", "start_time", "started"),
    "clock_at": ("clock_at", "clock", "sim_time", "engine_time"),
    "cycles": ("cycles", "cycle_count", "counts.cycles"),
    "counts": ("counts",),
    "data_age_s": ("data_age_s", "market_data_age_s", "quote_age_s"),
    "streaming_used": (
        "streaming_lines_used",
        "streaming_used",
        "streaming.used",
        "market_data_lines_used",
    ),
    "streaming_max": (
        "streaming_lines_max",
        "max_streaming_lines",
        "streaming.max",
        "streaming.available",
    ),
    "queue_depth": ("queue_depth", "position_queue_depth", "queue.depth"),
    "state_reason": ("state_reason", "reason"),
    "kill_switch": ("kill_switch",),
    "note": ("note",),
}


@dataclass(frozen=True, slots=True)
class HealthRecord:
    """What the engine last said about itself (``v6.workflows.health`` writes it).
    ``trading_state`` upper-case (ACTIVE, REDUCING, HALTED, or STOPPED / FINISHED after a run);
    ``data_age_s`` per underlying; absent fields are None."""

    path: Path
    heartbeat_at: datetime | None = None
    pid: int | None = None
    version: str | None = None
    mode: str | None = None
    trading_state: str | None = None
    broker_connected: bool | None = None
    last_cycle_s: float | None = None
    started_at: datetime | None = None
    clock_at: datetime | None = None
    cycles: int | None = None
    counts: Mapping[str, float] = field(default_factory=dict)
    data_age_s: Mapping[str, float] = field(default_factory=dict)
    streaming_used: int | None = None
    streaming_max: int | None = None
    queue_depth: int | None = None
    state_reason: str = ""
    kill_switch: bool | None = None
    note: str = ""
    error: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    def age_s(self, now: datetime) -> float | None:
        """Seconds since the heartbeat (None without one)."""
        return None if self.heartbeat_at is None else (now - self.heartbeat_at).total_seconds()


def _get(raw: Mapping[str, Any], name: str) -> Any:
    for alias in _ALIASES[name]:
        node: Any = raw
        for part in alias.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is not None and not (name == "trading_state" and isinstance(node, Mapping)):
            return node
    return None


def _ts(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        out = float(value)
    except ValueError:
        return None
    return out if math.isfinite(out) else None


def _int(value: Any) -> int | None:
    out = _float(value)
    return None if out is None else int(out)


def _numbers(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): f for k, v in value.items() if (f := _float(v)) is not None}


def _connected(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in ("connected", "up", "ok", "true", "yes")
    return None


def parse_health(raw: Mapping[str, Any], path: Path) -> HealthRecord:
    """A heartbeat record from the decoded JSON object."""
    cycle = _float(_get(raw, "last_cycle_s"))
    if cycle is None and (ms := _float(_get(raw, "last_cycle_ms"))) is not None:
        cycle = ms / 1000.0
    state = _get(raw, "trading_state")
    broker = _get(raw, "broker_connected")
    if broker is None and isinstance(raw.get("broker"), str):
        broker = raw["broker"]
    return HealthRecord(
        path=path,
        heartbeat_at=_ts(_get(raw, "heartbeat_at")),
        pid=_int(_get(raw, "pid")),
        version=None if _get(raw, "version") is None else str(_get(raw, "version")),
        mode=None if _get(raw, "mode") is None else str(_get(raw, "mode")).lower(),
        trading_state=None if state is None else str(state).upper(),
        broker_connected=_connected(broker),
        last_cycle_s=cycle,
        started_at=_ts(_get(raw, "started_at")),
        clock_at=_ts(_get(raw, "clock_at")),
        cycles=_int(_get(raw, "cycles")),
        counts=_numbers(_get(raw, "counts")),
        data_age_s=_numbers(_get(raw, "data_age_s")),
        streaming_used=_int(_get(raw, "streaming_used")),
        streaming_max=_int(_get(raw, "streaming_max")),
        queue_depth=_int(_get(raw, "queue_depth")),
        state_reason=str(_get(raw, "state_reason") or ""),
        kill_switch=_get(raw, "kill_switch")
        if isinstance(_get(raw, "kill_switch"), bool)
        else None,
        note=str(_get(raw, "note") or ""),
        raw=dict(raw),
    )


def read_health(data_dir: Path, file_name: str = HEALTH_FILE) -> HealthRecord | None:
    """The engine's heartbeat record; None when the engine never ran here. A file that cannot
    be read or parsed gives a record carrying only ``error`` (shown, never hidden)."""
    path = data_dir / file_name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        return HealthRecord(path=path, error=f"cannot read {path}: {exc}")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return HealthRecord(path=path, error=f"{path} is not JSON: {exc}")
    if not isinstance(raw, dict):
        return HealthRecord(path=path, error=f"{path} does not hold a JSON object")
    return parse_health(raw, path)


def kill_switch(data_dir: Path, file_name: str = "KILL") -> KillSwitchStatus | None:
    """The kill switch status when set (``DATA_DIR/KILL``), else None."""
    return KillSwitch(data_dir / file_name).read()


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    """The engine process as the operating system sees it."""

    pid: int
    alive: bool
    rss_bytes: int | None = None
    uptime_s: float | None = None
    cpu_seconds: float | None = None
    threads: int | None = None


def engine_process(pid: int | None, now: datetime) -> ProcessInfo | None:
    """Memory, uptime and CPU time of ``pid`` (None without a pid; ``alive`` False when gone)."""
    if pid is None:
        return None
    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            mem = proc.memory_info().rss
            started = proc.create_time()
            cpu = proc.cpu_times()
            threads = proc.num_threads()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return ProcessInfo(pid=pid, alive=False)
    return ProcessInfo(
        pid=pid,
        alive=True,
        rss_bytes=int(mem),
        uptime_s=now.timestamp() - started,
        cpu_seconds=float(cpu.user + cpu.system),
        threads=int(threads),
    )


def table_stats(reader: LakeReader) -> list[TableStats]:
    """Version, rows, files, size and last write of every existing table."""
    return [reader.stats(name) for name in reader.tables()]


def _newest(reader: LakeReader, table: str, label: str, count: bool) -> pl.DataFrame | None:
    """Per underlying over the last few trade dates of ``table``: the newest ``ts_event``
    (as ``label``), the last underlying price and (``count``) the number of rows."""
    scan = read_or_empty(reader, table)
    if scan is None:
        return None
    newest = scan.select(pl.col("trade_date").max()).collect().item()
    if newest is None:
        return None
    aggs = [
        pl.col("ts_event").max().alias(label),
        pl.col("underlying_price").drop_nulls().last().alias(f"{label}_price"),
    ]
    if count:
        aggs.append(pl.len().cast(pl.UInt32).alias("quotes"))
    return (
        scan.filter(
            (pl.col("trade_date") >= newest - timedelta(days=3))
            & pl.col("underlying").is_not_null()
        )
        .sort("ts_event")
        .group_by("underlying")
        .agg(aggs)
        .collect()
    )


def data_freshness(reader: LakeReader) -> pl.DataFrame:
    """Per underlying: the newest option quote (``last_quote_at``, ``quotes`` in the last days)
    and the newest position mark (``last_mark_at``) in the lake, and the latest underlying
    price seen in either (``underlying_price``). Either source may be absent."""
    quotes = _newest(reader, "option_snapshots", "last_quote_at", count=True)
    marks = _newest(reader, "position_snapshots", "last_mark_at", count=False)
    schema = pl.Schema(
        {
            "underlying": pl.String(),
            "last_quote_at": pl.Datetime("us", "UTC"),
            "last_mark_at": pl.Datetime("us", "UTC"),
            "underlying_price": pl.Float64(),
            "quotes": pl.UInt32(),
        }
    )
    frames = [f for f in (quotes, marks) if f is not None and not f.is_empty()]
    if not frames:
        return pl.DataFrame(schema=schema)
    merged = frames[0]
    for other in frames[1:]:
        merged = merged.join(other, on="underlying", how="full", coalesce=True)
    for col, dtype in schema.items():
        if col not in merged.columns:
            merged = merged.with_columns(pl.lit(None, dtype).alias(col))
    sources: list[pl.Expr] = [
        pl.col(c) for c in ("last_quote_at_price", "last_mark_at_price") if c in merged.columns
    ]
    price = pl.coalesce(sources) if sources else pl.lit(None, pl.Float64)
    return (
        merged.with_columns(price.alias("underlying_price"))
        .select(schema.names())
        .sort("underlying")
    )


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the JSON log."""

    ts: datetime | None
    level: str
    logger: str
    message: str
    exc: str | None = None


_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


def recent_errors(log_file: Path, *, min_level: str = "ERROR", limit: int = 50) -> list[LogEntry]:
    """The newest log entries at ``min_level`` or above, newest first (empty without a log)."""
    try:
        with log_file.open("rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - TAIL_BYTES))
            tail = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    floor = _LEVELS.get(min_level.upper(), 40)
    lines: Sequence[str] = tail.splitlines()
    if len(tail) >= TAIL_BYTES and lines:
        lines = lines[1:]  # the first line was cut in the middle
    out: list[LogEntry] = []
    for line in reversed(lines):
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if not isinstance(item, dict):
            continue
        level = str(item.get("level", "")).upper()
        if _LEVELS.get(level, 0) < floor:
            continue
        out.append(
            LogEntry(
                ts=_ts(item.get("ts")),
                level=level,
                logger=str(item.get("logger", "")),
                message=str(item.get("msg", item.get("message", ""))),
                exc=None if item.get("exc") is None else str(item["exc"]),
            )
        )
        if len(out) >= limit:
            break
    return out

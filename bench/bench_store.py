"""Benchmark of v6.store against raw deltalake calls (same run) and the reference-doc anchors.

    .venv/bin/python bench/bench_store.py [--quick]

Measures a small append, a durable (fsynced) append, a 10-row merge into a table partitioned
by trade_date with and without the partition in the predicate, and a full read after many
small commits before and after maintenance. ``run(quick)`` returns the rows for other tools.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from v6.store import Lake, LakeReader, LakeWriter, TableSpec, WriterConfig
from v6.store.schemas import TS

T0 = datetime(2026, 1, 5, 15, 30, tzinfo=UTC)
DAYS = 50

# Same 11-column layout as the reference benchmark's "orders" table.
BENCH_SCHEMA = pa.schema(
    [
        pa.field("order_id", pa.string(), nullable=False),
        pa.field("trade_date", pa.date32(), nullable=False),
        pa.field("ts", TS, nullable=False),
        pa.field("symbol", pa.string()),
        pa.field("side", pa.string()),
        pa.field("status", pa.string()),
        pa.field("expiry", pa.date32()),
        pa.field("strike", pa.float64()),
        pa.field("qty", pa.int64()),
        pa.field("price", pa.float64()),
        pa.field("version", pa.int64()),
    ]
)
STATE = TableSpec(
    name="bench_state",
    kind="state",
    schema=BENCH_SCHEMA,
    keys=("order_id",),
    order_by="ts",
    description="benchmark: partitioned state table",
    partition_by=("trade_date",),
)
EVENTS = replace(STATE, name="bench_events", kind="event", partition_by=())
RAW_EVENTS = replace(EVENTS, name="bench_raw_events")
SPECS = {s.name: s for s in (STATE, EVENTS, RAW_EVENTS)}


def rows(n: int, start: int = 0, day: date | None = None, ts: datetime = T0) -> pa.Table:
    idx = np.arange(start, start + n)
    base = T0.date()
    days = [day] * n if day is not None else [base + timedelta(days=int(d)) for d in (idx % DAYS)]
    return pa.table(
        {
            "order_id": pa.array([f"o{i}" for i in idx]),
            "trade_date": pa.array(days, pa.date32()),
            "ts": pa.array([ts] * n, TS),
            "symbol": pa.array(np.where(idx % 3 == 0, "SPY", "QQQ")),
            "side": pa.array(np.where(idx % 2 == 0, "BUY", "SELL")),
            "status": pa.array(["NEW"] * n),
            "expiry": pa.array([base + timedelta(days=30)] * n, pa.date32()),
            "strike": pa.array(400.0 + idx % 100),
            "qty": pa.array(idx % 10 + 1),
            "price": pa.array(np.round(1.0 + (idx % 500) / 100, 2)),
            "version": pa.array(np.zeros(n, dtype=np.int64)),
        },
        schema=BENCH_SCHEMA,
    )


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    out: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def pairs(
    n: int,
    ours: list[float],
    ours_fn: Callable[[], object],
    raw: list[float],
    raw_fn: Callable[[], object],
) -> None:
    """Interleave the two sides, alternating which goes first, so noise hits both alike."""
    for i in range(n):
        if i % 2:
            raw += timed(raw_fn, 1)
            ours += timed(ours_fn, 1)
        else:
            ours += timed(ours_fn, 1)
            raw += timed(raw_fn, 1)


def stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return statistics.median(ordered), p90


def row(
    operation: str,
    ours: list[float] | None,
    raw: list[float] | None,
    anchor: str,
    raw_label: str = "deltalake",
) -> dict[str, Any]:
    ours_med, ours_p90 = stats(ours) if ours else (None, None)
    raw_med, raw_p90 = stats(raw) if raw else (None, None)
    ratio = ours_med / raw_med if ours_med is not None and raw_med else None
    return {
        "operation": operation,
        "ours_median_ms": ours_med,
        "ours_p90_ms": ours_p90,
        "raw_median_ms": raw_med,
        "raw_p90_ms": raw_p90,
        "raw_label": raw_label,
        "ratio": ratio,
        "anchor_ms": anchor,
    }


def bench_appends(writer: LakeWriter, lake: Lake, n: int) -> list[dict[str, Any]]:
    one = rows(1)
    raw_dt = lake.open(RAW_EVENTS.name)
    commits = 0

    def raw_append() -> None:
        nonlocal raw_dt, commits
        write_deltalake(raw_dt, one, mode="append")
        commits += 1
        if commits % 100 == 0:  # same reopen policy as the writer
            raw_dt = lake.open(RAW_EVENTS.name)

    ours: list[float] = []
    raw: list[float] = []
    pairs(n, ours, lambda: writer.append(EVENTS.name, one), raw, raw_append)
    hundred = rows(100)
    ours_100: list[float] = []
    raw_100: list[float] = []
    pairs(
        max(20, n // 4),
        ours_100,
        lambda: writer.append(EVENTS.name, hundred),
        raw_100,
        lambda: write_deltalake(raw_dt, hundred, mode="append"),
    )
    # last, so it does not age the writer's handle before the comparisons above
    durable = timed(lambda: writer.append(EVENTS.name, one, durable=True), max(20, n // 4))
    return [
        row("append 1 row", ours, raw, "13.2-14.2 (p90 21)"),
        row("append 100 rows", ours_100, raw_100, "13.4-13.9 (p90 21)"),
        row("append 1 row durable (fsync)", durable, raw, "- (delta-rs never fsyncs)"),
    ]


def bench_merge(
    writer: LakeWriter, lake: Lake, table_rows: int, repeats: int
) -> list[dict[str, Any]]:
    write_deltalake(lake.open(STATE.name), rows(table_rows), mode="append")
    day = T0.date() + timedelta(days=7)
    next_id = table_rows
    later = T0
    existing = list(range(7, 7 + 5 * DAYS, DAYS))  # 5 rows of that day (id % DAYS == 7)

    def source() -> pa.Table:
        """5 updates of existing rows and 5 inserts, all in one trade_date."""
        nonlocal next_id, later
        later += timedelta(seconds=1)
        upd = pa.concat_tables([rows(1, start=i, day=day, ts=later) for i in existing])
        new = rows(5, start=next_id, day=day, ts=later)
        next_id += 5
        return pa.concat_tables([upd, new])

    def raw_merge(predicate: str, streamed: bool) -> None:
        (
            lake.open(STATE.name)
            .merge(source(), predicate, source_alias="s", target_alias="t", streamed_exec=streamed)
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute()
        )

    with_partition = "t.trade_date = s.trade_date AND t.order_id = s.order_id"
    ours: list[float] = []
    raw_part: list[float] = []
    raw_key: list[float] = []
    for _ in range(repeats):
        ours += timed(lambda: writer.upsert(STATE.name, source()), 1)
        raw_part += timed(lambda: raw_merge(with_partition, streamed=False), 1)
        raw_key += timed(lambda: raw_merge("t.order_id = s.order_id", streamed=True), 1)
    big = table_rows >= 1_000_000
    return [
        row(
            f"merge 10 rows into {table_rows:,} (partition in predicate)",
            ours,
            raw_part,
            "34-35 @1M" if big else "21-23 @100k",
        ),
        row(
            f"merge 10 rows into {table_rows:,}, key-only predicate (avoided)",
            None,
            raw_key,
            "180-233 @1M" if big else "52-64 @100k",
        ),
    ]


def bench_read_after_commits(
    writer: LakeWriter, lake: Lake, base_rows: int, commits: int
) -> list[dict[str, Any]]:
    write_deltalake(lake.open(EVENTS.name), rows(base_rows, start=10_000_000), mode="append")
    reader = LakeReader(lake.root, SPECS)
    one = rows(1)
    appends = timed(lambda: writer.append(EVENTS.name, one), commits)
    path = str(lake.path(EVENTS.name))

    def read_polars() -> None:
        reader.read(EVENTS.name)

    def read_pyarrow() -> None:
        DeltaTable(path).to_pyarrow_table()

    before_ours, before_raw = timed(read_polars, 3), timed(read_pyarrow, 3)
    maintenance = timed(lambda: writer.optimize(EVENTS.name), 1)
    after_ours, after_raw = timed(read_polars, 5), timed(read_pyarrow, 5)
    label = f"{commits} one-row commits"
    return [
        row(f"append 1 row on a growing table ({label})", appends, None, "16-25 (reopen/100)"),
        row(
            f"read {base_rows:,} rows after {label}",
            before_ours,
            before_raw,
            "polars 141-405 / pyarrow 1,308-1,568 @1000",
            "pyarrow",
        ),
        row("  compact + checkpoint", maintenance, None, "330 + 950 @1000"),
        row(
            f"read {base_rows:,} rows after maintenance",
            after_ours,
            after_raw,
            "polars 17 / pyarrow 21",
            "pyarrow",
        ),
    ]


def run(quick: bool) -> list[dict[str, Any]]:
    """Run every measurement in a temporary lake and return one dict per table row."""
    table_rows = 100_000 if quick else 1_000_000
    commits = 200 if quick else 1000
    append_n = 60 if quick else 200
    merge_repeats = 5 if quick else 10
    config = WriterConfig(compact_every_commits=10**9, compact_interval_s=1e9)
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        lake = Lake(Path(tmp) / "lake", SPECS)
        writer = LakeWriter(lake, config)
        results = bench_appends(writer, lake, append_n)
        results += bench_merge(writer, lake, table_rows, merge_repeats)
        # a fresh table for the read test so the appends above do not count
        lake2 = Lake(Path(tmp) / "lake2", SPECS)
        writer2 = LakeWriter(lake2, config)
        results += bench_read_after_commits(writer2, lake2, 100_000, commits)
        writer.close()
        writer2.close()
    print_table(results)
    return results


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k rows, 200 commits (< 60 s)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    run(args.quick)
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0


def print_table(results: list[dict[str, Any]]) -> None:
    """Ours beside plain deltalake and the reference document's anchors."""
    header = (
        f"{'operation':<58} {'v6 med':>8} {'v6 p90':>8} {'raw med':>8} {'raw p90':>8} "
        f"{'ratio':>6}  reference anchor (ms)"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        print(
            f"{r['operation']:<58} {_fmt(r['ours_median_ms']):>8} {_fmt(r['ours_p90_ms']):>8} "
            f"{_fmt(r['raw_median_ms']):>8} {_fmt(r['raw_p90_ms']):>8} {ratio:>6}  "
            f"{r['anchor_ms']}"
        )
    print(
        "\nv6 = v6.store (LakeWriter / LakeReader via polars); raw = the same operation with "
        "plain deltalake calls in this run (pyarrow for reads); ratio = v6 / raw."
    )


if __name__ == "__main__":
    sys.exit(main())

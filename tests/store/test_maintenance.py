"""Compaction, checkpoints, vacuum, z-order and crash-leftover removal on real tables."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from datetime import timedelta

from v6.store import Lake, LakeReader, LakeWriter, find_leftovers, remove_leftovers

from .helpers import FAST, T0, FakeClock, leftovers_under, option_rows, order_rows, parquet_files


def test_optimize_compacts_and_writes_a_checkpoint(
    make_writer: Callable[..., LakeWriter], reader: LakeReader, lake: Lake
) -> None:
    writer = make_writer()
    for i in range(8):
        writer.append("orders", order_rows(5, prefix=f"b{i}-"))
    before = reader.stats("orders")
    result = writer.optimize("orders")
    after = reader.stats("orders")
    assert before.files == 8
    assert after.files == 1
    assert result.operation == "compact"
    assert result.files_removed == 8
    assert after.rows == before.rows == 40
    log = lake.path("orders") / "_delta_log"
    assert (log / f"{after.version:020d}.checkpoint.parquet").exists()
    assert (log / "_last_checkpoint").exists()
    assert reader.read("orders").height == 40


def test_option_snapshots_are_z_ordered(
    make_writer: Callable[..., LakeWriter], reader: LakeReader
) -> None:
    writer = make_writer()
    for i in range(3):
        writer.append("option_snapshots", option_rows(30, marker=i))
    result = writer.optimize("option_snapshots")
    assert result.operation == "z_order"
    assert reader.stats("option_snapshots").files == 1
    assert reader.read("option_snapshots").height == 90


def test_scheduled_compaction_by_commit_count_and_interval(
    make_writer: Callable[..., LakeWriter], reader: LakeReader, clock: FakeClock
) -> None:
    config = dataclasses.replace(FAST, compact_every_commits=5, compact_interval_s=600)
    writer = make_writer(config)
    for i in range(5):
        writer.append("orders", order_rows(1, prefix=f"c{i}-"))
    writer.tick()
    assert reader.stats("orders").files == 1
    writer.append("alerts", [{"alert_id": "a", "ts_event": T0, "ts_init": T0}])
    writer.append("alerts", [{"alert_id": "b", "ts_event": T0, "ts_init": T0}])
    writer.tick()
    assert reader.stats("alerts").files == 2  # neither 5 commits nor 600 s yet
    clock.advance(601)
    writer.tick()
    assert reader.stats("alerts").files == 1


def test_vacuum_removes_files_replaced_by_compaction(
    make_writer: Callable[..., LakeWriter], reader: LakeReader, lake: Lake
) -> None:
    writer = make_writer()
    for i in range(4):
        writer.append("orders", order_rows(2, prefix=f"v{i}-"))
    writer.optimize("orders")
    assert len(parquet_files(lake.path("orders"))) == 5
    kept = writer.vacuum("orders", retention_hours=168, dry_run=False)
    assert kept.paths == ()  # the replaced files are younger than the retention
    dry = writer.vacuum("orders", retention_hours=0, dry_run=True)
    assert len(dry.paths) == 4
    assert len(parquet_files(lake.path("orders"))) == 5
    done = writer.vacuum("orders", retention_hours=0, dry_run=False)
    assert done.files_removed == 4
    assert len(parquet_files(lake.path("orders"))) == 1
    assert reader.read("orders").height == 8


def test_crash_leftovers_are_removed_at_writer_start(lake: Lake) -> None:
    LakeWriter(lake, FAST).append("orders", order_rows(1))
    table = lake.path("orders")
    staged = table / "part-00000-dead-c000.snappy.parquet#1"
    staged.write_bytes(b"half a parquet file")
    partition = lake.path("option_snapshots") / "trade_date=2026-01-05"
    partition.mkdir(parents=True)
    staged_partition = partition / "part-00001-dead-c000.snappy.parquet#2"
    staged_partition.write_bytes(b"x")
    temp_commit = table / "_delta_log" / "00000000000000000099.json#1"
    temp_commit.write_text("{}")
    assert len(leftovers_under(lake.root)) == 3
    writer = LakeWriter(lake, FAST)
    assert sorted(writer.removed_leftovers) == sorted(
        str(p) for p in (staged, staged_partition, temp_commit)
    )
    assert leftovers_under(lake.root) == []
    writer.append("orders", order_rows(1, prefix="after"))
    assert LakeReader(lake.root, lake.specs).read("orders").height == 2


def test_leftover_age_threshold_spares_fresh_files(lake: Lake) -> None:
    table = lake.path("orders")
    table.mkdir(parents=True)
    fresh = table / "part-fresh.parquet#1"
    old = table / "part-old.parquet#1"
    fresh.write_bytes(b"x")
    old.write_bytes(b"x")
    an_hour_ago = time.time() - timedelta(hours=1).total_seconds()
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert find_leftovers(table, min_age_s=600) == [old]
    assert remove_leftovers(table, min_age_s=600) == [old]
    assert fresh.exists()
    assert not old.exists()


def test_run_nightly_optimizes_and_vacuums_every_table(
    make_writer: Callable[..., LakeWriter], reader: LakeReader, lake: Lake
) -> None:
    writer = make_writer()
    for i in range(3):
        writer.append("option_snapshots", option_rows(10, marker=i))
        writer.append("orders", order_rows(2, prefix=f"n{i}-"))
    writer.buffer("alerts", [{"alert_id": "a", "ts_event": T0, "ts_init": T0}])
    results = writer.run_nightly(retention_hours=0)
    operations = {(r.table, r.operation) for r in results}
    assert ("option_snapshots", "z_order") in operations
    assert ("orders", "compact") in operations
    assert {t for t, op in operations if op == "vacuum"} == set(lake.specs)
    assert len(parquet_files(lake.path("orders"))) == 1
    assert reader.read("alerts").height == 1  # buffered rows were flushed first
    assert reader.read("option_snapshots").height == 30

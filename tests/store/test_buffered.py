"""The buffered path for high-rate snapshots: flush by size, age and close; never drop rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from v6.errors import HaltError, RetryableError
from v6.store import Lake, LakeReader, LakeWriter

from .helpers import FAST, T0, FakeClock, break_table, option_rows, repair_table

SMALL = dataclasses.replace(FAST, flush_rows=100, flush_interval_s=5.0)


def test_flush_by_row_count(make_writer: Callable[..., LakeWriter], reader: LakeReader) -> None:
    writer = make_writer(SMALL)
    writer.buffer("option_snapshots", option_rows(60))
    assert reader.read("option_snapshots").height == 0
    writer.buffer("option_snapshots", option_rows(60))  # 120 >= 100: flushed as one commit
    assert reader.read("option_snapshots").height == 120
    assert writer.status().buffered_rows == {}
    assert reader.history("option_snapshots", 1)[0].rows == 120


def test_flush_by_interval_on_tick(
    make_writer: Callable[..., LakeWriter], reader: LakeReader, clock: FakeClock
) -> None:
    writer = make_writer(SMALL)
    writer.buffer("option_snapshots", option_rows(10))
    clock.advance(4.9)
    assert writer.tick() == []
    writer.buffer("option_snapshots", option_rows(10))
    clock.advance(0.2)  # the oldest row is now 5.1 s old
    results = writer.tick()
    assert [r.rows for r in results] == [20]
    assert reader.read("option_snapshots").height == 20


def test_close_flushes_everything(lake: Lake, reader: LakeReader, clock: FakeClock) -> None:
    writer = LakeWriter(lake, SMALL, monotonic=clock)
    writer.buffer("option_snapshots", option_rows(7))
    writer.buffer("position_snapshots", [{"strategy_id": "s", "ts_event": T0, "ts_init": T0}])
    writer.close()
    assert reader.read("option_snapshots").height == 7
    assert reader.read("position_snapshots").height == 1


def test_failed_flush_keeps_rows_and_retries_with_backoff(
    make_writer: Callable[..., LakeWriter], reader: LakeReader, lake: Lake, clock: FakeClock
) -> None:
    errors: list[tuple[str, BaseException]] = []
    writer = make_writer(SMALL, on_error=lambda table, exc: errors.append((table, exc)))
    writer.buffer("option_snapshots", option_rows(1, marker=0))
    writer.flush()
    writer.buffer("option_snapshots", option_rows(10, marker=1))
    moved = break_table(lake.path("option_snapshots"))
    clock.advance(6)
    assert writer.tick() == []
    assert [t for t, _ in errors] == ["option_snapshots"]
    assert writer.status().buffered_rows == {"option_snapshots": 10}
    assert writer.healthy  # one failure is not yet a reason to halt
    writer.buffer("option_snapshots", option_rows(5, marker=2))  # arrives while failing
    clock.advance(0.5)
    writer.tick()
    assert len(errors) == 1  # still inside the 1 s back-off: no new attempt
    repair_table(lake.path("option_snapshots"), moved)
    clock.advance(1.0)
    results = writer.tick()
    # the failed batch is retried as it was (same sequence number); later rows follow it
    assert [(r.rows, r.batch.seq) for r in results] == [(10, 2)]
    clock.advance(5.0)
    assert [(r.rows, r.batch.seq) for r in writer.tick()] == [(5, 3)]
    frame = reader.read("option_snapshots")
    assert sorted(frame["volume"].to_list()) == [0] + [1] * 10 + [2] * 5
    assert writer.status().flush_failures == {}


def test_repeated_failures_make_the_writer_unhealthy(
    make_writer: Callable[..., LakeWriter], lake: Lake, clock: FakeClock
) -> None:
    writer = make_writer(SMALL)
    writer.buffer("option_snapshots", option_rows(10))
    moved = break_table(lake.path("option_snapshots"))
    for _ in range(SMALL.flush_failures_before_unhealthy):
        clock.advance(60)
        writer.tick()
    assert not writer.healthy
    assert writer.last_error is not None
    with pytest.raises(HaltError, match="unhealthy"):
        writer.check()
    with pytest.raises(RetryableError, match="rows kept"):
        writer.flush()
    assert writer.status().buffered_rows == {"option_snapshots": 10}
    repair_table(lake.path("option_snapshots"), moved)
    writer.flush()
    assert writer.status().healthy
    writer.check()


def test_full_backlog_refuses_rows_loudly(
    make_writer: Callable[..., LakeWriter], lake: Lake
) -> None:
    writer = make_writer(dataclasses.replace(SMALL, max_buffered_rows=25))
    moved = break_table(lake.path("option_snapshots"))
    writer.buffer("option_snapshots", option_rows(20))
    with pytest.raises(HaltError, match="backlog full"):
        writer.buffer("option_snapshots", option_rows(10))
    assert writer.status().buffered_rows == {"option_snapshots": 20}
    repair_table(lake.path("option_snapshots"), moved)


def test_close_with_unwritable_table_raises_and_reports_rows(
    make_writer: Callable[..., LakeWriter], lake: Lake
) -> None:
    writer = make_writer(SMALL)
    writer.buffer("option_snapshots", option_rows(3))
    moved = break_table(lake.path("option_snapshots"))
    with pytest.raises(HaltError, match="option_snapshots"):
        writer.close()
    repair_table(lake.path("option_snapshots"), moved)
    writer.close()  # the rows were kept: a second close writes them
    assert LakeReader(lake.root, lake.specs).read("option_snapshots").height == 3

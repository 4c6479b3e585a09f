"""WriterService: the writer on its own thread, fed by a queue, read concurrently."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from v6.errors import DurabilityError, HaltError
from v6.store import BatchId, Lake, LakeReader, LakeWriter, RowsRejected, WriterConfig
from v6.store import WriterService as Service

from .helpers import FAST, T0, break_table, option_rows, order_rows, repair_table


def test_service_writes_buffers_and_flushes_on_close(lake: Lake, reader: LakeReader) -> None:
    service = Service(lake, dataclasses.replace(FAST, flush_rows=1000), poll_interval_s=0.01)
    result = service.append("orders", order_rows(2), durable=True)
    assert result.durable
    assert reader.read("orders").height == 2
    service.buffer("option_snapshots", option_rows(10))
    assert service.upsert("legs", [{"leg_id": "L", "updated_at": T0}]).rows == 1
    assert service.healthy
    assert service.last_error is None
    service.close()
    assert reader.read("option_snapshots").height == 10
    with pytest.raises(HaltError, match="closed"):
        service.buffer("option_snapshots", option_rows(1))


def test_bad_rows_are_refused_in_the_callers_thread(lake: Lake) -> None:
    with Service(lake, FAST) as service:
        with pytest.raises(RowsRejected):
            service.buffer("option_snapshots", [{"con_id": 1}])
        with pytest.raises(RowsRejected):
            service.buffer("legs", [{"leg_id": "L", "updated_at": T0}])


def test_errors_reach_the_caller_through_the_future(lake: Lake) -> None:
    config = dataclasses.replace(FAST, commit_attempts=2)
    with Service(lake, config) as service:
        service.append("orders", order_rows(1))
        moved = break_table(lake.path("orders"))
        future = service.submit_append("orders", order_rows(1, prefix="x"), durable=True)
        with pytest.raises(DurabilityError):
            future.result(timeout=30)
        repair_table(lake.path("orders"), moved)
        assert service.append("orders", order_rows(1, prefix="y")).rows == 1


def test_startup_error_is_raised_by_the_constructor(lake: Lake) -> None:
    def failing_factory(lk: Lake, cfg: WriterConfig | None) -> LakeWriter:
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError, match="disk gone"):
        Service(lake, FAST, writer_factory=failing_factory)


def test_reader_during_writes_sees_monotonic_complete_versions(lake: Lake) -> None:
    """A reader thread polls while the writer commits and compacts: it never errors, versions
    never go back, and every version it sees holds whole batches only."""
    batch_rows = 10
    config = dataclasses.replace(FAST, compact_every_commits=15)
    service = Service(lake, config, poll_interval_s=0.005)
    reader = LakeReader(lake.root, lake.specs)
    stop = threading.Event()
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def poll() -> None:
        while not stop.is_set():
            try:
                version = reader.version("orders")
                rows = reader.read("orders", version=version).height
                latest = reader.read("orders").height
                if latest < rows:
                    raise AssertionError(f"latest read {latest} rows < {rows} at v{version}")
            except BaseException as exc:
                errors.append(exc)
                return
            seen.append((version, rows))

    thread = threading.Thread(target=poll)
    thread.start()
    try:
        for seq in range(1, 61):
            service.append(
                "orders", order_rows(batch_rows, prefix=f"{seq}-"), batch=BatchId("t", seq)
            )
    finally:
        stop.set()
        thread.join(30)
        service.close()
    assert errors == []
    assert len(seen) >= 5
    versions = [v for v, _ in seen]
    rows = [r for _, r in seen]
    assert versions == sorted(versions)
    assert rows == sorted(rows)
    assert all(r % batch_rows == 0 for r in rows)
    assert reader.read("orders").height == 60 * batch_rows
    assert reader.stats("orders").files < 60  # compaction ran inside the writer

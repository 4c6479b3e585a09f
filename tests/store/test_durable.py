"""The durable path: commits money depends on are fsynced before the call returns."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from v6.errors import DurabilityError, RetryableError
from v6.store import BatchId, Lake, LakeReader, LakeWriter
from v6.store.durability import added_files, commit_path

from .helpers import Sleeps, break_table, order_rows, repair_table


class FsyncRecorder:
    """Stands in for os.fsync: records which path each fd names, then really syncs it."""

    def __init__(self, real: Callable[[int], None]) -> None:
        self.real = real
        self.paths: list[Path] = []

    def __call__(self, fd: int) -> None:
        self.paths.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        self.real(fd)


def test_durable_append_fsyncs_commit_data_and_directories(
    monkeypatch: pytest.MonkeyPatch, make_writer: Callable[..., LakeWriter], lake: Lake
) -> None:
    writer = make_writer()
    recorder = FsyncRecorder(os.fsync)
    monkeypatch.setattr(os, "fsync", recorder)
    result = writer.append("orders", order_rows(4), durable=True)
    assert result.durable
    assert result.version is not None
    table = lake.path("orders").resolve()
    synced = set(recorder.paths)
    data = [p.resolve() for p in added_files(table, result.version)]
    assert data, "the commit added a data file"
    assert commit_path(table, result.version) in synced
    assert set(data) <= synced
    assert {table / "_delta_log", table} <= synced
    # the commit file is synced after the data it points to
    order = recorder.paths
    assert order.index(commit_path(table, result.version)) > max(order.index(p) for p in data)


def test_durable_commit_also_syncs_earlier_unsynced_commits(
    monkeypatch: pytest.MonkeyPatch, make_writer: Callable[..., LakeWriter], lake: Lake
) -> None:
    writer = make_writer()
    plain = writer.append("orders", order_rows(2, prefix="p"))
    recorder = FsyncRecorder(os.fsync)
    monkeypatch.setattr(os, "fsync", recorder)
    durable = writer.append("orders", order_rows(2, prefix="d"), durable=True)
    table = lake.path("orders").resolve()
    assert plain.version is not None
    assert durable.version is not None
    # a gap in the log would make the durable commit unreadable after a power loss
    assert commit_path(table, plain.version) in recorder.paths
    assert set(added_files(table, plain.version)) <= set(recorder.paths)
    recorder.paths.clear()
    writer.append("orders", order_rows(1, prefix="e"), durable=True)
    assert commit_path(table, plain.version) not in recorder.paths  # not synced twice


def test_plain_append_does_not_fsync(
    monkeypatch: pytest.MonkeyPatch, make_writer: Callable[..., LakeWriter]
) -> None:
    writer = make_writer()
    recorder = FsyncRecorder(os.fsync)
    monkeypatch.setattr(os, "fsync", recorder)
    writer.append("orders", order_rows(2))
    assert recorder.paths == []


def test_failing_fsync_raises_durability_error_after_retries(
    make_writer: Callable[..., LakeWriter], reader: LakeReader
) -> None:
    calls: list[int] = []

    def broken_fsync(fd: int) -> None:
        calls.append(fd)
        raise OSError(5, "Input/output error")

    sleeps = Sleeps()
    writer = make_writer(fsync=broken_fsync, sleep=sleeps)
    with pytest.raises(DurabilityError, match="3 attempts"):
        writer.append("orders", order_rows(2), batch=BatchId("intents", 1), durable=True)
    assert len(sleeps.calls) == 2
    assert sleeps.calls[1] > sleeps.calls[0]
    assert isinstance(writer.last_error, OSError)
    # the retries found the batch already committed and did not write it twice
    assert reader.read("orders").height == 2


def test_retry_after_fsync_failure_syncs_the_already_committed_batch(
    make_writer: Callable[..., LakeWriter], reader: LakeReader, lake: Lake
) -> None:
    synced: list[Path] = []
    failures = iter([True])

    def flaky_fsync(fd: int) -> None:
        if next(failures, False):
            raise OSError(5, "Input/output error")
        synced.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        os.fsync(fd)

    writer = make_writer(fsync=flaky_fsync)
    result = writer.append("orders", order_rows(2), batch=BatchId("intents", 1), durable=True)
    assert result.skipped
    assert result.version is not None
    assert commit_path(lake.path("orders").resolve(), result.version) in synced
    assert reader.read("orders").height == 2


def test_failing_commit_raises_durability_error_then_recovers(
    make_writer: Callable[..., LakeWriter], reader: LakeReader, lake: Lake
) -> None:
    sleeps = Sleeps()
    writer = make_writer(sleep=sleeps)
    writer.append("orders", order_rows(1, prefix="a"))
    moved = break_table(lake.path("orders"))
    with pytest.raises(DurabilityError):
        writer.append("orders", order_rows(1, prefix="b"), durable=True)
    with pytest.raises(RetryableError):  # the same failure without durable is retryable
        writer.append("orders", order_rows(1, prefix="c"))
    assert len(sleeps.calls) == 4
    repair_table(lake.path("orders"), moved)
    assert writer.append("orders", order_rows(1, prefix="d"), durable=True).durable
    assert sorted(reader.read("orders")["order_ref"].to_list()) == ["a0", "d0"]

"""Committer: one batch, one Delta commit, with its application transaction and optional fsync.

It owns the long-lived table handles (reopened every N commits, dropped after a failure), the
writer's batch sequence numbers and the "synced through version" bookkeeping of the durable
path. ``LakeWriter`` adds retries, buffering, health and maintenance on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake

from v6.store.buffers import BatchId, CommitResult
from v6.store.durability import FsyncFn, commit_has_txn, default_fsync, sync_versions
from v6.store.lake import Lake
from v6.store.schemas import TableSpec

Operation = Literal["append", "upsert", "replace"]

REPLAY_SEARCH_VERSIONS = 200
"""How far back the log is searched for the commit holding a replayed batch."""


@dataclass(slots=True)
class _Handle:
    dt: DeltaTable
    commits_since_open: int = 0


class Committer:
    """Single-attempt commits into the tables of ``lake``; not thread-safe (writer thread)."""

    def __init__(
        self,
        lake: Lake,
        *,
        writer_id: str,
        reopen_every_commits: int,
        fsync: FsyncFn = default_fsync,
    ) -> None:
        self.lake = lake
        self.writer_id = writer_id
        self.reopen_every_commits = reopen_every_commits
        self.fsync = fsync
        self.commits = 0
        self._handles: dict[str, _Handle] = {}
        self._next_seq: dict[str, int] = {}
        self._synced_through: dict[str, int] = {}
        self._parent_synced = False

    def open_all(self) -> None:
        """Create/migrate every table and note its version as the durable starting point."""
        for name in self.lake.specs:
            dt = self.lake.ensure_table(name)
            self._handles[name] = _Handle(dt)
            self._synced_through[name] = dt.version()

    def close(self) -> None:
        self._handles.clear()

    def handle(self, name: str) -> DeltaTable:
        """The long-lived handle, reopened every ``reopen_every_commits`` (it slows with age)."""
        return self._handle(name).dt

    def drop(self, name: str) -> None:
        """Forget a handle (after a failure or maintenance); the next use reopens it."""
        self._handles.pop(name, None)

    def batch_id(self, spec: TableSpec, stream: str, seq: int) -> BatchId:
        return BatchId(f"{self.writer_id}/{spec.name}/{stream}", seq)

    def take_seq(self, spec: TableSpec, stream: str) -> BatchId:
        """Next sequence number of a writer-owned stream, continuing from the table's log."""
        key = f"{spec.name}/{stream}"
        if key not in self._next_seq:
            app_id = self.batch_id(spec, stream, 0).app_id
            done = self.handle(spec.name).transaction_version(app_id)
            self._next_seq[key] = (done or 0) + 1
        seq = self._next_seq[key]
        self._next_seq[key] = seq + 1
        return self.batch_id(spec, stream, seq)

    def commit(
        self,
        spec: TableSpec,
        data: pa.Table,
        batch: BatchId,
        op: Operation = "append",
        durable: bool = False,
        *,
        check_replay: bool = True,
    ) -> CommitResult:
        """One commit attempt. ``check_replay=False`` skips the ~1 ms transaction lookup for a
        sequence number this writer just drew (it cannot have been committed yet)."""
        handle = self._handle(spec.name)
        dt = handle.dt
        if data.num_rows == 0 and op != "replace":
            return CommitResult(spec.name, batch, 0, None, skipped=False, durable=durable)
        if op != "append":
            dt.update_incremental()  # a merge on a stale snapshot conflicts with outside commits
        done = dt.transaction_version(batch.app_id) if check_replay else None
        if done is not None and done >= batch.seq:
            found = self._find_replayed(spec, dt.version(), batch)
            if durable and found is not None and found > self._synced_through.get(spec.name, -1):
                self._sync(spec.name, dt.version())
            return CommitResult(
                spec.name, batch, data.num_rows, found, skipped=True, durable=durable
            )
        props = CommitProperties(
            app_transactions=[Transaction(batch.app_id, batch.seq)],
            custom_metadata={
                "v6.app_id": batch.app_id,
                "v6.seq": str(batch.seq),
                "v6.rows": str(data.num_rows),
            },
        )
        try:
            if op == "append":
                write_deltalake(dt, data, mode="append", commit_properties=props)
            elif op == "replace":
                write_deltalake(dt, data, mode="overwrite", commit_properties=props)
            else:
                keys = dict.fromkeys([*spec.partition_by, *spec.keys])
                predicate = " AND ".join(f"t.{c} = s.{c}" for c in keys)
                (
                    dt.merge(
                        data,
                        predicate,
                        source_alias="s",
                        target_alias="t",
                        streamed_exec=False,  # lets delta-rs prune partitions by the source
                        commit_properties=props,
                    )
                    .when_matched_update_all(predicate=f"s.{spec.order_by} >= t.{spec.order_by}")
                    .when_not_matched_insert_all()
                    .execute()
                )
        except Exception:
            self.drop(spec.name)  # a failed commit may leave the snapshot stale
            raise
        version = dt.version()
        self.commits += 1
        handle.commits_since_open += 1
        if durable:
            self._sync(spec.name, version)
        return CommitResult(
            spec.name, batch, data.num_rows, version, skipped=False, durable=durable
        )

    def _sync(self, name: str, version: int) -> None:
        first = self._synced_through.get(name, -1) + 1
        sync_versions(
            self.lake.path(name),
            first,
            version,
            self.fsync,
            sync_parent=not self._parent_synced,
        )
        self._parent_synced = True
        self._synced_through[name] = max(version, self._synced_through.get(name, -1))

    def _find_replayed(self, spec: TableSpec, latest: int, batch: BatchId) -> int | None:
        """Version holding an already-committed batch, searched in the recent log (None if
        older). A durable retry uses it to sync a commit whose earlier fsync failed."""
        path = self.lake.path(spec.name)
        for version in range(latest, max(-1, latest - REPLAY_SEARCH_VERSIONS), -1):
            if commit_has_txn(path, version, batch.app_id, batch.seq):
                return version
        return None

    def _handle(self, name: str) -> _Handle:
        handle = self._handles.get(name)
        if handle is None or handle.commits_since_open >= self.reopen_every_commits:
            handle = _Handle(self.lake.open(name))
            self._handles[name] = handle
        return handle

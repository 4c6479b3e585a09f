"""LakeWriter: the one component that commits to the lake (synchronous, single-threaded core).

On top of ``Committer`` (handles, sequence numbers, fsync) it owns retries, the snapshot
buffers, health and the maintenance schedule. It is not thread-safe on purpose:
``WriterService`` runs it on one thread fed by a queue, and tests drive it directly with an
injected clock. Every batch carries an application transaction ``(app_id, seq)`` so a replay is
skipped; durable writes are fsynced before they return.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyarrow as pa

from v6.errors import DurabilityError, HaltError, RetryableError
from v6.store.buffers import BatchId, CommitResult, TableBuffer
from v6.store.committer import Committer, Operation
from v6.store.convert import Rows, RowsRejected, dedupe_by_key, to_arrow
from v6.store.durability import FsyncFn, default_fsync
from v6.store.lake import Lake
from v6.store.maintenance import MaintenanceResult, optimize_table, remove_leftovers, vacuum_table

log = logging.getLogger(__name__)

ErrorCallback = Callable[[str, BaseException], None]


@dataclass(frozen=True, slots=True)
class WriterConfig:
    """Tuning of the writer; the defaults follow the measured Delta behaviour (reference doc)."""

    writer_id: str = "v6"
    reopen_every_commits: int = 100
    flush_rows: int = 5_000
    flush_interval_s: float = 5.0
    max_buffered_rows: int = 1_000_000
    flush_failures_before_unhealthy: int = 3
    flush_retry_backoff_s: float = 1.0
    flush_retry_backoff_max_s: float = 30.0
    commit_attempts: int = 3
    commit_backoff_s: float = 0.05
    compact_every_commits: int = 200
    compact_interval_s: float = 3600.0
    remove_leftovers_on_start: bool = True
    leftover_min_age_s: float = 0.0
    sync_on_start: bool = True


@dataclass(frozen=True, slots=True)
class WriterStatus:
    """A point-in-time view the engine, CLI and dashboard can show."""

    healthy: bool
    last_error: str | None
    buffered_rows: Mapping[str, int]
    flush_failures: Mapping[str, int]
    commits: int


class LakeWriter:
    """Synchronous writer over every table of a ``Lake``; use from one thread only."""

    def __init__(
        self,
        lake: Lake,
        config: WriterConfig | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        fsync: FsyncFn = default_fsync,
        on_error: ErrorCallback | None = None,
    ) -> None:
        self.lake = lake
        self.config = config or WriterConfig()
        self._monotonic = monotonic
        self._sleep = sleep
        self._on_error = on_error
        self._committer = Committer(
            lake,
            writer_id=self.config.writer_id,
            reopen_every_commits=self.config.reopen_every_commits,
            fsync=fsync,
        )
        self._buffers: dict[str, TableBuffer] = {name: TableBuffer() for name in lake.specs}
        self._since_optimize: dict[str, int] = dict.fromkeys(lake.specs, 0)
        self._last_optimize_s: dict[str, float] = dict.fromkeys(lake.specs, monotonic())
        self.last_error: BaseException | None = None
        self.removed_leftovers: list[str] = []
        self._closed = False
        self._start()

    # ------------------------------------------------------------------ lifecycle
    def _start(self) -> None:
        self.lake.root.mkdir(parents=True, exist_ok=True)
        if self.config.remove_leftovers_on_start:
            for name in self.lake.specs:
                removed = remove_leftovers(
                    self.lake.path(name), min_age_s=self.config.leftover_min_age_s
                )
                self.removed_leftovers.extend(str(p) for p in removed)
        if self.config.sync_on_start:
            os.sync()  # what a crashed predecessor left in the page cache becomes durable
        self._committer.open_all()

    def close(self) -> None:
        """Flush every buffer (retrying), then release handles.

        Raises HaltError if rows could not be written: they are still held by this writer and
        reported in the message, never silently dropped.
        """
        if self._closed:
            return
        for attempt in range(self.config.commit_attempts):
            self.flush(raise_on_error=False)
            if not any(b.total_rows for b in self._buffers.values()):
                break
            if attempt + 1 < self.config.commit_attempts:
                self._sleep(self.config.commit_backoff_s * 2**attempt)
        left = {n: b.total_rows for n, b in self._buffers.items() if b.total_rows}
        if left:
            raise HaltError(f"journal writer closing with unwritten rows {left}: {self.last_error}")
        self._committer.close()
        self._closed = True

    # ------------------------------------------------------------------ health
    @property
    def healthy(self) -> bool:
        """False once a table's buffered flush failed repeatedly or the backlog is full."""
        limit = self.config.flush_failures_before_unhealthy
        if any(b.failures >= limit for b in self._buffers.values()):
            return False
        return self.buffered_rows < self.config.max_buffered_rows

    @property
    def buffered_rows(self) -> int:
        return sum(b.total_rows for b in self._buffers.values())

    def status(self) -> WriterStatus:
        return WriterStatus(
            healthy=self.healthy,
            last_error=None if self.last_error is None else repr(self.last_error),
            buffered_rows={n: b.total_rows for n, b in self._buffers.items() if b.total_rows},
            flush_failures={n: b.failures for n, b in self._buffers.items() if b.failures},
            commits=self._committer.commits,
        )

    def check(self) -> None:
        """Raise HaltError when the writer is unhealthy (the engine calls this every cycle)."""
        if not self.healthy:
            raise HaltError(f"journal writer unhealthy: {self.status()}")

    # ------------------------------------------------------------------ direct writes
    def append(
        self, table: str, rows: Rows, *, batch: BatchId | None = None, durable: bool = False
    ) -> CommitResult:
        """Append one batch as one commit now (for event tables)."""
        return self._write(table, rows, "append", batch, durable)

    def upsert(
        self, table: str, rows: Rows, *, batch: BatchId | None = None, durable: bool = False
    ) -> CommitResult:
        """Merge rows into a state table by key (newest ``order_by`` wins), one commit."""
        return self._write(table, rows, "upsert", batch, durable)

    def replace(
        self, table: str, rows: Rows, *, batch: BatchId | None = None, durable: bool = False
    ) -> CommitResult:
        """Overwrite a small state table with exactly ``rows``, one commit."""
        return self._write(table, rows, "replace", batch, durable)

    def _write(
        self, table: str, rows: Rows, op: Operation, batch: BatchId | None, durable: bool
    ) -> CommitResult:
        spec = self.lake.spec(table)
        if op != "append" and spec.kind != "state":
            raise RowsRejected(f"table {table} is append-only; {op} needs a state table")
        data = to_arrow(spec, rows)
        if op == "upsert":
            data = dedupe_by_key(spec, data)
        fresh = batch is None
        attempts = max(1, self.config.commit_attempts)
        for attempt in range(attempts):
            try:
                if batch is None:  # drawn once: every retry reuses the same sequence number
                    batch = self._committer.take_seq(spec, "direct")
                check = not fresh or attempt > 0
                return self._record(
                    self._committer.commit(spec, data, batch, op, durable, check_replay=check)
                )
            except Exception as exc:
                self._fail(table, exc)
                if attempt + 1 < attempts:
                    self._sleep(self.config.commit_backoff_s * 2**attempt)
        error = DurabilityError if durable else RetryableError
        name = "-" if batch is None else f"{batch.app_id}#{batch.seq}"
        raise error(
            f"{op} of {data.num_rows} rows into {table} (batch {name}) "
            f"failed after {attempts} attempts: {self.last_error!r}"
        ) from self.last_error

    # ------------------------------------------------------------------ buffered path
    def buffer(self, table: str, rows: Rows) -> None:
        """Queue rows of an event table for the next flush of that table.

        Raises HaltError instead of growing without bound when the backlog is full.
        """
        spec = self.lake.spec(table)
        if spec.kind != "event":
            raise RowsRejected(f"table {table} is a state table; use upsert")
        self.buffer_arrow(table, to_arrow(spec, rows))

    def buffer_arrow(self, table: str, data: pa.Table, *, enforce_limit: bool = True) -> None:
        """``buffer`` for rows already converted by ``to_arrow`` (the service converts and checks
        the backlog limit in the caller's thread, so here rows are never refused)."""
        if enforce_limit and self.buffered_rows + data.num_rows > self.config.max_buffered_rows:
            raise HaltError(
                f"journal backlog full ({self.buffered_rows} rows); last error: {self.last_error}"
            )
        buf = self._buffers[self.lake.spec(table).name]
        buf.add(data, self._monotonic())
        if buf.pending is None and buf.rows >= self.config.flush_rows:
            self._flush_table(table, force=False)

    def tick(self) -> list[CommitResult]:
        """Flush due buffers and run due maintenance; never raises (errors are recorded)."""
        results: list[CommitResult] = []
        for name in self._buffers:
            results.extend(self._flush_table(name, force=False))
        self._scheduled_maintenance()
        return results

    def flush(self, table: str | None = None, *, raise_on_error: bool = True) -> list[CommitResult]:
        """Flush buffers now, ignoring age and back-off; failed rows stay buffered.

        Raises RetryableError (after trying every table) if any flush failed.
        """
        names = [self.lake.spec(table).name] if table else list(self._buffers)
        results: list[CommitResult] = []
        failed: list[str] = []
        for name in names:
            results.extend(self._flush_table(name, force=True))
            if self._buffers[name].total_rows:
                failed.append(name)
        if failed and raise_on_error:
            raise RetryableError(f"flush failed for {failed}; rows kept: {self.last_error!r}")
        return results

    def _flush_table(self, name: str, *, force: bool) -> list[CommitResult]:
        buf = self._buffers[name]
        now_s = self._monotonic()
        cfg = self.config
        results: list[CommitResult] = []
        if not force and buf.failures and now_s < buf.next_retry_at_s:
            return results  # backing off after a failure
        if buf.pending is None and not (
            (force and buf.rows) or buf.open_is_due(now_s, cfg.flush_rows, cfg.flush_interval_s)
        ):
            return results
        spec = self.lake.spec(name)
        while buf.pending is not None or buf.rows:
            try:
                if buf.pending is None:
                    buf.cut(self._committer.take_seq(spec, "buffer").seq)
                assert buf.pending is not None
                batch = self._committer.batch_id(spec, "buffer", buf.pending.seq)
                retry = buf.failures > 0
                results.append(
                    self._record(
                        self._committer.commit(spec, buf.pending.data, batch, check_replay=retry)
                    )
                )
            except Exception as exc:
                buf.failures += 1
                backoff_s = cfg.flush_retry_backoff_s * 2 ** (buf.failures - 1)
                buf.next_retry_at_s = now_s + min(backoff_s, cfg.flush_retry_backoff_max_s)
                self._fail(name, exc)
                break
            buf.pending = None
            buf.failures = 0
            if not (force or buf.rows >= cfg.flush_rows):
                break
        return results

    # ------------------------------------------------------------------ maintenance
    def optimize(self, table: str, *, zorder: bool = True) -> MaintenanceResult:
        """Compact (z-order where declared, if ``zorder``) and checkpoint; reopen the handle."""
        spec = self.lake.spec(table)
        target = spec if zorder else dataclasses.replace(spec, zorder_by=())
        result = optimize_table(self._committer.handle(spec.name), target)
        self._committer.drop(spec.name)
        self._since_optimize[spec.name] = 0
        self._last_optimize_s[spec.name] = self._monotonic()
        return result

    def vacuum(
        self, table: str, *, retention_hours: int = 168, dry_run: bool = False
    ) -> MaintenanceResult:
        spec = self.lake.spec(table)
        result = vacuum_table(
            self._committer.handle(spec.name),
            spec,
            retention_hours=retention_hours,
            dry_run=dry_run,
        )
        self._committer.drop(spec.name)
        return result

    def run_nightly(self, *, retention_hours: int = 168) -> list[MaintenanceResult]:
        """Flush, then z-order/compact, checkpoint and vacuum every table.

        A table that fails is recorded (``last_error``, callback) and skipped; the rest run.
        """
        self.flush(raise_on_error=False)
        results: list[MaintenanceResult] = []
        for name in self.lake.specs:
            try:
                results.append(self.optimize(name, zorder=True))
                results.append(self.vacuum(name, retention_hours=retention_hours))
            except Exception as exc:
                self._fail(name, exc)
        return results

    def _scheduled_maintenance(self) -> None:
        now_s = self._monotonic()
        for name, count in self._since_optimize.items():
            due_by_count = count >= self.config.compact_every_commits
            due_by_age = count > 0 and now_s - self._last_optimize_s[name] >= (
                self.config.compact_interval_s
            )
            if not (due_by_count or due_by_age):
                continue
            try:
                self.optimize(name, zorder=False)
            except Exception as exc:
                self._since_optimize[name] = 0  # try again after another batch of commits
                self._last_optimize_s[name] = now_s
                self._fail(name, exc)

    def _record(self, result: CommitResult) -> CommitResult:
        if result.version is not None and not result.skipped:
            self._since_optimize[result.table] += 1
        return result

    def _fail(self, table: str, exc: BaseException) -> None:
        self.last_error = exc
        log.warning("journal write to %s failed: %r", table, exc)
        if self._on_error is not None:
            try:
                self._on_error(table, exc)
            except Exception:
                log.exception("journal error callback failed")

"""WriterService: the lake's single writer running on its own thread, fed by a queue.Queue.

Why a thread and a queue rather than a lock around a synchronous writer: every Delta handle,
buffer and sequence number lives on exactly one thread, so nothing needs a lock, maintenance
runs between batches where it cannot race a merge, and callers on the engine loop never wait
~13 ms per commit for buffered data. Calls that need the outcome (durable order intents,
state upserts) get a ``concurrent.futures.Future`` (``asyncio.wrap_future`` for async code) or
block on it; snapshot rows are fire-and-forget. Health is readable from any thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from v6.errors import HaltError
from v6.store.buffers import BatchId, CommitResult
from v6.store.convert import Rows, RowsRejected, to_arrow
from v6.store.lake import Lake
from v6.store.maintenance import MaintenanceResult
from v6.store.writer import LakeWriter, WriterConfig, WriterStatus

T = TypeVar("T")
_STOP = object()


@dataclass(slots=True)
class _Job:
    run: Callable[[LakeWriter], Any]
    future: Future[Any] | None


class WriterService:
    """Owns a ``LakeWriter`` on a daemon thread; every method is safe to call from any thread.

    Construct with the same arguments as ``LakeWriter`` (plus ``poll_interval_s``, how often
    the thread wakes to flush due buffers when idle). Startup errors are raised here.
    """

    def __init__(
        self,
        lake: Lake,
        config: WriterConfig | None = None,
        *,
        poll_interval_s: float = 0.25,
        writer_factory: Callable[[Lake, WriterConfig | None], LakeWriter] | None = None,
    ) -> None:
        self.lake = lake
        self._poll_interval_s = poll_interval_s
        self._queue: queue.Queue[_Job | object] = queue.Queue()
        self._max_buffered_rows = (config or WriterConfig()).max_buffered_rows
        self._writer: LakeWriter | None = None
        self._closed = False
        self._close_lock = threading.Lock()
        started: Future[LakeWriter] = Future()
        factory = writer_factory or LakeWriter
        self._thread = threading.Thread(
            target=self._run, args=(factory, config, started), name="v6-lake-writer", daemon=True
        )
        self._thread.start()
        self._writer = started.result()

    # ------------------------------------------------------------------ thread
    def _run(
        self,
        factory: Callable[[Lake, WriterConfig | None], LakeWriter],
        config: WriterConfig | None,
        started: Future[LakeWriter],
    ) -> None:
        try:
            writer = factory(self.lake, config)
        except BaseException as exc:
            started.set_exception(exc)
            return
        started.set_result(writer)
        while True:
            try:
                job = self._queue.get(timeout=self._poll_interval_s)
            except queue.Empty:
                job = None
            if job is _STOP:
                return
            if isinstance(job, _Job):
                try:
                    result = job.run(writer)
                except BaseException as exc:
                    if job.future is not None:
                        job.future.set_exception(exc)
                    else:
                        writer.last_error = exc
                else:
                    if job.future is not None:
                        job.future.set_result(result)
            try:
                writer.tick()
            except Exception as exc:  # tick records its own errors; this is a last resort
                writer.last_error = exc

    def _submit(self, run: Callable[[LakeWriter], T]) -> Future[T]:
        if self._closed:
            raise HaltError("journal writer is closed")
        future: Future[T] = Future()
        self._queue.put(_Job(run, future))
        return future

    @property
    def writer(self) -> LakeWriter:
        assert self._writer is not None
        return self._writer

    # ------------------------------------------------------------------ writes
    def submit_append(
        self, table: str, rows: Rows, *, batch: BatchId | None = None, durable: bool = False
    ) -> Future[CommitResult]:
        return self._submit(lambda w: w.append(table, rows, batch=batch, durable=durable))

    def submit_upsert(
        self, table: str, rows: Rows, *, batch: BatchId | None = None, durable: bool = False
    ) -> Future[CommitResult]:
        return self._submit(lambda w: w.upsert(table, rows, batch=batch, durable=durable))

    def append(
        self,
        table: str,
        rows: Rows,
        *,
        batch: BatchId | None = None,
        durable: bool = False,
        timeout_s: float | None = None,
    ) -> CommitResult:
        """Append one batch and wait for the commit (and its fsync when ``durable``)."""
        return self.submit_append(table, rows, batch=batch, durable=durable).result(timeout_s)

    def upsert(
        self,
        table: str,
        rows: Rows,
        *,
        batch: BatchId | None = None,
        durable: bool = False,
        timeout_s: float | None = None,
    ) -> CommitResult:
        return self.submit_upsert(table, rows, batch=batch, durable=durable).result(timeout_s)

    def replace(
        self, table: str, rows: Rows, *, batch: BatchId | None = None, durable: bool = False
    ) -> CommitResult:
        return self._submit(lambda w: w.replace(table, rows, batch=batch, durable=durable)).result()

    def buffer(self, table: str, rows: Rows) -> None:
        """Queue snapshot rows; returns at once. Bad rows are refused here, in the caller.

        Raises HaltError when the backlog is full (writes failing for a long time).
        """
        spec = self.lake.spec(table)
        if spec.kind != "event":
            raise RowsRejected(f"table {table} is a state table; use upsert")
        data = to_arrow(spec, rows)
        if self.writer.buffered_rows + data.num_rows > self._max_buffered_rows:
            raise HaltError(f"journal backlog full; last error: {self.writer.last_error!r}")
        if self._closed:
            raise HaltError("journal writer is closed")
        self._queue.put(_Job(lambda w: w.buffer_arrow(table, data, enforce_limit=False), None))

    def flush(self, table: str | None = None, timeout_s: float | None = None) -> list[CommitResult]:
        """Flush buffers now and wait; raises RetryableError if a flush failed (rows kept)."""
        return self._submit(lambda w: w.flush(table)).result(timeout_s)

    # ------------------------------------------------------------------ maintenance
    def optimize(self, table: str, *, zorder: bool = True) -> MaintenanceResult:
        return self._submit(lambda w: w.optimize(table, zorder=zorder)).result()

    def vacuum(
        self, table: str, *, retention_hours: int = 168, dry_run: bool = False
    ) -> MaintenanceResult:
        return self._submit(
            lambda w: w.vacuum(table, retention_hours=retention_hours, dry_run=dry_run)
        ).result()

    def run_nightly(self, *, retention_hours: int = 168) -> list[MaintenanceResult]:
        return self._submit(lambda w: w.run_nightly(retention_hours=retention_hours)).result()

    # ------------------------------------------------------------------ health
    @property
    def healthy(self) -> bool:
        return self.writer.healthy and self._thread.is_alive()

    @property
    def last_error(self) -> BaseException | None:
        return self.writer.last_error

    def status(self) -> WriterStatus:
        return self.writer.status()

    def check(self) -> None:
        """Raise HaltError if the writer is unhealthy or its thread died."""
        if not self._thread.is_alive() and not self._closed:
            raise HaltError("journal writer thread is not running")
        self.writer.check()

    # ------------------------------------------------------------------ shutdown
    def close(self, timeout_s: float | None = 60.0) -> None:
        """Flush everything, stop the thread. Raises HaltError if rows could not be written."""
        with self._close_lock:
            if self._closed:
                return
            done = self._submit(lambda w: w.close())
            self._closed = True
            self._queue.put(_STOP)
        try:
            done.result(timeout_s)
        finally:
            self._thread.join(timeout_s)

    def __enter__(self) -> WriterService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

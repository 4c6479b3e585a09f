"""The ``Store`` port (``v6.ports.store``) over the lake writer, and the journal reader the
execution engine reconciles from.

``LakeStore.append`` buffers: event rows are gathered here and handed to the writer's buffers
in batches (``batch_rows``, or at ``pump``), so a converted Arrow batch is made per few hundred
rows, not per call; the writer then commits one batch per table per flush. Rows of state
tables (strategies, legs) are kept here, newest per key, and merged in one upsert per table
at ``pump`` (a merge rewrites files, so one per batch, not per row).
``append_durable`` commits and fsyncs before it returns. With ``durable=False`` it buffers
like ``append``: right when nothing outside the process can outlive the journal (a plain
simulation, whose paper broker dies with the process); paper, live and checkpointed
simulations keep the durable path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, Protocol

from v6.errors import HaltError
from v6.ports.store import Row
from v6.store.lake import Lake
from v6.store.reader import LakeReader

RowObserver = Callable[[str, Sequence[Row]], None]
"""Called with (table, rows) for every row handed to the store, before it is written."""


class Writer(Protocol):
    """What ``LakeStore`` needs of ``LakeWriter`` / ``WriterService``."""

    @property
    def lake(self) -> Lake: ...

    def buffer(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None: ...

    def append(
        self, table: str, rows: Sequence[Mapping[str, Any]], *, durable: bool = ...
    ) -> object: ...

    def upsert(
        self, table: str, rows: Sequence[Mapping[str, Any]], *, durable: bool = ...
    ) -> object: ...

    def flush(self, table: str | None = None) -> object: ...

    def close(self) -> None: ...


class LakeStore:
    """Implements ``v6.ports.store.Store`` (and the ``RowSink`` of alerts and the decision
    journal: ``buffer``). Not thread-safe: the engine loop is its only caller."""

    __slots__ = (
        "_batch_rows",
        "_closed",
        "_durable",
        "_events",
        "_inflight",
        "_observers",
        "_state",
        "writer",
    )

    def __init__(self, writer: Writer, *, durable: bool = True, batch_rows: int = 500) -> None:
        self.writer = writer
        self._durable = durable
        self._batch_rows = batch_rows
        self._events: dict[str, list[Row]] = {}
        self._inflight: list[Future[Any]] = []
        self._state: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        self._observers: dict[str, list[RowObserver]] = {}
        self._closed = False

    @property
    def durable(self) -> bool:
        return self._durable

    def observe(self, table: str, observer: RowObserver) -> None:
        """Also hand every row written to ``table`` to ``observer`` (e.g. fills for P&L)."""
        self._observers.setdefault(table, []).append(observer)

    def _notify(self, table: str, rows: Sequence[Row]) -> None:
        for fn in self._observers.get(table, ()):
            fn(table, rows)

    # -- Store port -------------------------------------------------------------------------

    def append(self, table: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        if self._closed:
            raise HaltError("journal store is closed")
        self._notify(table, rows)
        spec = self.writer.lake.spec(table)
        if spec.kind == "event":
            batch = self._events.setdefault(spec.name, [])
            batch.extend(rows)
            if len(batch) >= self._batch_rows:
                del self._events[spec.name]
                self.writer.buffer(spec.name, batch)
            return
        pending = self._state.setdefault(spec.name, {})
        for row in rows:
            key = tuple(row.get(k) for k in spec.keys)
            merged = pending.get(key)
            pending[key] = {**merged, **row} if merged is not None else dict(row)

    def buffer(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """``RowSink`` for the alert manager and the decision journal."""
        self.append(table, rows)

    def append_durable(self, table: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        if not self._durable:
            self.append(table, rows)
            return
        if self._closed:
            raise HaltError("journal store is closed")
        self._notify(table, rows)
        spec = self.writer.lake.spec(table)
        if spec.kind == "event":
            self.writer.append(table, rows, durable=True)
        else:
            self.writer.upsert(table, rows, durable=True)

    def pump(self) -> int:
        """Hand every gathered event row to the writer and merge the pending state rows (one
        upsert per table); returns the rows handed over."""
        moved = 0
        for table in list(self._events):
            batch = self._events.pop(table)
            if batch:
                self.writer.buffer(table, batch)
                moved += len(batch)
        return moved + self.flush_state()

    def flush_state(self) -> int:
        """Merge the pending state rows (one upsert per table); returns rows handed over.

        With a threaded writer (``submit_upsert``) the merge runs on the writer's thread and
        this returns at once; a failed merge is raised by the next ``pump`` or ``flush``."""
        self._check_inflight(wait=False)
        written = 0
        submit = getattr(self.writer, "submit_upsert", None)
        for table in list(self._state):
            rows = list(self._state[table].values())
            if rows:
                if submit is not None:
                    self._inflight.append(submit(table, rows))
                else:
                    self.writer.upsert(table, rows)
                written += len(rows)
            del self._state[table]
        return written

    def _check_inflight(self, *, wait: bool) -> None:
        keep: list[Future[Any]] = []
        for fut in self._inflight:
            if wait or fut.done():
                fut.result()  # re-raises the writer's error in the engine's thread
            else:
                keep.append(fut)
        self._inflight = keep

    def pending_rows(self) -> int:
        """Rows gathered here and not yet handed to the writer."""
        return sum(len(v) for v in self._state.values()) + sum(
            len(v) for v in self._events.values()
        )

    def flush(self) -> None:
        """Commit everything: gathered rows, then the writer's buffers."""
        self.pump()
        self._check_inflight(wait=True)
        self.writer.flush()

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.pump()
            self._check_inflight(wait=True)
        finally:
            self._closed = True
            self.writer.close()


class LakeJournalReader:
    """``v6.execution.ports.JournalReader`` over a ``LakeReader``: every row of a table as
    dicts, ``[]`` when the table does not exist yet, ``None`` when it cannot be read."""

    __slots__ = ("reader",)

    def __init__(self, reader: LakeReader) -> None:
        self.reader = reader

    def rows(self, table: str) -> Sequence[Row] | None:
        try:
            if not self.reader.exists(table):
                return []
            return self.reader.read(table).to_dicts()
        except Exception:
            return None


__all__ = ["LakeJournalReader", "LakeStore", "RowObserver", "Writer"]

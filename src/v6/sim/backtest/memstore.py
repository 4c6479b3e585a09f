"""The backtest's in-memory journal: a ``Writer`` for ``LakeStore`` that keeps every row in
memory and writes each table once, as one Delta commit, when the run is saved.

The engine journals exactly what it journals live (same ``LakeStore``, same rows); only the
cost of a Delta commit per flush and an Arrow conversion per batch is gone. State tables keep
the newest row per key as the lake's merge would (``order_by`` at or after the stored one
wins, every column replaced). ``MemoryReader`` serves those rows as polars frames with the
lake's exact schema (the same ``to_arrow`` conversion the writer uses), so the analytics that
load a saved run folder read a path that never touched disk the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from v6.errors import HaltError, InputRejected
from v6.ports.store import Row
from v6.store.convert import Rows, to_arrow
from v6.store.lake import Lake
from v6.store.reader import LakeReader
from v6.store.schemas import TABLES, TableSpec
from v6.store.writer import LakeWriter, WriterConfig


def _as_dicts(rows: Rows) -> list[dict[str, Any]]:
    if isinstance(rows, pl.DataFrame):
        return rows.to_dicts()
    if isinstance(rows, Mapping):
        raise InputRejected("expected a sequence of rows, got one mapping")
    if not isinstance(rows, Sequence):  # a pyarrow table
        return [dict(r) for r in rows.to_pylist()]
    return [dict(r) for r in rows]


class MemoryWriter:
    """``v6.store.port.Writer`` in memory. ``lake`` only resolves table specs (no I/O).

    ``keep`` names the tables whose rows are kept (None: all); rows of the others are
    counted in ``dropped`` and let go (a Monte Carlo path needs its equity and trades only).
    """

    __slots__ = ("_closed", "_events", "_keep", "_lake", "_state", "dropped")

    def __init__(
        self,
        root: Path | str = "memory",
        specs: Mapping[str, TableSpec] = TABLES,
        *,
        keep: frozenset[str] | None = None,
    ) -> None:
        self._lake = Lake(root, specs)
        self._events: dict[str, list[dict[str, Any]]] = {}
        self._state: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        self._keep = keep
        self._closed = False
        self.dropped = 0

    @property
    def lake(self) -> Lake:
        return self._lake

    # -- Writer ---------------------------------------------------------------------------

    def buffer(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self._put(table, rows)

    def append(
        self, table: str, rows: Sequence[Mapping[str, Any]], *, durable: bool = False
    ) -> object:
        self._put(table, rows)
        return None

    def upsert(
        self, table: str, rows: Sequence[Mapping[str, Any]], *, durable: bool = False
    ) -> object:
        self._put(table, rows)
        return None

    def flush(self, table: str | None = None) -> object:
        return None

    def close(self) -> None:
        self._closed = True

    def _put(self, table: str, rows: Rows) -> None:
        if self._closed:
            raise HaltError("journal store is closed")
        spec = self._lake.spec(table)
        if self._keep is not None and spec.name not in self._keep:
            self.dropped += len(rows)
            return
        if spec.kind == "event":
            self._events.setdefault(spec.name, []).extend(_as_dicts(rows))
            return
        held = self._state.setdefault(spec.name, {})
        keys = tuple(dict.fromkeys([*spec.partition_by, *spec.keys]))
        for row in _as_dicts(rows):
            key = tuple(row.get(k) for k in keys)
            old = held.get(key)
            if old is None or _not_older(row.get(spec.order_by), old.get(spec.order_by)):
                held[key] = row

    # -- reading back -----------------------------------------------------------------------

    def tables(self) -> list[str]:
        """Tables holding at least one row, in the lake's declaration order."""
        return [
            name for name in self._lake.specs if self._events.get(name) or self._state.get(name)
        ]

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of ``table`` (event tables in write order, state tables newest per key)."""
        spec = self._lake.spec(table)
        if spec.kind == "event":
            return list(self._events.get(spec.name, ()))
        return list(self._state.get(spec.name, {}).values())

    def frame(self, table: str) -> pl.DataFrame:
        """``rows(table)`` with the lake's exact schema."""
        frame = pl.from_arrow(to_arrow(self._lake.spec(table), self.rows(table)))
        assert isinstance(frame, pl.DataFrame)
        return frame

    def row_count(self) -> int:
        return sum(len(v) for v in self._events.values()) + sum(
            len(v) for v in self._state.values()
        )

    def save(self, root: Path, *, tables: Sequence[str] | None = None) -> dict[str, int]:
        """Write every table with rows (or only ``tables``) under ``root`` as one commit each;
        returns rows written per table. Refuses a lake that already holds any of them."""
        lake = Lake(root, self._lake.specs)
        chosen = [t for t in self.tables() if tables is None or t in tables]
        existing = [t for t in chosen if lake.exists(t)]
        if existing:
            raise InputRejected(f"{root} already holds tables {existing}: save into a new folder")
        writer = LakeWriter(
            lake, WriterConfig(sync_on_start=False, remove_leftovers_on_start=False)
        )
        written: dict[str, int] = {}
        try:
            for table in chosen:
                rows = self.rows(table)
                writer.append(table, rows)
                written[table] = len(rows)
        finally:
            writer.close()
        return written


def _not_older(new: object, old: object) -> bool:
    """The lake's merge rule: the incoming row wins when its ``order_by`` is at or after the
    stored one's (a missing stamp never loses to nothing, and always loses to a stamp)."""
    if old is None:
        return True
    if new is None:
        return False
    try:
        return bool(new >= old)  # type: ignore[operator]
    except TypeError:
        return True


class MemoryReader(LakeReader):
    """A ``LakeReader`` over a ``MemoryWriter``: ``exists``, ``read`` and ``latest`` answer
    from memory, so ``v6.analytics.load_equity``/``load_trades`` read a run that was never
    written. Time travel and commit history are not available (there are no commits)."""

    __slots__ = ("memory",)

    def __init__(self, memory: MemoryWriter) -> None:
        super().__init__(memory.lake.root, memory.lake.specs)
        self.memory = memory

    def exists(self, table: str) -> bool:
        return bool(self.memory.rows(table))

    def tables(self) -> list[str]:
        return self.memory.tables()

    def read(
        self,
        table: str,
        *,
        version: int | None = None,
        as_of: Any = None,
        columns: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        if version is not None or as_of is not None:
            raise InputRejected("an in-memory journal has no versions to travel to")
        frame = self.memory.frame(table)
        return frame.select(list(columns)) if columns else frame


class MemoryJournal:
    """``v6.execution.ports.JournalReader`` over a ``MemoryWriter`` (a fresh backtest starts
    from an empty journal; a restart inside one process would see what was written)."""

    __slots__ = ("memory",)

    def __init__(self, memory: MemoryWriter) -> None:
        self.memory = memory

    def rows(self, table: str) -> Sequence[Row] | None:
        return self.memory.rows(table)


__all__ = ["MemoryJournal", "MemoryReader", "MemoryWriter"]

"""Read-only access to the lake for the engine, dashboard and CLI: latest rows, current state,
commit history and time travel (by version or timestamp), always through fresh handles.

Readers never create, migrate or lock anything, so any number of them can run next to the one
writer; each call sees one committed version and never a partial batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from deltalake import DeltaTable

from v6.errors import InputRejected
from v6.store.lake import Lake
from v6.store.schemas import TABLES, TableSpec


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """One entry of a table's commit log (newest first in ``history``)."""

    version: int
    timestamp: datetime
    operation: str
    parameters: Mapping[str, Any]
    metrics: Mapping[str, Any]
    app_id: str | None
    seq: int | None
    rows: int | None


@dataclass(frozen=True, slots=True)
class TableStats:
    """Size of a table at its latest version, from the log (no data file is read)."""

    name: str
    kind: str
    version: int
    rows: int
    files: int
    size_bytes: int
    last_write: datetime | None
    schema_version: int


class LakeReader:
    """Reads tables under ``root``; every method opens a fresh handle."""

    __slots__ = ("lake",)

    def __init__(self, root: Path | str, specs: Mapping[str, TableSpec] = TABLES) -> None:
        self.lake = Lake(root, specs)

    def exists(self, table: str) -> bool:
        return self.lake.exists(table)

    def tables(self) -> list[str]:
        return self.lake.existing_tables()

    def version(self, table: str) -> int:
        return int(self.lake.open(table).version())

    def transaction_version(self, table: str, app_id: str) -> int | None:
        """Last committed batch seq of ``app_id`` (what a restarted producer resumes after)."""
        value = self.lake.open(table).transaction_version(app_id)
        return None if value is None else int(value)

    def scan(
        self, table: str, *, version: int | None = None, as_of: datetime | None = None
    ) -> pl.LazyFrame:
        """Lazy frame of the table (latest, a version, or as of a UTC timestamp)."""
        return pl.scan_delta(self._at(table, version, as_of))

    def read(
        self,
        table: str,
        *,
        version: int | None = None,
        as_of: datetime | None = None,
        columns: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """All rows of one committed version of the table as a polars frame."""
        dt = self._at(table, version, as_of)
        return pl.read_delta(dt, columns=list(columns) if columns else None)

    def latest(
        self,
        table: str,
        *,
        keys: Sequence[str] | None = None,
        version: int | None = None,
        as_of: datetime | None = None,
    ) -> pl.DataFrame:
        """Current state: the last row per key (by the table's ``order_by`` column).

        For event tables this derives entity state from the append-only log, e.g. the status
        of each order or alert; ``keys`` overrides the spec's entity key.
        """
        spec = self.lake.spec(table)
        key_cols = list(keys or spec.keys)
        frame = self.read(table, version=version, as_of=as_of)
        if frame.is_empty():
            return frame
        return (
            frame.sort(spec.order_by, maintain_order=True)
            .group_by(key_cols, maintain_order=True)
            .last()
            .select(frame.columns)
        )

    def history(self, table: str, limit: int | None = None) -> list[CommitInfo]:
        """Commits newest first, with the batch id each writer commit carried."""
        out: list[CommitInfo] = []
        for entry in self.lake.open(table).history(limit):
            meta = entry.get("custom_metadata") or {}
            seq = meta.get("v6.seq", entry.get("v6.seq"))
            rows = meta.get("v6.rows", entry.get("v6.rows"))
            out.append(
                CommitInfo(
                    version=int(entry["version"]),
                    timestamp=datetime.fromtimestamp(entry["timestamp"] / 1000, tz=UTC),
                    operation=str(entry.get("operation", "")),
                    parameters=dict(entry.get("operationParameters") or {}),
                    metrics=dict(entry.get("operationMetrics") or {}),
                    app_id=meta.get("v6.app_id", entry.get("v6.app_id")),
                    seq=None if seq is None else int(seq),
                    rows=None if rows is None else int(rows),
                )
            )
        return out

    def version_at(self, table: str, as_of: datetime) -> int:
        """Table version current at ``as_of`` (resolving a timestamp is slow on long logs)."""
        return int(self._at(table, None, as_of).version())

    def stats(self, table: str) -> TableStats:
        dt = self.lake.open(table)
        actions = pa.table(dt.get_add_actions(flatten=True))
        records = actions.column("num_records").to_pylist() if actions.num_rows else []
        rows = sum(v or 0 for v in records)
        size = sum(actions.column("size_bytes").to_pylist()) if actions.num_rows else 0
        history = dt.history(1)
        last = datetime.fromtimestamp(history[0]["timestamp"] / 1000, tz=UTC) if history else None
        return TableStats(
            name=table,
            kind=self.lake.spec(table).kind,
            version=int(dt.version()),
            rows=int(rows),
            files=actions.num_rows,
            size_bytes=int(size),
            last_write=last,
            schema_version=Lake.stored_schema_version(dt),
        )

    def _at(self, table: str, version: int | None, as_of: datetime | None) -> DeltaTable:
        if version is not None and as_of is not None:
            raise InputRejected("give a version or a timestamp, not both")
        dt = self.lake.open(table, version=version)
        if as_of is not None:
            if as_of.tzinfo is None:
                raise InputRejected("time travel needs a timezone-aware timestamp")
            dt.load_as_version(as_of.astimezone(UTC))
        return dt

"""The lake on disk: one folder per table under a root, created and migrated from ``TABLES``.

Only the writer calls ``ensure_table`` (it creates tables and merges new nullable columns in);
readers, the CLI and the dashboard only resolve paths and open fresh handles.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import TableNotFoundError

from v6.errors import HaltError, InputRejected
from v6.store.schemas import SCHEMA_VERSION_PROPERTY, TABLES, TableSpec

TABLE_CONFIGURATION: Mapping[str, str] = {
    "delta.checkpointInterval": "100",
    "delta.logRetentionDuration": "interval 30 days",
    "delta.deletedFileRetentionDuration": "interval 7 days",
}
"""Delta properties of every table: the time-travel window (30 days of log) must stay longer
than the default vacuum retention (7 days) so history stays readable for a week."""


class SchemaMigrationError(HaltError):
    """A table on disk differs from its spec in a way we do not migrate automatically."""


class Lake:
    """Resolves table folders under ``root`` and creates or migrates tables from their specs."""

    __slots__ = ("root", "specs")

    def __init__(self, root: Path | str, specs: Mapping[str, TableSpec] = TABLES) -> None:
        self.root = Path(root)
        self.specs: Mapping[str, TableSpec] = dict(specs)

    def spec(self, table: str) -> TableSpec:
        try:
            return self.specs[table]
        except KeyError:
            known = ", ".join(sorted(self.specs))
            raise InputRejected(f"unknown table {table!r}; known tables: {known}") from None

    def path(self, table: str) -> Path:
        return self.root / self.spec(table).name

    def exists(self, table: str) -> bool:
        return (self.path(table) / "_delta_log").is_dir() and DeltaTable.is_deltatable(
            str(self.path(table))
        )

    def existing_tables(self) -> list[str]:
        """Tables of the spec that exist on disk, in declaration order."""
        return [name for name in self.specs if self.exists(name)]

    def open(self, table: str, version: int | None = None) -> DeltaTable:
        """A fresh handle; raises InputRejected when the table was never created."""
        try:
            return DeltaTable(str(self.path(table)), version=version)
        except TableNotFoundError:
            raise InputRejected(f"table {table!r} does not exist under {self.root}") from None

    def ensure_table(self, table: str) -> DeltaTable:
        """Create the table if missing, then migrate it to its spec version; return a handle."""
        spec = self.spec(table)
        path = self.path(table)
        if not self.exists(table):
            path.parent.mkdir(parents=True, exist_ok=True)
            DeltaTable.create(
                str(path),
                spec.schema,
                mode="ignore",
                partition_by=list(spec.partition_by) or None,
                name=spec.name,
                description=spec.description,
                configuration=dict(TABLE_CONFIGURATION),
            )
        dt = DeltaTable(str(path))
        self._migrate(spec, dt)
        return dt

    def ensure_all(self) -> None:
        for name in self.specs:
            self.ensure_table(name)

    @staticmethod
    def stored_schema_version(dt: DeltaTable) -> int:
        raw = dt.metadata().configuration.get(SCHEMA_VERSION_PROPERTY)
        return int(raw) if raw else 0

    def _migrate(self, spec: TableSpec, dt: DeltaTable) -> None:
        """Add the spec's missing nullable columns (schema_mode="merge"); record the version.

        The version lives in a table property. delta-rs refuses custom properties at create
        time, so it is set right after; a crash in between is repaired on the next open.
        """
        current = pa.schema(dt.schema().to_arrow())
        missing = [f for f in spec.schema if f.name not in current.names]
        mismatched = [
            f"{f.name}: {current.field(f.name).type} on disk, {f.type} in spec"
            for f in spec.schema
            if f.name in current.names and not _same_type(current.field(f.name).type, f.type)
        ]
        if mismatched or any(not f.nullable for f in missing):
            problems = mismatched + [f"{f.name}: new column must be nullable" for f in missing]
            raise SchemaMigrationError(
                f"table {spec.name} cannot be migrated automatically: " + "; ".join(problems)
            )
        if missing:
            write_deltalake(dt, spec.schema.empty_table(), mode="append", schema_mode="merge")
        if self.stored_schema_version(dt) < spec.version:
            dt.alter.set_table_properties(
                {SCHEMA_VERSION_PROPERTY: str(spec.version)}, raise_if_not_exists=False
            )


def _same_type(on_disk: pa.DataType, declared: pa.DataType) -> bool:
    if on_disk == declared:
        return True
    stringish = (pa.string(), pa.large_string(), pa.string_view())
    return on_disk in stringish and declared in stringish

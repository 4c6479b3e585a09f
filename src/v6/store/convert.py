"""Turn caller rows (dicts, pyarrow or polars) into an Arrow table that matches a TableSpec exactly.

Validation happens here, before anything touches disk, so a bad row is refused with a message
that names the table and column instead of surfacing later as a Delta schema error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import polars as pl
import pyarrow as pa

from v6.errors import InputRejected
from v6.store.schemas import TableSpec

Rows: TypeAlias = "pa.Table | pl.DataFrame | Sequence[Mapping[str, Any]]"
"""Anything the writer accepts as a batch."""

EXCHANGE_TZ = "America/New_York"
"""Time zone whose calendar date is a row's ``trade_date`` when the caller leaves it out."""


class RowsRejected(InputRejected):
    """A batch does not fit its table's schema; nothing of it was written."""


def to_arrow(spec: TableSpec, rows: Rows) -> pa.Table:
    """Return ``rows`` as an Arrow table with exactly ``spec.schema`` (order, types, nullability).

    Missing nullable columns become nulls; unknown columns and nulls in NOT NULL columns are
    rejected. A missing ``trade_date`` is derived from ``ts_event`` in exchange time.
    """
    table = _as_arrow(spec, rows)
    unknown = [c for c in table.column_names if c not in spec.schema.names]
    if unknown:
        raise RowsRejected(f"table {spec.name}: unknown columns {unknown}")
    table = _fill_trade_date(spec, table)
    arrays: list[pa.Array | pa.ChunkedArray] = []
    for field in spec.schema:
        if field.name in table.column_names:
            column = table.column(field.name)
            try:
                arrays.append(column.cast(field.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise RowsRejected(
                    f"table {spec.name}: column {field.name} ({column.type}) "
                    f"cannot be stored as {field.type}: {exc}"
                ) from exc
        else:
            arrays.append(pa.nulls(table.num_rows, field.type))
    nulls = [
        f.name for f, a in zip(spec.schema, arrays, strict=True) if not f.nullable and a.null_count
    ]
    if nulls:
        raise RowsRejected(f"table {spec.name}: null values in required columns {nulls}")
    return pa.Table.from_arrays(arrays, schema=spec.schema)


def _as_arrow(spec: TableSpec, rows: Rows) -> pa.Table:
    if isinstance(rows, pa.Table):
        return rows
    if isinstance(rows, pl.DataFrame):
        return rows.to_arrow()
    if isinstance(rows, Mapping):
        raise RowsRejected(f"table {spec.name}: expected a sequence of rows, got one mapping")
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    unknown = [c for c in names if c not in spec.schema.names]
    if unknown:
        raise RowsRejected(f"table {spec.name}: unknown columns {unknown}")
    fields = [f.with_nullable(True) for f in spec.schema if f.name in names]
    try:
        return pa.Table.from_pylist(list(rows), schema=pa.schema(fields))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        raise RowsRejected(f"table {spec.name}: rows do not fit the schema: {exc}") from exc


def _fill_trade_date(spec: TableSpec, table: pa.Table) -> pa.Table:
    if "trade_date" not in spec.schema.names or "ts_event" not in table.column_names:
        return table
    has_date = "trade_date" in table.column_names
    if has_date and table.column("trade_date").null_count == 0:
        return table
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    ts_utc = pl.col("ts_event")
    dtype = frame.schema["ts_event"]
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        ts_utc = ts_utc.dt.replace_time_zone("UTC")
    derived = ts_utc.dt.convert_time_zone(EXCHANGE_TZ).dt.date()
    filled = pl.coalesce(pl.col("trade_date"), derived) if has_date else derived
    return frame.with_columns(filled.alias("trade_date")).to_arrow()


def dedupe_by_key(spec: TableSpec, data: pa.Table) -> pa.Table:
    """One row per key (the newest by ``order_by``): a merge refuses duplicate source keys."""
    if data.num_rows < 2:
        return data
    frame = pl.from_arrow(data)
    assert isinstance(frame, pl.DataFrame)
    keys = list(dict.fromkeys([*spec.partition_by, *spec.keys]))
    if frame.select(keys).is_unique().all():
        return data
    latest = frame.sort(spec.order_by, maintain_order=True).unique(
        subset=keys, keep="last", maintain_order=True
    )
    return to_arrow(spec, latest)

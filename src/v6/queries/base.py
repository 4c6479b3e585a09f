"""Shared pieces of the query layer: its errors and small row helpers.

Every query opens fresh read-only handles through ``LakeReader``; a table that does not exist
yet reads as empty (the engine has not written one), never as an error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import polars as pl

from v6.errors import InputRejected
from v6.store.reader import LakeReader


class NotFound(InputRejected):
    """An id the user typed matches nothing in the journal."""


class AlertNotFound(NotFound):
    """No alert with this id (or id prefix)."""


class DecisionNotFound(NotFound):
    """No decision with this id (or id prefix)."""


class AmbiguousId(InputRejected):
    """An id prefix matches more than one entry."""

    def __init__(self, kind: str, prefix: str, matches: list[str]) -> None:
        shown = ", ".join(sorted(matches)[:5])
        more = "" if len(matches) <= 5 else f" and {len(matches) - 5} more"
        super().__init__(f"{kind} id {prefix!r} is ambiguous: matches {shown}{more}")
        self.matches = matches


MIN_PREFIX = 4
"""Shortest id prefix accepted for a lookup (shorter ones would match half the journal)."""


def rows(frame: pl.DataFrame) -> Iterator[Mapping[str, Any]]:
    return frame.iter_rows(named=True)


def read_or_empty(reader: LakeReader, table: str) -> pl.LazyFrame | None:
    """A lazy scan of ``table``, or None when the table was never created (one handle open:
    asking ``exists`` first would open the log twice)."""
    try:
        return reader.scan(table)
    except InputRejected:
        return None


def latest_or_empty(reader: LakeReader, table: str) -> pl.DataFrame | None:
    """Latest row per key of an event table, or None when the table was never created."""
    try:
        return reader.latest(table)
    except InputRejected:
        return None

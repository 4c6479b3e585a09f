"""The store port: how the core journals events and reads state back.

One writer owns every table. ``append`` is buffered (high-rate snapshots, decisions);
``append_durable`` returns only when the rows are committed and synced to disk (order intents
before an order is sent). A write that cannot be made returns nothing silently: it retries
and then raises ``DurabilityError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

Row = Mapping[str, Any]


@runtime_checkable
class Store(Protocol):
    def append(self, table: str, rows: Sequence[Row]) -> None:
        """Required. Queue rows for the next batched commit of ``table``. Never blocks on I/O."""
        ...

    def append_durable(self, table: str, rows: Sequence[Row]) -> None:
        """Required. Commit ``rows`` now and fsync before returning; raises
        ``DurabilityError`` if that is impossible after retries."""
        ...

    def flush(self) -> None:
        """Required. Commit everything buffered; raises if a commit fails after retries."""
        ...

    def close(self) -> None:
        """Required. Flush and release handles."""
        ...

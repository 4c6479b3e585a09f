"""Per-table row buffers for high-rate snapshots, and the batch/commit value types.

A buffer holds an *open* batch that grows until it is due (row count or age) and at most one
*pending* batch that was cut with a fixed sequence number. A pending batch is retried with the
same number until it commits, so a retry after an ambiguous failure is skipped by Delta's
application-transaction check instead of writing the rows twice, and no row is ever dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa


@dataclass(frozen=True, slots=True)
class BatchId:
    """Application transaction id of one batch: Delta skips a ``seq`` at or below the last one
    committed for ``app_id``, which is what makes a replayed batch a no-op."""

    app_id: str
    seq: int


@dataclass(frozen=True, slots=True)
class CommitResult:
    """Outcome of one batch: ``version`` is the table version that holds it (None when the batch
    was empty or skipped as a replay); ``durable`` says it was fsynced before returning."""

    table: str
    batch: BatchId
    rows: int
    version: int | None
    skipped: bool
    durable: bool


@dataclass(slots=True)
class PendingBatch:
    data: pa.Table
    seq: int


@dataclass(slots=True)
class TableBuffer:
    """Rows waiting for one table; owned by the writer thread."""

    chunks: list[pa.Table] = field(default_factory=list)
    rows: int = 0
    first_row_at_s: float | None = None
    pending: PendingBatch | None = None
    failures: int = 0
    next_retry_at_s: float = 0.0

    @property
    def total_rows(self) -> int:
        return self.rows + (self.pending.data.num_rows if self.pending else 0)

    def add(self, data: pa.Table, now_s: float) -> None:
        if data.num_rows == 0:
            return
        if self.first_row_at_s is None:
            self.first_row_at_s = now_s
        self.chunks.append(data)
        self.rows += data.num_rows

    def open_is_due(self, now_s: float, max_rows: int, max_age_s: float) -> bool:
        if self.rows == 0:
            return False
        age_s = now_s - (self.first_row_at_s if self.first_row_at_s is not None else now_s)
        return self.rows >= max_rows or age_s >= max_age_s

    def cut(self, seq: int) -> PendingBatch:
        """Freeze the open rows into the pending batch ``seq``."""
        assert self.pending is None, "cut() while a batch is still pending"
        data = pa.concat_tables(self.chunks) if len(self.chunks) > 1 else self.chunks[0]
        self.pending = PendingBatch(data=data, seq=seq)
        self.chunks = []
        self.rows = 0
        self.first_row_at_s = None
        return self.pending

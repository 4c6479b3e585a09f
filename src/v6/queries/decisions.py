"""Decision queries over the append-only ``decisions`` table: filtered lists (by strategy,
rule, action, time) and one decision by id or unique prefix, plus the strategy it was about.

A decision id can appear twice if a cycle was replayed; the last row (by ``ts_init``) wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

from v6.domain.decision import Action
from v6.journal.codec import TABLE, DecisionRecord, from_row
from v6.queries.base import MIN_PREFIX, AmbiguousId, DecisionNotFound, read_or_empty, rows
from v6.store.reader import LakeReader

STRATEGIES = "strategies"


@dataclass(frozen=True, slots=True)
class StrategyInfo:
    """What the ``strategies`` table says about one strategy (for labels and context)."""

    strategy_id: str
    strategy_type: str | None = None
    underlying: str | None = None
    status: str | None = None
    quantity: int | None = None
    expiry: date | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    exit_rule: str | None = None
    exit_reason: str | None = None
    realized_pnl: float | None = None

    @property
    def label(self) -> str:
        """'SPY iron condor 2026-12-18' (parts that are unknown are left out)."""
        kind = None if self.strategy_type is None else self.strategy_type.replace("_", " ")
        parts = [self.underlying, kind, None if self.expiry is None else self.expiry.isoformat()]
        return " ".join(p for p in parts if p) or self.strategy_id


def _latest_per_id(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("ts_init", maintain_order=True).unique(
        subset=["decision_id"], keep="last", maintain_order=True
    )


def decisions(
    reader: LakeReader,
    *,
    strategy_id: str | None = None,
    rule: str | None = None,
    action: Action | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 100,
) -> list[DecisionRecord]:
    """Journaled decisions newest first (by decision time), filtered; ``since``/``until`` are
    inclusive/exclusive UTC bounds on decision time."""
    scan = read_or_empty(reader, TABLE)
    if scan is None:
        return []
    if strategy_id is not None:
        scan = scan.filter(pl.col("strategy_id") == strategy_id)
    if rule is not None:
        scan = scan.filter(pl.col("rule") == rule)
    if action is not None:
        scan = scan.filter(pl.col("action").str.to_uppercase() == action.name)
    if since is not None:
        # trade_date first so whole partitions are skipped (one day of slack for time zones)
        scan = scan.filter(pl.col("trade_date") >= since.date() - timedelta(days=1))
        scan = scan.filter(pl.col("ts_event") >= since)
    if until is not None:
        scan = scan.filter(pl.col("trade_date") <= until.date() + timedelta(days=1))
        scan = scan.filter(pl.col("ts_event") < until)
    frame = _latest_per_id(scan.collect()).sort(
        ["ts_event", "ts_init"], descending=True, maintain_order=True
    )
    if limit is not None:
        frame = frame.head(limit)
    return [from_row(r) for r in rows(frame)]


def decision(reader: LakeReader, decision_id: str) -> DecisionRecord:
    """One decision by exact id or unique prefix (at least 4 characters)."""
    scan = read_or_empty(reader, TABLE)
    if scan is None:
        raise DecisionNotFound(
            f"no decision with id {decision_id!r} (no decisions have been journaled yet)"
        )
    frame = scan.filter(pl.col("decision_id") == decision_id).collect()
    if frame.is_empty() and len(decision_id) >= MIN_PREFIX:
        ids = (
            scan.filter(pl.col("decision_id").str.starts_with(decision_id))
            .select("decision_id")
            .unique()
            .head(6)
            .collect()
            .get_column("decision_id")
            .to_list()
        )
        if len(ids) > 1:
            raise AmbiguousId("decision", decision_id, ids)
        if ids:
            frame = scan.filter(pl.col("decision_id") == ids[0]).collect()
    if frame.is_empty():
        raise DecisionNotFound(f"no decision with id {decision_id!r}")
    return from_row(next(rows(_latest_per_id(frame).tail(1))))


def strategy(reader: LakeReader, strategy_id: str) -> StrategyInfo | None:
    """The strategy's current row, or None if the table or the row does not exist."""
    scan = read_or_empty(reader, STRATEGIES)
    if scan is None:
        return None
    frame = scan.filter(pl.col("strategy_id") == strategy_id).collect()
    if frame.is_empty():
        return None
    row = next(rows(frame.sort("updated_at").tail(1)))
    return StrategyInfo(
        strategy_id=strategy_id,
        strategy_type=row.get("strategy_type"),
        underlying=row.get("underlying"),
        status=row.get("status"),
        quantity=row.get("quantity"),
        expiry=row.get("expiry"),
        opened_at=row.get("opened_at"),
        closed_at=row.get("closed_at"),
        exit_rule=row.get("exit_rule"),
        exit_reason=row.get("exit_reason"),
        realized_pnl=row.get("realized_pnl"),
    )

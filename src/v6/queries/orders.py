"""Order queries: working orders (with their age and price-walk step), fills with slippage
against the decision-time mid and commissions, and rejections with the broker's codes.

The ``orders`` table holds intents (``order_ref == intent_id``) and the broker orders made for
them (``parent_ref`` = the intent); ``order_events`` holds every broker status change and walk
step. An order's state is its newest row in either table; it is working until that state, or
its intent's, is terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from v6.queries.base import read_or_empty, rows
from v6.store.reader import LakeReader

TERMINAL = frozenset(
    {
        "FILLED",
        "CANCELLED",
        "REJECTED",
        "INACTIVE",
        "APICANCELLED",
        "EXPIRED",
        "PARTIAL",
        "ROLLED_BACK",
        "STRANDED",
        "REFUSED",
        "SUPERSEDED",
    }
)
"""Order and intent states after which nothing more happens (upper-case)."""
REJECTED_STATES = frozenset({"REJECTED", "INACTIVE", "REFUSED"})


@dataclass(frozen=True, slots=True)
class WorkingOrder:
    """An order still at (or on its way to) the broker; ``age_s`` since it was first journaled,
    ``walk_step`` the price-walk step of its current limit (0 = first price)."""

    order_ref: str
    intent_id: str | None
    strategy_id: str | None
    kind: str | None
    action: str | None
    order_type: str | None
    quantity: int | None
    limit_price: float | None
    status: str
    walk_step: int
    created_at: datetime
    updated_at: datetime
    age_s: float | None
    role: str | None
    tif: str | None


def _frame(reader: LakeReader, table: str) -> pl.DataFrame:
    scan = read_or_empty(reader, table)
    return pl.DataFrame() if scan is None else scan.collect()


def _norm(status: object) -> str:
    return str(status or "").upper().replace(" ", "")


def working_orders(reader: LakeReader, *, as_of: datetime | None = None) -> list[WorkingOrder]:
    """Orders not yet filled, cancelled or rejected, oldest first."""
    orders = _frame(reader, "orders")
    if orders.is_empty():
        return []
    orders = orders.sort(["ts_init", "ts_event"])
    first = {
        r["order_ref"]: r["ts_event"]
        for r in rows(orders.group_by("order_ref", maintain_order=True).first())
    }
    latest = {
        r["order_ref"]: r for r in rows(orders.group_by("order_ref", maintain_order=True).last())
    }
    events = _frame(reader, "order_events")
    last_event: dict[str, Mapping[str, Any]] = {}
    steps: dict[str, int] = {}
    if not events.is_empty():
        events = events.sort(["ts_init", "ts_event"])
        last_event = {
            r["order_ref"]: r
            for r in rows(events.group_by("order_ref", maintain_order=True).last())
        }
        if "walk_step" in events.columns:
            agg = events.group_by("order_ref").agg(pl.col("walk_step").max())
            steps = {
                r["order_ref"]: int(r["walk_step"]) for r in rows(agg) if r["walk_step"] is not None
            }

    def state(ref: str) -> tuple[str, datetime, Mapping[str, Any] | None]:
        row = latest[ref]
        event = last_event.get(ref)
        if event is not None and event["ts_init"] >= row["ts_init"]:
            return _norm(event.get("status")), event["ts_event"], event
        return _norm(row.get("status")), row["ts_event"], event

    parents_with_children = {r.get("parent_ref") for r in latest.values() if r.get("parent_ref")}
    out: list[WorkingOrder] = []
    for ref, row in latest.items():
        status, updated, event = state(ref)
        if status in TERMINAL:
            continue
        parent = row.get("parent_ref")
        if parent and parent in latest and state(parent)[0] in TERMINAL:
            continue
        if not parent and ref in parents_with_children:
            continue  # an intent is shown through the broker orders made for it
        limit = event.get("limit_price") if event is not None else None
        created = first[ref]
        out.append(
            WorkingOrder(
                order_ref=str(ref),
                intent_id=row.get("intent_id"),
                strategy_id=row.get("strategy_id"),
                kind=row.get("kind"),
                action=row.get("action"),
                order_type=row.get("order_type"),
                quantity=row.get("quantity"),
                limit_price=limit if limit is not None else row.get("limit_price"),
                status=status,
                walk_step=steps.get(ref, 0),
                created_at=created,
                updated_at=updated,
                age_s=None if as_of is None else (as_of - created).total_seconds(),
                role=row.get("reason"),
                tif=row.get("tif"),
            )
        )
    out.sort(key=lambda o: o.created_at)
    return out


FILL_COLUMNS = (
    "ts_event",
    "exec_id",
    "order_ref",
    "strategy_id",
    "underlying",
    "expiry",
    "strike",
    "right",
    "side",
    "quantity",
    "price",
    "mid_at_decision",
    "slippage_per_share",
    "slippage_dollars",
    "commission",
)


def fills(reader: LakeReader, *, limit: int | None = 500) -> pl.DataFrame:
    """Executions newest first. Slippage is per share and in dollars, positive when the fill
    was worse than the mid at decision time; computed from ``mid_at_decision`` when the row
    does not carry it."""
    frame = _frame(reader, "executions")
    if frame.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(FILL_COLUMNS, pl.Null))
    for col, dtype in (
        ("mid_at_decision", pl.Float64),
        ("slippage_per_share", pl.Float64),
        ("slippage_dollars", pl.Float64),
        ("multiplier", pl.Int32),
    ):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype).alias(col))
    buy = pl.col("side").str.to_uppercase().is_in(["BOT", "BUY", "B"])
    derived = (
        pl.when(buy)
        .then(pl.col("price") - pl.col("mid_at_decision"))
        .otherwise(pl.col("mid_at_decision") - pl.col("price"))
    )
    frame = (
        frame.unique(subset=["exec_id"], keep="last")
        .with_columns(
            pl.coalesce(pl.col("slippage_per_share"), derived).alias("slippage_per_share")
        )
        .with_columns(
            pl.coalesce(
                pl.col("slippage_dollars"),
                pl.col("slippage_per_share")
                * pl.col("quantity")
                * pl.col("multiplier").cast(pl.Float64).fill_null(100.0),
            ).alias("slippage_dollars")
        )
    )
    frame = frame.sort(["ts_event", "exec_id"], descending=True).select(FILL_COLUMNS)
    return frame if limit is None else frame.head(limit)


REJECTION_COLUMNS = (
    "ts_event",
    "order_ref",
    "strategy_id",
    "status",
    "error_code",
    "message",
    "source",
)


def rejections(reader: LakeReader, *, limit: int | None = 200) -> pl.DataFrame:
    """Broker rejections and errors (``order_events`` with an error code or a rejected state)
    and intents the risk gate or the quote check refused, newest first."""
    parts: list[pl.DataFrame] = []
    events = _frame(reader, "order_events")
    orders = _frame(reader, "orders")
    strategy_of: dict[str, Any] = {}
    if not orders.is_empty():
        strategy_of = {
            r["order_ref"]: r["strategy_id"]
            for r in rows(orders.select("order_ref", "strategy_id").unique("order_ref"))
        }
    if not events.is_empty():
        bad = events.filter(
            pl.col("error_code").is_not_null()
            | pl.col("status").str.to_uppercase().is_in(list(REJECTED_STATES))
        )
        parts.append(
            bad.select(
                "ts_event",
                "order_ref",
                pl.col("order_ref")
                .replace_strict(strategy_of, default=None, return_dtype=pl.String)
                .alias("strategy_id"),
                pl.col("status").cast(pl.String),
                pl.col("error_code").cast(pl.Int64),
                pl.col("message").cast(pl.String),
                pl.lit("broker").alias("source"),
            )
        )
    if not orders.is_empty():
        refused = orders.filter(pl.col("status").str.to_uppercase().is_in(list(REJECTED_STATES)))
        parts.append(
            refused.select(
                "ts_event",
                "order_ref",
                pl.col("strategy_id").cast(pl.String),
                pl.col("status").cast(pl.String),
                pl.lit(None, pl.Int64).alias("error_code"),
                pl.col("reason").cast(pl.String).alias("message"),
                pl.lit("engine").alias("source"),
            )
        )
    if not parts:
        return pl.DataFrame(
            schema={
                "ts_event": pl.Datetime("us", "UTC"),
                "order_ref": pl.String,
                "strategy_id": pl.String,
                "status": pl.String,
                "error_code": pl.Int64,
                "message": pl.String,
                "source": pl.String,
            }
        )
    frame = pl.concat(parts).sort("ts_event", descending=True)
    return frame if limit is None else frame.head(limit)

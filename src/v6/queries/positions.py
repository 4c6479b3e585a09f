"""Open positions as a trader reads them: one view per strategy (type, expiry, DTE, days open,
credit, P&L and % of max profit, max loss, distance of the short strikes from spot, Greeks, the
rule closest to firing) with its legs marked from the latest option snapshots (or, for legs
the journal holds no quote for, model marks at the strategy's own IV), and the expiry ladder.

Times are judged "as of" the newest snapshot in the lake (``lake_time``), so a simulated run
reads the same whether the dashboard looks at it now or next week.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from v6.config.sections import ProfitTargets
from v6.journal.codec import from_row as decision_from_row
from v6.queries.base import read_or_empty, rows
from v6.queries.legs import (
    LegView,
    entry_credit,
    leg_view,
    marked_pnl,
    short_distance,
)
from v6.queries.marks import model_quote
from v6.queries.proximity import RuleProximity, closest_rule
from v6.risk.market import NEW_YORK
from v6.rules.config import RulesConfig
from v6.store.reader import LakeReader

OPEN_STATUSES = ("OPEN", "CLOSING")
QUOTE_LOOKBACK_DAYS = 5
"""Option snapshots older than this many trade dates before the newest are not searched."""


@dataclass(frozen=True, slots=True)
class PositionView:
    """One open strategy. Dollars for money; ``pnl_fraction`` of max profit; distances are
    fractions of spot, positive while the short strike is out of the money; position Greeks
    in ``v6.domain.Greeks`` units (delta in share-equivalents)."""

    strategy_id: str
    strategy_type: str | None
    underlying: str | None
    status: str | None
    units: int | None
    expiry: date | None
    dte: int | None
    days_open: float | None
    credit: float | None
    unrealized_pnl: float | None
    pnl_fraction: float | None
    max_profit: float | None
    max_loss: float | None
    underlying_price: float | None
    short_put_distance: float | None
    short_call_distance: float | None
    delta: float | None
    gamma: float | None
    theta_per_day: float | None
    vega_per_vol_point: float | None
    iv: float | None
    regime: str | None
    snapshot_at: datetime | None
    last_decision_id: str | None
    last_rule: str | None
    last_action: str | None
    proximity: RuleProximity | None
    legs: tuple[LegView, ...]

    @property
    def flagged(self) -> bool:
        return any(leg.flagged for leg in self.legs)


@dataclass(frozen=True, slots=True)
class LadderBucket:
    """Open strategies expiring within ``[min_dte, max_dte]`` days (``max_dte`` None: beyond)."""

    label: str
    min_dte: int
    max_dte: int | None
    strategies: int
    max_loss: float
    unrealized_pnl: float


LADDER: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7),
    ("8-21", 8, 21),
    ("22-45", 22, 45),
    ("45+", 46, None),
)
"""Expiry ladder buckets in DTE ("45+" means more than 45 days)."""


def lake_time(reader: LakeReader) -> datetime | None:
    """The newest ``ts_event`` of the snapshot tables: the engine's "now" as last recorded."""
    found: list[datetime] = []
    for table in ("account_snapshots", "position_snapshots"):
        scan = read_or_empty(reader, table)
        if scan is None:
            continue
        value = scan.select(pl.col("ts_event").max()).collect().item()
        if isinstance(value, datetime):
            found.append(value)
    return max(found, default=None)


def _latest(frame: pl.DataFrame, keys: Sequence[str], order: Sequence[str]) -> pl.DataFrame:
    if frame.is_empty():
        return frame
    return frame.sort(list(order), maintain_order=True).group_by(list(keys)).last()


def open_strategies(reader: LakeReader) -> pl.DataFrame:
    """Current rows of the strategies that are open (or closing)."""
    scan = read_or_empty(reader, "strategies")
    if scan is None:
        return pl.DataFrame()
    frame = _latest(scan.collect(), ["strategy_id"], ["updated_at"])
    if frame.is_empty():
        return frame
    return frame.filter(pl.col("status").str.to_uppercase().is_in(OPEN_STATUSES)).sort(
        ["expiry", "underlying", "strategy_id"], nulls_last=True
    )


def _filtered(reader: LakeReader, table: str, column: str, ids: list[str]) -> pl.DataFrame:
    scan = read_or_empty(reader, table)
    if scan is None or not ids:
        return pl.DataFrame()
    return scan.filter(pl.col(column).is_in(ids)).collect()


_QUOTE_KEYS = ["underlying", "expiry", "strike", "right"]


def _quotes(reader: LakeReader, legs: pl.DataFrame) -> dict[tuple[Any, ...], Mapping[str, Any]]:
    """Latest option snapshot per leg contract (matched by underlying, expiry, strike, right)."""
    scan = read_or_empty(reader, "option_snapshots")
    if scan is None or legs.is_empty():
        return {}
    newest = scan.select(pl.col("trade_date").max()).collect().item()
    if newest is None:
        return {}
    underlyings = legs.get_column("underlying").drop_nulls().unique().to_list()
    expiries = legs.get_column("expiry").drop_nulls().unique().to_list()
    frame = scan.filter(
        (pl.col("trade_date") >= newest - timedelta(days=QUOTE_LOOKBACK_DAYS))
        & pl.col("underlying").is_in(underlyings)
        & pl.col("expiry").is_in(expiries)
    ).collect()
    latest = _latest(frame, _QUOTE_KEYS, ["ts_event", "ts_init"])
    return {tuple(r[k] for k in _QUOTE_KEYS): r for r in rows(latest)}


def _dte(expiry: date | None, snap: Mapping[str, Any], as_of: datetime | None) -> int | None:
    if snap.get("dte_days") is not None:
        return int(snap["dte_days"])
    if expiry is None or as_of is None:
        return None
    return (expiry - as_of.astimezone(NEW_YORK).date()).days


def open_positions(
    reader: LakeReader,
    *,
    rules: RulesConfig | None = None,
    targets: ProfitTargets | None = None,
    as_of: datetime | None = None,
) -> list[PositionView]:
    """Every open strategy with its latest snapshot, marked legs and closest rule, nearest
    expiry first. ``as_of`` defaults to ``lake_time``."""
    strategies = open_strategies(reader)
    if strategies.is_empty():
        return []
    rules, targets = rules or RulesConfig(), targets or ProfitTargets()
    as_of = as_of or lake_time(reader)
    ids = strategies.get_column("strategy_id").to_list()
    legs = _latest(_filtered(reader, "legs", "strategy_id", ids), ["leg_id"], ["updated_at"])
    if not legs.is_empty():
        legs = legs.filter(
            pl.col("status").is_null() | (pl.col("status").str.to_uppercase() != "CLOSED")
        )
    snaps = _latest(
        _filtered(reader, "position_snapshots", "strategy_id", ids),
        ["strategy_id"],
        ["ts_event", "ts_init"],
    )
    decisions = _latest(
        _filtered(reader, "decisions", "strategy_id", ids), ["strategy_id"], ["ts_event", "ts_init"]
    )
    quotes = _quotes(reader, legs)
    snap_by = {r["strategy_id"]: r for r in rows(snaps)}
    dec_by = {r["strategy_id"]: r for r in rows(decisions)}
    legs_by: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows(legs.sort(["strike", "right"], nulls_last=True) if not legs.is_empty() else legs):
        legs_by.setdefault(str(r["strategy_id"]), []).append(r)
    return [
        _position(
            row,
            snap_by.get(row["strategy_id"], {}),
            dec_by.get(row["strategy_id"]),
            legs_by.get(row["strategy_id"], []),
            quotes,
            as_of,
            rules,
            targets,
        )
        for row in rows(strategies)
    ]


def _position(
    row: Mapping[str, Any],
    snap: Mapping[str, Any],
    decision_row: Mapping[str, Any] | None,
    leg_rows: Sequence[Mapping[str, Any]],
    quotes: Mapping[tuple[Any, ...], Mapping[str, Any]],
    as_of: datetime | None,
    rules: RulesConfig,
    targets: ProfitTargets,
) -> PositionView:
    expiry = row.get("expiry")
    dte = _dte(expiry, snap, as_of)
    spot = snap.get("underlying_price")
    if spot is None:
        spot = next(
            (
                q.get("underlying_price")
                for r in leg_rows
                if (q := quotes.get(tuple(r.get(k) for k in _QUOTE_KEYS)))
            ),
            None,
        )
    marked_at = snap.get("ts_event") or as_of

    def quote_of(r: Mapping[str, Any]) -> Mapping[str, Any] | None:
        found = quotes.get(tuple(r.get(k) for k in _QUOTE_KEYS))
        if found is not None:
            return found
        return model_quote(
            r.get("right"),
            r.get("strike"),
            r.get("expiry"),
            spot=spot,
            iv=snap.get("iv"),
            ts=marked_at,
        )

    legs = tuple(leg_view(r, quote_of(r), spot, dte) for r in leg_rows)
    credit = entry_credit(row, legs)
    pnl = snap.get("unrealized_pnl")
    if pnl is None:
        pnl = marked_pnl(legs)
    max_profit = row.get("max_profit")
    frac = snap.get("pnl_fraction_of_max_profit")
    if frac is None and pnl is not None and max_profit:
        frac = pnl / max_profit
    opened = row.get("opened_at")
    days_open = (
        None if opened is None or as_of is None else (as_of - opened).total_seconds() / 86400
    )
    record = None if decision_row is None else decision_from_row(decision_row)
    values: dict[str, float | str | None] = dict(record.decision.inputs) if record else {}
    ours = {
        "pnl": pnl,
        "pnl_fraction": frac,
        "dte": dte,
        "entry_credit": credit,
        "max_loss": row.get("max_loss"),
    }
    values.update({k: v for k, v in ours.items() if v is not None})
    fired = record is not None and not record.decision.is_hold
    proximity = closest_rule(
        values,
        rules,
        targets,
        regime=row.get("regime"),
        fired_rule=record.decision.rule if record and fired else None,
        fired_thresholds=record.decision.thresholds if record else None,
    )
    return PositionView(
        strategy_id=str(row["strategy_id"]),
        strategy_type=row.get("strategy_type"),
        underlying=row.get("underlying"),
        status=row.get("status"),
        units=row.get("quantity"),
        expiry=expiry,
        dte=dte,
        days_open=days_open,
        credit=credit,
        unrealized_pnl=pnl,
        pnl_fraction=frac,
        max_profit=max_profit,
        max_loss=row.get("max_loss"),
        underlying_price=spot,
        short_put_distance=short_distance(legs, "P", spot),
        short_call_distance=short_distance(legs, "C", spot),
        delta=snap.get("delta"),
        gamma=snap.get("gamma"),
        theta_per_day=snap.get("theta_per_day"),
        vega_per_vol_point=snap.get("vega_per_vol_point"),
        iv=snap.get("iv"),
        regime=row.get("regime"),
        snapshot_at=snap.get("ts_event"),
        last_decision_id=None if record is None else record.decision_id,
        last_rule=None if record is None else record.decision.rule,
        last_action=None if record is None else record.decision.action.name,
        proximity=proximity,
        legs=legs,
    )


def expiry_ladder(positions: Sequence[PositionView]) -> list[LadderBucket]:
    """Strategies, max loss and open P&L per DTE bucket (unknown DTE counts as 0-7: unknown
    is treated as urgent)."""
    out: list[LadderBucket] = []
    days = [(p, max(p.dte or 0, 0)) for p in positions]
    for label, low, high in LADDER:
        inside = [p for p, d in days if d >= low and (high is None or d <= high)]
        out.append(
            LadderBucket(
                label,
                low,
                high,
                len(inside),
                sum(p.max_loss or 0.0 for p in inside),
                sum(p.unrealized_pnl or 0.0 for p in inside),
            )
        )
    return out

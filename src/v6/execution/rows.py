"""Every row the execution engine journals, built in one place so the store's table schemas
(``v6.store.schemas``: orders, order_events, executions, strategies, legs) can be matched column
for column. Rows are plain dicts; timestamps are aware UTC datetimes.

Columns the engine would like but the schemas do not have yet are listed in
``PROPOSED_COLUMNS``; ``fit_rows`` drops exactly those when the store does not know them, so
the engine works with today's schemas and records more as soon as the columns exist.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from v6.domain.contracts import OptionContract, Right
from v6.domain.orders import (
    Fill,
    Intent,
    IntentKind,
    LegInstruction,
    Order,
    OrderAction,
    OrderEvent,
    Urgency,
)
from v6.domain.strategy import Strategy, StrategyStatus
from v6.errors import DomainError

Row = dict[str, Any]

INTENDED = "INTENDED"
"""``orders.status`` of an intent row written (durably) before its first order."""
SENDING = "SENDING"
"""``orders.status`` of an order row written (durably) just before ``place_order``."""
REPRICED = "Repriced"
"""``order_events.status`` of a price-walk step (not an IB status: our own event)."""

PROPOSED_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "orders": ("urgency", "decision_id", "mid_at_decision", "stop_price"),
    "order_events": ("walk_step",),
    "executions": (
        "intent_id",
        "multiplier",
        "mid_at_decision",
        "slippage_per_share",
        "slippage_dollars",
    ),
}


def fit_rows(
    table: str, rows: Sequence[Mapping[str, Any]], columns: Mapping[str, frozenset[str]] | None
) -> list[Row]:
    """Drop proposed columns the store does not have (``columns``: known columns per table;
    ``None`` keeps everything). Any other unknown column is left for the store to refuse."""
    proposed = PROPOSED_COLUMNS.get(table, ())
    known = None if columns is None else columns.get(table)
    if known is None or not proposed:
        return [dict(row) for row in rows]
    drop = {c for c in proposed if c not in known}
    return [{k: v for k, v in row.items() if k not in drop} for row in rows]


# -- legs as JSON -------------------------------------------------------------------------------


def contract_dict(contract: OptionContract) -> dict[str, Any]:
    return {
        "symbol": contract.symbol,
        "expiry": contract.expiry.isoformat(),
        "strike": contract.strike,
        "right": contract.right.value,
        "multiplier": contract.multiplier,
        "con_id": contract.con_id,
    }


def contract_from(data: Mapping[str, Any]) -> OptionContract:
    return OptionContract(
        str(data["symbol"]),
        date.fromisoformat(str(data["expiry"])),
        float(data["strike"]),
        Right(str(data["right"])),
        int(data.get("multiplier", 100)),
        None if data.get("con_id") is None else int(data["con_id"]),
    )


def intent_legs_json(intent: Intent) -> str:
    return json.dumps(
        [{**contract_dict(leg.contract), "quantity": leg.quantity} for leg in intent.legs]
    )


def order_legs_json(order: Order) -> str:
    return json.dumps(
        [
            {**contract_dict(leg.contract), "ratio": leg.ratio, "action": leg.action.value}
            for leg in order.legs
        ]
    )


# -- orders -------------------------------------------------------------------------------------


def intent_row(
    intent: Intent,
    *,
    status: str,
    mode: str,
    ts: datetime,
    reason: str | None = None,
    mid_at_decision: float | None = None,
) -> Row:
    """The intent itself (``order_ref == intent_id``, no parent): enough to rebuild it after a
    crash. ``ts_event`` is when the intent was made, ``ts_init`` when this row was written."""
    return {
        "order_ref": intent.intent_id,
        "intent_id": intent.intent_id,
        "strategy_id": intent.strategy_id,
        "kind": intent.kind.value.upper(),
        "limit_price": intent.limit_price,
        "legs_json": intent_legs_json(intent),
        "status": status,
        "mode": mode,
        "reason": intent.reason if reason is None else reason,
        "urgency": intent.urgency.value,
        "decision_id": intent.decision_id,
        "mid_at_decision": mid_at_decision,
        "ts_event": intent.created_at,
        "ts_init": ts,
    }


def order_row(order: Order, intent: Intent, *, mode: str, ts: datetime, role: str) -> Row:
    """One broker order, written durably before it is sent (``parent_ref`` = its intent)."""
    return {
        "order_ref": order.order_ref,
        "intent_id": intent.intent_id,
        "strategy_id": intent.strategy_id,
        "kind": intent.kind.value.upper(),
        "action": order.action.value,
        "order_type": order.order_type.value,
        "limit_price": order.limit_price,
        "stop_price": order.stop_price,
        "quantity": order.quantity,
        "legs_json": order_legs_json(order),
        "tif": order.tif.value,
        "oca_group": order.oca_group,
        "parent_ref": intent.intent_id,
        "status": SENDING,
        "mode": mode,
        "reason": role,
        "urgency": intent.urgency.value,
        "decision_id": intent.decision_id,
        "ts_event": ts,
        "ts_init": ts,
    }


def is_intent_row(row: Mapping[str, Any]) -> bool:
    return row.get("parent_ref") is None and row.get("order_ref") == row.get("intent_id")


def intent_from_row(row: Mapping[str, Any]) -> Intent:
    """Rebuild an intent from its journal row (reconciliation)."""
    legs = tuple(
        LegInstruction(contract_from(item), int(item["quantity"]))
        for item in json.loads(str(row["legs_json"]))
    )
    urgency = row.get("urgency")
    limit = row.get("limit_price")
    created = row["ts_event"]
    if not isinstance(created, datetime):
        raise DomainError(f"journal row {row.get('order_ref')}: ts_event is not a datetime")
    return Intent(
        intent_id=str(row["intent_id"]),
        kind=IntentKind(str(row["kind"]).lower()),
        strategy_id=str(row.get("strategy_id") or ""),
        legs=legs,
        created_at=created,
        urgency=Urgency(str(urgency)) if urgency else Urgency.NORMAL,
        limit_price=None if limit is None or _isnan(limit) else float(limit),
        decision_id=None if row.get("decision_id") is None else str(row["decision_id"]),
        reason=str(row.get("reason") or ""),
    )


def _isnan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


# -- events and executions ----------------------------------------------------------------------


def order_event_row(event: OrderEvent, *, event_id: str, limit_price: float | None) -> Row:
    return {
        "event_id": event_id,
        "order_ref": event.order_ref,
        "broker_order_id": event.broker_order_id,
        "status": event.status.value,
        "filled_quantity": float(event.filled),
        "remaining_quantity": float(event.remaining),
        "avg_fill_price": event.avg_fill_price,
        "limit_price": limit_price,
        "error_code": event.error_code,
        "message": event.message or None,
        "ts_event": event.ts_event,
        "ts_init": event.ts_init,
    }


def walk_row(order: Order, *, step: int, event_id: str, ts: datetime) -> Row:
    """A price-walk step: the order's new limit."""
    return {
        "event_id": event_id,
        "order_ref": order.order_ref,
        "status": REPRICED,
        "limit_price": order.limit_price,
        "message": f"walk step {step}",
        "walk_step": step,
        "ts_event": ts,
        "ts_init": ts,
    }


def slippage_per_share(fill: Fill, mid: float | None) -> float | None:
    """How much worse than the decision-time mid this fill traded, per share (> 0 = cost)."""
    if mid is None:
        return None
    return fill.price - mid if fill.action is OrderAction.BUY else mid - fill.price


def execution_row(
    fill: Fill, *, strategy_id: str | None, intent_id: str | None, mid_at_decision: float | None
) -> Row:
    contract = fill.contract
    slip = slippage_per_share(fill, mid_at_decision)
    return {
        "exec_id": fill.execution_id,
        "order_ref": fill.order_ref,
        "strategy_id": strategy_id,
        "con_id": contract.con_id,
        "symbol": contract.key,
        "underlying": contract.symbol,
        "sec_type": "OPT",
        "expiry": contract.expiry,
        "strike": contract.strike,
        "right": contract.right.value,
        "side": "BOT" if fill.action is OrderAction.BUY else "SLD",
        "quantity": float(fill.quantity),
        "price": fill.price,
        "commission": fill.commission,
        "intent_id": intent_id,
        "multiplier": contract.multiplier,
        "mid_at_decision": mid_at_decision,
        "slippage_per_share": slip,
        "slippage_dollars": None if slip is None else slip * fill.quantity * contract.multiplier,
        "ts_event": fill.ts_event,
        "ts_init": fill.ts_init,
    }


# -- strategies ---------------------------------------------------------------------------------


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def strategy_row(
    strategy: Strategy,
    *,
    ts: datetime,
    intent_id: str | None = None,
    reason: str | None = None,
) -> Row:
    ended = strategy.status in (StrategyStatus.CLOSED, StrategyStatus.ROLLED)
    single = strategy.single_expiry
    return {
        "strategy_id": strategy.strategy_id,
        "strategy_type": strategy.strategy_type.value,
        "underlying": strategy.symbol,
        "status": strategy.status.value.upper(),
        "quantity": strategy.units,
        "entry_intent_id": intent_id if strategy.status is StrategyStatus.OPEN else None,
        "entry_credit_per_unit": strategy.credit_per_unit,
        "max_profit": _finite(strategy.max_profit) if single else None,
        "max_loss": _finite(strategy.max_loss) if single else None,
        "expiry": strategy.expiry,
        "opened_at": strategy.opened_at,
        "closed_at": ts if ended else None,
        "exit_reason": reason if ended else None,
        "metadata_json": json.dumps(dict(strategy.metadata), sort_keys=True, default=str),
        "updated_at": ts,
    }


def leg_rows(strategy: Strategy, *, ts: datetime) -> list[Row]:
    closed = not strategy.is_active
    return [
        {
            "leg_id": f"{strategy.strategy_id}|{leg.contract.key}",
            "strategy_id": strategy.strategy_id,
            "con_id": leg.contract.con_id,
            "symbol": leg.contract.key,
            "underlying": leg.contract.symbol,
            "sec_type": "OPT",
            "expiry": leg.contract.expiry,
            "strike": leg.contract.strike,
            "right": leg.contract.right.value,
            "action": "BUY" if leg.quantity > 0 else "SELL",
            "quantity": leg.quantity,
            "multiplier": leg.contract.multiplier,
            "entry_price": leg.open_price,
            "status": "CLOSED" if closed else "OPEN",
            "opened_at": strategy.opened_at,
            "closed_at": ts if closed else None,
            "updated_at": ts,
        }
        for leg in strategy.legs
    ]

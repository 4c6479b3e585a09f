"""Decisions to and from rows of the ``decisions`` event table.

Inputs and thresholds are stored as JSON objects (``inputs_json``, ``thresholds_json``) so any
rule can record the numbers it saw without a schema change; enums are stored by name
(``CLOSE``, ``IMMEDIATE``) and read back from either name or value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from v6.alerts.codec import parse_enum
from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency

TABLE = "decisions"

InputValue = float | str | None


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A journaled decision: the domain ``Decision`` plus where and when it was recorded.

    ``recorded_at`` is ``ts_init`` (when the journal wrote it; ``decision.ts`` is when the rule
    evaluated); ``intent_id`` links to the order intent it produced, if any.
    """

    decision: Decision
    recorded_at: datetime
    cycle_id: str | None = None
    intent_id: str | None = None
    trade_date: date | None = None

    @property
    def decision_id(self) -> str:
        return self.decision.decision_id


def clean_values(values: Mapping[str, Any]) -> dict[str, InputValue]:
    """JSON-safe inputs: non-finite floats become None (unknown), never NaN; ints and booleans
    stay as they are; anything else is stored as its text."""
    out: dict[str, InputValue] = {}
    for key, value in values.items():
        if value is None or isinstance(value, str | bool):
            out[str(key)] = value
        elif isinstance(value, int | float):
            out[str(key)] = value if math.isfinite(value) else None
        else:
            out[str(key)] = str(value)
    return out


def _dump(values: Mapping[str, Any]) -> str:
    return json.dumps(clean_values(values), allow_nan=False)


def _load(text: object) -> dict[str, InputValue]:
    if not isinstance(text, str) or not text:
        return {}
    try:
        raw = json.loads(text)
    except ValueError:
        return {}
    return clean_values(raw) if isinstance(raw, dict) else {}


def to_row(
    decision: Decision,
    *,
    recorded_at: datetime,
    cycle_id: str | None = None,
    intent_id: str | None = None,
) -> dict[str, Any]:
    """The table row of ``decision``; ``trade_date`` is derived from ``ts_event`` by the store."""
    return {
        "decision_id": decision.decision_id,
        "strategy_id": decision.strategy_id,
        "cycle_id": cycle_id,
        "rule": decision.rule,
        "priority": decision.priority,
        "action": decision.action.name,
        "urgency": decision.urgency.name,
        "inputs_json": _dump(decision.inputs),
        "thresholds_json": _dump(decision.thresholds),
        "reason": decision.reason,
        "data_valid": decision.data_valid,
        "intent_id": intent_id,
        "ts_event": decision.ts,
        "ts_init": recorded_at,
    }


def _utc(ts: object) -> datetime:
    if not isinstance(ts, datetime):
        raise ValueError(f"expected a timestamp, got {ts!r}")
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def from_row(row: Mapping[str, Any]) -> DecisionRecord:
    """Inverse of ``to_row`` for a row read back from the table."""
    ts = _utc(row["ts_event"])
    decision = Decision(
        decision_id=str(row["decision_id"]),
        strategy_id=str(row.get("strategy_id") or ""),
        action=parse_enum(Action, row.get("action") or "HOLD"),
        urgency=parse_enum(Urgency, row.get("urgency") or "NORMAL"),
        rule=str(row.get("rule") or ""),
        priority=int(row.get("priority") or 0),
        ts=ts,
        reason=str(row.get("reason") or ""),
        inputs=_load(row.get("inputs_json")),
        thresholds=_load(row.get("thresholds_json")),
        data_valid=bool(row["data_valid"]) if row.get("data_valid") is not None else True,
    )
    trade_date = row.get("trade_date")
    return DecisionRecord(
        decision=decision,
        recorded_at=_utc(row.get("ts_init") or ts),
        cycle_id=row.get("cycle_id"),
        intent_id=row.get("intent_id"),
        trade_date=trade_date if isinstance(trade_date, date) else None,
    )

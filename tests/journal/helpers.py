"""Decisions for the journal tests, shaped like the ones ``v6.rules`` produces, and a row sink
that validates rows against the real ``decisions`` schema."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.rules import make_decision_id
from v6.store.convert import to_arrow
from v6.store.schemas import TABLES

T0 = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)

CONTEXT: dict[str, float | str | None] = {
    "symbol": "SPY",
    "strategy_type": "iron_condor",
    "expiry": "2026-12-18",
    "units": 1,
    "dte": 32,
    "underlying_price": 601.25,
    "pnl": 155.0,
    "pnl_fraction": 0.41,
    "max_profit": 380.0,
    "max_loss": 620.0,
    "entry_credit": 3.8,
}


def hold(
    strategy_id: str,
    ts: datetime,
    *,
    data_valid: bool = True,
    skipped: str | None = None,
    rule: str = "hold",
) -> Decision:
    inputs = dict(CONTEXT)
    if skipped:
        inputs["skipped_rules"] = skipped
    return Decision(
        decision_id=make_decision_id(strategy_id, ts, rule),
        strategy_id=strategy_id,
        action=Action.HOLD,
        urgency=Urgency.LOW,
        rule=rule,
        priority=0,
        ts=ts,
        reason="no rule fired",
        inputs=inputs,
        data_valid=data_valid,
    )


def trailing_close(strategy_id: str, ts: datetime, *, inputs: bool = True) -> Decision:
    """What the trailing-stop rule decides after three cycles below its trail."""
    values: dict[str, float | str | None] = dict(CONTEXT) if inputs else {}
    values.update({"peak_pnl_fraction": 0.62, "trail_level": 0.45, "breach_cycles": 3})
    if inputs:
        values["pnl_fraction"] = 0.41
    return Decision(
        decision_id=make_decision_id(strategy_id, ts, "trailing_stop"),
        strategy_id=strategy_id,
        action=Action.CLOSE,
        urgency=Urgency.HIGH,
        rule="trailing_stop",
        priority=2,
        ts=ts,
        reason="P&L fell below the trail",
        inputs=values,
        thresholds={"confirm_cycles": 3, "breach_buffer_fraction": 0.05},
    )


@dataclass(slots=True)
class RecordingSink:
    rows: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False

    def buffer(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if self.fail:
            raise OSError("disk full")
        assert table == "decisions"
        to_arrow(TABLES[table], rows)
        self.rows.extend(dict(r) for r in rows)

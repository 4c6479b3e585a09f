"""Every Delta table of the journal, declared once: columns, keys, partitioning, kind, version.

The writer, readers, CLI and migrations all take their table layout from ``TABLES`` so there is
exactly one place to add a column. Adding a *nullable* column and bumping ``version`` is the
supported evolution: the writer merges the new column into existing tables when it opens them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

TableKind = Literal["event", "state"]

TS = pa.timestamp("us", tz="UTC")
"""Every timestamp column: microseconds, UTC (Delta's ``timestamp`` type)."""

SCHEMA_VERSION_PROPERTY = "v6.schemaVersion"
"""Table property holding the spec version the table was last migrated to."""


@dataclass(frozen=True, slots=True)
class TableSpec:
    """Layout of one Delta table.

    ``keys`` identify the entity a row describes. For ``state`` tables they are unique per row
    and form the merge key; for append-only ``event`` tables several rows share a key and the
    entity's current state is the last row by ``order_by`` (``group_by(keys).last()``).
    """

    name: str
    kind: TableKind
    schema: pa.Schema
    keys: tuple[str, ...]
    order_by: str
    description: str
    partition_by: tuple[str, ...] = ()
    zorder_by: tuple[str, ...] = ()
    version: int = 1

    def __post_init__(self) -> None:
        names = set(self.schema.names)
        for group, cols in (
            ("keys", self.keys),
            ("partition_by", self.partition_by),
            ("zorder_by", self.zorder_by),
            ("order_by", (self.order_by,)),
        ):
            missing = [c for c in cols if c not in names]
            if missing:
                raise ValueError(f"table {self.name}: {group} names unknown columns {missing}")
        for col in (*self.keys, *self.partition_by):
            if self.schema.field(col).nullable:
                raise ValueError(f"table {self.name}: key/partition column {col} must be NOT NULL")
        if not self.keys:
            raise ValueError(f"table {self.name}: at least one key column is required")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(self.schema.names)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns declared NOT NULL: keys, partition columns and the timestamps."""
        return tuple(f.name for f in self.schema if not f.nullable)


def _req(name: str, type_: pa.DataType) -> pa.Field:
    return pa.field(name, type_, nullable=False)


def _opt(name: str, type_: pa.DataType) -> pa.Field:
    return pa.field(name, type_, nullable=True)


_STR = pa.string()
_F64 = pa.float64()
_I64 = pa.int64()
_I32 = pa.int32()
_BOOL = pa.bool_()
_DATE = pa.date32()

_EVENT_TAIL = (_req("trade_date", _DATE), _req("ts_event", TS), _req("ts_init", TS))
"""Closing columns of every event row: exchange trade date (America/New_York) and two stamps:
``ts_event`` when it happened at the broker/exchange, ``ts_init`` when we recorded it."""

_GREEKS = (
    _opt("delta", _F64),
    _opt("gamma", _F64),
    _opt("theta_per_day", _F64),
    _opt("vega_per_vol_point", _F64),
)


def _event(
    name: str,
    description: str,
    keys: tuple[str, ...],
    fields: list[pa.Field],
    *,
    partitioned: bool,
    zorder_by: tuple[str, ...] = (),
) -> TableSpec:
    return TableSpec(
        name=name,
        kind="event",
        schema=pa.schema([*fields, *_EVENT_TAIL]),
        keys=keys,
        order_by="ts_init",
        description=description,
        partition_by=("trade_date",) if partitioned else (),
        zorder_by=zorder_by,
    )


def _state(name: str, description: str, keys: tuple[str, ...], fields: list[pa.Field]) -> TableSpec:
    return TableSpec(
        name=name,
        kind="state",
        schema=pa.schema([*fields, _req("updated_at", TS)]),
        keys=keys,
        order_by="updated_at",
        description=description,
    )


STRATEGIES = _state(
    "strategies",
    "Current state of every multi-leg strategy (one row per strategy_id).",
    ("strategy_id",),
    [
        _req("strategy_id", _STR),
        _opt("strategy_type", _STR),  # iron_condor | put_credit_spread | call_credit_spread | ...
        _opt("underlying", _STR),
        _opt("status", _STR),  # PENDING | OPEN | CLOSING | CLOSED | FAILED
        _opt("quantity", _I64),
        _opt("entry_intent_id", _STR),
        _opt("entry_credit_per_unit", _F64),
        _opt("max_profit", _F64),
        _opt("max_loss", _F64),
        _opt("expiry", _DATE),
        _opt("entry_trade_date", _DATE),
        _opt("opened_at", TS),
        _opt("closed_at", TS),
        _opt("exit_reason", _STR),
        _opt("exit_rule", _STR),
        _opt("realized_pnl", _F64),
        _opt("regime", _STR),
        _opt("prediction_id", _STR),
        _opt("metadata_json", _STR),
    ],
)

LEGS = _state(
    "legs",
    "Current state of every option leg (one row per leg_id).",
    ("leg_id",),
    [
        _req("leg_id", _STR),
        _opt("strategy_id", _STR),
        _opt("con_id", _I64),
        _opt("symbol", _STR),
        _opt("underlying", _STR),
        _opt("sec_type", _STR),  # OPT | FOP | STK | FUT
        _opt("expiry", _DATE),
        _opt("strike", _F64),
        _opt("right", _STR),  # C | P
        _opt("action", _STR),  # BUY | SELL
        _opt("quantity", _I64),
        _opt("multiplier", _I32),
        _opt("entry_price", _F64),
        _opt("exit_price", _F64),
        _opt("status", _STR),  # OPEN | CLOSED
        _opt("opened_at", TS),
        _opt("closed_at", TS),
    ],
)

ORDERS = _event(
    "orders",
    "Order intents journalled before they are sent (order_ref is the IB orderRef).",
    ("order_ref",),
    [
        _req("order_ref", _STR),  # deterministic id derived from the intent
        _opt("intent_id", _STR),
        _opt("strategy_id", _STR),
        _opt("kind", _STR),  # OPEN | CLOSE | ROLL | HEDGE | REDUCE
        _opt("action", _STR),  # BUY | SELL
        _opt("order_type", _STR),  # LMT | MKT
        _opt("limit_price", _F64),
        _opt("quantity", _I64),
        _opt("legs_json", _STR),
        _opt("tif", _STR),  # DAY | GTC
        _opt("oca_group", _STR),
        _opt("parent_ref", _STR),
        _opt("broker_order_id", _I64),
        _opt("status", _STR),  # INTENDED | SUBMITTED | ... (latest row wins)
        _opt("mode", _STR),  # sim | paper | live
        _opt("reason", _STR),
        _opt("urgency", _STR),  # IMMEDIATE | HIGH | NORMAL | LOW
        _opt("decision_id", _STR),  # the decision that caused the intent
        _opt("mid_at_decision", _F64),  # net combo mid when decided (slippage base)
        _opt("stop_price", _F64),
    ],
    partitioned=False,
)

ORDER_EVENTS = _event(
    "order_events",
    "Broker order status changes, price walks and errors, one row per event.",
    ("order_ref",),
    [
        _req("event_id", _STR),
        _req("order_ref", _STR),
        _opt("broker_order_id", _I64),
        _opt("perm_id", _I64),
        _opt("status", _STR),  # PendingSubmit | Submitted | Filled | Cancelled | Inactive | ...
        _opt("filled_quantity", _F64),
        _opt("remaining_quantity", _F64),
        _opt("avg_fill_price", _F64),
        _opt("limit_price", _F64),
        _opt("error_code", _I32),
        _opt("message", _STR),
        _opt("walk_step", _I32),  # price-walk step that produced this limit
    ],
    partitioned=False,
)

EXECUTIONS = _event(
    "executions",
    "Fills reported by the broker (exec_id is the broker's execution id).",
    ("exec_id",),
    [
        _req("exec_id", _STR),
        _opt("order_ref", _STR),
        _opt("broker_order_id", _I64),
        _opt("perm_id", _I64),
        _opt("strategy_id", _STR),
        _opt("con_id", _I64),
        _opt("symbol", _STR),
        _opt("underlying", _STR),
        _opt("sec_type", _STR),
        _opt("expiry", _DATE),
        _opt("strike", _F64),
        _opt("right", _STR),
        _opt("side", _STR),  # BOT | SLD
        _opt("quantity", _F64),
        _opt("price", _F64),
        _opt("commission", _F64),
        _opt("realized_pnl", _F64),
        _opt("exchange", _STR),
        _opt("account", _STR),
        _opt("intent_id", _STR),
        _opt("multiplier", _I32),
        _opt("mid_at_decision", _F64),  # leg mid when the intent was decided
        _opt("slippage_per_share", _F64),  # signed: positive = worse than mid
        _opt("slippage_dollars", _F64),
    ],
    partitioned=False,
)

DECISIONS = _event(
    "decisions",
    "Every rule evaluation that decided something: rule, inputs, thresholds and reason.",
    ("decision_id",),
    [
        _req("decision_id", _STR),
        _opt("strategy_id", _STR),
        _opt("cycle_id", _STR),
        _opt("rule", _STR),
        _opt("priority", _I32),
        _opt("action", _STR),  # HOLD | CLOSE | ROLL | HEDGE | REDUCE
        _opt("urgency", _STR),
        _opt("inputs_json", _STR),
        _opt("thresholds_json", _STR),
        _opt("reason", _STR),
        _opt("data_valid", _BOOL),
        _opt("intent_id", _STR),
    ],
    partitioned=True,
)

ALERTS = _event(
    "alerts",
    "Alert lifecycle rows (raised, acknowledged, resolved); latest row per alert_id wins.",
    ("alert_id",),
    [
        _req("alert_id", _STR),
        _opt("alert_type", _STR),
        _opt("severity", _STR),  # INFO | WARNING | CRITICAL
        _opt("key", _STR),  # de-duplication key
        _opt("status", _STR),  # ACTIVE | ACKNOWLEDGED | RESOLVED
        _opt("strategy_id", _STR),
        _opt("message", _STR),
        _opt("data_json", _STR),
    ],
    partitioned=False,
)

POSITION_SNAPSHOTS = _event(
    "position_snapshots",
    "Per-strategy marks, P&L and Greeks, one row per strategy per monitoring cycle.",
    ("strategy_id",),
    [
        _req("strategy_id", _STR),
        _opt("cycle_id", _STR),
        _opt("underlying", _STR),
        _opt("underlying_price", _F64),
        _opt("quantity", _I64),
        _opt("mark", _F64),
        _opt("unrealized_pnl", _F64),
        _opt("pnl_fraction_of_max_profit", _F64),
        *_GREEKS,
        _opt("iv", _F64),
        _opt("dte_days", _I32),
        _opt("data_valid", _BOOL),
    ],
    partitioned=True,
)

OPTION_SNAPSHOTS = _event(
    "option_snapshots",
    "Option quotes with implied vol and Greeks (streamed, queued or simulated).",
    ("con_id",),
    [
        _req("con_id", _I64),
        _req("underlying", _STR),
        _req("expiry", _DATE),
        _req("strike", _F64),
        _req("right", _STR),
        _opt("bid", _F64),
        _opt("ask", _F64),
        _opt("last", _F64),
        _opt("mid", _F64),
        _opt("volume", _I64),
        _opt("open_interest", _I64),
        _opt("iv", _F64),
        *_GREEKS,
        _opt("underlying_price", _F64),
        _opt("source", _STR),  # stream | queue | sim
    ],
    partitioned=True,
    zorder_by=("underlying", "expiry", "strike"),
)

ACCOUNT_SNAPSHOTS = _event(
    "account_snapshots",
    "Account values and portfolio Greeks, one row per monitoring cycle.",
    ("account_id",),
    [
        _req("account_id", _STR),
        _opt("net_liquidation", _F64),
        _opt("cash", _F64),
        _opt("buying_power", _F64),
        _opt("initial_margin", _F64),
        _opt("maintenance_margin", _F64),
        _opt("excess_liquidity", _F64),
        _opt("realized_pnl_day", _F64),
        _opt("unrealized_pnl", _F64),
        _opt("portfolio_delta", _F64),
        _opt("portfolio_gamma", _F64),
        _opt("portfolio_theta_per_day", _F64),
        _opt("portfolio_vega_per_vol_point", _F64),
        _opt("open_strategies", _I32),
    ],
    partitioned=True,
)

FUTURES_SNAPSHOTS = _event(
    "futures_snapshots",
    "ES/NQ/RTY quotes with change metrics used as leading indicators.",
    ("symbol",),
    [
        _req("symbol", _STR),
        _opt("contract_month", _STR),  # YYYYMM of the front contract
        _opt("con_id", _I64),
        _opt("expiry", _DATE),
        _opt("last", _F64),
        _opt("bid", _F64),
        _opt("ask", _F64),
        _opt("volume", _I64),
        _opt("change_1h_pct", _F64),
        _opt("change_4h_pct", _F64),
        _opt("change_overnight_pct", _F64),
        _opt("change_daily_pct", _F64),
        _opt("in_maintenance_window", _BOOL),
        _opt("rolled", _BOOL),
    ],
    partitioned=True,
)

STRATEGY_PREDICTIONS = _state(
    "strategy_predictions",
    "Predictions made at entry and the actual results filled in at exit (variance analysis).",
    ("prediction_id",),
    [
        _req("prediction_id", _STR),
        _opt("strategy_id", _STR),
        _opt("strategy_type", _STR),
        _opt("underlying", _STR),
        _opt("regime", _STR),
        _opt("predicted_pnl", _F64),
        _opt("predicted_return_fraction", _F64),
        _opt("predicted_win_probability", _F64),
        _opt("predicted_max_loss", _F64),
        _opt("predicted_max_profit", _F64),
        _opt("predicted_hold_days", _F64),
        _opt("skew_ratio", _F64),
        _opt("iv_rank", _F64),
        _opt("entered_at", TS),
        _opt("actual_pnl", _F64),
        _opt("actual_return_fraction", _F64),
        _opt("outcome", _STR),  # WIN | LOSS | SCRATCH
        _opt("exit_reason", _STR),
        _opt("exited_at", TS),
    ],
)

POSITION_QUEUE = _state(
    "position_queue",
    "Contracts waiting for a batch snapshot (not streamed); one row per queue item.",
    ("item_id",),
    [
        _req("item_id", _STR),
        _opt("con_id", _I64),
        _opt("symbol", _STR),
        _opt("strategy_id", _STR),
        _opt("priority", _I32),
        _opt("status", _STR),  # PENDING | IN_PROGRESS | DONE | FAILED
        _opt("attempts", _I32),
        _opt("last_error", _STR),
        _opt("enqueued_at", TS),
        _opt("next_attempt_at", TS),
    ],
)

SCHEDULER_TASKS = _state(
    "scheduler_tasks",
    "Scheduled task intervals and their last run (editable without a redeploy).",
    ("task_name",),
    [
        _req("task_name", _STR),
        _opt("description", _STR),
        _opt("interval_seconds", _I64),
        _opt("enabled", _BOOL),
        _opt("last_run_at", TS),
        _opt("next_run_at", TS),
        _opt("last_status", _STR),
        _opt("last_error", _STR),
        _opt("run_count", _I64),
    ],
)

TABLES: Mapping[str, TableSpec] = {
    spec.name: spec
    for spec in (
        STRATEGIES,
        LEGS,
        ORDERS,
        ORDER_EVENTS,
        EXECUTIONS,
        DECISIONS,
        ALERTS,
        POSITION_SNAPSHOTS,
        OPTION_SNAPSHOTS,
        ACCOUNT_SNAPSHOTS,
        FUTURES_SNAPSHOTS,
        STRATEGY_PREDICTIONS,
        POSITION_QUEUE,
        SCHEDULER_TASKS,
    )
}
"""All journal tables by name."""

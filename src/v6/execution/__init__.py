"""Execution: intents to broker orders. Combo (BAG) orders with one net limit, limit-price
walking on the clock, legging with rollback, OCA protective pairs, idempotent order references
and restart reconciliation. Every order passes the ``RiskGate`` first; there is no other path.
"""

from v6.execution.config import (
    ExecutionConfig,
    LeggingOrder,
    ProtectiveConfig,
    UnsentPolicy,
    WalkSchedule,
)
from v6.execution.engine import ExecutionEngine
from v6.execution.legging import uncovered_shorts
from v6.execution.mapping import OrderShape, Role, parse_ref
from v6.execution.ports import AlertSink, GateDecision, JournalReader, QuoteProvider, RiskGate
from v6.execution.results import (
    IntentResult,
    Outcome,
    ReconcileReport,
    StepReport,
    SubmitResult,
)
from v6.execution.walk import NetMarket, net_market, walk_limit

__all__ = [
    "AlertSink",
    "ExecutionConfig",
    "ExecutionEngine",
    "GateDecision",
    "IntentResult",
    "JournalReader",
    "LeggingOrder",
    "NetMarket",
    "OrderShape",
    "Outcome",
    "ProtectiveConfig",
    "QuoteProvider",
    "ReconcileReport",
    "RiskGate",
    "Role",
    "StepReport",
    "SubmitResult",
    "UnsentPolicy",
    "WalkSchedule",
    "net_market",
    "parse_ref",
    "uncovered_shorts",
    "walk_limit",
]

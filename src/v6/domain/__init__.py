"""Immutable domain objects: contracts, legs, strategies, Greeks, quotes, orders, decisions,
alerts and the portfolio. Pure data plus the exact math traders check by hand."""

from v6.domain.alert import Alert, AlertStatus, AlertType, Severity
from v6.domain.contracts import OptionContract, Right
from v6.domain.decision import Action, Decision
from v6.domain.greeks import Greeks
from v6.domain.legs import OptionLeg
from v6.domain.orders import (
    ComboLeg,
    Fill,
    Intent,
    IntentKind,
    LegInstruction,
    Order,
    OrderAction,
    OrderEvent,
    OrderStatus,
    OrderType,
    TimeInForce,
    Urgency,
    make_intent_id,
)
from v6.domain.portfolio import Portfolio, Position
from v6.domain.quote import Quote, QuoteValidity
from v6.domain.regime import Regime
from v6.domain.strategy import Strategy, StrategyStatus, StrategyType, is_credit_type

__all__ = [
    "Action",
    "Alert",
    "AlertStatus",
    "AlertType",
    "ComboLeg",
    "Decision",
    "Fill",
    "Greeks",
    "Intent",
    "IntentKind",
    "LegInstruction",
    "OptionContract",
    "OptionLeg",
    "Order",
    "OrderAction",
    "OrderEvent",
    "OrderStatus",
    "OrderType",
    "Portfolio",
    "Position",
    "Quote",
    "QuoteValidity",
    "Regime",
    "Right",
    "Severity",
    "Strategy",
    "StrategyStatus",
    "StrategyType",
    "TimeInForce",
    "Urgency",
    "is_credit_type",
    "make_intent_id",
]

"""The paper broker: IB order semantics, fills, commissions, margin and expiry over a
simulated market, used by ``sim`` mode, CI and backtests through the ``Broker`` port."""

from v6.broker.sim.broker import (
    ASSIGNMENT_ORDER_REF,
    EXPIRY_ORDER_REF,
    EndOfDayReport,
    PaperBroker,
)
from v6.broker.sim.config import Dividend, PaperBrokerConfig
from v6.broker.sim.quotes import ComboMarket, QuoteSource

__all__ = [
    "ASSIGNMENT_ORDER_REF",
    "EXPIRY_ORDER_REF",
    "ComboMarket",
    "Dividend",
    "EndOfDayReport",
    "PaperBroker",
    "PaperBrokerConfig",
    "QuoteSource",
]

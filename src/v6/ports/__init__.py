"""The ports: the only interfaces through which the core touches the world.

Each is a ``typing.Protocol``. Adapters (IB, the simulator, Delta Lake, notifiers) implement
them; workflows depend only on these. Convention for every query: ``None`` means the query
FAILED (timeout, disconnected, refused) and the caller must not act on it; an empty list or
mapping means the query succeeded and there is nothing there.
"""

from v6.ports.broker import AccountSummary, Broker, BrokerEvent, OpenOrder
from v6.ports.clock import Clock
from v6.ports.market_data import ChainDefinition, MarketData
from v6.ports.notifier import Notifier
from v6.ports.store import Store

__all__ = [
    "AccountSummary",
    "Broker",
    "BrokerEvent",
    "ChainDefinition",
    "Clock",
    "MarketData",
    "Notifier",
    "OpenOrder",
    "Store",
]

"""The small interfaces the execution engine needs besides the Broker, Store and Clock ports:
the risk gate every intent passes, where alerts go, where quotes come from, and how the journal
is read back at a restart. Each is a Protocol so fakes and the real components plug in alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from v6.domain.alert import AlertType, Severity
from v6.domain.contracts import OptionContract
from v6.domain.orders import Intent
from v6.domain.quote import Quote
from v6.ports.store import Row

AlertValue = str | float | int | bool | None


@dataclass(frozen=True, slots=True)
class GateDecision:
    """The risk gate's answer: refused intents never reach the broker; ``reason`` is journaled."""

    approved: bool
    reason: str = ""


@runtime_checkable
class RiskGate(Protocol):
    def check(self, intent: Intent) -> GateDecision:
        """Required. Approve or refuse ``intent`` before any order exists (limits, circuit
        breakers, kill switch). Must not raise for a refusal: return ``approved=False``."""
        ...


@runtime_checkable
class AlertSink(Protocol):
    def raise_alert(
        self,
        alert_type: AlertType,
        severity: Severity,
        key: str,
        message: str,
        data: Mapping[str, AlertValue],
    ) -> object:
        """Required. Record and route an alert; ``key`` de-duplicates repeats. Must not raise.
        Whatever it returns (e.g. the ``Alert`` raised) is ignored."""
        ...


@runtime_checkable
class QuoteProvider(Protocol):
    def quote(self, contract: OptionContract) -> Quote | None:
        """Required. The latest quote of ``contract`` (per share), ``None`` if none. The engine
        validates it (stale, crossed, NaN) before pricing on it. Cheap: called every step."""
        ...


@runtime_checkable
class JournalReader(Protocol):
    def rows(self, table: str) -> Sequence[Row] | None:
        """Required. Every row of a journal table (``orders``, ``executions``) as dicts;
        ``None`` if the table cannot be read (reconciliation then refuses to start trading),
        ``[]`` if it is empty or does not exist yet."""
        ...

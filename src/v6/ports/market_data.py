"""The market-data port, shaped by IB's semantics.

Contracts are qualified first (the broker assigns a conId); quotes come back per contract
key; option chains are a definition (expiries and strikes), with quotes requested only for
the contracts a caller needs, because IB limits streaming lines (~100) and paces snapshots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

from v6.domain.contracts import OptionContract
from v6.domain.quote import Quote


@dataclass(frozen=True, slots=True)
class ChainDefinition:
    """What is listed for one underlying: expiries and, per expiry, the strike grid."""

    symbol: str
    expiries: tuple[date, ...]
    strikes: Mapping[date, tuple[float, ...]]
    multiplier: int = 100


@runtime_checkable
class MarketData(Protocol):
    async def qualify(self, contracts: Sequence[OptionContract]) -> list[OptionContract] | None:
        """Required. The same contracts with ``con_id`` set, in order. Contracts the broker does
        not know are left out of the result. ``None`` if the request failed."""
        ...

    async def chain(self, symbol: str) -> ChainDefinition | None:
        """Required. The listed expiries and strikes of ``symbol``. ``None`` on failure."""
        ...

    async def underlying_quote(self, symbol: str) -> Quote | None:
        """Required. Top of book of the underlying. ``None`` on failure or no data."""
        ...

    async def option_quotes(
        self, contracts: Sequence[OptionContract]
    ) -> Mapping[str, Quote] | None:
        """Required. Quotes keyed by ``contract.key``, with IV and Greeks when the source has
        them. A contract with no quote is absent from the mapping; ``None`` means the whole
        request failed. Callers must still validate every quote (stale, crossed, NaN)."""
        ...

    async def subscribe(self, contracts: Sequence[OptionContract]) -> int | None:
        """Optional (may return the count without streaming). Keep these contracts streaming;
        returns how many lines are in use, ``None`` on failure (e.g. line limit reached)."""
        ...

    async def unsubscribe(self, contracts: Sequence[OptionContract]) -> None:
        """Optional. Release streaming lines; never raises for unknown contracts."""
        ...

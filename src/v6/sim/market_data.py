"""``SimMarketData``: the simulator behind the ``MarketData`` port, so the engine reads the
simulated market through exactly the interface it uses for IB.

Like IB it qualifies contracts (a stable conId per listed contract), lists chains as
definitions, quotes only what is asked for, and limits streaming lines (``max_lines``).
Every answer is at the simulator's current grid step; the runner advances it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from v6.domain.contracts import OptionContract
from v6.domain.quote import Quote
from v6.ports.market_data import ChainDefinition
from v6.sim.market import MarketSimulator
from v6.sim.recorded import con_id_for

DEFAULT_MAX_LINES = 100
"""IB's default market-data line allowance for a retail account."""


class SimMarketData:
    """Async ``MarketData`` adapter over a ``MarketSimulator`` (which the runner advances)."""

    __slots__ = ("_max_lines", "_sim", "_streaming")

    def __init__(self, sim: MarketSimulator, *, max_lines: int = DEFAULT_MAX_LINES) -> None:
        self._sim = sim
        self._max_lines = max_lines
        self._streaming: set[str] = set()

    @property
    def simulator(self) -> MarketSimulator:
        return self._sim

    @property
    def lines_in_use(self) -> int:
        return len(self._streaming)

    async def qualify(self, contracts: Sequence[OptionContract]) -> list[OptionContract] | None:
        """Listed contracts get a stable ``con_id``; unlisted or expired ones are left out."""
        if not self._sim.started:
            return None
        return [c.with_con_id(con_id_for(c.key)) for c in contracts if self._sim.is_listed(c)]

    async def chain(self, symbol: str) -> ChainDefinition | None:
        if not self._sim.started:
            return None
        return self._sim.chain(symbol)

    async def underlying_quote(self, symbol: str) -> Quote | None:
        if not self._sim.started:
            return None
        return self._sim.underlying_quote(symbol)

    async def option_quotes(
        self, contracts: Sequence[OptionContract]
    ) -> Mapping[str, Quote] | None:
        if not self._sim.started:
            return None
        return self._sim.option_quotes(contracts)

    async def subscribe(self, contracts: Sequence[OptionContract]) -> int | None:
        """Reserve streaming lines; ``None`` (nothing reserved) if the limit would be passed."""
        keys = {c.key for c in contracts}
        if len(self._streaming | keys) > self._max_lines:
            return None
        self._streaming |= keys
        return len(self._streaming)

    async def unsubscribe(self, contracts: Sequence[OptionContract]) -> None:
        self._streaming -= {c.key for c in contracts}

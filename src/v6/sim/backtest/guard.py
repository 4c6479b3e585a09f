"""The look-ahead guard: the only market the engine sees in a backtest, which refuses loudly
to answer with anything stamped after the virtual clock's now.

A simulator (synthetic or replayed history) holds more than the present: a whole session's
grid is computed at its open, and a replayed CSV holds every future day. Decision code reads
the market only through the engine's ``MarketFeed``; ``GuardedFeed`` wraps it and checks,
on every read, that the source is not ahead of ``clock.now()``, that a caller asking for a
time (``chain_snapshot(now=...)``) does not ask for the future, and that nothing it returns
is stamped in the future. A violation raises ``LookAheadError`` (a ``HaltError``: nothing in
the engine catches it) instead of a silently too-good backtest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from v6.domain.contracts import OptionContract
from v6.domain.quote import Quote
from v6.errors import HaltError
from v6.ports.clock import Clock
from v6.strategies.chain import ChainSnapshot
from v6.workflows.feed import MarketFeed


class LookAheadError(HaltError):
    """Decision code asked for market data from after the virtual clock's now."""


class GuardedFeed:
    """``MarketFeed`` that never serves data from after ``clock.now()``.

    ``data_time`` says when the wrapped source's data is from (the simulator's current grid
    time); every read first checks it against the clock, so a source that was advanced past
    the clock (a peek at the next step, a replay read ahead) fails the very next read.
    """

    __slots__ = ("_clock", "_data_time", "_feed", "reads")

    def __init__(self, feed: MarketFeed, clock: Clock, data_time: Callable[[], datetime]) -> None:
        self._feed = feed
        self._clock = clock
        self._data_time = data_time
        self.reads = 0
        """Reads served (for tests and the run summary)."""

    # -- the checks -------------------------------------------------------------------------

    def _check(self, what: str) -> datetime:
        now = self._clock.now()
        data = self._data_time()
        if data > now:
            raise LookAheadError(
                f"look-ahead: {what} would read market data from {data.isoformat()} while the "
                f"virtual clock is at {now.isoformat()}"
            )
        self.reads += 1
        return now

    def _asked(self, what: str, when: datetime) -> None:
        now = self._clock.now()
        if when > now:
            raise LookAheadError(
                f"look-ahead: {what} asked for {when.isoformat()}, after the virtual clock's "
                f"{now.isoformat()}"
            )

    @staticmethod
    def _stamped(what: str, quote: Quote | None, now: datetime) -> Quote | None:
        if quote is not None and quote.ts > now:
            raise LookAheadError(
                f"look-ahead: {what} returned a quote stamped {quote.ts.isoformat()} after "
                f"the virtual clock's {now.isoformat()}"
            )
        return quote

    # -- MarketFeed -------------------------------------------------------------------------

    @property
    def rate(self) -> float:
        return self._feed.rate

    def dividend_yield(self, symbol: str) -> float:
        return self._feed.dividend_yield(symbol)

    def spot(self, symbol: str) -> float | None:
        self._check(f"spot({symbol})")
        return self._feed.spot(symbol)

    def vix(self) -> float | None:
        self._check("vix()")
        return self._feed.vix()

    def quotes(self, contracts: Sequence[OptionContract]) -> Mapping[str, Quote]:
        # every quote of one read comes from the source's current step, checked above; the
        # map is built lazily by the simulator, so its entries are not each re-checked here
        self._check(f"quotes({len(contracts)} contracts)")
        return self._feed.quotes(contracts)

    def quote(self, contract: OptionContract) -> Quote | None:
        now = self._check(f"quote({contract.key})")
        return self._stamped(f"quote({contract.key})", self._feed.quote(contract), now)

    def chain_snapshot(
        self,
        symbol: str,
        now: datetime,
        *,
        dte_min: int,
        dte_max: int,
        quote_max_age: timedelta,
        max_moneyness: float,
    ) -> ChainSnapshot | None:
        what = f"chain_snapshot({symbol})"
        self._asked(what, now)
        clock_now = self._check(what)
        chain = self._feed.chain_snapshot(
            symbol,
            now,
            dte_min=dte_min,
            dte_max=dte_max,
            quote_max_age=quote_max_age,
            max_moneyness=max_moneyness,
        )
        if chain is not None and chain.ts > clock_now:
            raise LookAheadError(
                f"look-ahead: {what} returned a chain stamped {chain.ts.isoformat()} after "
                f"the virtual clock's {clock_now.isoformat()}"
            )
        return chain


__all__ = ["GuardedFeed", "LookAheadError"]

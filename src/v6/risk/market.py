"""What the risk core reads about the market at one instant, and time to expiry.

Options expire at the session close (16:00 New York) of their expiry date; ``t_years`` counts
calendar seconds to that instant over a 365-day year, as ``v6.pricing`` and the rules do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from v6.domain.quote import Quote

NEW_YORK = ZoneInfo("America/New_York")
YEAR_SECONDS = 365.0 * 86400.0


@dataclass(frozen=True, slots=True)
class MarketInputs:
    """Spots by symbol and quotes by contract key (``OptionContract.key``) at ``ts``.

    A quote's ``iv`` and ``greeks`` (IB's model values) are used when present and finite;
    otherwise the IV is implied from the mid and the Greeks computed with ``v6.pricing``.
    ``div_yields`` are continuous yields per symbol (absent = 0).
    """

    ts: datetime
    spots: Mapping[str, float]
    quotes: Mapping[str, Quote] = field(default_factory=dict)
    rate: float = 0.04
    div_yields: Mapping[str, float] = field(default_factory=dict)
    quote_max_age: timedelta = timedelta(seconds=10)


class ExpiryClock:
    """Expiry instants (session close on the expiry date, UTC), cached per date."""

    __slots__ = ("_cache", "_close", "_tz")

    def __init__(self, session_close: time = time(16, 0), tz: ZoneInfo = NEW_YORK) -> None:
        self._close = session_close
        self._tz = tz
        self._cache: dict[date, float] = {}

    def close_epoch(self, expiry: date) -> float:
        """Seconds since the epoch of the session close on ``expiry``."""
        cached = self._cache.get(expiry)
        if cached is None:
            cached = datetime.combine(expiry, self._close, self._tz).astimezone(UTC).timestamp()
            self._cache[expiry] = cached
        return cached

    def t_years(self, expiry: date, ts: datetime) -> float:
        """Years (365 days) from ``ts`` to the expiry close, never negative."""
        return max(self.close_epoch(expiry) - ts.timestamp(), 0.0) / YEAR_SECONDS

    def today(self, ts: datetime) -> date:
        """The exchange-local date of ``ts`` (what DTE counts from)."""
        return ts.astimezone(self._tz).date()

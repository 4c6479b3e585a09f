"""Clock implementations: the wall clock for live trading, a virtual clock for sim/backtest.

These are the only places in the package allowed to read the system time.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from v6.errors import DomainError


class WallClock:
    """Real time, UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)


class VirtualClock:
    """Time that moves only when the runner advances it; never goes backwards."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise DomainError("virtual clock: start time must be timezone-aware")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise DomainError("virtual clock: cannot move backwards")
        self._now += delta
        return self._now

    def set(self, when: datetime) -> datetime:
        when = when.astimezone(UTC)
        if when < self._now:
            raise DomainError(f"virtual clock: cannot move backwards to {when.isoformat()}")
        self._now = when
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        # In a single-threaded simulation the runner owns time: jumping is the faithful sleep.
        if when > self._now:
            self._now = when.astimezone(UTC)
        await asyncio.sleep(0)

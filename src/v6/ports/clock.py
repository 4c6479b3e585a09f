"""The clock port: the only source of "now" in the system.

Live code gets a wall clock; the simulator and backtests get a virtual clock the runner
advances, which is what lets a simulated month run in seconds through the same code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """Required. The current time, timezone-aware UTC. Never fails."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Required. Return once ``now() >= when``. A virtual clock returns when the runner
        has advanced past ``when``; a wall clock sleeps."""
        ...

"""When entries may happen: exchange sessions (from the calendar, early closes included),
clipped by the configured windows and the minutes kept clear after the open and before the
close, and scanned at most every ``entry_scan_s``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from v6.sim.calendar import TradingCalendar
from v6.strategies.chain import EXCHANGE_TZ
from v6.workflows.config import EngineConfig


class EntrySchedule:
    """Pure given the clock reading passed in; remembers only the last scan time."""

    __slots__ = ("_bounds", "_cal", "_cfg", "_scan", "_windows", "last_scan")

    def __init__(
        self, calendar: TradingCalendar, cfg: EngineConfig, *, entry_scan_s: float
    ) -> None:
        self._cal = calendar
        self._cfg = cfg
        self._windows: tuple[tuple[time, time], ...] = cfg.windows()
        self._scan = timedelta(seconds=entry_scan_s)
        self._bounds: dict[date, tuple[datetime, datetime] | None] = {}
        self.last_scan: datetime | None = None

    def _session(self, day: date) -> tuple[datetime, datetime] | None:
        if day not in self._bounds:
            if len(self._bounds) > 64:
                self._bounds.clear()
            bounds = None
            if self._cal.is_session(day):
                o, c = self._cal.open_close(day)
                bounds = (
                    o + timedelta(minutes=self._cfg.skip_after_open_minutes),
                    c - timedelta(minutes=self._cfg.skip_before_close_minutes),
                )
            self._bounds[day] = bounds
        return self._bounds[day]

    def allowed(self, now: datetime) -> bool:
        """Inside a session's entry part and one of the windows."""
        local = now.astimezone(EXCHANGE_TZ)
        bounds = self._session(local.date())
        if bounds is None or not bounds[0] <= now <= bounds[1]:
            return False
        t = local.time()
        return any(start <= t <= end for start, end in self._windows)

    def due(self, now: datetime) -> bool:
        """Allowed now and at least ``entry_scan_s`` since the last scan."""
        if not self.allowed(now):
            return False
        return self.last_scan is None or now - self.last_scan >= self._scan

    def mark(self, now: datetime) -> None:
        self.last_scan = now


__all__ = ["EntrySchedule"]

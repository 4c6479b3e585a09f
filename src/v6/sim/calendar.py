"""Exchange trading calendar for the simulator and the scheduler: sessions, holidays, early
closes and intraday grids, built once from ``exchange_calendars`` and then served from arrays.

``exchange_calendars`` is slow per call and only knows a bounded range of dates, so the whole
schedule for ``CALENDAR_FIRST_DAY`` .. ``CALENDAR_LAST_DAY`` (2000-01-01 .. 2035-12-31, which
covers recorded history and simulations a decade ahead of today) is loaded once per process and
per calendar name; every query after that is a dict lookup or a binary search. A date outside
that range raises ``DomainError`` rather than silently answering "closed".
"""

from __future__ import annotations

import bisect
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo

import exchange_calendars as xcals  # type: ignore[import-untyped]

from v6.errors import DomainError

NY: Final = ZoneInfo("America/New_York")
CALENDAR_FIRST_DAY: Final = date(2000, 1, 1)
CALENDAR_LAST_DAY: Final = date(2035, 12, 31)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _Schedule:
    """Every session of one calendar as parallel tuples (sorted by day)."""

    days: tuple[date, ...]
    ordinals: tuple[int, ...]
    open_epoch_s: tuple[int, ...]
    close_epoch_s: tuple[int, ...]
    index: dict[date, int]


def build_exchange_calendar(name: str) -> Any:
    """The ``exchange_calendars`` object for ``name`` over the supported range.

    exchange_calendars 4.x reads ``Series.values`` on tz-aware data, which pandas >= 3.1
    deprecates with a ``DeprecationWarning``; the values it gets are still correct (UTC), so
    that one warning is silenced here rather than failing every caller run with warnings
    as errors.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return xcals.get_calendar(
            name, start=CALENDAR_FIRST_DAY.isoformat(), end=CALENDAR_LAST_DAY.isoformat()
        )


@lru_cache(maxsize=4)
def _load_schedule(name: str) -> _Schedule:
    """Build the schedule once per process; ``exchange_calendars`` costs ~0.2 s per build."""
    try:
        cal: Any = build_exchange_calendar(name)
    except Exception as exc:  # unknown names raise library-specific errors
        raise DomainError(f"trading calendar {name!r} is not available: {exc}") from exc
    sched: Any = cal.schedule
    days = tuple(ts.date() for ts in sched.index)
    opens = tuple(int(ts.timestamp()) for ts in sched["open"])
    closes = tuple(int(ts.timestamp()) for ts in sched["close"])
    return _Schedule(
        days=days,
        ordinals=tuple(d.toordinal() for d in days),
        open_epoch_s=opens,
        close_epoch_s=closes,
        index={d: i for i, d in enumerate(days)},
    )


def _utc(epoch_s: int) -> datetime:
    return _EPOCH + timedelta(seconds=epoch_s)


class TradingCalendar:
    """Sessions of one exchange (default ``XNYS``: 09:30-16:00 New York, 13:00 early closes).

    All datetimes returned are UTC-aware; all ``date`` arguments are exchange-local days.
    """

    __slots__ = ("_s", "name")

    def __init__(self, name: str = "XNYS") -> None:
        self.name = name
        self._s = _load_schedule(name)

    # ---- range handling -------------------------------------------------------------------
    def _check(self, day: date) -> None:
        if not CALENDAR_FIRST_DAY <= day <= CALENDAR_LAST_DAY:
            raise DomainError(
                f"{day.isoformat()} is outside the trading calendar's range "
                f"{CALENDAR_FIRST_DAY.isoformat()}..{CALENDAR_LAST_DAY.isoformat()}"
            )

    def _position(self, day: date) -> int:
        """Index of ``day`` in the session list; raises if it is not a session."""
        self._check(day)
        i = self._s.index.get(day)
        if i is None:
            raise DomainError(f"{day.isoformat()} is not a {self.name} trading session")
        return i

    # ---- sessions ---------------------------------------------------------------------------
    @property
    def first_session(self) -> date:
        return self._s.days[0]

    @property
    def last_session(self) -> date:
        return self._s.days[-1]

    def is_session(self, day: date) -> bool:
        self._check(day)
        return day in self._s.index

    def sessions(self, start: date, end: date) -> list[date]:
        """Sessions from ``start`` to ``end``, both inclusive (empty when ``end < start``)."""
        self._check(start)
        self._check(end)
        lo = bisect.bisect_left(self._s.ordinals, start.toordinal())
        hi = bisect.bisect_right(self._s.ordinals, end.toordinal())
        return list(self._s.days[lo:hi])

    def sessions_from(self, start: date, count: int) -> list[date]:
        """The first ``count`` sessions on or after ``start`` (a simulation's horizon)."""
        self._check(start)
        if count < 0:
            raise DomainError(f"session count must be >= 0, got {count}")
        lo = bisect.bisect_left(self._s.ordinals, start.toordinal())
        if lo + count > len(self._s.days):
            raise DomainError(
                f"{count} sessions from {start.isoformat()} run past the calendar's last day "
                f"{CALENDAR_LAST_DAY.isoformat()}"
            )
        return list(self._s.days[lo : lo + count])

    def next_session(self, day: date) -> date:
        """The first session strictly after ``day``."""
        self._check(day)
        i = bisect.bisect_right(self._s.ordinals, day.toordinal())
        if i >= len(self._s.days):
            raise DomainError(f"no {self.name} session after {day.isoformat()} in range")
        return self._s.days[i]

    def previous_session(self, day: date) -> date:
        """The last session strictly before ``day``."""
        self._check(day)
        i = bisect.bisect_left(self._s.ordinals, day.toordinal()) - 1
        if i < 0:
            raise DomainError(f"no {self.name} session before {day.isoformat()} in range")
        return self._s.days[i]

    def session_of(self, ts: datetime) -> date | None:
        """The session whose open..close contains ``ts`` (close inclusive), else ``None``."""
        day = _require_aware(ts).astimezone(NY).date()
        i = self._s.index.get(day) if CALENDAR_FIRST_DAY <= day <= CALENDAR_LAST_DAY else None
        if i is None:
            return None
        t = int((ts - _EPOCH).total_seconds())
        return day if self._s.open_epoch_s[i] <= t <= self._s.close_epoch_s[i] else None

    # ---- intraday ---------------------------------------------------------------------------
    def open_close(self, day: date) -> tuple[datetime, datetime]:
        """UTC open and close of a session; early closes (13:00 New York) are honoured."""
        i = self._position(day)
        return _utc(self._s.open_epoch_s[i]), _utc(self._s.close_epoch_s[i])

    def session_minutes(self, day: date) -> int:
        """Length of the session in minutes (390 normally, 210 on an early close)."""
        i = self._position(day)
        return (self._s.close_epoch_s[i] - self._s.open_epoch_s[i]) // 60

    def is_open(self, ts: datetime) -> bool:
        """Whether the cash market trades at ``ts``: open <= ts < close."""
        day = _require_aware(ts).astimezone(NY).date()
        self._check(day)
        i = self._s.index.get(day)
        if i is None:
            return False
        t = (ts - _EPOCH).total_seconds()
        return self._s.open_epoch_s[i] <= t < self._s.close_epoch_s[i]

    def session_times(self, day: date, step: timedelta) -> list[datetime]:
        """Grid ``open, open+step, ...`` ending with the close (added if not on the grid)."""
        step_s = step.total_seconds()
        if step_s <= 0 or step_s != int(step_s):
            raise DomainError(f"grid step must be a positive whole number of seconds: {step}")
        i = self._position(day)
        o, c = self._s.open_epoch_s[i], self._s.close_epoch_s[i]
        times = [_utc(t) for t in range(o, c, int(step_s))]
        times.append(_utc(c))
        return times


def _require_aware(ts: datetime) -> datetime:
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise DomainError(f"timestamp must be timezone-aware: {ts.isoformat()}")
    return ts

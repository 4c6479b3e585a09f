"""Equity index futures facts the simulator (and ``v6.futures``) rely on: quarterly contracts
(H, M, U, Z) expiring on the third Friday, the roll date before expiry, CME Globex hours
(Sunday 18:00 to Friday 17:00 New York with a daily 17:00-18:00 maintenance break) and the
cost-of-carry fair value ``F = index * exp((r - q) * T)``.

Simplifications, documented: CME holiday halts are not modelled (Globex is treated as open
whenever it is not the weekend or the maintenance hour); expiry is the third Friday's open
(the special opening quotation), moved to the previous session if that Friday is a holiday.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from v6.errors import DomainError
from v6.sim.calendar import NY, TradingCalendar

MONTH_CODES: Final[dict[int, str]] = {3: "H", 6: "M", 9: "U", 12: "Z"}
"""Quarterly contract months and their CME month codes."""
DEFAULT_ROLL_DAYS: Final = 8
MAINTENANCE_START: Final = time(17, 0)
MAINTENANCE_END: Final = time(18, 0)
_EXPIRY_TIME: Final = time(9, 30)
_SECONDS_PER_YEAR: Final = 365.0 * 86_400.0


@dataclass(frozen=True, slots=True)
class FuturesContract:
    """One quarterly contract, e.g. ``ES`` December 2026 (``ESZ6``)."""

    root: str
    year: int
    month: int
    expiry: date

    @property
    def month_code(self) -> str:
        return MONTH_CODES[self.month]

    @property
    def symbol(self) -> str:
        """IB/CME local symbol with a one-digit year, e.g. ``ESZ6``."""
        return f"{self.root}{self.month_code}{self.year % 10}"

    @property
    def expiry_ts(self) -> datetime:
        """Final settlement time (UTC): the open of the expiry session."""
        return datetime.combine(self.expiry, _EXPIRY_TIME, tzinfo=NY).astimezone(UTC)


def third_friday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 14)


def contract(
    root: str, year: int, month: int, calendar: TradingCalendar | None = None
) -> FuturesContract:
    """The ``root`` contract for a quarterly month; a holiday expiry moves to the session before."""
    if month not in MONTH_CODES:
        raise DomainError(f"{root}: futures months are 3, 6, 9, 12, not {month}")
    expiry = third_friday(year, month)
    if calendar is not None and not calendar.is_session(expiry):
        expiry = calendar.previous_session(expiry)
    return FuturesContract(root, year, month, expiry)


def roll_date(c: FuturesContract, days_before: int = DEFAULT_ROLL_DAYS) -> date:
    """First day on which the next contract is the front month (expiry minus 8 days: a Thursday)."""
    return c.expiry - timedelta(days=days_before)


def front_month(
    root: str,
    day: date,
    *,
    roll_days_before_expiry: int = DEFAULT_ROLL_DAYS,
    calendar: TradingCalendar | None = None,
) -> FuturesContract:
    """The most liquid contract on ``day``: the nearest one whose roll date is still ahead."""
    year, month = day.year, ((day.month - 1) // 3 + 1) * 3
    for _ in range(3):
        c = contract(root, year, month, calendar)
        if day < roll_date(c, roll_days_before_expiry):
            return c
        year, month = (year + 1, 3) if month == 12 else (year, month + 3)
    raise DomainError(f"{root}: no front month found for {day.isoformat()}")  # pragma: no cover


def _ny(ts: datetime) -> datetime:
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise DomainError(f"timestamp must be timezone-aware: {ts.isoformat()}")
    return ts.astimezone(NY)


def in_maintenance_window(ts: datetime) -> bool:
    """Whether ``ts`` falls in Globex's daily 17:00-18:00 New York halt, Monday to Thursday
    (start inclusive). Friday 17:00 to Sunday 18:00 is the weekly close, not maintenance."""
    local = _ny(ts)
    return local.weekday() <= 3 and MAINTENANCE_START <= local.time() < MAINTENANCE_END


def futures_trading(ts: datetime) -> bool:
    """Whether Globex equity futures trade at ``ts``: Sun 18:00 to Fri 17:00 NY, less the halt."""
    local = _ny(ts)
    wd, t = local.weekday(), local.time()
    weekly_close = (
        wd == 5 or (wd == 6 and t < MAINTENANCE_END) or (wd == 4 and t >= MAINTENANCE_START)
    )
    return not weekly_close and not in_maintenance_window(ts)


def years_to_expiry(c: FuturesContract, ts: datetime) -> float:
    """ACT/365 year fraction from ``ts`` to final settlement (0 after it)."""
    return max((c.expiry_ts - ts).total_seconds(), 0.0) / _SECONDS_PER_YEAR


def fair_value(
    index_level: float, c: FuturesContract, ts: datetime, rate: float, dividend_yield: float
) -> float:
    """Cost-of-carry price: ``index * exp((r - q) * T)``; the basis shrinks to 0 at expiry."""
    return index_level * math.exp((rate - dividend_yield) * years_to_expiry(c, ts))

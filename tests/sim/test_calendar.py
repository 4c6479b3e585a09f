"""Trading calendar facts on known dates, DST, early closes, grids and range errors."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.errors import DomainError
from v6.sim.calendar import (
    CALENDAR_FIRST_DAY,
    CALENDAR_LAST_DAY,
    NY,
    TradingCalendar,
    build_exchange_calendar,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_thanksgiving_2026_is_closed_and_the_day_after_closes_early(
    calendar: TradingCalendar,
) -> None:
    assert not calendar.is_session(date(2026, 11, 26))
    open_, close = calendar.open_close(date(2026, 11, 27))
    assert close.astimezone(NY).time().hour == 13
    assert close == utc(2026, 11, 27, 18, 0)
    assert open_ == utc(2026, 11, 27, 14, 30)
    assert calendar.session_minutes(date(2026, 11, 27)) == 210


def test_independence_day_observed_on_friday_july_3_2026(calendar: TradingCalendar) -> None:
    assert not calendar.is_session(date(2026, 7, 3))
    assert calendar.next_session(date(2026, 7, 2)) == date(2026, 7, 6)
    assert calendar.previous_session(date(2026, 7, 6)) == date(2026, 7, 2)


@pytest.mark.parametrize(
    ("day", "open_utc_hour"),
    [
        (date(2026, 3, 6), 14),  # Friday before DST starts (8 March): EST, UTC-5
        (date(2026, 3, 9), 13),  # Monday after: EDT, UTC-4
        (date(2026, 10, 30), 13),  # Friday before DST ends (1 November): EDT
        (date(2026, 11, 2), 14),  # Monday after: EST
        (date(2026, 1, 5), 14),
        (date(2026, 7, 6), 13),
    ],
)
def test_open_follows_daylight_saving_time(
    calendar: TradingCalendar, day: date, open_utc_hour: int
) -> None:
    open_, close = calendar.open_close(day)
    assert (open_.hour, open_.minute) == (open_utc_hour, 30)
    assert close - open_ == timedelta(hours=6, minutes=30)
    assert open_.astimezone(NY).time().isoformat() == "09:30:00"


def test_sessions_are_inclusive_and_skip_weekends_and_holidays(calendar: TradingCalendar) -> None:
    week = calendar.sessions(date(2026, 11, 23), date(2026, 11, 29))
    assert week == [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 27)]
    assert calendar.sessions(date(2026, 11, 27), date(2026, 11, 27)) == [date(2026, 11, 27)]
    assert calendar.sessions(date(2026, 11, 28), date(2026, 11, 27)) == []
    assert calendar.sessions_from(date(2026, 11, 26), 2) == [date(2026, 11, 27), date(2026, 11, 30)]


def test_next_and_previous_are_strict(calendar: TradingCalendar) -> None:
    assert calendar.next_session(date(2026, 11, 25)) == date(2026, 11, 27)
    assert calendar.previous_session(date(2026, 11, 27)) == date(2026, 11, 25)
    assert calendar.next_session(date(2026, 11, 28)) == date(2026, 11, 30)  # Saturday


def test_is_open_is_half_open_on_the_session(calendar: TradingCalendar) -> None:
    open_, close = calendar.open_close(date(2026, 11, 27))
    assert calendar.is_open(open_)
    assert calendar.is_open(close - timedelta(microseconds=1))
    assert not calendar.is_open(close)  # early close: 13:00 NY
    assert not calendar.is_open(open_ - timedelta(seconds=1))
    assert not calendar.is_open(utc(2026, 11, 26, 16, 0))  # Thanksgiving midday
    assert not calendar.is_open(utc(2026, 11, 28, 16, 0))  # Saturday


def test_session_times_cover_open_to_close(calendar: TradingCalendar) -> None:
    day = date(2026, 3, 9)
    grid = calendar.session_times(day, timedelta(minutes=5))
    open_, close = calendar.open_close(day)
    assert grid[0] == open_
    assert grid[-1] == close
    assert len(grid) == 79
    assert all(b - a == timedelta(minutes=5) for a, b in itertools.pairwise(grid))
    early = calendar.session_times(date(2026, 11, 27), timedelta(minutes=5))
    assert len(early) == 43
    assert early[-1] == utc(2026, 11, 27, 18, 0)


def test_session_times_with_uneven_step_end_on_the_close(calendar: TradingCalendar) -> None:
    grid = calendar.session_times(date(2026, 3, 9), timedelta(minutes=7))
    steps = [b - a for a, b in itertools.pairwise(grid)]
    assert all(s == timedelta(minutes=7) for s in steps[:-1])
    assert timedelta(0) < steps[-1] <= timedelta(minutes=7)
    whole_day = calendar.session_times(date(2026, 3, 9), timedelta(days=1))
    assert whole_day == list(calendar.open_close(date(2026, 3, 9)))


def test_session_of_maps_grid_times_to_their_day(calendar: TradingCalendar) -> None:
    assert calendar.session_of(utc(2026, 11, 27, 18, 0)) == date(2026, 11, 27)
    assert calendar.session_of(utc(2026, 11, 27, 18, 1)) is None


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.is_session(date(1999, 12, 31)),
        lambda c: c.open_close(date(2036, 1, 2)),
        lambda c: c.open_close(date(2026, 11, 26)),  # a holiday has no open
        lambda c: c.is_open(datetime(2026, 1, 5, 15, 0)),  # naive timestamp
        lambda c: c.session_times(date(2026, 1, 5), timedelta(0)),
        lambda c: c.sessions_from(date(2035, 12, 1), 100),
        lambda c: c.next_session(CALENDAR_LAST_DAY),
        lambda c: c.previous_session(date(2000, 1, 3)),
    ],
)
def test_out_of_range_and_invalid_queries_raise_domain_error(
    calendar: TradingCalendar, call: object
) -> None:
    with pytest.raises(DomainError):
        call(calendar)  # type: ignore[operator]


def test_unknown_calendar_name_is_refused() -> None:
    with pytest.raises(DomainError, match="not available"):
        TradingCalendar("NOPE")


_REFERENCE = build_exchange_calendar("XNYS")  # the library itself, queried per call


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2000, 1, 4), max_value=date(2035, 12, 28)))
def test_cached_calendar_agrees_with_exchange_calendars(day: date) -> None:
    cal = TradingCalendar()
    assert cal.is_session(day) == bool(_REFERENCE.is_session(day.isoformat()))
    nxt = cal.next_session(day)
    prev = cal.previous_session(day)
    assert prev < day < nxt
    assert cal.is_session(nxt)
    assert cal.is_session(prev)
    assert cal.sessions(prev, nxt)[1:-1] == ([day] if cal.is_session(day) else [])
    if cal.is_session(day):
        open_, close = cal.open_close(day)
        assert open_ == _REFERENCE.session_open(day.isoformat()).to_pydatetime()
        assert close == _REFERENCE.session_close(day.isoformat()).to_pydatetime()
    assert prev >= CALENDAR_FIRST_DAY


def test_first_and_last_sessions_bound_the_range(calendar: TradingCalendar) -> None:
    assert calendar.first_session == date(2000, 1, 3)
    assert calendar.last_session <= CALENDAR_LAST_DAY

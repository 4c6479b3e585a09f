"""Futures contract calendar, Globex hours, cost of carry, and the simulated futures' lead
over the cash index."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from v6.errors import DomainError
from v6.sim.calendar import NY, TradingCalendar
from v6.sim.config import FuturesConfig, SimConfig
from v6.sim.futures import (
    contract,
    fair_value,
    front_month,
    futures_trading,
    in_maintenance_window,
    roll_date,
    third_friday,
    years_to_expiry,
)
from v6.sim.paths import MarketPath


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


def test_quarterly_expiries_are_third_fridays() -> None:
    assert [third_friday(2026, m) for m in (3, 6, 9, 12)] == [
        date(2026, 3, 20),
        date(2026, 6, 19),
        date(2026, 9, 18),
        date(2026, 12, 18),
    ]
    es = contract("ES", 2026, 12)
    assert es.symbol == "ESZ6"
    assert es.month_code == "Z"
    assert es.expiry_ts == ny(2026, 12, 18, 9, 30).astimezone(UTC)


def test_roll_is_the_thursday_eight_days_before_expiry() -> None:
    z6 = contract("ES", 2026, 12)
    assert roll_date(z6) == date(2026, 12, 10)
    assert roll_date(z6).weekday() == 3
    assert front_month("ES", date(2026, 12, 9)).symbol == "ESZ6"
    assert front_month("ES", date(2026, 12, 10)).symbol == "ESH7"
    assert front_month("NQ", date(2026, 1, 5)).symbol == "NQH6"
    assert front_month("RTY", date(2026, 3, 12)).symbol == "RTYM6"


def test_holiday_expiry_moves_to_the_previous_session(calendar: TradingCalendar) -> None:
    # 21 March 2008, the third Friday, was Good Friday: the exchange was closed.
    assert contract("ES", 2008, 3).expiry == date(2008, 3, 21)
    assert contract("ES", 2008, 3, calendar).expiry == date(2008, 3, 20)


def test_only_quarterly_months_exist() -> None:
    with pytest.raises(DomainError):
        contract("ES", 2026, 2)


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2035, 9, 1)))
def test_front_month_is_the_nearest_contract_not_yet_rolled(day: date) -> None:
    c = front_month("ES", day)
    assert c.month in (3, 6, 9, 12)
    assert day < roll_date(c)
    assert c.expiry - day <= timedelta(weeks=14, days=8)  # third Fridays are 13-14 weeks apart
    # The contract before it has already rolled.
    prev_year, prev_month = (c.year - 1, 12) if c.month == 3 else (c.year, c.month - 3)
    assert roll_date(contract("ES", prev_year, prev_month)) <= day


@pytest.mark.parametrize(
    ("ts", "maintenance", "trading"),
    [
        (ny(2026, 1, 7, 16, 59), False, True),
        (ny(2026, 1, 7, 17, 0), True, False),
        (ny(2026, 1, 7, 17, 59), True, False),
        (ny(2026, 1, 7, 18, 0), False, True),
        (ny(2026, 7, 8, 17, 30), True, False),  # summer: 21:30 UTC
        (ny(2026, 1, 7, 3, 0), False, True),  # overnight Globex
        (ny(2026, 1, 9, 16, 59), False, True),  # Friday before the weekly close
        (ny(2026, 1, 9, 18, 30), False, False),  # Friday evening: weekend
        (ny(2026, 1, 10, 12, 0), False, False),  # Saturday
        (ny(2026, 1, 11, 17, 59), False, False),  # Sunday before the open
        (ny(2026, 1, 11, 18, 0), False, True),  # Sunday open
    ],
)
def test_globex_hours_and_maintenance_window(
    ts: datetime, maintenance: bool, trading: bool
) -> None:
    assert in_maintenance_window(ts) is maintenance
    assert in_maintenance_window(ts.astimezone(UTC)) is maintenance
    assert futures_trading(ts) is trading


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(DomainError):
        in_maintenance_window(datetime(2026, 1, 7, 17, 30))


def test_basis_is_carry_and_converges_at_expiry() -> None:
    c = contract("ES", 2026, 12)
    far = fair_value(6000.0, c, ny(2026, 9, 21, 10, 0), rate=0.04, dividend_yield=0.013)
    near = fair_value(6000.0, c, ny(2026, 12, 10, 10, 0), rate=0.04, dividend_yield=0.013)
    assert 6000.0 < near < far
    assert far == pytest.approx(6000.0 * math.exp(0.027 * years_to_expiry(c, ny(2026, 9, 21, 10))))
    assert fair_value(6000.0, c, c.expiry_ts, rate=0.04, dividend_yield=0.013) == 6000.0
    inverted = fair_value(6000.0, c, ny(2026, 9, 21, 10, 0), rate=0.01, dividend_yield=0.03)
    assert inverted < 6000.0


def _returns(path: MarketPath, days: int) -> tuple[np.ndarray, np.ndarray]:
    ss = path.sessions(days)
    fut = np.concatenate([np.diff(np.log(s.futures[0])) for s in ss])
    spot = np.concatenate([np.diff(np.log(s.spot[0])) for s in ss])
    return fut, spot


def _cross_corr(lead: np.ndarray, lag: np.ndarray, max_lag: int) -> list[float]:
    """corr(lead_t, lag_{t+k}) for k = 0 .. max_lag."""
    n = lead.size
    return [float(np.corrcoef(lead[: n - k], lag[k:])[0, 1]) for k in range(max_lag + 1)]


@pytest.mark.parametrize(("step", "lead", "peak"), [(1, 3.0, 3), (5, 5.0, 1), (5, 10.0, 2)])
def test_futures_lead_the_index(make_cfg: object, step: int, lead: float, peak: int) -> None:
    """Cross-correlation of grid returns peaks at the configured lead, found from data alone."""
    cfg = SimConfig(seed=3, step_minutes=step, futures=FuturesConfig(lead_minutes=lead))
    fut, spot = _returns(MarketPath(cfg), 10 if step == 1 else 30)
    cc = _cross_corr(fut, spot, 6)
    assert int(np.argmax(cc)) == peak
    assert cc[peak] > 0.8
    backwards = _cross_corr(spot, fut, 6)[1:]  # the index does not lead the futures
    assert max(backwards) < 0.2


def test_futures_track_their_index_with_carry() -> None:
    path = MarketPath(SimConfig(seed=5))
    for s in path.sessions(30):
        es, spy = s.futures[0], s.spot[0]
        ratio = es / (10.0 * spy)
        # Carry is a few tenths of a percent; the 5-minute lead adds noise of the same order.
        assert np.all(np.abs(ratio - 1.0) < 0.02)
        implied = 10.0 * np.exp(s.latent_log[0])
        basis = es / implied
        assert np.all(basis >= 1.0)  # r > q in the default market: contango
        assert np.all(np.diff(basis) <= 1e-12)  # carry shrinks through the day


def test_path_rolls_front_month_on_the_roll_date() -> None:
    path = MarketPath(SimConfig(start_date=date(2026, 3, 9), step_minutes=390))
    by_day = {s.day: s.contracts[0].symbol for s in path.sessions(6)}
    assert by_day[date(2026, 3, 11)] == "ESH6"
    assert by_day[date(2026, 3, 12)] == "ESM6"
    before = path.session(path.index_of(date(2026, 3, 11)))
    after = path.session(path.index_of(date(2026, 3, 12)))
    # The deferred contract carries three more months of (r - q): a visible roll gap.
    gap_at_roll = (after.futures[0, 0] / np.exp(after.latent_log[0, 0])) / (
        before.futures[0, -1] / np.exp(before.latent_log[0, -1])
    )
    assert gap_at_roll > 1.004


def test_futures_quotes_around_the_clock() -> None:
    path = MarketPath(SimConfig(seed=9))
    s1, s2 = path.session(1), path.session(2)
    assert path.futures_quote("ES", s1.times[10]) == pytest.approx(s1.futures[0, 10])
    assert path.futures_quote("ES", s1.times[-1]) == pytest.approx(s1.futures[0, -1])
    evening = s1.times[-1].astimezone(NY).replace(hour=20, minute=0)
    night = [path.futures_quote("ES", evening + timedelta(minutes=m)) for m in range(0, 600, 7)]
    assert all(q is not None and q > 0 for q in night)
    steps = np.diff(np.log(np.array(night, dtype=float)))
    assert np.all(np.abs(steps) < 0.01)  # a continuous walk, no jumps between minutes
    assert path.futures_quote("ES", s1.times[-1].astimezone(NY).replace(hour=17, minute=30)) is None
    assert path.futures_quote("ES", s2.times[0]) == pytest.approx(s2.futures[0, 0])
    # Reproducible whatever the query order: a fresh path asked in reverse agrees.
    fresh = MarketPath(SimConfig(seed=9))
    probe = [evening + timedelta(minutes=m) for m in (400, 13, 250)]
    assert [fresh.futures_quote("ES", t) for t in probe] == [
        path.futures_quote("ES", t) for t in probe
    ]


def test_weekend_and_unknown_root_and_pre_start_queries() -> None:
    path = MarketPath(SimConfig(start_date=date(2026, 1, 5)))
    assert path.futures_quote("ES", ny(2026, 1, 10, 12, 0)) is None
    with pytest.raises(DomainError):
        path.futures_quote("ZB", ny(2026, 1, 6, 12, 0))
    with pytest.raises(DomainError):
        path.futures_quote("ES", ny(2025, 12, 31, 12, 0))
    # Sunday evening before the first session: bridged from the previous close.
    sunday = path.futures_quote("ES", ny(2026, 1, 4, 19, 0))
    assert sunday is not None
    assert sunday == pytest.approx(10.0 * 590.0, rel=0.05)

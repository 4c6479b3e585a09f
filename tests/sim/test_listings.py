"""Listing rules: weekly/monthly/quarterly expiries with holiday shifts, and strike grids."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.domain.contracts import OptionContract, Right
from v6.errors import ConfigError
from v6.sim.calendar import TradingCalendar
from v6.sim.listings import (
    ExpiryRule,
    Listings,
    StrikeRule,
    default_strike_rule,
    listed_expiries,
    strike_grid,
    third_friday,
)

CAL = TradingCalendar()


def test_good_friday_moves_the_weekly_to_thursday() -> None:
    expiries = listed_expiries(date(2026, 3, 30), CAL)
    assert date(2026, 4, 2) in expiries  # Thursday before Good Friday 2026-04-03
    assert date(2026, 4, 3) not in expiries
    assert not CAL.is_session(date(2026, 4, 3))


def test_juneteenth_friday_moves_the_monthly_to_thursday() -> None:
    # 2026-06-19 is the third Friday of June and the Juneteenth holiday.
    assert third_friday(2026, 6) == date(2026, 6, 19)
    expiries = listed_expiries(date(2026, 5, 1), CAL)
    assert date(2026, 6, 18) in expiries
    assert date(2026, 6, 19) not in expiries


def test_third_fridays() -> None:
    assert third_friday(2026, 4) == date(2026, 4, 17)
    assert third_friday(2026, 5) == date(2026, 5, 15)
    assert third_friday(2026, 1) == date(2026, 1, 16)
    assert third_friday(2025, 11) == date(2025, 11, 21)


def test_monthlies_and_quarterlies_beyond_the_weekly_horizon() -> None:
    today = date(2026, 3, 30)
    expiries = listed_expiries(today, CAL)
    rule = ExpiryRule()
    far = [e for e in expiries if (e - today).days > rule.weekly_horizon_days]
    assert far, "monthlies beyond the weekly horizon are listed"
    # Every far expiry is a (holiday-adjusted) third Friday or a quarter-end session.
    for e in far:
        tf = third_friday(e.year, e.month)
        is_monthly = e == tf or (not CAL.is_session(tf) and e == CAL.previous_session(tf))
        is_quarterly = e.month in (3, 6, 9, 12) and CAL.next_session(e).month != e.month
        assert is_monthly or is_quarterly, e
    assert date(2026, 7, 17) in expiries
    assert date(2026, 6, 30) in expiries  # quarterly
    assert max(expiries) - today <= timedelta(days=rule.quarterly_horizon_days)


def test_zero_dte_is_listed_on_expiry_friday() -> None:
    friday = date(2026, 4, 10)
    assert listed_expiries(friday, CAL)[0] == friday


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2034, 6, 30)))
def test_expiries_are_sessions_and_cover_every_week(today: date) -> None:
    expiries = listed_expiries(today, CAL)
    assert list(expiries) == sorted(set(expiries))
    assert all(e >= today and CAL.is_session(e) for e in expiries)
    # Each Friday within the weekly horizon has its expiry (that Friday or the session before).
    friday = today + timedelta(days=(4 - today.weekday()) % 7)
    while (friday - today).days <= ExpiryRule().weekly_horizon_days:
        expected = friday if CAL.is_session(friday) else CAL.previous_session(friday)
        if expected >= today:
            assert expected in expiries
        friday += timedelta(days=7)


def test_spy_strike_grid_is_one_dollar_near_and_five_far() -> None:
    spot = 563.37
    strikes = strike_grid(spot, default_strike_rule("SPY", spot))
    near = strikes[abs(strikes - spot) <= 0.10 * spot]
    far = strikes[abs(strikes - spot) > 0.16 * spot]
    assert set(range(540, 590)) <= set(near.tolist())
    assert all(k == int(k) for k in near)
    assert all(k % 5 == 0 for k in far)
    assert strikes.min() >= 0.5 * spot - 5
    assert strikes.max() <= 1.25 * spot + 5
    assert (strikes[1:] > strikes[:-1]).all()


@pytest.mark.parametrize(("symbol", "spot"), [("QQQ", 480.0), ("IWM", 205.5), ("XYZ", 12.3)])
def test_other_grids_follow_their_rule(symbol: str, spot: float) -> None:
    rule = default_strike_rule(symbol, spot)
    strikes = strike_grid(spot, rule)
    cents_near = round(rule.near_increment * 100)
    cents_far = round(rule.far_increment * 100)
    for k in strikes:
        c = round(k * 100)
        in_near = abs(k - spot) <= rule.near_band * spot
        assert c % (cents_near if in_near else cents_far) == 0, k
    assert strikes.min() > 0


def test_bad_strike_rule_is_refused() -> None:
    with pytest.raises(ConfigError):
        StrikeRule(5.0, 1.0, 0.1, 0.5, 1.2)


def test_strikes_are_added_as_the_underlying_moves_and_never_removed() -> None:
    listings = Listings(CAL)
    day1 = date(2026, 3, 30)
    chain1 = listings.update("SPY", day1, 560.0)
    expiry = chain1.expiries[3]
    held = OptionContract("SPY", expiry, 670.0, Right.CALL)  # far grid on day 1 ($5)
    assert listings.is_listed(held)
    assert not listings.is_listed(OptionContract("SPY", expiry, 671.0, Right.CALL))
    chain2 = listings.update("SPY", CAL.next_session(day1), 665.0)  # a big rally
    assert set(chain1.strikes[expiry]) <= set(chain2.strikes[expiry])
    assert listings.is_listed(OptionContract("SPY", expiry, 671.0, Right.CALL))
    assert listings.is_listed(held)
    assert listings.contract_count("SPY") > 0
    assert listings.chain("QQQ") is None


def test_expired_expiries_drop_out_of_the_chain() -> None:
    listings = Listings(CAL)
    first = listings.update("SPY", date(2026, 3, 30), 560.0)
    later = listings.update("SPY", date(2026, 4, 6), 560.0)
    assert date(2026, 4, 2) in first.expiries
    assert date(2026, 4, 2) not in later.expiries
    assert not listings.is_listed(OptionContract("SPY", date(2026, 4, 2), 560.0, Right.PUT))

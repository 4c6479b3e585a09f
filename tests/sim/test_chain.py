"""Generated option chains: no arbitrage, quotes on the tick grid, spreads that behave."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.sim.calendar import TradingCalendar
from v6.sim.chain import (
    ChainGrid,
    QuoteBatch,
    SpreadParams,
    quote_options,
    spread_params_for,
    years_to_expiry,
)
from v6.sim.listings import Listings
from v6.sim.surface import DEFAULT_VOL_PARAMS, build_surface

CAL = TradingCalendar()
RATE, DIV = 0.04, 0.013
TODAY = date(2026, 3, 30)
TS = datetime(2026, 3, 30, 15, 0, tzinfo=UTC)


def _close_epoch(ordinal: int) -> float:
    return CAL.open_close(date.fromordinal(ordinal))[1].timestamp()


def full_chain(
    spot: float, atm: float, regime: str, symbol: str = "SPY", spread: SpreadParams | None = None
) -> QuoteBatch:
    listings = Listings(CAL)
    grid = ChainGrid.from_chain(listings.update(symbol, TODAY, spot))
    surface = build_surface(DEFAULT_VOL_PARAMS.get(symbol, DEFAULT_VOL_PARAMS["SPY"]), atm, regime)
    return quote_options(
        symbol=symbol,
        ts=TS,
        spot=spot,
        rate=RATE,
        div_yield=DIV,
        surface=surface,
        expiry_ordinal=grid.expiry_ordinal,
        t_years=years_to_expiry(grid.expiry_ordinal, TS, _close_epoch),
        strike=grid.strike,
        is_call=grid.is_call,
        seed=11,
        spread=spread,
    )


def _by_expiry(b: QuoteBatch, is_call: bool) -> list[np.ndarray]:
    out = []
    for o in np.unique(b.expiry_ordinal):
        rows = np.flatnonzero((b.expiry_ordinal == o) & (b.is_call == is_call))
        out.append(rows[np.argsort(b.strike[rows])])
    return out


states = st.tuples(
    st.floats(min_value=150.0, max_value=700.0),
    st.floats(min_value=0.07, max_value=0.9),
    st.sampled_from(["LOW_VOL", "NORMAL", "HIGH_VOL", "CRASH", "TRENDING"]),
)


@settings(max_examples=25, deadline=None)
@given(states)
def test_quotes_are_ordered_and_on_the_tick_grid(state: tuple[float, float, str]) -> None:
    b = full_chain(*state)
    assert len(b) > 1000
    assert np.all(b.bid >= 0)
    assert np.all(b.bid <= b.theo + 1e-9)
    assert np.all(b.theo <= b.ask + 1e-9)
    assert np.all(b.ask - b.bid >= 0.01 - 1e-9)
    mid = (b.bid + b.ask) / 2
    assert np.all((b.bid <= mid) & (mid <= b.ask))
    for prices in (b.bid, b.ask):
        assert np.allclose(prices * 100, np.round(prices * 100), atol=1e-6)  # penny pilot
    assert np.all(np.isfinite(b.iv) & (b.iv > 0))
    assert np.all(b.bid_size[b.bid > 0] >= 1)
    assert np.all(b.ask_size >= 1)


@settings(max_examples=25, deadline=None)
@given(states)
def test_no_static_arbitrage_across_strikes(state: tuple[float, float, str]) -> None:
    b = full_chain(*state)
    for rows in _by_expiry(b, True):
        assert np.all(np.diff(b.theo[rows]) <= 1e-9)  # calls fall with strike
        slopes = np.diff(b.theo[rows]) / np.diff(b.strike[rows])
        assert np.all(slopes >= -1 - 1e-9)
        assert np.all(np.diff(slopes) >= -1e-7)  # convex in strike
        # No quote lets you buy a higher strike for more than the lower one sells for.
        assert np.all(b.ask[rows][:-1] + 1e-9 >= b.bid[rows][1:])
    for rows in _by_expiry(b, False):
        assert np.all(np.diff(b.theo[rows]) >= -1e-9)  # puts rise with strike
        slopes = np.diff(b.theo[rows]) / np.diff(b.strike[rows])
        assert np.all(slopes <= 1 + 1e-9)
        assert np.all(np.diff(slopes) >= -1e-7)
        assert np.all(b.ask[rows][1:] + 1e-9 >= b.bid[rows][:-1])


@settings(max_examples=25, deadline=None)
@given(states)
def test_put_call_parity_within_the_spread(state: tuple[float, float, str]) -> None:
    spot = state[0]
    b = full_chain(*state)
    calls, puts = _by_expiry(b, True), _by_expiry(b, False)
    for c_rows, p_rows in zip(calls, puts, strict=True):
        k, t = b.strike[c_rows], b.t_years[c_rows]
        assert np.array_equal(k, b.strike[p_rows])
        fwd_value = spot * np.exp(-DIV * t) - k * np.exp(-RATE * t)
        # American bounds (the intrinsic floor makes deep ITM options American-priced)
        lo = spot * np.exp(-DIV * t) - k
        hi = spot - k * np.exp(-RATE * t)
        synth_bid = b.bid[c_rows] - b.ask[p_rows]
        synth_ask = b.ask[c_rows] - b.bid[p_rows]
        assert np.all(synth_bid <= np.maximum(fwd_value, hi) + 1e-9)
        assert np.all(synth_ask >= np.minimum(fwd_value, lo) - 1e-9)
        # Where neither side is floored at intrinsic, European parity holds inside the quotes.
        floored = (b.theo[c_rows] <= np.maximum(spot - k, 0) + 1e-12) | (
            b.theo[p_rows] <= np.maximum(k - spot, 0) + 1e-12
        )
        assert np.all((synth_bid <= fwd_value + 1e-9)[~floored])
        assert np.all((synth_ask >= fwd_value - 1e-9)[~floored])


def test_calendar_monotonicity_of_total_variance_across_expiries() -> None:
    b = full_chain(560.0, 0.35, "HIGH_VOL")
    fwd = 560.0 * np.exp((RATE - DIV) * b.t_years)
    k = np.log(b.strike / fwd)
    w = b.iv**2 * b.t_years
    for target in (-0.15, -0.05, 0.0, 0.05):
        near = np.abs(k - target) < 0.004
        rows = np.flatnonzero(near & b.is_call)
        # Interpolate w at exactly `target` per expiry, then check it grows with T.
        per_expiry = []
        for o in np.unique(b.expiry_ordinal[rows]):
            r = rows[b.expiry_ordinal[rows] == o]
            if r.size >= 2:
                order = np.argsort(k[r])
                per_expiry.append((b.t_years[r][0], np.interp(target, k[r][order], w[r][order])))
        per_expiry.sort()
        ws = [x[1] for x in per_expiry]
        assert len(ws) >= 5
        assert all(np.diff(ws) > 0)


def test_greeks_are_per_share_model_greeks() -> None:
    b = full_chain(560.0, 0.15, "NORMAL")
    assert np.all((b.delta[b.is_call] >= 0) & (b.delta[b.is_call] <= 1))
    assert np.all((b.delta[~b.is_call] <= 0) & (b.delta[~b.is_call] >= -1))
    assert np.all(b.gamma >= 0)
    assert np.all(b.vega_per_vol_point >= 0)
    atm = np.flatnonzero((b.strike == 560.0) & b.is_call)
    # A 30-45 DTE ATM SPY call: vega of ~0.6-0.8 $ per vol point, theta ~ -0.1..-0.2 $/day.
    row = atm[np.argmin(np.abs(b.t_years[atm] - 45 / 365))]
    assert 0.5 < b.vega_per_vol_point[row] < 0.9
    assert -0.25 < b.theta_per_day[row] < -0.05
    q = b.quote(int(row))
    assert q.greeks is not None
    assert q.iv == pytest.approx(b.iv[row])
    assert q.greeks.delta == pytest.approx(b.delta[row])
    assert q.underlying_price == 560.0
    assert q.ts == TS
    assert q.source == "sim"


def _atm_row(b: QuoteBatch, dte: float, k: float = 560.0) -> int:
    rows = np.flatnonzero((b.strike == k) & b.is_call)
    return int(rows[np.argmin(np.abs(b.t_years[rows] * 365 - dte))])


def test_spreads_widen_with_vol_distance_and_short_expiry() -> None:
    calm = full_chain(560.0, 0.11, "LOW_VOL")
    crash = full_chain(560.0, 0.55, "CRASH")
    row = _atm_row(calm, 30)
    assert crash.ask[row] - crash.bid[row] > 3 * (calm.ask[row] - calm.bid[row])

    def rel_spread(b: QuoteBatch, i: int) -> float:
        return float((b.ask[i] - b.bid[i]) / (b.ask[i] + b.bid[i]) * 2)

    near, far = _atm_row(calm, 30, 560.0), _atm_row(calm, 30, 590.0)
    assert rel_spread(calm, far) > rel_spread(calm, near)
    # Per dollar of option value, a 1-DTE ATM option is quoted wider than a 45-DTE one.
    assert rel_spread(calm, _atm_row(calm, 1)) > rel_spread(calm, _atm_row(calm, 45))


def test_non_penny_classes_quote_nickels_above_three_dollars() -> None:
    b = full_chain(300.0, 0.3, "NORMAL", symbol="XYZ", spread=spread_params_for("XYZ"))
    high = b.theo >= 3.0
    assert high.any()
    assert (~high).any()
    assert np.allclose(b.ask[high] * 20, np.round(b.ask[high] * 20), atol=1e-6)
    assert np.allclose(b.bid[~high] * 100, np.round(b.bid[~high] * 100), atol=1e-6)


def test_worthless_options_quote_zero_bid_one_tick_ask() -> None:
    b = full_chain(560.0, 0.12, "LOW_VOL")
    tiny = b.theo < 0.004
    assert tiny.any()
    assert np.all(b.bid[tiny] == 0)
    assert np.all(b.ask[tiny] == 0.01)
    assert np.all(b.bid_size[tiny] == 0)


def test_a_quote_does_not_depend_on_what_else_was_asked() -> None:
    full = full_chain(560.0, 0.2, "NORMAL")
    rows = np.array([5, 700, 3001])
    surface = build_surface(DEFAULT_VOL_PARAMS["SPY"], 0.2, "NORMAL")
    part = quote_options(
        symbol="SPY",
        ts=TS,
        spot=560.0,
        rate=RATE,
        div_yield=DIV,
        surface=surface,
        expiry_ordinal=full.expiry_ordinal[rows],
        t_years=full.t_years[rows],
        strike=full.strike[rows],
        is_call=full.is_call[rows],
        seed=11,
    )
    for j, i in enumerate(rows):
        assert part.quote(j) == full.quote(int(i))

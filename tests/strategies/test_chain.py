"""ChainSnapshot: validation, quote statuses, Greeks completion and expiry choice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from v6.domain import Quote, Right
from v6.errors import DomainError
from v6.pricing import bsm_greeks
from v6.strategies import (
    ChainSnapshot,
    ExpiryChain,
    QuoteStatus,
    SideQuotes,
    choose_expiry,
    fill_missing_greeks,
    snapshot,
    status_from_arrays,
    status_from_validity,
)

from .conftest import ChainFactory

NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)

prices = st.one_of(
    st.floats(min_value=-1.0, max_value=5.0, allow_nan=False),
    st.sampled_from([0.0, float("nan"), float("inf"), 1.0]),
)


@given(bid=prices, ask=prices)
def test_vectorised_status_agrees_with_quote_validity(bid: float, ask: float) -> None:
    expected = status_from_validity(Quote(bid, ask, NOW).validity(NOW, timedelta(seconds=10)))
    got = status_from_arrays(np.array([bid]), np.array([ask]))[0]
    assert QuoteStatus(int(got)) is expected


def test_missing_quote_has_its_own_status() -> None:
    assert status_from_validity(None) is QuoteStatus.MISSING


def _side(n: int) -> SideQuotes:
    return SideQuotes.from_prices(np.full(n, 1.0), np.full(n, 1.1))


def test_expiry_refuses_unsorted_strikes_and_misaligned_quotes() -> None:
    with pytest.raises(DomainError, match="ascending"):
        ExpiryChain(date(2026, 2, 20), 0.1, np.array([500.0, 499.0]), _side(2), _side(2))
    with pytest.raises(DomainError, match="aligned"):
        ExpiryChain(date(2026, 2, 20), 0.1, np.array([499.0, 500.0]), _side(3), _side(3))
    with pytest.raises(DomainError, match="t_years"):
        ExpiryChain(date(2026, 2, 20), -0.1, np.array([500.0]), _side(1), _side(1))


def test_side_refuses_arrays_of_different_length() -> None:
    side = _side(2)
    with pytest.raises(DomainError, match="shape"):
        replace(side, iv=np.full(3, 0.2))


def test_snapshot_refuses_naive_time_bad_spot_and_unsorted_expiries() -> None:
    e1 = ExpiryChain(date(2026, 2, 20), 0.1, np.array([500.0]), _side(1), _side(1))
    e2 = replace(e1, expiry=date(2026, 3, 20))
    with pytest.raises(DomainError, match="timezone"):
        ChainSnapshot("SPY", 500.0, datetime(2026, 1, 5, 15), 0.04, 0.01, (e1,))
    with pytest.raises(DomainError, match="spot"):
        ChainSnapshot("SPY", float("nan"), NOW, 0.04, 0.01, (e1,))
    with pytest.raises(DomainError, match="ascending"):
        ChainSnapshot("SPY", 500.0, NOW, 0.04, 0.01, (e2, e1))
    ordered = snapshot("SPY", 500.0, NOW, 0.04, 0.01, [e2, e1], complete=False)
    assert [e.expiry for e in ordered.expiries] == [e1.expiry, e2.expiry]


def test_dte_counts_from_the_new_york_date() -> None:
    # 02:00 UTC on Jan 6 is still Jan 5 in New York.
    e = ExpiryChain(date(2026, 2, 6), 0.1, np.array([500.0]), _side(1), _side(1))
    late = ChainSnapshot("SPY", 500.0, datetime(2026, 1, 6, 2, 0, tzinfo=UTC), 0.04, 0.0, (e,))
    assert late.trade_date == date(2026, 1, 5)
    assert late.dte(e) == 32


def test_missing_ivs_are_solved_from_mids_and_greeks_follow(make_chain: ChainFactory) -> None:
    quoted = make_chain(days=(32,), quote_iv=True)
    solved = make_chain(days=(32,), quote_iv=False)
    q, s = quoted.expiries[0], solved.expiries[0]
    fwd = quoted.forward(q.t_years)
    for right in (Right.PUT, Right.CALL):
        otm = q.strikes < fwd if right is Right.PUT else q.strikes > fwd
        ok = s.side(right).valid & (np.abs(q.side(right).delta) > 0.03) & otm
        # Mids are on a cent grid, so solved IVs differ from the model's only by rounding.
        assert np.allclose(s.side(right).iv[ok], q.side(right).iv[ok], atol=2e-3)
        assert np.allclose(s.side(right).delta[ok], q.side(right).delta[ok], atol=5e-3)
    # In the money a mid within a tick of intrinsic gives noise or no vol at all: those
    # strikes take the out-of-the-money right's IV (put-call parity), so every strike has
    # a delta and both rights agree.
    assert np.isfinite(s.put.delta).all()
    assert np.isfinite(s.call.delta).all()
    assert np.array_equal(s.put.iv, s.call.iv)
    ref = bsm_greeks(
        quoted.spot, q.strikes, q.t_years, quoted.rate, quoted.dividend_yield, q.put.iv, False
    )
    assert np.allclose(q.put.delta, ref.delta)
    assert np.allclose(q.put.vega_per_vol_point, ref.vega_per_vol_point)
    assert np.allclose(q.put.theta_per_day, ref.theta_per_day)


def test_source_greeks_are_kept_and_missing_quotes_stay_untradable(
    spy_chain: ChainSnapshot,
) -> None:
    e = spy_chain.expiries[0]
    n = e.strikes.size
    source = SideQuotes(
        bid=e.call.bid,
        ask=e.call.ask,
        iv=e.call.iv,
        delta=np.full(n, 0.4242),
        gamma=np.full(n, 0.01),
        theta_per_day=np.full(n, -0.1),
        vega_per_vol_point=np.full(n, 0.2),
        open_interest=np.full(n, np.nan),
        status=e.call.status,
    )
    unknown = np.full(n, np.nan)
    missing = SideQuotes.from_prices(
        unknown, unknown, np.full(n, QuoteStatus.MISSING, dtype=np.int8)
    )
    chain = replace(spy_chain, expiries=(replace(e, call=source, put=missing),))
    filled = fill_missing_greeks(chain).expiries[0]
    assert np.all(filled.call.delta == 0.4242)  # the source's model Greeks win
    # A strike with no put quote borrows the call's IV (so it has a delta) but stays MISSING.
    assert np.array_equal(filled.put.iv, filled.call.iv)
    assert np.all(filled.put.delta < 0)
    assert not filled.put.valid.any()


def test_a_strike_with_no_quote_on_either_right_has_no_greeks(
    spy_chain: ChainSnapshot,
) -> None:
    e = spy_chain.expiries[0]
    n = e.strikes.size
    unknown = np.full(n, np.nan)
    missing = SideQuotes.from_prices(
        unknown, unknown, np.full(n, QuoteStatus.MISSING, dtype=np.int8)
    )
    chain = replace(spy_chain, expiries=(replace(e, call=missing, put=missing),))
    filled = fill_missing_greeks(chain).expiries[0]
    assert np.isnan(filled.put.iv).all()
    assert np.isnan(filled.call.delta).all()


def test_choose_expiry_prefers_the_longest_in_the_window_or_the_preferred(
    spy_chain: ChainSnapshot,
) -> None:
    dtes = [spy_chain.dte(e) for e in spy_chain.expiries]
    in_window = [d for d in dtes if 21 <= d <= 45]
    chosen = choose_expiry(spy_chain, 21, 45)
    assert chosen is not None
    assert spy_chain.dte(chosen) == max(in_window)
    near = choose_expiry(spy_chain, 21, 45, preferred_dte=21)
    assert near is not None
    assert spy_chain.dte(near) == min(in_window, key=lambda d: abs(d - 21))
    assert choose_expiry(spy_chain, 200, 300) is None

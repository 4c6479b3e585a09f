"""Stress matrix: hand-computed single option, additivity across strategies and underlyings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vollib.black_scholes_merton import black_scholes_merton as vollib_price

from v6.domain import OptionLeg, Strategy, StrategyStatus, StrategyType
from v6.risk import PortfolioRiskCalculator, RiskConfig, StressConfig, stress_matrix

from .kit import (
    IV,
    RATE,
    SPOTS,
    TS,
    condor,
    contract,
    contracts_of,
    model_market,
    portfolio,
    t_years,
)


def _single(right: str, strike: float, qty: int, symbol: str = "SPY") -> Strategy:
    leg = OptionLeg(contract(strike, right, symbol), qty, 5.0)
    return Strategy(
        f"one-{symbol}-{strike}{right}", StrategyType.CUSTOM, (leg,), StrategyStatus.OPEN, TS
    )


def _stress(strategies: list[Strategy], cfg: StressConfig | None = None, iv: float = IV):
    market = model_market(contracts_of(strategies), iv=iv)
    risk = PortfolioRiskCalculator(RiskConfig()).compute(portfolio(strategies), market)
    return stress_matrix(risk, cfg or StressConfig())


@pytest.mark.parametrize(("right", "strike", "qty"), [("C", 600.0, 1), ("P", 550.0, -3)])
def test_single_option_matches_a_hand_revaluation(right: str, strike: float, qty: int) -> None:
    m = _stress([_single(right, strike, qty)])
    t = t_years(contract(strike).expiry)
    flag = "c" if right == "C" else "p"
    base = vollib_price(flag, SPOTS["SPY"], strike, t, RATE, IV, 0.0)
    for i, move in enumerate(m.moves):
        for j, shift in enumerate(m.vol_shifts_points):
            vol = max(IV + shift / 100.0, 0.01)
            shocked = vollib_price(flag, SPOTS["SPY"] * (1 + move), strike, t, RATE, vol, 0.0)
            want = qty * 100 * (shocked - base)
            assert m.pnl[i, j] == pytest.approx(want, rel=1e-7, abs=1e-6), (move, shift)


def test_grid_is_the_configured_one_and_the_centre_is_zero() -> None:
    m = _stress([condor("SPY")])
    assert m.moves == (-0.20, -0.15, -0.10, -0.05, 0.0, 0.05, 0.10)
    assert m.vol_shifts_points == (-10.0, -5.0, 0.0, 5.0, 10.0, 15.0, 20.0)
    assert m.pnl.shape == (7, 7)
    assert m.cell(0.0, 0.0) == 0.0
    # a short condor loses on a big move and on a vol rise
    assert m.cell(-0.20, 0.0) < 0
    assert m.cell(0.0, 20.0) < 0
    worst, move, shift = m.worst
    assert worst == m.pnl.min()
    assert (move, shift) == (
        m.moves[int(np.argmin(m.pnl)) // 7],
        m.vol_shifts_points[int(np.argmin(m.pnl)) % 7],
    )


def test_vol_floor_applies_to_shifted_vols() -> None:
    cfg = StressConfig(moves=(0.0,), vol_shifts_points=(-10.0, 0.0), min_vol=0.05)
    m = _stress([_single("C", 600.0, 1)], cfg, iv=0.08)
    t = t_years(contract(600).expiry)
    base = vollib_price("c", 580.0, 600.0, t, RATE, 0.08, 0.0)
    floored = vollib_price("c", 580.0, 600.0, t, RATE, 0.05, 0.0)
    assert m.pnl[0, 0] == pytest.approx(100 * (floored - base), rel=1e-7)
    assert m.pnl[0, 1] == 0.0


def test_per_underlying_tables_add_up_to_the_portfolio() -> None:
    book = [condor("SPY", sid="a"), condor("QQQ", sid="b", qty=2), condor("IWM", sid="c")]
    m = _stress(book)
    assert set(m.by_underlying) == {"SPY", "QQQ", "IWM"}
    total = sum(m.by_underlying.values())
    np.testing.assert_allclose(total, m.pnl, rtol=1e-12, atol=1e-9)


_strikes = st.sampled_from([540.0, 550.0, 560.0, 570.0, 580.0, 590.0, 600.0, 610.0])


@settings(max_examples=40, deadline=None)
@given(
    legs=st.lists(
        st.tuples(
            st.sampled_from(["SPY", "QQQ", "IWM"]),
            _strikes,
            st.sampled_from(["C", "P"]),
            st.integers(-5, 5).filter(bool),
        ),
        min_size=2,
        max_size=8,
        unique_by=lambda x: (x[0], x[1], x[2]),
    )
)
def test_stress_is_additive_across_strategies(legs: list[tuple[str, float, str, int]]) -> None:
    """Linearity: stressing the whole book equals the sum of stressing each strategy alone."""
    strategies = [
        _single(right, strike * SPOTS[sym] / 580.0, qty, sym) for sym, strike, right, qty in legs
    ]
    whole = _stress(strategies)
    parts = sum(_stress([s]).pnl for s in strategies)
    np.testing.assert_allclose(whole.pnl, parts, rtol=1e-9, atol=1e-7)


def test_doubling_the_size_doubles_every_cell() -> None:
    one = _stress([condor("SPY", qty=1)])
    two = _stress([condor("SPY", qty=2)])
    np.testing.assert_allclose(two.pnl, 2 * one.pnl, rtol=1e-12)


def test_beta_scaled_moves_use_each_underlyings_beta() -> None:
    s = _single("C", 500.0, 1, "QQQ")
    cfg = StressConfig(moves=(-0.10,), vol_shifts_points=(0.0,), beta_scaled=True)
    m = _stress([s], cfg)
    t = t_years(contract(500).expiry)
    base = vollib_price("c", 500.0, 500.0, t, RATE, IV, 0.0)
    moved = vollib_price("c", 500.0 * (1 - 0.10 * 1.15), 500.0, t, RATE, IV, 0.0)
    assert m.pnl[0, 0] == pytest.approx(100 * (moved - base), rel=1e-7)


def test_a_leg_without_iv_poisons_only_its_underlying_and_the_total() -> None:
    book = [condor("SPY", sid="a"), condor("IWM", sid="b")]
    market = model_market(contracts_of(book))
    quotes = dict(market.quotes)
    del quotes[book[1].legs[0].contract.key]
    risk = PortfolioRiskCalculator().compute(
        portfolio(book), type(market)(ts=TS, spots=market.spots, quotes=quotes, rate=RATE)
    )
    m = stress_matrix(risk)
    assert np.isfinite(m.by_underlying["SPY"]).all()
    assert np.isnan(m.by_underlying["IWM"]).all()
    assert math.isnan(m.worst[0])


def test_empty_book_and_rows() -> None:
    m = _stress([])
    assert m.pnl.shape == (7, 7)
    assert not m.pnl.any()
    rows = _stress([condor("SPY")]).rows()
    assert len(rows) == 2 * 49
    assert {r["symbol"] for r in rows} == {"*", "SPY"}

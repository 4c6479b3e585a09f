"""PortfolioRiskCalculator: Greeks, beta weighting, delta dollars, margin and P&L."""

from __future__ import annotations

import math

import numpy as np
import pytest

from v6.domain import Greeks, StrategyStatus
from v6.risk import (
    MarketInputs,
    PnLInputs,
    PortfolioRiskCalculator,
    RiskConfig,
    estimate_betas,
)

from .kit import (
    IV,
    RATE,
    SPOTS,
    TS,
    bull_put,
    condor,
    contract,
    contracts_of,
    greek_quote,
    later,
    model_market,
    portfolio,
    ref_bsm,
    t_years,
)


def _hand_market() -> MarketInputs:
    """SPY bull put 550/545 and QQQ bull put 480/475 with hand-set per-share Greeks."""
    quotes = {
        contract(550).key: greek_quote(2.10, -0.30, 0.010, -0.15, 0.50),
        contract(545).key: greek_quote(1.30, -0.22, 0.008, -0.12, 0.45),
        contract(480, symbol="QQQ").key: greek_quote(1.90, -0.25, 0.012, -0.14, 0.40),
        contract(475, symbol="QQQ").key: greek_quote(1.20, -0.20, 0.010, -0.11, 0.36),
    }
    return MarketInputs(ts=TS, spots=dict(SPOTS), quotes=quotes, rate=RATE)


def _hand_book() -> list:  # type: ignore[type-arg]
    spy = bull_put("SPY", 550, 545, sid="spy-bp", qty=2, prices=(2.0, 1.2))
    qqq = bull_put("QQQ", 480, 475, sid="qqq-bp", qty=1, prices=(2.0, 1.1))
    return [spy, qqq]


def test_greeks_sum_hand_values_per_underlying_and_portfolio() -> None:
    risk = PortfolioRiskCalculator().compute(portfolio(_hand_book()), _hand_market())
    # SPY, 2 units: delta 2 x (-100 x -0.30 + 100 x -0.22) = +16
    spy = risk.by_underlying["SPY"].greeks
    assert spy.delta == pytest.approx(16.0)
    assert spy.gamma == pytest.approx(2 * (-1.0 + 0.8))
    assert spy.theta_per_day == pytest.approx(2 * (15.0 - 12.0))
    assert spy.vega_per_vol_point == pytest.approx(2 * (-50.0 + 45.0))
    qqq = risk.by_underlying["QQQ"].greeks
    assert qqq.delta == pytest.approx(25.0 - 20.0)
    assert risk.greeks.delta == pytest.approx(21.0)
    assert risk.greeks.vega_per_vol_point == pytest.approx(-10.0 - 4.0)
    assert risk.strategy("spy-bp") is not None
    assert risk.strategy("spy-bp").greeks.delta == pytest.approx(16.0)  # type: ignore[union-attr]


def test_beta_weighted_delta_and_delta_dollars_by_hand() -> None:
    risk = PortfolioRiskCalculator().compute(portfolio(_hand_book()), _hand_market())
    # SPY: 16 shares x beta 1.0; QQQ: 5 shares x 1.15 x 500 / 580 SPY shares
    assert risk.by_underlying["QQQ"].beta_weighted_delta == pytest.approx(5 * 1.15 * 500 / 580)
    assert risk.beta_weighted_delta == pytest.approx(16 + 5 * 1.15 * 500 / 580)
    assert risk.delta_dollars == pytest.approx(16 * 580 + 5 * 500)
    assert risk.by_underlying["QQQ"].delta_dollars == pytest.approx(2500.0)


def test_betas_passed_in_override_the_table() -> None:
    risk = PortfolioRiskCalculator().compute(
        portfolio(_hand_book()), _hand_market(), betas={"QQQ": 2.0}
    )
    assert risk.beta_weighted_delta == pytest.approx(16 + 5 * 2.0 * 500 / 580)
    assert risk.by_underlying["QQQ"].beta == 2.0


def test_betas_estimated_from_returns_feed_the_weighting() -> None:
    rng = np.random.default_rng(7)
    spy = rng.normal(0.0, 0.01, 80)
    returns = {"SPY": spy.tolist(), "QQQ": (1.4 * spy).tolist()}
    betas = estimate_betas(returns, "SPY", lookback=60, min_observations=20)
    assert betas["QQQ"] == pytest.approx(1.4)
    assert betas["SPY"] == pytest.approx(1.0)
    risk = PortfolioRiskCalculator().compute(portfolio(_hand_book()), _hand_market(), betas=betas)
    assert risk.beta_weighted_delta == pytest.approx(16 + 5 * 1.4 * 500 / 580)


def test_unknown_beta_is_one_and_reported_without_blocking() -> None:
    s = bull_put("DIA", 400, 395, sid="dia")
    quotes = {
        contract(400, symbol="DIA").key: greek_quote(2.0, -0.3),
        contract(395, symbol="DIA").key: greek_quote(1.2, -0.2),
    }
    market = MarketInputs(ts=TS, spots={"DIA": 420.0, "SPY": 580.0}, quotes=quotes)
    risk = PortfolioRiskCalculator().compute(portfolio([s]), market)
    assert risk.by_underlying["DIA"].beta == 1.0
    assert risk.beta_weighted_delta == pytest.approx(10 * 420 / 580)
    assert [str(i) for i in risk.issues if not i.blocking] == [
        "beta DIA: not configured: 1.0 assumed"
    ]
    assert risk.greeks_valid


def test_model_greeks_match_an_independent_scalar_bsm() -> None:
    book = [condor("SPY", sid="a"), condor("IWM", sid="b", qty=3)]
    market = model_market(contracts_of(book))
    risk = PortfolioRiskCalculator().compute(portfolio(book), market)
    want = np.zeros(4)
    for s in book:
        for leg in s.legs:
            c = leg.contract
            _, d, g, th, v = ref_bsm(
                c.is_call, SPOTS[c.symbol], c.strike, t_years(c.expiry), RATE, 0.0, IV
            )
            want += leg.quantity * c.multiplier * np.array([d, g, th, v])
    got = risk.greeks
    assert [got.delta, got.gamma, got.theta_per_day, got.vega_per_vol_point] == pytest.approx(
        want.tolist(), rel=1e-6
    )


def test_margin_in_use_is_the_sum_of_defined_max_losses() -> None:
    book = [condor("SPY", sid="a"), condor("QQQ", sid="b", qty=2), *_hand_book()]
    market = model_market(contracts_of(book))
    p = portfolio(book, net_liq=50_000.0)
    risk = PortfolioRiskCalculator().compute(p, market)
    # IC: 5 wide, 1.15 credit -> 385 per unit; bull puts 5 wide, 0.80 / 0.90 credit
    assert risk.margin_in_use == pytest.approx(385 + 2 * 385 + 2 * 420 + 410)
    assert risk.margin_in_use == pytest.approx(p.margin_in_use)
    assert risk.margin_use_fraction == pytest.approx(risk.margin_in_use / 50_000.0)
    assert risk.by_underlying["QQQ"].margin == pytest.approx(2 * 385 + 410)


def test_pnl_open_today_and_realised() -> None:
    book = _hand_book()
    risk = PortfolioRiskCalculator().compute(
        portfolio(book),
        _hand_market(),
        pnl_inputs=PnLInputs(
            realised_today=-120.0, realised_total=900.0, open_pnl_at_day_start={"spy-bp": -10.0}
        ),
    )
    # SPY 2 units: short 550 opened 2.00 now 2.10, long 545 opened 1.20 now 1.30 -> 0
    # QQQ: short 480 opened 2.00 now 1.90 (+10), long 475 opened 1.10 now 1.20 (+10) -> +20
    assert risk.pnl.open == pytest.approx(20.0)
    assert risk.by_underlying["QQQ"].pnl_open == pytest.approx(20.0)
    # today: realised -120 + (SPY 0 - (-10)) + (QQQ opened today: all +20)
    assert risk.pnl.today == pytest.approx(-120.0 + 10.0 + 20.0)
    assert (risk.pnl.realised_today, risk.pnl.realised_total) == (-120.0, 900.0)


def test_missing_and_stale_quotes_make_greeks_nan_and_are_named() -> None:
    book = _hand_book()
    market = _hand_market()
    quotes = dict(market.quotes)
    del quotes[contract(545).key]
    stale = quotes[contract(480, symbol="QQQ").key]
    quotes[contract(480, symbol="QQQ").key] = type(stale)(
        bid=stale.bid, ask=stale.ask, ts=later(-60), iv=stale.iv, greeks=stale.greeks
    )
    risk = PortfolioRiskCalculator().compute(
        portfolio(book), MarketInputs(ts=TS, spots=market.spots, quotes=quotes)
    )
    assert not risk.greeks_valid
    assert math.isnan(risk.pnl.open)
    problems = {str(i) for i in risk.issues if i.blocking}
    assert f"leg {contract(545).key}: no quote" in problems
    assert f"leg {contract(480, symbol='QQQ').key}: quote stale" in problems


def test_closed_strategies_are_not_counted() -> None:
    open_, done = _hand_book()
    done = done.with_status(StrategyStatus.CLOSED)
    risk = PortfolioRiskCalculator().compute(portfolio([open_, done]), _hand_market())
    assert set(risk.by_underlying) == {"SPY"}
    assert risk.strategy(done.strategy_id) is None


def test_book_is_reused_while_strategies_are_unchanged() -> None:
    book = _hand_book()
    calc = PortfolioRiskCalculator(RiskConfig())
    first = calc.compute(portfolio(book), _hand_market())
    again = calc.compute(portfolio(book), _hand_market())
    assert again.book is first.book
    fewer = calc.compute(portfolio(book[:1]), _hand_market())
    assert fewer.book is not first.book
    assert fewer.book.n_strategies == 1


def test_per_share_lookup_and_strategy_dte() -> None:
    risk = PortfolioRiskCalculator().compute(portfolio(_hand_book()), _hand_market())
    assert risk.per_share(contract(550).key) == Greeks(-0.30, 0.010, -0.15, 0.50)
    assert risk.per_share(contract(999).key) is None
    assert risk.strategy("qqq-bp").dte == 28  # type: ignore[union-attr]


def test_empty_portfolio_is_all_zero() -> None:
    risk = PortfolioRiskCalculator().compute(portfolio([]), MarketInputs(ts=TS, spots={}))
    assert risk.greeks == Greeks()
    assert risk.margin_in_use == 0.0
    assert risk.pnl.today == 0.0
    assert risk.by_underlying == {}

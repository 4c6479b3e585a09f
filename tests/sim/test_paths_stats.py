"""Statistical properties of long seeded paths: realised vol, correlation, leverage (VIX up
when the market falls), VIX as an unbiased variance forecast, overnight share, jump counts.

Tolerances are derived from the model's own sampling error, so a failure means a modelling
bug, not bad luck: with kappa = 6, xi = 0.55 and theta ~ 0.025, the 20-year time average of
the variance has a relative standard deviation of about xi / (kappa * sqrt(theta * T))
~ 13 %, i.e. ~6.5 % in vol per path and ~4.6 % for the mean of the two seeds; regime
switching adds ~3 %. Hence +-12 % on realised vol (~2.3 sigma).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from v6.sim.config import CrashSpec, JumpSpec, RegimeConfig, SimConfig, UnderlyingSpec
from v6.sim.paths import DailySeries, MarketPath

Paths = list[tuple[MarketPath, DailySeries]]


def _returns(d: DailySeries) -> np.ndarray:
    return np.diff(np.log(d.close), axis=1)


def test_realised_vol_is_near_the_configured_level(no_crash_daily: Paths) -> None:
    cfg = no_crash_daily[0][0].cfg
    realised_var = np.mean([(_returns(d) ** 2).mean(axis=1) * 252 for _, d in no_crash_daily], 0)
    target = np.array([u.vol_level for u in cfg.underlyings])
    assert np.all(np.abs(np.sqrt(realised_var) / target - 1.0) < 0.12)


def test_realised_variance_matches_the_paths_own_variance(no_crash_daily: Paths) -> None:
    """Given the variance path, returns must realise it: only return sampling noise is left
    (kurtosis ~6 over 5,000 days: ~3 % in variance), so +-8 %."""
    for path, d in no_crash_daily:
        ss = path.sessions(len(d.days))
        v_in_force = np.array([s.variance[:, 0] for s in ss]).mean(axis=0)
        cfg = path.cfg
        jump_var = np.array(
            [
                u.jumps.variance_per_year + u.beta**2 * cfg.market_jumps.variance_per_year
                for u in cfg.underlyings
            ]
        )
        realised = (_returns(d) ** 2).mean(axis=1) * 252
        assert np.all(np.abs(realised / (v_in_force + jump_var) - 1.0) < 0.08)


def test_cross_symbol_correlation_is_near_the_configured_value(no_crash_daily: Paths) -> None:
    """Estimation noise over 10,000 days is < 0.005; differing stochastic vols and
    idiosyncratic jumps pull the return correlation up to ~0.02 below the shock correlation."""
    cfg = no_crash_daily[0][0].cfg
    target = cfg.correlation_matrix()
    measured = np.mean([np.corrcoef(_returns(d)) for _, d in no_crash_daily], axis=0)
    iu = np.triu_indices(3, 1)
    diff = measured[iu] - target[iu]
    assert np.all(diff > -0.04)
    assert np.all(diff < 0.02)


def test_vix_rises_when_the_market_falls(no_crash_daily: Paths) -> None:
    """Leverage: rho = -0.7 between spot and variance shocks (diluted by jumps and regime
    switches), so daily VIX changes are strongly negatively correlated with returns."""
    for _, d in no_crash_daily:
        r = _returns(d)[0]
        dvix = np.diff(d.vix_close)
        assert np.corrcoef(r, dvix)[0, 1] < -0.4
        worst, best = r < np.quantile(r, 0.05), r > np.quantile(r, 0.95)
        assert dvix[worst].mean() > 1.0
        assert dvix[best].mean() < 0.0


def test_vix_is_an_unbiased_forecast_of_next_month_variance(no_crash_daily: Paths) -> None:
    """(VIX / premiums)^2 is the model's expected 21-session variance: on average it must
    equal what is then realised (+-15 %: ~240 independent months per path, heavy tails)."""
    for path, d in no_crash_daily:
        spy = path.cfg.underlyings[0]
        premium = spy.implied_vol_premium * path.cfg.vix.premium_over_atm
        forecast = (d.vix_close / 100.0 / premium) ** 2
        r = _returns(d)[0]
        n = r.size - 21
        realised = np.array([(r[t : t + 21] ** 2).sum() * 252 / 21 for t in range(n)])
        ratio = forecast[:n].mean() / realised.mean()
        assert 0.85 < ratio < 1.15
        assert np.corrcoef(forecast[:n], realised)[0, 1] > 0.4


def test_vix_level_is_plausible(no_crash_daily: Paths) -> None:
    for _, d in no_crash_daily:
        assert 13.0 < float(np.mean(d.vix_close)) < 24.0
        assert float(np.min(d.vix_close)) > 6.0


def test_overnight_gaps_carry_their_share_of_variance(no_crash_daily: Paths) -> None:
    """The close-to-open step is drawn as one step with 20 % of a session's variance."""
    for path, d in no_crash_daily:
        gap = np.log(d.open[:, 1:]) - np.log(d.close[:, :-1])
        share = gap.var(axis=1) / _returns(d).var(axis=1)
        assert np.all(np.abs(share - path.cfg.overnight_variance_share) < 0.03)


def test_jump_counts_and_sizes_follow_the_configuration() -> None:
    cfg = SimConfig(
        seed=21,
        start_date=date(2010, 1, 4),
        step_minutes=390,
        market_jumps=JumpSpec(intensity_per_year=20, mean_log_return=-0.01, std_log_return=0.01),
        underlyings=(
            UnderlyingSpec(symbol="SPY", start_price=590, vol_level=0.16),
            UnderlyingSpec(
                symbol="QQQ",
                start_price=510,
                vol_level=0.21,
                beta=1.2,
                jumps=JumpSpec(intensity_per_year=10, mean_log_return=0.0, std_log_return=0.03),
            ),
            UnderlyingSpec(symbol="IWM", start_price=220, vol_level=0.23, beta=1.25),
        ),
        regimes=RegimeConfig(crash=CrashSpec(per_year=0.0)),
    )
    years = 10
    path = MarketPath(cfg)
    jumps = [j for s in path.sessions(252 * years) for j in s.jumps]
    market = np.array([j.log_size for j in jumps if j.symbol is None])
    qqq = np.array([j.log_size for j in jumps if j.symbol == "QQQ"])
    # Poisson counts: 200 +- 14 and 100 +- 10; allow 3.5 sigma.
    assert abs(market.size - 20 * years) < 3.5 * np.sqrt(20 * years)
    assert abs(qqq.size - 10 * years) < 3.5 * np.sqrt(10 * years)
    assert not any(j.symbol in ("SPY", "IWM") for j in jumps)
    assert abs(market.mean() - (-0.01)) < 3.5 * 0.01 / np.sqrt(market.size)
    assert abs(qqq.std() - 0.03) < 0.3 * 0.03


@pytest.mark.parametrize("seed", [1, 2])
def test_intraday_correlation_of_five_minute_returns(seed: int) -> None:
    """Within a day the shocks' correlation shows directly in 5-minute returns."""
    path = MarketPath(SimConfig(seed=seed, regimes=RegimeConfig(crash=CrashSpec(per_year=0))))
    r = np.concatenate([np.diff(np.log(s.spot), axis=1) for s in path.sessions(40)], axis=1)
    measured = np.corrcoef(r)
    target = path.cfg.correlation_matrix()
    assert np.all(np.abs(measured - target) < 0.05)


def test_intraday_volatility_is_u_shaped() -> None:
    path = MarketPath(SimConfig(seed=4, regimes=RegimeConfig(crash=CrashSpec(per_year=0))))
    full = [s for s in path.sessions(60) if s.spot.shape[1] == 79]
    r = np.abs(np.stack([np.diff(np.log(s.spot[0])) for s in full]))
    first_half_hour, midday, last_half_hour = r[:, 1:6], r[:, 33:45], r[:, -6:]
    assert first_half_hour.mean() > 1.2 * midday.mean()
    assert last_half_hour.mean() > 1.2 * midday.mean()

"""Reference machinery for the pricing tests (seeded option sets, mpmath truth, QuantLib),
exposed as fixtures because the suite runs in importlib mode (no sibling-module imports).

T is always a whole number of days / 365, so QuantLib (Actual365Fixed, whole-day maturities)
sees bit-for-bit the same year fraction as our kernel, and mpmath converts every float input
exactly before computing in 30-50 significant digits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath as mp
import numpy as np
import pytest
import QuantLib as ql  # noqa: N813 (the conventional alias)
from numpy.typing import NDArray

FArr = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class OptionSet:
    spot: FArr
    strike: FArr
    days: NDArray[np.int64]
    t_years: FArr
    rate: FArr
    div_yield: FArr
    vol: FArr
    is_call: NDArray[np.bool_]

    @property
    def size(self) -> int:
        return int(self.spot.size)

    def args(self) -> tuple[FArr, FArr, FArr, FArr, FArr, FArr, NDArray[np.bool_]]:
        """Positional arguments for bsm_price / bsm_greeks."""
        return (
            self.spot,
            self.strike,
            self.t_years,
            self.rate,
            self.div_yield,
            self.vol,
            self.is_call,
        )


def make_options(
    n: int,
    seed: int,
    days_lo: int = 1,
    days_hi: int = 730,
    vol_lo: float = 0.05,
    vol_hi: float = 1.50,
) -> OptionSet:
    """The brief's random set: S 50-600, K 0.5-1.5 S, whole days, r 0-6 %, q 0-3 %."""
    rng = np.random.default_rng(seed)
    spot = rng.uniform(50.0, 600.0, n)
    days = rng.integers(days_lo, days_hi + 1, n)
    return OptionSet(
        spot=spot,
        strike=spot * rng.uniform(0.5, 1.5, n),
        days=days,
        t_years=days / 365.0,
        rate=rng.uniform(0.0, 0.06, n),
        div_yield=rng.uniform(0.0, 0.03, n),
        vol=rng.uniform(vol_lo, vol_hi, n),
        is_call=rng.random(n) < 0.5,
    )


def make_extreme_moneyness(n: int, seed: int) -> OptionSet:
    """Deep ITM/OTM: strikes at |z| = |ln(F/K)| / (vol sqrt T) between 3 and 6, 1-60 days."""
    rng = np.random.default_rng(seed)
    spot = rng.uniform(50.0, 600.0, n)
    days = rng.integers(1, 61, n)
    t = days / 365.0
    rate = rng.uniform(0.0, 0.06, n)
    div = rng.uniform(0.0, 0.03, n)
    vol = rng.uniform(0.05, 1.5, n)
    z = rng.uniform(3.0, 6.0, n) * np.where(rng.random(n) < 0.5, 1.0, -1.0)
    forward = spot * np.exp((rate - div) * t)
    return OptionSet(
        spot=spot,
        strike=forward * np.exp(-z * vol * np.sqrt(t)),
        days=days,
        t_years=t,
        rate=rate,
        div_yield=div,
        vol=vol,
        is_call=rng.random(n) < 0.5,
    )


MpGreeks = tuple[mp.mpf, mp.mpf, mp.mpf, mp.mpf, mp.mpf, mp.mpf]


def mp_bsm(
    spot: float,
    strike: float,
    t: float,
    rate: float,
    div: float,
    vol: float,
    is_call: bool,
) -> MpGreeks:
    """Price, delta, gamma, theta/yr, vega/1.00, rho/1.00 at the current mpmath precision."""
    s, k, tt, r, q, v = (mp.mpf(float(a)) for a in (spot, strike, t, rate, div, vol))
    w = 1 if is_call else -1
    sqrt_t = mp.sqrt(tt)
    sd = v * sqrt_t
    dfq = mp.exp(-q * tt)
    dfr = mp.exp(-r * tt)
    d1 = (mp.log(s / k) + (r - q + v * v / 2) * tt) / sd
    d2 = d1 - sd
    n1 = mp.ncdf(w * d1)
    n2 = mp.ncdf(w * d2)
    pdf = mp.npdf(d1)
    price = w * (s * dfq * n1 - k * dfr * n2)
    delta = w * dfq * n1
    gamma = dfq * pdf / (s * sd)
    theta = -s * dfq * pdf * v / (2 * sqrt_t) + w * (q * s * dfq * n1 - r * k * dfr * n2)
    vega = s * dfq * pdf * sqrt_t
    rho = w * k * tt * dfr * n2
    return price, delta, gamma, theta, vega, rho


def mp_price(
    spot: float, strike: float, t: float, rate: float, div: float, vol: float, is_call: bool
) -> mp.mpf:
    return mp_bsm(spot, strike, t, rate, div, vol, is_call)[0]


def mp_prices(opts: OptionSet, dps: int = 30) -> tuple[FArr, FArr]:
    """Exact prices rounded to double, and the exact OTM-equivalent time value.

    The time value is ``price - max(w (S e^{-qT} - K e^{-rT}), 0)``, i.e. by put-call parity
    the price of the same-strike out-of-the-money option; "quotable" means >= $0.005.
    """
    prices = np.empty(opts.size)
    time_values = np.empty(opts.size)
    with mp.workdps(dps):
        for i in range(opts.size):
            args = (
                opts.spot[i],
                opts.strike[i],
                opts.t_years[i],
                opts.rate[i],
                opts.div_yield[i],
                opts.vol[i],
                bool(opts.is_call[i]),
            )
            p = mp_price(*args)
            s, k, t, r, q = (mp.mpf(float(a)) for a in args[:5])
            w = 1 if args[6] else -1
            intrinsic = max(w * (s * mp.exp(-q * t) - k * mp.exp(-r * t)), mp.mpf(0))
            prices[i] = float(p)
            time_values[i] = float(p - intrinsic)
    return prices, time_values


class QuantLibEngine:
    """QuantLib's AnalyticEuropeanEngine on flat curves, Actual365Fixed, whole-day expiries."""

    def __init__(self) -> None:
        self.today = ql.Date(15, ql.January, 2025)
        ql.Settings.instance().evaluationDate = self.today
        dc = ql.Actual365Fixed()
        self.spot_q = ql.SimpleQuote(100.0)
        self.rate_q = ql.SimpleQuote(0.0)
        self.div_q = ql.SimpleQuote(0.0)
        self.vol_q = ql.SimpleQuote(0.2)
        rates = ql.YieldTermStructureHandle(
            ql.FlatForward(self.today, ql.QuoteHandle(self.rate_q), dc)
        )
        divs = ql.YieldTermStructureHandle(
            ql.FlatForward(self.today, ql.QuoteHandle(self.div_q), dc)
        )
        vols = ql.BlackVolTermStructureHandle(
            ql.BlackConstantVol(self.today, ql.NullCalendar(), ql.QuoteHandle(self.vol_q), dc)
        )
        self.process = ql.BlackScholesMertonProcess(ql.QuoteHandle(self.spot_q), divs, rates, vols)
        self.engine = ql.AnalyticEuropeanEngine(self.process)

    def greeks(self, opts: OptionSet) -> NDArray[np.float64]:
        """(6, n): price, delta, gamma, theta/yr, vega/1.00, rho/1.00."""
        ql.Settings.instance().evaluationDate = self.today
        out = np.empty((6, opts.size))
        for i in range(opts.size):
            self.spot_q.setValue(float(opts.spot[i]))
            self.rate_q.setValue(float(opts.rate[i]))
            self.div_q.setValue(float(opts.div_yield[i]))
            self.vol_q.setValue(float(opts.vol[i]))
            kind = ql.Option.Call if opts.is_call[i] else ql.Option.Put
            option = ql.EuropeanOption(
                ql.PlainVanillaPayoff(kind, float(opts.strike[i])),
                ql.EuropeanExercise(self.today + int(opts.days[i])),
            )
            option.setPricingEngine(self.engine)
            out[:, i] = (
                option.NPV(),
                option.delta(),
                option.gamma(),
                option.theta(),
                option.vega(),
                option.rho(),
            )
        return out


@pytest.fixture(scope="session")
def quantlib_engine() -> QuantLibEngine:
    return QuantLibEngine()


@pytest.fixture(scope="session")
def options_factory() -> Callable[..., OptionSet]:
    """``make_options(n, seed, days_lo=1, days_hi=730, vol_lo=0.05, vol_hi=1.5)``."""
    return make_options


@pytest.fixture(scope="session")
def extreme_factory() -> Callable[[int, int], OptionSet]:
    """``make_extreme_moneyness(n, seed)``: |z| in [3, 6], 1-60 days."""
    return make_extreme_moneyness


@pytest.fixture(scope="session")
def mp_greeks() -> Callable[..., MpGreeks]:
    """``mp_bsm(spot, strike, t, rate, div, vol, is_call)`` at the caller's mpmath precision."""
    return mp_bsm


@pytest.fixture(scope="session")
def exact_prices() -> Callable[..., tuple[FArr, FArr]]:
    """``mp_prices(opts, dps=30)`` -> (exact prices as doubles, exact OTM-equivalent time value)."""
    return mp_prices

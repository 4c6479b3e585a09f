"""The path as an object: reproducible byte for byte, on the real session grid, lazily
generated, read-only, and with each symbol's randomness independent of the others."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pytest

from v6.errors import DomainError
from v6.sim.calendar import TradingCalendar
from v6.sim.config import FuturesConfig, FuturesSpec, SimConfig, UnderlyingSpec
from v6.sim.paths import MarketPath, MarketState, SessionPath
from v6.sim.regimes import Regime, ScenarioName


def _arrays(s: SessionPath) -> list[np.ndarray]:
    return [s.spot, s.latent_log, s.variance, s.expected_vol_30d, s.vix, s.futures, s.epoch_s]


def _same(a: MarketPath, b: MarketPath, days: int) -> bool:
    return all(
        x.tobytes() == y.tobytes()
        for sa, sb in zip(a.sessions(days), b.sessions(days), strict=True)
        for x, y in zip(_arrays(sa), _arrays(sb), strict=True)
    )


def test_same_seed_gives_byte_identical_paths() -> None:
    cfg = SimConfig(seed=42, scenario=ScenarioName.CRASH_DAY, scenario_day=3)
    assert _same(MarketPath(cfg), MarketPath(cfg), 12)
    a, b = MarketPath(cfg), MarketPath(cfg)
    assert list(a.states(3)) == list(b.states(3))


def test_different_seed_gives_a_different_path() -> None:
    a = MarketPath(SimConfig(seed=1))
    b = MarketPath(SimConfig(seed=2))
    assert not np.array_equal(a.session(3).spot, b.session(3).spot)
    assert a.session(0).spot[0, 0] != b.session(0).spot[0, 0]


def test_prefix_does_not_depend_on_how_far_the_path_is_read() -> None:
    cfg = SimConfig(seed=8)
    short, long_ = MarketPath(cfg), MarketPath(cfg)
    long_.sessions(40)
    assert _same(short, long_, 10)


def test_adding_a_symbol_at_the_end_leaves_the_others_unchanged() -> None:
    base = SimConfig(seed=5)
    two = base.model_copy(
        update={
            "underlyings": base.underlyings[:2],
            "correlations": {"SPY-QQQ": 0.9},
            "futures": FuturesConfig(contracts=base.futures.contracts[:2]),
        }
    )
    three, fewer = MarketPath(base), MarketPath(two)
    for s3, s2 in zip(three.sessions(15), fewer.sessions(15), strict=True):
        assert s3.spot[:2].tobytes() == s2.spot.tobytes()
        assert s3.vix.tobytes() == s2.vix.tobytes()


def test_grid_follows_the_trading_calendar(calendar: TradingCalendar) -> None:
    cfg = SimConfig(start_date=date(2026, 11, 22), step_minutes=5)  # a Sunday
    path = MarketPath(cfg, calendar)
    days = [s.day for s in path.sessions(5)]
    thanksgiving_week = [date(2026, 11, d) for d in (23, 24, 25, 27, 30)]
    assert days == thanksgiving_week
    for s in path.sessions(5):
        assert list(s.times) == calendar.session_times(s.day, timedelta(minutes=5))


def test_states_walk_every_grid_time_in_order() -> None:
    path = MarketPath(SimConfig(seed=3, step_minutes=15))
    states = list(path.states(4))
    assert len(states) == sum(len(s.times) for s in path.sessions(4))
    assert all(a.ts < b.ts for a, b in itertools.pairwise(states))
    first = states[0]
    assert isinstance(first, MarketState)
    assert set(first.spots) == {"SPY", "QQQ", "IWM"}
    assert set(first.futures) == {"ES", "NQ", "RTY"}
    assert first.session_day == path.start_session
    for st in states:
        assert all(p > 0 for p in st.spots.values())
        assert all(0.0 < v < 3.0 for v in st.inst_vol.values())
        assert all(st.expected_vol_30d[s] > 0 for s in st.spots)
        assert 5.0 < st.vix < 150.0
        assert isinstance(st.regime, Regime)
    assert path.session(1).state(7) == states[len(path.session(0).times) + 7]


def test_default_start_is_near_the_configured_prices() -> None:
    path = MarketPath(SimConfig())
    first = path.session(0)
    for i, u in enumerate(path.cfg.underlyings):
        assert first.spot[i, 0] == pytest.approx(u.start_price, rel=0.05)


def test_cached_arrays_are_read_only() -> None:
    s = MarketPath(SimConfig()).session(0)
    with pytest.raises(ValueError, match="read-only"):
        s.spot[0, 0] = 1.0


def test_keep_sessions_bounds_the_cache() -> None:
    path = MarketPath(SimConfig(step_minutes=390), keep_sessions=5)
    assert len(list(path.states(20))) == 40
    assert path.session(19).index == 19
    with pytest.raises(DomainError, match="evicted"):
        path.session(3)
    with pytest.raises(DomainError):
        MarketPath(SimConfig(), keep_sessions=0)


def test_index_of_and_daily_series() -> None:
    path = MarketPath(SimConfig(start_date=date(2026, 1, 5), step_minutes=30))
    assert path.index_of(date(2026, 1, 9)) == 4
    with pytest.raises(DomainError):
        path.index_of(date(2026, 1, 10))
    d = path.daily(5)
    assert d.days[0] == date(2026, 1, 5)
    assert np.all(d.low <= d.open)
    assert np.all(d.low <= d.close)
    assert np.all(d.high >= d.close)
    assert d.vix_high.shape == (5,)


def test_custom_symbols_and_futures_roots() -> None:
    cfg = SimConfig(
        underlyings=(
            UnderlyingSpec(symbol="SPY", start_price=500, vol_level=0.15),
            UnderlyingSpec(symbol="TLT", start_price=90, vol_level=0.14, beta=0.3),
        ),
        correlations={"SPY-TLT": -0.3},
        futures=FuturesConfig(
            contracts=(FuturesSpec(root="ES", underlying="SPY", index_per_share=10.0),)
        ),
    )
    s = MarketPath(cfg).session(2)
    assert s.symbols == ("SPY", "TLT")
    assert s.futures.shape == (1, len(s.times))

"""Chains synthesised over a recorded daily history (daily bars + VIX from CSV)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from v6.errors import DataQualityError
from v6.sim.config import SimConfig
from v6.sim.history import (
    VIX_TO_ATM,
    DailyBar,
    history_simulator,
    intraday_path,
    load_daily_csv,
    load_vix_csv,
)
from v6.sim.regimes import Regime
from v6.sim.surface import T_30D_YEARS

DATA = Path(__file__).parent / "data"
SPY_CSV = DATA / "spy_daily_sample.csv"
VIX_CSV = DATA / "vix_daily_sample.csv"


def test_sample_files_load() -> None:
    bars = load_daily_csv(SPY_CSV)
    vix = load_vix_csv(VIX_CSV)
    assert len(bars) == len(vix) > 20
    assert all(
        b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars.values()
    )


def test_states_follow_the_recorded_bars_and_stop_at_the_end() -> None:
    bars = load_daily_csv(SPY_CSV)
    sim = history_simulator({"SPY": SPY_CSV}, VIX_CSV, cfg=SimConfig(step_minutes=15))
    prices: dict[date, list[float]] = defaultdict(list)
    for state in sim:
        prices[state.session_day].append(state.spots["SPY"])
    days = sorted(bars)
    assert sorted(prices) == days[1:]  # the first day only gives the previous close
    for day, path in prices.items():
        bar = bars[day]
        assert path[0] == bar.open
        assert path[-1] == bar.close
        assert max(path) == pytest.approx(bar.high)
        assert min(path) == pytest.approx(bar.low)
    assert sim.advance() is None


def test_vix_drives_the_atm_vol_and_the_regime() -> None:
    vix = load_vix_csv(VIX_CSV)
    sim = history_simulator({"SPY": SPY_CSV}, VIX_CSV, cfg=SimConfig(step_minutes=30))
    regimes: dict[date, Regime] = {}
    for state in sim:
        regimes[state.session_day] = state.regime
        if state.ts == sim.calendar.open_close(state.session_day)[1]:  # at the close
            assert state.vix == pytest.approx(vix[state.session_day])
            surface = sim.surface("SPY")
            expected = vix[state.session_day] / 100 * VIX_TO_ATM["SPY"]
            assert surface.atm_vol(T_30D_YEARS) == pytest.approx(expected, rel=1e-6)
    stressed = [d for d, v in vix.items() if v >= 35]
    calmish = [d for d, v in vix.items() if v < 20]
    assert stressed
    assert all(regimes[d] is Regime.CRASH for d in stressed if d in regimes)
    assert all(regimes[d] is Regime.NORMAL for d in calmish if d in regimes)


def test_synthesised_chains_are_listed_and_priced_in_stress() -> None:
    sim = history_simulator({"SPY": SPY_CSV}, VIX_CSV, cfg=SimConfig(step_minutes=60))
    atm_spreads: dict[Regime, list[float]] = defaultdict(list)
    for state in sim:
        batch = sim.quote_chain("SPY")
        assert batch is not None
        assert len(batch) > 1000
        assert np.all(batch.bid <= batch.ask)
        assert np.all(batch.bid >= 0)
        spot = state.spots["SPY"]
        rows = np.flatnonzero(batch.is_call & (np.abs(batch.strike - spot) < 1.0))
        month = rows[np.argmin(np.abs(batch.t_years[rows] - 30 / 365))]
        atm_spreads[state.regime].append(float(batch.ask[month] - batch.bid[month]))
    assert Regime.CRASH in atm_spreads
    assert Regime.NORMAL in atm_spreads
    assert np.median(atm_spreads[Regime.CRASH]) > 2 * np.median(atm_spreads[Regime.NORMAL])


def test_intraday_path_touches_high_and_low_for_any_grid() -> None:
    bar = DailyBar(100.0, 103.0, 97.5, 101.0)
    for n in (2, 3, 7, 14, 79):
        path = intraday_path(bar, n, np.random.default_rng(n))
        assert path[0] == 100.0
        assert path[-1] == 101.0
        assert path.min() >= 97.5
        assert path.max() <= 103.0
        if n >= 4:
            assert path.min() == 97.5
            assert path.max() == 103.0


def test_bad_history_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,open,high,low,close\n2025-03-24,10,9,8,9.5\n")
    with pytest.raises(DataQualityError, match="outside"):
        load_daily_csv(bad)
    missing = tmp_path / "vix.csv"
    missing.write_text("date,close\n2025-03-24,20\n")
    with pytest.raises(DataQualityError, match="missing columns"):
        load_vix_csv(missing)
    short = tmp_path / "short.csv"
    short.write_text("date,vix\n2025-03-24,20\n")
    with pytest.raises(DataQualityError, match="fewer than two"):
        history_simulator({"SPY": SPY_CSV}, short)

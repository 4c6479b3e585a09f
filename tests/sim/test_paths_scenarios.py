"""Crashes and forced scenarios do what they promise, on the cash prices the rules see."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from v6.sim.config import CrashSpec, RegimeConfig, SimConfig
from v6.sim.paths import DailySeries, MarketPath
from v6.sim.regimes import Regime, ScenarioName

D0 = 6  # scenario_day used below


def _daily(scenario: ScenarioName, seed: int, days: int = 40) -> tuple[MarketPath, DailySeries]:
    path = MarketPath(SimConfig(seed=seed, scenario=scenario, scenario_day=D0))
    return path, path.daily(days)


def _crash_window(d: DailySeries, start: int) -> range:
    end = start
    while end < len(d.regimes) and d.regimes[end] is Regime.CRASH:
        end += 1
    return range(start, end)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_crash_day_drawdown_gap_and_vix_spike(seed: int) -> None:
    path, d = _daily(ScenarioName.CRASH_DAY, seed)
    crash = path.cfg.regimes.crash
    assert d.events[D0] == "crash-day"
    window = _crash_window(d, D0)
    assert crash.days_min <= len(window) <= crash.days_max
    spy = d.close[0]
    before = spy[D0 - 1]
    drawdown = 1.0 - spy[list(window)].min() / before
    assert crash.drawdown_min - 1e-9 <= drawdown <= crash.drawdown_max + 1e-9
    gap = d.open[0, D0] / before - 1.0
    assert gap <= -crash.gap_share_min * crash.drawdown_min + 1e-9
    assert all(np.diff(np.log(spy[D0 - 1 : window.stop])) < 0)  # every crash day closes lower
    assert d.vix_high[list(window)].max() > 1.6 * d.vix_close[D0 - 1]
    assert d.vix_high[list(window)].max() > 25.0
    # Higher-beta names fall further.
    dd = 1.0 - d.close[:, list(window)].min(axis=1) / d.close[:, D0 - 1]
    assert dd[1] > dd[0]
    assert dd[2] > dd[0]
    assert d.regimes[window.stop] is Regime.HIGH_VOL


@pytest.mark.parametrize("seed", [1, 2])
def test_vol_spike(seed: int) -> None:
    path, d = _daily(ScenarioName.VOL_SPIKE, seed)
    assert d.events[D0] == "vol-spike"
    assert d.vix_close[D0] > 1.8 * d.vix_close[D0 - 1]
    assert d.close[0, D0] < d.close[0, D0 - 1]
    inst = np.sqrt(path.session(D0).variance[0, 0])
    assert inst > 2.0 * path.cfg.underlyings[0].vol_level
    assert all(r is Regime.HIGH_VOL for r in d.regimes[D0 : D0 + 10])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grind_up(seed: int) -> None:
    path, d = _daily(ScenarioName.GRIND_UP, seed)
    window = range(D0, D0 + 20)
    r = np.diff(np.log(d.close[0]))[window.start - 1 : window.stop - 1]
    assert np.all(r > 0)  # up every single day
    assert d.close[0, window.stop - 1] / d.close[0, D0 - 1] > 1.015
    assert float(np.std(r)) * np.sqrt(252) < path.cfg.underlyings[0].vol_level
    assert d.vix_close[list(window)].mean() < d.vix_close[D0 - 1]
    assert all(x is Regime.TRENDING for x in d.regimes[D0 : D0 + 20])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_whipsaw(seed: int) -> None:
    _, d = _daily(ScenarioName.WHIPSAW, seed)
    window = range(D0, D0 + 10)
    r = np.diff(np.log(d.close[0]))[window.start - 1 : window.stop - 1]
    assert np.all(np.abs(r) > 0.0145)
    assert np.all(np.sign(r[1:]) == -np.sign(r[:-1]))  # direction flips every day
    assert abs(r.sum()) < 0.5 * np.abs(r).sum()
    gaps = np.log(d.open[0, list(window)]) - np.log(d.close[0, [i - 1 for i in window]])
    assert np.all(np.sign(gaps) == -np.sign(r))  # each day opens against its close


def test_scenario_days_sets_the_window_length() -> None:
    path = MarketPath(
        SimConfig(seed=1, scenario=ScenarioName.GRIND_UP, scenario_day=2, scenario_days=4)
    )
    regimes = path.daily(8).regimes
    assert all(r is Regime.TRENDING for r in regimes[2:6])


def test_random_crashes_drawdown_and_vix() -> None:
    """Random crashes (here 3 a year for 8 years) obey the same drawdown and VIX promises."""
    cfg = SimConfig(
        seed=17,
        start_date=date(2012, 1, 3),
        step_minutes=390,
        regimes=RegimeConfig(crash=CrashSpec(per_year=3.0)),
    )
    d = MarketPath(cfg).daily(252 * 8)
    starts = [i for i, e in enumerate(d.events) if e == "crash"]
    assert 12 <= len(starts) <= 40  # expected ~24 less episode overlaps
    crash = cfg.regimes.crash
    for i in starts:
        window = _crash_window(d, i)
        dd = 1.0 - d.close[0, list(window)].min() / d.close[0, i - 1]
        assert crash.drawdown_min - 1e-9 <= dd <= crash.drawdown_max + 1e-9
        assert d.open[0, i] < d.close[0, i - 1]
        assert d.vix_high[list(window)].max() > d.vix_close[i - 1]

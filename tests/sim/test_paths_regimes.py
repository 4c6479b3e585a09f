"""The regime process alone (cheap, so it can run for centuries): occupancy, durations and
crash frequency as configured; crash plans within their ranges; the VIX formula's limits."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from v6.sim.config import CrashSpec, RegimeConfig, SimConfig
from v6.sim.regimes import (
    CHAIN_REGIMES,
    SESSIONS_PER_YEAR,
    DayPlan,
    Regime,
    RegimeProcess,
    ScenarioName,
    stationary_distribution,
    transition_matrix,
    variance_normaliser,
)
from v6.sim.stepper import stream
from v6.sim.vix import expected_mean_variance, heston_mean_variance_factor


def _plans(cfg: SimConfig, days: int) -> list[DayPlan]:
    proc = RegimeProcess(cfg, stream(cfg.seed, 1), stream(cfg.seed, 3))
    return [proc.plan(i) for i in range(days)]


def test_regime_values_match_the_project_wide_enum() -> None:
    from v6.config import Regime as ConfigRegime

    assert {r.value for r in Regime} == {r.value for r in ConfigRegime}
    assert ConfigRegime(Regime.LOW_VOL.value) is ConfigRegime.LOW_VOL


def test_transition_rows_are_probabilities() -> None:
    p = transition_matrix(SimConfig().regimes.specs)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert np.all(p >= 0)


def test_chain_occupancy_and_durations_match_the_configuration() -> None:
    cfg = SimConfig(seed=3, regimes=RegimeConfig(crash=CrashSpec(per_year=0)))
    years = 800
    regimes = [p.regime for p in _plans(cfg, SESSIONS_PER_YEAR * years)]
    share = Counter(regimes)
    pi = stationary_distribution(cfg.regimes.specs)
    for r in CHAIN_REGIMES:
        assert share[r] / len(regimes) == pytest.approx(pi[r], abs=0.02)
    runs: dict[Regime, list[int]] = {r: [] for r in CHAIN_REGIMES}
    start = 0
    for i in range(1, len(regimes) + 1):
        if i == len(regimes) or regimes[i] is not regimes[start]:
            runs[regimes[start]].append(i - start)
            start = i
    for r in CHAIN_REGIMES:
        # Geometric durations: sd ~ mean, >500 runs each, so +-15 % is > 3 sigma.
        assert np.mean(runs[r]) == pytest.approx(cfg.regimes.specs[r].mean_duration_days, rel=0.15)


def test_crash_frequency_is_as_configured() -> None:
    cfg = SimConfig(seed=5)
    years = 1000
    plans = _plans(cfg, SESSIONS_PER_YEAR * years)
    crashes = sum(1 for p in plans if p.event == "crash")
    # Sessions inside an episode (~3.5 of them per crash) cannot start another one.
    blocked = cfg.regimes.crash.per_year * 3.5 / SESSIONS_PER_YEAR
    expected = cfg.regimes.crash.per_year * years * (1.0 - blocked)  # ~496 +- 22 (Poisson)
    assert abs(crashes - expected) < 3.5 * math.sqrt(expected)


def test_crash_plans_stay_in_their_ranges() -> None:
    cfg = SimConfig(seed=9, regimes=RegimeConfig(crash=CrashSpec(per_year=8)))
    plans = _plans(cfg, SESSIONS_PER_YEAR * 40)
    c = cfg.regimes.crash
    i, seen = 0, 0
    while i < len(plans):
        if plans[i].event != "crash":
            i += 1
            continue
        episode = [plans[i]]
        while i + len(episode) < len(plans) and plans[i + len(episode)].regime is Regime.CRASH:
            if plans[i + len(episode)].event == "crash":
                break
            episode.append(plans[i + len(episode)])
        seen += 1
        assert c.days_min <= len(episode) <= c.days_max
        first = episode[0]
        assert first.vol_reset_multiplier is not None
        assert c.vol_multiplier_min <= first.vol_reset_multiplier <= c.vol_multiplier_max
        closes = [p.close_log_return for p in episode]
        assert all(x is not None and x < 0 for x in closes)
        total = math.fsum(x for x in closes if x is not None)
        assert c.drawdown_min - 1e-12 <= -math.expm1(total) <= c.drawdown_max + 1e-12
        assert first.gap_log_return is not None
        share = first.gap_log_return / total
        assert c.gap_share_min - 1e-12 <= share <= c.gap_share_max + 1e-12
        i += len(episode)
    assert seen > 100


def test_plans_must_be_drawn_in_order() -> None:
    cfg = SimConfig()
    proc = RegimeProcess(cfg, stream(1, 1), stream(1, 3))
    proc.plan(0)
    with pytest.raises(ValueError, match="in order"):
        proc.plan(2)


def test_disabled_chain_stays_in_its_start_regime() -> None:
    cfg = SimConfig(
        regimes=RegimeConfig(enabled=False, start=Regime.LOW_VOL, crash=CrashSpec(per_year=0))
    )
    assert {p.regime for p in _plans(cfg, 2000)} == {Regime.LOW_VOL}
    # vol_level stays the long-run vol: the constant multiplier is normalised away.
    assert variance_normaliser(cfg) == cfg.regimes.specs[Regime.LOW_VOL].variance_multiplier


def test_forced_scenario_replaces_a_random_crash_in_its_window() -> None:
    cfg = SimConfig(
        seed=2,
        scenario=ScenarioName.WHIPSAW,
        scenario_day=20,
        regimes=RegimeConfig(crash=CrashSpec(per_year=200)),  # a crash almost every day
    )
    plans = _plans(cfg, 40)
    assert [p.regime for p in plans[20:30]] == [Regime.RANGE_BOUND] * 10
    assert plans[20].event == "whipsaw"


def test_heston_factor_limits() -> None:
    assert heston_mean_variance_factor(0.0, 0.1) == pytest.approx(1.0)
    assert heston_mean_variance_factor(1e-12, 0.1) == pytest.approx(1.0)
    assert heston_mean_variance_factor(1000.0, 1.0) == pytest.approx(1e-3, rel=1e-6)


@given(
    v0=st.floats(0.0, 2.0),
    theta=st.floats(0.001, 1.0),
    kappa=st.floats(0.01, 50.0),
    horizon=st.floats(0.001, 5.0),
)
def test_expected_variance_lies_between_spot_and_long_run(
    v0: float, theta: float, kappa: float, horizon: float
) -> None:
    ev = float(
        expected_mean_variance(
            np.array(v0), np.array(theta), np.array(kappa), np.array(0.0), horizon
        )
    )
    assert min(v0, theta) - 1e-12 <= ev <= max(v0, theta) + 1e-12
    longer = float(
        expected_mean_variance(
            np.array(v0), np.array(theta), np.array(kappa), np.array(0.0), horizon * 2
        )
    )
    assert abs(longer - theta) <= abs(ev - theta) + 1e-12  # a longer horizon is nearer theta

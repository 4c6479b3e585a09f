"""EnhancedMarketRegimeDetector: features, raw labels, hysteresis, synthetic and simulated
series of each regime."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import pytest

from v6.domain import Regime
from v6.rules import EnhancedMarketRegimeDetector, RegimeReading, RegimeState
from v6.rules.config import RegimeConfig

if TYPE_CHECKING:
    from v6.sim.paths import DailySeries

DET = EnhancedMarketRegimeDetector()
WARMUP = DET.history_needed


def closes_from_returns(returns: list[float] | np.ndarray, start: float = 100.0) -> np.ndarray:
    out: np.ndarray = start * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))
    return out


def synthetic(regime: str, seed: int, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Daily closes and VIX for one regime: (annual vol, daily drift, daily reversion, VIX)."""
    vol, drift, kappa, vix = {
        "normal": (0.15, 0.0, 0.0, 18.0),
        "high_vol": (0.32, 0.0, 0.0, 30.0),
        "low_vol": (0.07, 0.0, 0.0, 12.0),
        "trending": (0.10, 0.0025, 0.0, 16.0),
        "range_bound": (0.15, 0.0, 0.3, 17.0),
    }[regime]
    rng = np.random.default_rng(seed)
    sd = vol / math.sqrt(252)
    lp = np.zeros(n)
    for t in range(1, n):
        lp[t] = lp[t - 1] + drift - kappa * lp[t - 1] + sd * rng.standard_normal()
    return 100.0 * np.exp(lp), vix * (1.0 + 0.04 * rng.standard_normal(n))


def plain_walk(seed: int = 6) -> np.ndarray:
    """45 closes of a 15 %-vol random walk that reads as neither trending nor range-bound."""
    rng = np.random.default_rng(seed)
    closes = closes_from_returns(rng.normal(0.0, 0.15 / math.sqrt(252), 44))
    assert DET.classify(DET.features(closes, vix=18.0)) is Regime.NORMAL
    return closes


def changes(labels: list[Regime]) -> int:
    return sum(a is not b for a, b in itertools.pairwise(labels))


# -- features -------------------------------------------------------------------------------


def test_features_of_known_series() -> None:
    straight = closes_from_returns([0.01] * 45)
    f = DET.features(straight, vix=20.0, vix_change_1d=0.1)
    assert f.efficiency == pytest.approx(1.0)
    assert f.return_1d == pytest.approx(math.expm1(0.01))
    assert f.drawdown == 0.0
    assert f.realized_vol == pytest.approx(0.0, abs=1e-12)
    assert (f.vix, f.vix_change_1d, f.observations) == (20.0, 0.1, WARMUP)
    zigzag = closes_from_returns([0.01, -0.01] * 25)
    z = DET.features(zigzag)
    assert z.efficiency == pytest.approx(0.0, abs=1e-12)
    assert z.realized_vol == pytest.approx(0.01 * math.sqrt(252), rel=0.05)
    fall = closes_from_returns([0.0] * 40 + [-0.05, -0.06])
    assert DET.features(fall).drawdown == pytest.approx(1 - math.exp(-0.11))


def test_short_history_gives_nan_features_and_uses_what_exists() -> None:
    f = DET.features([100.0], vix=50.0)
    assert math.isnan(f.realized_vol)
    assert f.observations == 1
    assert DET.classify(f) is Regime.CRASH  # VIX alone can say crash
    g = DET.features([100.0, 101.0, 102.0, float("nan"), 103.0])
    assert g.observations == 4
    assert math.isnan(g.efficiency)
    assert DET.classify(g) is Regime.NORMAL


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"vix": 45.0}, Regime.CRASH),
        ({"vix": 20.0, "vix_change_1d": 0.6}, Regime.CRASH),
        ({"vix": 26.0}, Regime.HIGH_VOL),
        ({"vix": 12.0}, Regime.LOW_VOL),
        ({"vix": 18.0}, Regime.NORMAL),
    ],
)
def test_vix_readings(kwargs: dict[str, float], expected: Regime) -> None:
    closes = plain_walk()
    if expected is Regime.LOW_VOL:  # realised vol must be low too: the same walk, calmer
        base = np.log(closes)
        closes = np.exp(base[0] + (base - base[0]) * 0.5)
    assert DET.classify(DET.features(closes, **kwargs)) is expected


def test_a_one_day_fall_is_a_crash() -> None:
    calm = [0.002 * (-1) ** i for i in range(44)]
    assert DET.classify(DET.features(closes_from_returns([*calm, -0.041]), vix=18.0)) is (
        Regime.CRASH
    )
    assert DET.classify(DET.features(closes_from_returns([*calm, -0.035]), vix=18.0)) is not (
        Regime.CRASH
    )


# -- hysteresis -----------------------------------------------------------------------------


def _steps(raws: list[dict[str, float]]) -> list[RegimeReading]:
    quiet = plain_walk()
    state: RegimeState | None = None
    out = []
    for kw in raws:
        r = DET.step(state, DET.features(quiet, **kw))
        state = r.state
        out.append(r)
    return out


def test_a_new_regime_must_hold_for_n_observations() -> None:
    seq = [{"vix": 18.0}] * 3 + [{"vix": 26.0}] * 2 + [{"vix": 18.0}] + [{"vix": 26.0}] * 3
    readings = _steps(seq)
    regimes = [r.regime for r in readings]
    assert regimes[:6] == [regimes[0]] * 6  # two high-vol readings are not enough
    assert regimes[6:8] == [regimes[0]] * 2
    assert regimes[8] is Regime.HIGH_VOL  # the third in a row switches
    assert readings[8].changed
    assert not readings[7].changed


def test_a_challenger_beating_the_current_by_the_margin_switches_at_once() -> None:
    readings = _steps([{"vix": 18.0}, {"vix": 31.5}])  # 31.5 / 25 = 1.26 >= 1.0 + 0.25
    assert readings[1].regime is Regime.HIGH_VOL


def test_crash_enters_at_once_and_leaves_only_after_confirmation() -> None:
    seq = [{"vix": 18.0}, {"vix": 45.0}] + [{"vix": 30.0}] * 4
    regimes = [r.regime for r in _steps(seq)]
    assert regimes[1] is Regime.CRASH
    assert regimes[2:4] == [Regime.CRASH, Regime.CRASH]  # high-vol scores more, but no rush
    assert regimes[4] is Regime.HIGH_VOL


def test_configured_confirmation() -> None:
    det = EnhancedMarketRegimeDetector(RegimeConfig(confirm_observations=1, switch_margin=1.0))
    quiet = plain_walk()
    r1 = det.step(None, det.features(quiet, vix=18.0))
    r2 = det.step(r1.state, det.features(quiet, vix=26.0))
    assert r2.regime is Regime.HIGH_VOL


# -- whole series -----------------------------------------------------------------------------


@pytest.mark.parametrize("regime", ["normal", "high_vol", "low_vol", "trending", "range_bound"])
def test_synthetic_series_are_classified_as_intended_without_flicker(regime: str) -> None:
    shares = []
    for seed in range(6):
        closes, vix = synthetic(regime, seed)
        readings = DET.run(closes, vix)[WARMUP:]
        labels = [r.regime for r in readings]
        counts = Counter(labels)
        assert counts.most_common(1)[0][0].value == regime, (seed, counts)
        shares.append(counts[Regime(regime)] / len(labels))
        raw = [r.raw for r in readings]
        assert changes(labels) <= changes(raw)
        runs = _run_lengths(labels)
        assert sum(1 for n in runs if n == 1) <= max(2, len(runs) // 5), (seed, runs)
    assert float(np.mean(shares)) >= 0.6, shares


def _run_lengths(labels: list[Regime]) -> list[int]:
    runs = [1]
    for a, b in itertools.pairwise(labels):
        if a is b:
            runs[-1] += 1
        else:
            runs.append(1)
    return runs


def test_synthetic_crash_is_caught_the_day_it_happens() -> None:
    closes, vix = synthetic("normal", 3, n=120)
    crash_returns = [-0.03, -0.045, -0.02, 0.01, -0.015]
    crash_closes = closes[-1] * np.exp(np.cumsum(crash_returns))
    all_closes = np.concatenate([closes, crash_closes])
    all_vix = np.concatenate([vix, [26.0, 38.0, 44.0, 39.0, 37.0]])
    readings = DET.run(all_closes, all_vix)
    first_day = len(closes)
    labels = [r.regime for r in readings[first_day:]]
    assert Regime.CRASH in labels[:2]
    crash_at = labels.index(Regime.CRASH)
    assert labels[crash_at : crash_at + 3] == [Regime.CRASH] * 3
    assert readings[first_day + crash_at].raw is Regime.CRASH


# -- simulated market paths ---------------------------------------------------------------------


def _sim_daily(scenario: str, seed: int, days: int = 75) -> DailySeries:
    """Daily bars of a simulated path: calm background, one forced scenario at day 60.
    (Imported here so a change in the simulator only affects these tests.)"""
    from v6.sim.config import SimConfig
    from v6.sim.paths import MarketPath

    cfg = SimConfig.model_validate(
        {
            "seed": seed,
            "scenario": scenario,
            "scenario_day": 60,
            "step_minutes": 30,
            "regimes": {"enabled": False, "crash": {"per_year": 0}},
        }
    )
    return MarketPath(cfg).daily(days)


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_simulated_crash_scenario_is_detected_at_once(seed: int) -> None:
    daily = _sim_daily("crash-day", seed)
    spy = daily.symbols.index("SPY")
    readings = DET.run(daily.close[spy], daily.vix_close)
    before = [r.regime for r in readings[WARMUP:60]]
    assert Regime.CRASH not in before
    if daily.vix_close[WARMUP:60].max() < DET.cfg.high_vol_vix:
        # a quiet background (regime chain off, but Heston vol still wanders) reads quiet
        quiet = Counter(before)[Regime.NORMAL] + Counter(before)[Regime.LOW_VOL]
        assert quiet / len(before) >= 0.8
    assert [r.regime for r in readings[60:63]] == [Regime.CRASH] * 3


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_simulated_vol_spike_reads_as_stress(seed: int) -> None:
    daily = _sim_daily("vol-spike", seed)
    spy = daily.symbols.index("SPY")
    readings = DET.run(daily.close[spy], daily.vix_close)
    assert {r.regime for r in readings[60:70]} <= {Regime.HIGH_VOL, Regime.CRASH}

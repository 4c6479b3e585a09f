"""The CNDR-like config on the simulator has CNDR's qualitative shape (peers.md §4): returns
far less volatile than the underlying, and losses concentrated in crashes. Three short
forced-crash runs against three calm runs of the same seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from v6.sim.backtest.runner import BacktestResult
from v6.sim.config import CrashSpec, JumpSpec, RegimeConfig, SimConfig
from v6.sim.regimes import Regime, ScenarioName

from .kit import CNDR, config, run

SEEDS = (41, 42, 43)
DAYS = 25
CALM = SimConfig(
    regimes=RegimeConfig(enabled=False, start=Regime.LOW_VOL, crash=CrashSpec(per_year=0.0)),
    market_jumps=JumpSpec(),
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[BacktestResult]]:
    cfg = config(CNDR)
    out: dict[str, list[BacktestResult]] = {"crash": [], "calm": []}
    for seed in SEEDS:
        out["crash"].append(
            run(
                tmp_path_factory.mktemp(f"crash{seed}"),
                cfg,
                days=DAYS,
                seed=seed,
                scenario=ScenarioName.CRASH_DAY,
                scenario_day=8,
            )
        )
        out["calm"].append(
            run(tmp_path_factory.mktemp(f"calm{seed}"), cfg, days=DAYS, seed=seed, sim=CALM)
        )
    return out


def _daily_pnl(r: BacktestResult) -> np.ndarray:
    return np.diff(r.equity.equity_dollars)


def _spy_vol(r: BacktestResult) -> float:
    closes = r.daily["close_SPY"].to_numpy()
    return float(np.diff(np.log(closes)).std(ddof=1) * np.sqrt(252))


def test_it_trades_one_passive_condor_at_a_time(runs: dict[str, list[BacktestResult]]) -> None:
    for r in runs["crash"] + runs["calm"]:
        assert r.counts["entries_by_type"] == {"iron_condor": 2}  # the first, then the next
        assert set(r.counts["exits_by_rule"]) <= {"expiry"}  # nothing but expiry ends one
        assert max(m.open_strategies for m in r.marks) == 1


def test_returns_are_far_less_volatile_than_the_underlying(
    runs: dict[str, list[BacktestResult]],
) -> None:
    for r in runs["crash"]:
        assert r.report.annualised_volatility < 0.9 * _spy_vol(r)
    calm = runs["calm"]
    assert np.mean([r.report.annualised_volatility for r in calm]) < 0.8 * np.mean(
        [_spy_vol(r) for r in calm]
    )


def test_losses_are_concentrated_in_the_crashes(runs: dict[str, list[BacktestResult]]) -> None:
    for crash, calm in zip(runs["crash"], runs["calm"], strict=True):
        assert crash.report.total_return < calm.report.total_return
        assert crash.report.max_drawdown_fraction > calm.report.max_drawdown_fraction
        regimes = crash.daily["regime"].to_list()
        pnl = _daily_pnl(crash)  # one per session: its close minus the previous one
        in_crash = np.array([g == Regime.CRASH.value for g in regimes])
        assert in_crash.any()
        assert pnl[in_crash].sum() < 0
        assert pnl[in_crash].mean() < pnl[~in_crash].mean()
    worst_crash = min(r.report.total_return for r in runs["crash"])
    assert worst_crash < min(r.report.total_return for r in runs["calm"])


def test_the_config_loads_with_v6_config_check(tmp_path: Path) -> None:
    cfg = config(CNDR)
    assert cfg.entry.short_delta == 0.20
    assert cfg.strategies.wing_delta == 0.05
    assert not any(cfg.rules.section(n).enabled for n in _rule_names())


def _rule_names() -> tuple[str, ...]:
    from v6.rules.config import RULE_NAMES

    return RULE_NAMES

"""Shared, expensive fixtures for the simulator's path tests: long seeded daily paths are
built once per test session and reused by every statistical test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from v6.sim.calendar import TradingCalendar
from v6.sim.config import CrashSpec, RegimeConfig, SimConfig
from v6.sim.paths import DailySeries, MarketPath

LONG_YEARS = 20
"""Length of each long daily path. Sampling error of a 20-year mean variance under the
default Heston parameters is about 13 % (see test_paths_stats.py), so two seeds are used."""

LONG_SEEDS = (11, 12)


@pytest.fixture(scope="session")
def calendar() -> TradingCalendar:
    return TradingCalendar()


@pytest.fixture(scope="session")
def make_cfg() -> Callable[..., SimConfig]:
    """``SimConfig`` built from keyword overrides (validated like a config file)."""

    def build(**overrides: Any) -> SimConfig:
        return SimConfig.model_validate(overrides)

    return build


@pytest.fixture(scope="session")
def no_crash_daily() -> list[tuple[MarketPath, DailySeries]]:
    """Default market without crash episodes, one step per session, 20 years per seed."""
    out = []
    for seed in LONG_SEEDS:
        cfg = SimConfig(
            seed=seed,
            start_date=date(2005, 1, 3),
            step_minutes=390,
            regimes=RegimeConfig(crash=CrashSpec(per_year=0.0)),
        )
        path = MarketPath(cfg)
        out.append((path, path.daily(252 * LONG_YEARS)))
    return out

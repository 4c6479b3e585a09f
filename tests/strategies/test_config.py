"""The ``strategies`` config section: the owner's skew numbers as defaults, refusals that
name the field, and the regime-fit table's fallback to built-in values."""

from __future__ import annotations

import subprocess
import sys

import pytest

from v6.config import TradingConfig, load_config
from v6.domain import Regime, StrategyType
from v6.errors import ConfigError
from v6.strategies import BuildSpec, FitKey, StrategiesConfig
from v6.strategies.config import DEFAULT_REGIME_FIT, fit_key


def test_defaults_are_the_owner_numbers() -> None:
    cfg = TradingConfig().strategies
    assert cfg.skew.high_put_ratio == 1.2
    assert cfg.skew.high_call_ratio == 0.8
    assert cfg.skew.delta_boost == 0.20
    assert cfg.skew.delta_cap == 0.30
    assert cfg.skew.enabled
    assert all(cfg.scoring.fit(FitKey.CRASH, t) == 0.0 for t in cfg.candidates)


def test_build_spec_from_config_takes_entry_and_strategies() -> None:
    cfg = TradingConfig()
    spec = BuildSpec.from_config(cfg.entry, cfg.strategies)
    assert (spec.dte_min, spec.dte_max, spec.short_delta) == (21, 45, 0.16)
    assert (spec.wing_width_dollars, spec.min_credit_fraction) == (10.0, 0.25)
    assert spec.skew == cfg.strategies.skew


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"strategies.skew.high_call_ratio": 1.1}, "strategies.skew"),
        ({"strategies.skew.delta_cap": 0.6}, "strategies.skew.delta_cap"),
        ({"strategies.scoring.iv_low": 0.5}, "strategies.scoring"),
        ({"strategies.candidates": ["iron_condor", "iron_condor"]}, "strategies"),
        ({"strategies.candidates": ["strangle"]}, "strategies.candidates"),
        ({"strategies.scoring.regime_fit": {"sideways": {"iron_condor": 1}}}, "regime_fit"),
        ({"strategies.scoring.regime_fit": {"crash": {"iron_condor": 1.5}}}, "regime_fit"),
        ({"strategies.liquidity.max_spread_fraction": -0.1}, "max_spread_fraction"),
        ({"strategies.wing_delta": 0.7}, "strategies.wing_delta"),
    ],
)
def test_bad_values_are_refused_naming_the_field(override: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_config(None, env={}, overrides=override)


def test_a_partial_fit_table_falls_back_to_the_built_in_values() -> None:
    cfg = load_config(
        None, env={}, overrides={"strategies.scoring.regime_fit": {"crash": {"bear_call": 0.2}}}
    ).strategies.scoring
    assert cfg.fit(FitKey.CRASH, StrategyType.BEAR_CALL) == 0.2
    assert cfg.fit(FitKey.CRASH, StrategyType.IRON_CONDOR) == 0.0
    normal_ic = DEFAULT_REGIME_FIT[FitKey.NORMAL][StrategyType.IRON_CONDOR]
    assert cfg.fit(FitKey.NORMAL, StrategyType.IRON_CONDOR) == normal_ic
    assert cfg.fit(FitKey.NORMAL, StrategyType.CUSTOM) == 0.0


def test_environment_reaches_the_section() -> None:
    cfg = load_config(None, env={"V6__STRATEGIES__SKEW__DELTA_CAP": "0.25"})
    assert cfg.strategies.skew.delta_cap == 0.25


def test_trending_splits_by_direction_only_when_known() -> None:
    assert fit_key(Regime.TRENDING, "up") is FitKey.TRENDING_UP
    assert fit_key(Regime.TRENDING, "down") is FitKey.TRENDING_DOWN
    assert fit_key(Regime.TRENDING, "none") is FitKey.TRENDING
    assert fit_key(Regime.NORMAL, "up") is FitKey.NORMAL


def test_every_regime_has_a_fit_row() -> None:
    assert {fit_key(r) for r in Regime} <= set(DEFAULT_REGIME_FIT)
    assert set(StrategiesConfig().scoring.regime_fit) == set(FitKey)


@pytest.mark.parametrize(
    "code",
    [
        "import v6.strategies.builders",
        "import v6.strategies.config",
        "from v6.strategies import StrategySelector",
        # Reading the config loads the strategies section, not the builders behind it.
        "import sys, v6.config; assert 'v6.strategies.structure' not in sys.modules",
    ],
)
def test_imports_work_in_any_order(code: str) -> None:
    """``v6.config`` imports ``v6.strategies.config`` while loading; the lazy package
    namespace keeps every first import free of a cycle."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr

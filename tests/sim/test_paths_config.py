"""SimConfig: realistic defaults, strict validation naming the field, YAML-friendly shapes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from v6.sim.calendar import TradingCalendar
from v6.sim.config import SimConfig
from v6.sim.paths import MarketPath
from v6.sim.regimes import Regime, ScenarioName


def test_defaults_describe_the_three_etf_market() -> None:
    cfg = SimConfig()
    assert cfg.symbols == ("SPY", "QQQ", "IWM")
    assert [u.vol_level for u in cfg.underlyings] == [0.16, 0.21, 0.23]
    assert cfg.correlation_matrix()[0, 1] == 0.9
    assert TradingCalendar().is_session(cfg.start_date)
    assert cfg.start_date.weekday() == 0
    assert cfg.step_minutes == 5
    assert cfg.scenario is None
    assert {f.root for f in cfg.futures.contracts} == {"ES", "NQ", "RTY"}
    assert not cfg.faults.enabled


def test_config_is_frozen_and_refuses_unknown_keys() -> None:
    cfg = SimConfig()
    with pytest.raises(ValidationError):
        cfg.seed = 3
    with pytest.raises(ValidationError, match="extra"):
        SimConfig.model_validate({"sede": 3})


def test_yaml_section_round_trips() -> None:
    text = """
    seed: 11
    start_date: 2026-03-02
    step_minutes: 1
    scenario: crash-day
    scenario_day: 3
    correlations: {SPY-QQQ: 0.85}
    regimes:
      specs:
        low_vol: {mean_duration_days: 50, weight: 0.4, variance_multiplier: 0.4}
      crash: {per_year: 1.0}
    """
    cfg = SimConfig.model_validate(yaml.safe_load(text))
    assert cfg.scenario is ScenarioName.CRASH_DAY
    assert cfg.start_date == date(2026, 3, 2)
    assert cfg.regimes.specs[Regime.LOW_VOL].mean_duration_days == 50
    assert cfg.regimes.specs[Regime.NORMAL].mean_duration_days == 30  # default kept
    assert cfg.correlation_matrix()[0, 2] == 0.8  # unlisted pair keeps its default
    again = SimConfig.model_validate(cfg.model_dump(mode="json"))
    assert again == cfg


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"step_minutes": 0}, "step_minutes"),
        ({"step_minutes": 1441}, "step_minutes"),
        ({"step_minutes": True}, "step_minutes"),
        ({"scenario": "meteor"}, "scenario"),
        ({"correlations": {"SPY-XLF": 0.5}}, "correlations.SPY-XLF"),
        ({"correlations": {"SPY-QQQ": 1.5}}, "correlations"),
        (
            {"correlations": {"SPY-QQQ": 0.95, "SPY-IWM": 0.95, "QQQ-IWM": -0.9}},
            "not positive definite",
        ),
        ({"vix": {"reference_symbol": "DIA"}}, "vix.reference_symbol"),
        (
            {
                "futures": {
                    "contracts": [{"root": "YM", "underlying": "DIA", "index_per_share": 100}]
                }
            },
            "futures.contracts.YM",
        ),
        ({"regimes": {"crash": {"drawdown_min": 0.2, "drawdown_max": 0.1}}}, "drawdown_min"),
        ({"regimes": {"crash": {"days_min": 6}}}, "days_min"),
        (
            {
                "regimes": {
                    "specs": {
                        "crash": {"mean_duration_days": 3, "weight": 1, "variance_multiplier": 3}
                    }
                }
            },
            "crash",
        ),
        ({"market_jumps": {"intensity_per_year": 50, "std_log_return": 0.05}}, "jumps"),
        (
            {"underlyings": [{"symbol": "SPY", "start_price": 1, "vol_level": 0.2}] * 2},
            "unique",
        ),
        ({"underlyings": [{"symbol": "spy", "start_price": 1, "vol_level": 0.2}]}, "symbol"),
        ({"underlyings": [{"symbol": "SPY", "start_price": -1, "vol_level": 0.2}]}, "start_price"),
        ({"overnight_variance_share": 1.0}, "overnight_variance_share"),
    ],
)
def test_invalid_settings_are_refused_naming_the_field(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        SimConfig.model_validate(overrides)


def test_a_weekend_start_date_moves_to_the_next_session() -> None:
    path = MarketPath(SimConfig(start_date=date(2026, 7, 4), step_minutes=390))
    assert path.start_session == date(2026, 7, 6)
    assert path.session(0).day == date(2026, 7, 6)

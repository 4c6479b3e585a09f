"""RulesConfig: owner defaults, validation through the config loader, YAML round trip."""

from __future__ import annotations

import pytest

from v6.config import TradingConfig, load_config
from v6.errors import ConfigError
from v6.rules import RULE_NAMES, RulesConfig


def test_defaults_carry_the_owner_numbers() -> None:
    cfg = TradingConfig().rules
    assert cfg.take_profit.fraction == 0.50
    assert cfg.stop_loss.credit_multiple == 2.0
    # management DTE, delta and VIX thresholds as tuned on the backtest's tuning seeds
    assert cfg.time_exit.exit_dte == 7
    assert cfg.dte_roll.roll_dte == 7
    assert (cfg.delta_risk.max_short_leg_abs_delta, cfg.delta_risk.max_net_delta_per_share) == (
        0.5,
        0.5,
    )
    assert (cfg.vix_exit.vix_level, cfg.vix_exit.max_vix_change_1d) == (45.0, 0.6)
    assert cfg.dte_roll.credit_only
    assert cfg.dte_roll.fallback == "close"
    assert [cfg.section(n).priority for n in RULE_NAMES] == list(range(1, 13))
    assert all(cfg.section(n).enabled for n in RULE_NAMES)


def test_duplicate_priorities_are_refused_with_the_rule_names() -> None:
    with pytest.raises(ConfigError) as err:
        load_config(None, env={}, overrides={"rules.vix_exit.priority": 3})
    assert "time_exit and vix_exit both have priority 3" in str(err.value)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("rules.take_profit.fraction", 0.0, "> 0"),
        ("rules.stop_loss.credit_multiple", -1, "> 0"),
        ("rules.delta_risk.action", "panic", "close"),
        ("rules.dte_roll.target_dte_min", 5, "roll_dte < target_dte_min"),
        ("rules.time_exit.hard_exit_dte", 30, "hard_exit_dte <= exit_dte"),
        ("rules.trailing_stop.distance_fraction", 0.5, "max_distance_fraction"),
        ("rules.regime.low_vol_vix", 30, "low_vol_vix < high_vol_vix"),
        ("rules.catastrophe.priority", 0, ">= 1"),
    ],
)
def test_bad_values_name_the_field(key: str, value: object, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(None, env={}, overrides={key: value})
    message = str(err.value)
    assert expected in message
    assert ".".join(key.split(".")[:2]) in message


def test_unknown_rule_keys_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(None, env={}, overrides={"rules.take_profit.fractoin": 0.4})


def test_section_lookup() -> None:
    cfg = RulesConfig()
    assert cfg.section("gamma_risk") is cfg.gamma_risk
    with pytest.raises(KeyError):
        cfg.section("nope")

"""Layer precedence: defaults < YAML file < V6__ environment < overrides; each layer changes
only the keys it names."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from v6.config import (
    MarketDataType,
    TradingConfig,
    config_from_mapping,
    load_config,
    load_config_with_source,
)
from v6.domain.strategy import StrategyType


def test_each_layer_overrides_the_one_below(write_yaml: Callable[..., Path]) -> None:
    path = write_yaml("ib:\n  client_id: 11\n  connect_timeout_s: 3\n  heartbeat_interval_s: 7\n")
    env = {"V6__IB__CONNECT_TIMEOUT_S": "4", "V6__IB__HEARTBEAT_INTERVAL_S": "8"}
    cfg = load_config(path, env=env, overrides={"ib.heartbeat_interval_s": 9})
    assert cfg.ib.client_id == 11  # file only
    assert cfg.ib.connect_timeout_s == 4  # environment beats file
    assert cfg.ib.heartbeat_interval_s == 9  # override beats environment
    assert cfg.ib.port == TradingConfig().ib.port  # untouched default


def test_environment_keys_are_case_insensitive_and_values_are_yaml() -> None:
    env = {
        "v6__ib__port": "4002",
        "V6__Mode": "paper",
        "V6__ENTRY__UNDERLYINGS": "[dia, SPY]",
        "V6__LOGGING__CONSOLE": "false",
        "V6__IB__ACCOUNT": "DU1234567",
        "V6__IB__MARKET_DATA_TYPE": "delayed",
        "V6__LIMITS__MAX_MARGIN_USE": "0.25",
    }
    cfg = load_config(None, env=env)
    assert cfg.ib.port == 4002
    assert cfg.mode == "paper"
    assert cfg.entry.underlyings == ("DIA", "SPY")
    assert cfg.logging.console is False
    assert cfg.ib.account == "DU1234567"
    assert cfg.ib.market_data_type is MarketDataType.DELAYED
    assert cfg.limits.max_margin_use == 0.25


def test_empty_environment_value_means_null() -> None:
    cfg = load_config(None, env={"V6__IB__ACCOUNT": "DU1", "V6__IB__CLIENT_ID": "3"})
    assert cfg.ib.account == "DU1"
    assert load_config(None, env={"V6__IB__ACCOUNT": ""}).ib.account is None


def test_variables_without_the_prefix_are_ignored() -> None:
    env = {"V6_IB__PORT": "1", "IB__PORT": "1", "XV6__IB__PORT": "1", "PATH": "/bin"}
    loaded = load_config_with_source(None, env=env)
    assert loaded.config == TradingConfig()
    assert loaded.env_keys == ()


def test_os_environ_is_read_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("V6__REFRESH__ENTRY_SCAN_S", "120")
    loaded = load_config_with_source()
    assert loaded.config.refresh.entry_scan_s == 120
    assert "V6__REFRESH__ENTRY_SCAN_S" in loaded.source
    assert os.environ["V6__REFRESH__ENTRY_SCAN_S"] == "120"


def test_mappings_merge_key_by_key() -> None:
    cfg = load_config(None, env={"V6__LIMITS__MAX_PER_STRATEGY_TYPE__IRON_CONDOR": "3"})
    per_type = cfg.limits.max_per_strategy_type
    defaults = TradingConfig().limits.max_per_strategy_type
    assert per_type[StrategyType.IRON_CONDOR] == 3
    assert {k: v for k, v in per_type.items() if k is not StrategyType.IRON_CONDOR} == {
        k: v for k, v in defaults.items() if k is not StrategyType.IRON_CONDOR
    }


def test_lists_are_replaced_not_merged(write_yaml: Callable[..., Path]) -> None:
    path = write_yaml("entry:\n  underlyings: [SPY, QQQ, IWM, DIA]\n")
    cfg = load_config(path, env={"V6__ENTRY__UNDERLYINGS": "[TLT]"})
    assert cfg.entry.underlyings == ("TLT",)


def test_a_section_from_the_file_keeps_unnamed_keys_at_default(
    write_yaml: Callable[..., Path],
) -> None:
    cfg = load_config(write_yaml("profit_targets:\n  crash: 0.3\n"), env={})
    defaults = TradingConfig().profit_targets
    assert cfg.profit_targets.crash == 0.3
    assert cfg.profit_targets.model_copy(update={"crash": defaults.crash}) == defaults


def test_string_overrides_are_coerced_like_file_values() -> None:
    cfg = load_config(None, env={}, overrides={"ib.port": "4002", "logging.console": "false"})
    assert cfg.ib.port == 4002
    assert cfg.logging.console is False


def test_source_describes_every_layer_used(write_yaml: Callable[..., Path]) -> None:
    path = write_yaml("mode: sim\n")
    loaded = load_config_with_source(
        path, env={"V6__IB__PORT": "4002"}, overrides={"IB.Client_Id": 4}
    )
    assert loaded.path == path
    assert loaded.env_keys == ("V6__IB__PORT",)
    assert loaded.override_keys == ("ib.client_id",)
    assert str(path) in loaded.source
    assert "V6__IB__PORT" in loaded.source
    assert "ib.client_id" in loaded.source
    assert loaded.config.ib.client_id == 4


def test_config_from_mapping_validates_like_the_loader() -> None:
    cfg = config_from_mapping({"ib": {"port": 4002}, "entry": {"dte_min": 30}})
    assert (cfg.ib.port, cfg.entry.dte_min) == (4002, 30)
    assert config_from_mapping(cfg.model_dump()) == cfg


_LAYERS = ("file", "env", "override")


@given(
    values=st.fixed_dictionaries(
        {},
        optional={layer: st.integers(min_value=0, max_value=10_000) for layer in _LAYERS},
    )
)
def test_highest_layer_that_sets_a_key_wins(
    values: dict[str, int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = None
    if "file" in values:
        path = tmp_path_factory.mktemp("cfg") / "c.yaml"
        path.write_text(f"ib:\n  client_id: {values['file']}\n", encoding="utf-8")
    else:
        path = tmp_path_factory.mktemp("cfg") / "empty.yaml"
        path.write_text("", encoding="utf-8")
    env = {"V6__IB__CLIENT_ID": str(values["env"])} if "env" in values else {}
    overrides = {"ib.client_id": values["override"]} if "override" in values else {}
    cfg = load_config(path, env=env, overrides=overrides)
    present = [values[layer] for layer in _LAYERS if layer in values]
    expected = present[-1] if present else TradingConfig().ib.client_id
    assert cfg.ib.client_id == expected

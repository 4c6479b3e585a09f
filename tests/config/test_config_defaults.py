"""Defaults, the shipped YAML file, derived paths and immutability."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from v6.config import (
    ConfigSection,
    Mode,
    Regime,
    TradingConfig,
    load_config,
    load_config_with_source,
)
from v6.domain.strategy import StrategyType


def _sections(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = [model]
    for info in model.model_fields.values():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            found += _sections(ann)
    return found


def test_defaults_load_when_no_file_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    loaded = load_config_with_source(env={})
    assert loaded.config == TradingConfig()
    assert loaded.path is None
    assert "defaults" in loaded.source


def test_defaults_carry_the_owner_numbers() -> None:
    cfg = TradingConfig()
    assert cfg.mode is Mode.SIM
    assert cfg.ib.port == 7497
    assert cfg.profit_targets.as_dict() == {
        Regime.CRASH: 0.40,
        Regime.HIGH_VOL: 0.50,
        Regime.NORMAL: 0.80,
        Regime.LOW_VOL: 0.90,
        Regime.TRENDING: 0.85,
        Regime.RANGE_BOUND: 0.80,
    }
    assert (cfg.refresh.monitoring_s, cfg.refresh.queue_worker_s) == (30, 5)
    assert (cfg.refresh.position_poll_s, cfg.refresh.futures_batch_write_s) == (30, 60)
    va = cfg.variance_analysis
    assert (va.lookback_days, va.min_predictions, va.mae_scale) == (30, 10, 0.40)
    assert (va.max_reduction, va.min_weight) == (0.5, 0.5)
    assert cfg.entry.underlyings == ("SPY", "QQQ", "IWM")
    assert (cfg.entry.dte_min, cfg.entry.dte_max) == (21, 45)
    assert cfg.ib.max_streaming_lines == 90


def test_shipped_yaml_equals_defaults(shipped_config: Path) -> None:
    assert load_config(shipped_config, env={}) == TradingConfig()


def _assert_same_keys(raw: Any, model: type[BaseModel], where: str) -> None:
    assert isinstance(raw, dict), where
    assert list(raw) == list(model.model_fields), f"keys of {where or 'top level'} differ"
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            _assert_same_keys(raw[name], ann, f"{where}.{name}".lstrip("."))


def test_shipped_yaml_lists_every_key_in_declaration_order(shipped_config: Path) -> None:
    raw = yaml.safe_load(shipped_config.read_text(encoding="utf-8"))
    _assert_same_keys(raw, TradingConfig, "")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_key(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(("#", "-")) and ":" in stripped


def _commented(lines: list[str], i: int) -> bool:
    """A key is documented by a comment on its own line or on the line right above it."""
    return "#" in lines[i] or lines[i - 1].lstrip().startswith("#")


def test_shipped_yaml_comments_every_key(shipped_config: Path) -> None:
    """Every section and every key directly inside a section carries a comment."""
    lines = shipped_config.read_text(encoding="utf-8").splitlines()
    keys = [i for i, line in enumerate(lines) if _is_key(line) and _indent(line) <= 2]
    assert len(keys) > 60
    undocumented = [lines[i].strip() for i in keys if not _commented(lines, i)]
    assert undocumented == []


def test_default_file_in_current_directory_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "trading_config.yaml").write_text("mode: paper\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    loaded = load_config_with_source(env={})
    assert loaded.config.mode is Mode.PAPER
    assert loaded.path == Path("config") / "trading_config.yaml"
    assert str(loaded.path) in loaded.source


def test_derived_paths_follow_data_dir() -> None:
    cfg = load_config(
        None, env={}, overrides={"data_dir": "/srv/v6", "logging.json_file": "a.jsonl"}
    )
    assert cfg.lake_dir == Path("/srv/v6") / "lake"
    assert cfg.log_file == Path("/srv/v6") / "logs" / "a.jsonl"


def test_profit_target_lookup_matches_fields() -> None:
    targets = load_config(None, env={}, overrides={"profit_targets.crash": 0.3}).profit_targets
    assert targets.for_regime(Regime.CRASH) == 0.3
    assert targets.for_regime("high_vol") == targets.high_vol
    with pytest.raises(ValueError, match="sideways"):
        targets.for_regime("sideways")
    assert set(targets.as_dict()) == set(Regime)


def _assign(obj: object, name: str, value: object) -> None:
    setattr(obj, name, value)


def test_assignment_is_refused_at_every_depth() -> None:
    cfg = TradingConfig()
    with pytest.raises(ValidationError):
        _assign(cfg, "mode", Mode.LIVE)
    with pytest.raises(ValidationError):
        _assign(cfg.ib, "port", 4001)
    with pytest.raises(ValidationError):
        _assign(cfg.ib.reconnect, "max_s", 1.0)
    with pytest.raises(TypeError):
        cfg.limits.max_per_strategy_type[StrategyType.CUSTOM] = 5  # type: ignore[index]
    with pytest.raises(AttributeError):
        cfg.entry.underlyings.append("DIA")  # type: ignore[attr-defined]
    assert cfg == TradingConfig()


@pytest.mark.parametrize("section", _sections(TradingConfig), ids=lambda s: s.__name__)
def test_every_section_is_frozen_strict_and_finite(section: type[BaseModel]) -> None:
    assert issubclass(section, ConfigSection)
    assert section.model_config.get("frozen") is True
    assert section.model_config.get("extra") == "forbid"
    assert section.model_config.get("allow_inf_nan") is False


def test_json_schema_builds_without_warnings() -> None:
    schema = TradingConfig.model_json_schema()
    assert set(schema["properties"]) == set(TradingConfig.model_fields)

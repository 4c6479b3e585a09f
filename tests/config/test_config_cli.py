"""`v6 config check` and `v6 config show` through typer's CliRunner."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from v6.cli.config_cmd import app, parse_set_options
from v6.config import TradingConfig, load_config, redacted_dict
from v6.errors import ConfigError

runner = CliRunner()


def test_check_ok_with_the_default_file(shipped_config: Path, tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    shutil.copy(shipped_config, tmp_path / "config" / "trading_config.yaml")
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("config OK (")
    assert "trading_config.yaml" in result.stdout


def test_check_ok_without_any_file_says_defaults() -> None:
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0
    assert "defaults" in result.stdout


def test_check_lists_every_problem_and_exits_2(write_yaml: Callable[..., Path]) -> None:
    path = write_yaml("ib:\n  port: 0\nlimits:\n  max_daily_loss: -5\n")
    result = runner.invoke(app, ["check", "--config", str(path)], env={"V6__MODE": "bogus"})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "ib.port: got 0" in result.stderr
    assert "limits.max_daily_loss: got -5" in result.stderr
    assert "mode: got 'bogus' (from V6__MODE)" in result.stderr


def test_check_missing_explicit_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "-c", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def test_show_yaml_is_the_effective_config(write_yaml: Callable[..., Path]) -> None:
    path = write_yaml("refresh:\n  entry_scan_s: 600\n")
    result = runner.invoke(
        app, ["show", "-c", str(path), "--set", "ib.client_id=7"], env={"V6__IB__PORT": "4002"}
    )
    assert result.exit_code == 0, result.output
    shown = yaml.safe_load(result.stdout)
    expected = load_config(path, env={"V6__IB__PORT": "4002"}, overrides={"ib.client_id": 7})
    assert shown == redacted_dict(expected)
    assert (shown["refresh"]["entry_scan_s"], shown["ib"]["port"]) == (600, 4002)
    assert shown["ib"]["client_id"] == 7
    assert result.stdout.startswith("# ")


def test_show_json() -> None:
    result = runner.invoke(app, ["show", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == redacted_dict(TradingConfig())


def test_show_never_prints_secrets() -> None:
    env = {"V6__IB__ACCOUNT": "U5551234", "V6__ALERTS__NOTIFY_URLS": "[https://h/tok_999]"}
    for fmt in ("yaml", "json"):
        result = runner.invoke(app, ["show", "--format", fmt], env=env)
        assert result.exit_code == 0
        assert "U5551234" not in result.output
        assert "tok_999" not in result.output
        assert "****" in result.stdout


def test_show_raises_config_error_for_the_main_program(write_yaml: Callable[..., Path]) -> None:
    result = runner.invoke(app, ["show", "-c", str(write_yaml("mode: nope\n"))])
    assert isinstance(result.exception, ConfigError)
    assert result.exception.problems[0].startswith("mode: got 'nope'")


def test_set_beats_environment() -> None:
    result = runner.invoke(
        app, ["show", "-f", "json", "--set", "ib.port=4002"], env={"V6__IB__PORT": "7497"}
    )
    assert json.loads(result.stdout)["ib"]["port"] == 4002


@pytest.mark.parametrize("item", ["ib.port", "=5", "ib.port=[1,"])
def test_malformed_set_is_a_config_error(item: str) -> None:
    with pytest.raises(ConfigError):
        parse_set_options([item])
    result = runner.invoke(app, ["check", "--set", item])
    assert result.exit_code == 2
    assert "--set" in result.stderr


def test_set_values_are_yaml() -> None:
    assert parse_set_options(["a.b=1", "c=[SPY, QQQ]", "d=true", "e=text"]) == {
        "a.b": 1,
        "c": ["SPY", "QQQ"],
        "d": True,
        "e": "text",
    }

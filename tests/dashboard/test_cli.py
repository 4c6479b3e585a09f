"""``v6 dashboard``: loopback by default, refuses any other address without a password, never
puts the password on a command line, and passes the config to the app through the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from v6.cli.main import app, main
from v6.config import MASK, load_config, redacted_dict
from v6.dashboard.context import CONFIG_ENV, load_context
from v6.dashboard.launch import InsecureBinding, plan_launch
from v6.errors import ConfigError

from .conftest import write_config

PASSWORD = "correct-horse-battery"


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, ["dashboard", *args], env={"COLUMNS": "400", **(env or {})})
    return result.exit_code, result.output, result.exception


def _flag(command: str, name: str) -> str:
    parts = command.split()
    return parts[parts.index(name) + 1]


def test_default_binds_loopback_headless_without_usage_stats(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.yaml", tmp_path / "data")
    code, out, exc = invoke("--config", str(cfg), "--print-command")
    assert exc is None, out
    assert code == 0, out
    assert _flag(out, "--server.address") == "127.0.0.1"
    assert _flag(out, "--server.port") == "8501"
    assert _flag(out, "--server.headless") == "true"
    assert _flag(out, "--browser.gatherUsageStats") == "false"


def test_host_and_port_flags_change_the_binding(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.yaml", tmp_path / "data")
    code, out, _ = invoke(
        "--config", str(cfg), "--host", "localhost", "--port", "9123", "--print-command"
    )
    assert code == 0, out
    assert (_flag(out, "--server.address"), _flag(out, "--server.port")) == ("localhost", "9123")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "dashboard.example.com"])
def test_non_local_host_without_password_refuses_to_start(tmp_path: Path, host: str) -> None:
    cfg = write_config(tmp_path / "c.yaml", tmp_path / "data")
    code, out, exc = invoke("--config", str(cfg), "--host", host, "--print-command")
    assert code != 0
    assert isinstance(exc, InsecureBinding)
    assert host in str(exc)
    assert "password" in str(exc)
    assert "streamlit" not in out


def test_refusal_is_one_clear_line_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path / "c.yaml", tmp_path / "data")
    assert main(["dashboard", "--config", str(cfg), "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "refusing to serve the dashboard on 0.0.0.0" in " ".join(err.split())


def test_non_local_host_with_password_starts_and_hides_it(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.yaml", tmp_path / "data")
    env = {"V6__DASHBOARD__PASSWORD": PASSWORD}
    code, out, exc = invoke("--config", str(cfg), "--host", "0.0.0.0", "--print-command", env=env)
    assert exc is None, out
    assert code == 0, out
    assert _flag(out, "--server.address") == "0.0.0.0"
    assert PASSWORD not in out
    plan = plan_launch(
        load_config(cfg, env=env, overrides={"dashboard.host": "0.0.0.0"}),
        config_path=cfg,
        base_env=env,
    )
    assert PASSWORD not in " ".join(plan.command)


def test_plan_hands_config_and_data_dir_to_the_app(tmp_path: Path) -> None:
    cfg_path = write_config(tmp_path / "c.yaml", tmp_path / "data", refresh_s=2.5)
    cfg = load_config(cfg_path, env={}, overrides={"data_dir": str(tmp_path / "elsewhere")})
    plan = plan_launch(cfg, config_path=cfg_path, base_env={"PATH": "/usr/bin"})
    assert plan.env[CONFIG_ENV] == str(cfg_path.resolve())
    ctx = load_context(plan.env)
    assert ctx.data_dir == (tmp_path / "elsewhere").resolve()
    assert ctx.refresh_s == 2.5
    assert plan.url == "http://127.0.0.1:8501"


def test_password_is_a_masked_secret_of_at_least_8_characters() -> None:
    cfg = load_config(None, env={"V6__DASHBOARD__PASSWORD": PASSWORD})
    assert cfg.dashboard.password is not None
    assert cfg.dashboard.password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(cfg)
    assert PASSWORD not in str(redacted_dict(cfg))
    assert redacted_dict(cfg)["dashboard"]["password"] == MASK
    with pytest.raises(ConfigError, match=r"dashboard\.password"):
        load_config(None, env={"V6__DASHBOARD__PASSWORD": "short"})


def test_defaults_are_loopback_8501() -> None:
    dash = load_config(None, env={}).dashboard
    assert (dash.host, dash.port, dash.password) == ("127.0.0.1", 8501, None)

"""Cross-field rules, live-trading safety first: live needs a live account on a live port with
live quotes; paper refuses live ports; IB must be on loopback unless allowed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from v6.config import Mode, TradingConfig, is_loopback_host, load_config
from v6.errors import ConfigError

LIVE_OK = {"mode": "live", "ib.account": "U1234567", "ib.port": 4001}


def _problems(overrides: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(None, env={}, overrides=overrides)
    return info.value.problems


@pytest.mark.parametrize("port", [7496, 4001])
def test_valid_live_config_loads(port: int) -> None:
    cfg = load_config(None, env={}, overrides={**LIVE_OK, "ib.port": port})
    assert cfg.mode is Mode.LIVE
    assert cfg.ib.port == port


def test_live_requires_an_account() -> None:
    problems = _problems({"mode": "live", "ib.port": 4001})
    assert len(problems) == 1
    assert problems[0].startswith("ib.account: got null (default); expected your live account")


@pytest.mark.parametrize("account", ["DU1234567", "du1234567"])
def test_live_refuses_a_paper_account(account: str) -> None:
    problems = _problems({**LIVE_OK, "ib.account": account})
    assert len(problems) == 1
    assert problems[0].startswith("ib.account:")
    assert "'DU'" in problems[0]


@pytest.mark.parametrize("port", [7497, 4002, 5000])
def test_live_refuses_non_live_ports(port: int) -> None:
    problems = _problems({**LIVE_OK, "ib.port": port})
    assert problems == [
        f"ib.port: got {port} (from override ib.port); expected a live port "
        "(7496 or 4001) in live mode"
    ]


@pytest.mark.parametrize("port", [7496, 4001])
def test_paper_refuses_live_ports(port: int) -> None:
    problems = _problems({"mode": "paper", "ib.port": port})
    assert len(problems) == 1
    assert problems[0].startswith(f"ib.port: got {port} (from override ib.port); expected a paper")


@pytest.mark.parametrize("port", [7497, 4002])
def test_paper_accepts_paper_ports(port: int) -> None:
    assert load_config(None, env={}, overrides={"mode": "paper", "ib.port": port}).ib.port == port


def test_sim_mode_does_not_care_about_ports() -> None:
    assert load_config(None, env={}, overrides={"ib.port": 4001}).mode is Mode.SIM


@pytest.mark.parametrize("data_type", [3, 4, "delayed"])
def test_live_refuses_delayed_quotes(data_type: object) -> None:
    problems = _problems({**LIVE_OK, "ib.market_data_type": data_type})
    assert len(problems) == 1
    assert problems[0].startswith("ib.market_data_type:")


def test_all_live_violations_are_reported_together() -> None:
    problems = _problems({"mode": "live", "ib.account": "DU1", "ib.market_data_type": 3})
    assert [p.split(":")[0] for p in problems] == ["ib.account", "ib.port", "ib.market_data_type"]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.2", "::1", "[::1]"])
def test_loopback_hosts_are_accepted(host: str) -> None:
    assert is_loopback_host(host)
    assert load_config(None, env={}, overrides={"ib.host": host}).ib.host == host


@pytest.mark.parametrize("host", ["10.0.0.5", "gateway.example.com", "0.0.0.0"])
def test_remote_host_needs_explicit_permission(host: str) -> None:
    problems = _problems({"ib.host": host})
    assert len(problems) == 1
    assert problems[0].startswith(f"ib.host: got '{host}'")
    assert "allow_remote_host" in problems[0]
    allowed = load_config(None, env={}, overrides={"ib.host": host, "ib.allow_remote_host": True})
    assert allowed.ib.host == host


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"ib.reconnect.initial_s": 90}, "ib.reconnect.initial_s"),
        ({"entry.dte_min": 50, "entry.dte_max": 40}, "entry.dte_min"),
        (
            {"limits.max_loss_per_trade": 3000, "limits.max_daily_loss": 2500},
            "limits.max_loss_per_trade",
        ),
    ],
)
def test_other_cross_field_rules(overrides: dict[str, object], path: str) -> None:
    problems = _problems(overrides)
    assert [p.split(":")[0] for p in problems] == [path]


def test_direct_construction_also_checks_and_hides_input() -> None:
    with pytest.raises(ValidationError) as info:
        TradingConfig.model_validate({"mode": "live", "ib": {"account": "DU7654321", "port": 4001}})
    assert "DU7654321" not in str(info.value)

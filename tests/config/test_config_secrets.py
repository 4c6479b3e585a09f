"""Secrets (the IB account id, notification URLs) never appear in repr, str, `config show`,
the printable dict or an error message."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from v6.config import (
    MASK,
    TradingConfig,
    load_config,
    redacted_dict,
    render_json,
    render_yaml,
)
from v6.config.schema import field_is_secret
from v6.errors import ConfigError

ACCOUNT = "U9876543"
TOKEN = "tk_abc123SECRET"
URL = f"https://hooks.example.com/{TOKEN}"
SECRETS = (ACCOUNT, TOKEN)

_SECRET_NAME = re.compile(r"pass|token|secret|account|url|api_key|auth", re.IGNORECASE)


@pytest.fixture
def cfg() -> TradingConfig:
    return load_config(
        None,
        env={"V6__IB__ACCOUNT": ACCOUNT, "V6__ALERTS__NOTIFY_URLS": f"['{URL}', 'ntfy://x/y']"},
    )


def _assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_secrets_are_really_loaded(cfg: TradingConfig) -> None:
    assert cfg.ib.account == ACCOUNT
    assert cfg.alerts.notify_urls[0].get_secret_value() == URL


def test_repr_and_str_hide_secrets(cfg: TradingConfig) -> None:
    for obj in (cfg, cfg.ib, cfg.alerts):
        _assert_clean(repr(obj))
        _assert_clean(str(obj))
        _assert_clean(f"{obj!r} {obj}")


def test_redacted_dict_masks_but_shows_presence(cfg: TradingConfig) -> None:
    data = redacted_dict(cfg)
    _assert_clean(json.dumps(data))
    assert data["ib"]["account"] == MASK
    assert data["alerts"]["notify_urls"] == [MASK, MASK]
    unset = redacted_dict(TradingConfig())
    assert unset["ib"]["account"] is None
    assert unset["alerts"]["notify_urls"] == []


def test_renderings_hide_secrets(cfg: TradingConfig) -> None:
    _assert_clean(render_yaml(cfg, header="x"))
    _assert_clean(render_json(cfg))


def test_rendered_config_without_secrets_loads_back_equal(
    write_yaml: Callable[..., Path],
) -> None:
    cfg = load_config(None, env={}, overrides={"mode": "paper", "ib.port": 4002})
    assert load_config(write_yaml(render_yaml(cfg, header="h")), env={}) == cfg
    assert load_config(write_yaml(render_json(cfg), "c.json"), env={}) == cfg


def test_masked_secrets_cannot_be_loaded_back_silently(
    cfg: TradingConfig, write_yaml: Callable[..., Path]
) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write_yaml(render_yaml(cfg)), env={})
    named = {p.split(":")[0] for p in info.value.problems}
    assert named == {"ib.account", "alerts.notify_urls[0]", "alerts.notify_urls[1]"}


def test_error_messages_hide_secret_values() -> None:
    bad_account = "U12 SECRET"
    with pytest.raises(ConfigError) as info:
        load_config(
            None,
            env={"V6__IB__ACCOUNT": bad_account, "V6__ALERTS__NOTIFY_URLS": f"[{TOKEN}]"},
        )
    text = str(info.value)
    assert bad_account not in text
    _assert_clean(text)
    assert {p.split(":")[0] for p in info.value.problems} == {"ib.account", "alerts.notify_urls[0]"}


def test_cross_field_errors_hide_the_account() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, env={}, overrides={"mode": "live", "ib.account": "DU5550001"})
    assert "DU5550001" not in str(info.value)


def test_unknown_keys_with_secret_names_hide_their_values() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, env={"V6__IB__ACOUNT_TOKEN": TOKEN})
    _assert_clean(str(info.value))


def _fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for name, info in model.model_fields.items():
        out.append((prefix + name, field_is_secret(info)))
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += _fields(ann, f"{prefix}{name}.")
    return out


def test_every_field_named_like_a_secret_is_marked_secret() -> None:
    """Guards future sections: a `dashboard.password` or `*_token` must be marked SECRET."""
    fields = _fields(TradingConfig)
    named = [path for path, secret in fields if _SECRET_NAME.search(path.split(".")[-1])]
    assert "ib.account" in named
    assert "alerts.notify_urls" in named
    assert [path for path, secret in fields if path in named and not secret] == []


def test_yaml_output_is_plain_data(cfg: TradingConfig) -> None:
    data = yaml.safe_load(render_yaml(cfg))
    assert data == redacted_dict(cfg)

"""Printable views of a config with every secret masked: the dict behind ``v6 config show``
and its YAML / JSON renderings. Secrets are fields marked ``SECRET`` or typed ``SecretStr``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, SecretStr

from v6.config.schema import field_is_secret

MASK = "****"
"""Shown instead of a secret. It is not a valid account id or URL, so a printed config that is
loaded back fails loudly instead of running with a placeholder."""


def _mask(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [MASK for _ in value]
    if isinstance(value, Mapping):
        return {str(k): MASK for k in value}
    return MASK


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return redacted_dict(value)
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def redacted_dict(cfg: BaseModel) -> dict[str, Any]:
    """The config as plain JSON-compatible data, secrets replaced by ``MASK`` (unset stays
    ``null``, so an operator can still see whether a secret is configured)."""
    out: dict[str, Any] = {}
    for name, info in type(cfg).model_fields.items():
        value = getattr(cfg, name)
        out[name] = _mask(value) if field_is_secret(info) else _plain(value)
    return out


def render_yaml(cfg: BaseModel, *, header: str = "") -> str:
    """``redacted_dict`` as YAML in declaration order, with an optional comment header."""
    body = yaml.safe_dump(redacted_dict(cfg), sort_keys=False, default_flow_style=False)
    lines = [f"# {line}" for line in header.splitlines()]
    return "\n".join([*lines, body]) if lines else body


def render_json(cfg: BaseModel) -> str:
    """``redacted_dict`` as indented JSON."""
    return json.dumps(redacted_dict(cfg), indent=2)

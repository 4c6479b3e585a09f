"""Builds the effective ``TradingConfig`` from four layers, each changing only the keys it names:
model defaults < YAML file < ``V6__SECTION__KEY`` environment < command-line overrides.
Every problem in every layer is reported at once as one ``ConfigError``; nothing half-applies.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from v6.config.models import TradingConfig
from v6.config.problems import OriginOf, problems_from_validation_error, show_value
from v6.config.yaml_source import Path_, read_yaml
from v6.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("config") / "trading_config.yaml"
"""Where the config file is looked for, relative to the current directory."""
ENV_PREFIX = "V6__"


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """A validated config and a description of what it was built from."""

    config: TradingConfig
    source: str
    path: Path | None
    env_keys: tuple[str, ...] = ()
    override_keys: tuple[str, ...] = ()


@dataclass(slots=True)
class _Layer:
    """One source of values: nested data and the origin text of each path in it."""

    data: dict[str, Any]
    origins: dict[Path_, str]
    fallback_origin: str


def _plain(value: Any) -> Any:
    """Defaults as plain YAML-like data: enum keys and values become their text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _defaults_data() -> dict[str, Any]:
    dumped: dict[str, Any] = _plain(TradingConfig().model_dump(mode="python"))
    return dumped


def _claim(
    target: dict[str, Any],
    owners: dict[tuple[str, ...], str],
    path: tuple[str, ...],
    value: object,
    who: str,
) -> str | None:
    """Place ``value`` at ``path``; return a problem if another name already set this path,
    a path inside it, or a path containing it (``V6__IB`` and ``V6__IB__PORT``)."""
    for other, owner in owners.items():
        n = min(len(other), len(path))
        if other[:n] == path[:n]:
            return f"{'.'.join(path)}: set by both {owner} and {who}; expected one of them"
    owners[path] = who
    node = target
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return None


def _env_layer(env: Mapping[str, str], problems: list[str]) -> tuple[_Layer, tuple[str, ...]]:
    data: dict[str, Any] = {}
    origins: dict[Path_, str] = {}
    owners: dict[tuple[str, ...], str] = {}
    used: list[str] = []
    for name in sorted(env):
        if not name.upper().startswith(ENV_PREFIX):
            continue
        parts = tuple(p.lower() for p in name[len(ENV_PREFIX) :].split("__"))
        if not all(parts):
            problems.append(
                f"{name}: bad environment variable name; expected {ENV_PREFIX}SECTION__KEY "
                f"with '__' between names, e.g. {ENV_PREFIX}IB__PORT"
            )
            continue
        raw = env[name]
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            problems.append(
                f"{'.'.join(parts)}: got {show_value(raw)} (from {name}); "
                "expected a YAML value (quote text that contains ':' or '#')"
            )
            continue
        clash = _claim(data, owners, parts, value, name)
        if clash:
            problems.append(clash)
            continue
        origins[parts] = f"from {name}"
        used.append(name)
    return _Layer(data, origins, "from the environment"), tuple(used)


def _override_layer(
    overrides: Mapping[str, object], problems: list[str]
) -> tuple[_Layer, tuple[str, ...]]:
    data: dict[str, Any] = {}
    origins: dict[Path_, str] = {}
    owners: dict[tuple[str, ...], str] = {}
    used: list[str] = []
    for key, value in overrides.items():
        parts = tuple(p.strip().lower() for p in key.split("."))
        if not all(parts):
            problems.append(f"{key!r}: bad override key; expected dotted names like 'ib.port'")
            continue
        clash = _claim(data, owners, parts, value, f"override {key}")
        if clash:
            problems.append(clash)
            continue
        origins[parts] = f"from override {'.'.join(parts)}"
        used.append(".".join(parts))
    return _Layer(data, origins, "from overrides"), tuple(used)


def _yaml_layer(path: Path, problems: list[str]) -> _Layer | None:
    doc = read_yaml(path)
    if doc.data is None:
        return _Layer({}, {}, f"from {path}")
    if not isinstance(doc.data, dict):
        problems.append(
            f"(top level): got a {type(doc.data).__name__} (from {path}); expected a mapping "
            f"of sections: {', '.join(TradingConfig.model_fields)}"
        )
        return None
    origins = {p: f"from {path} line {line}" for p, line in doc.lines.items()}
    return _Layer(doc.data, origins, f"from {path}")


def _merge(
    target: dict[str, Any],
    layer_data: dict[str, Any],
    layer: _Layer,
    origins: dict[Path_, str],
    prefix: Path_ = (),
) -> None:
    """Deep-merge: mappings merge key by key, anything else replaces what was there."""
    for key, value in layer_data.items():
        path = (*prefix, key)
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value, layer, origins, path)
            continue
        target[key] = copy.deepcopy(value)  # later layers must not mutate caller data
        for stale in [p for p in origins if p[: len(path)] == path]:
            del origins[stale]
        for p, text in layer.origins.items():
            if p[: len(path)] == path:
                origins[p] = text
        origins.setdefault(path, layer.fallback_origin)


def _origin_lookup(origins: dict[Path_, str]) -> OriginOf:
    def origin_of(loc: Sequence[str | int]) -> str:
        key = tuple(loc)
        for end in range(len(key), 0, -1):
            if key[:end] in origins:
                return origins[key[:end]]
        return "default"

    return origin_of


def _describe(path: Path | None, env_keys: tuple[str, ...], override_keys: tuple[str, ...]) -> str:
    parts = [str(path) if path else f"built-in defaults (no {DEFAULT_CONFIG_PATH})"]
    if env_keys:
        parts.append("environment " + ", ".join(env_keys))
    if override_keys:
        parts.append("overrides " + ", ".join(override_keys))
    return " + ".join(parts)


def _validate(
    root: type[BaseModel], data: dict[str, Any], origins: dict[Path_, str], source: str
) -> Any:
    try:
        return root.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation_error(root, exc, _origin_lookup(origins))
        raise ConfigError(problems, source) from None


def load_config_with_source(
    path: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> LoadedConfig:
    """Load, merge and validate every layer; see the module docstring for the order.

    ``env`` defaults to ``os.environ``: only ``V6__``-prefixed names are read, case-insensitively,
    their values parsed as YAML (``4002`` is a number, ``[SPY, QQQ]`` a list). ``overrides``
    take dotted keys (``"ib.port"``) and already-typed values.
    """
    explicit = path is not None
    file_path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    if not explicit and not file_path.is_file():
        file_path_used: Path | None = None
    else:
        file_path_used = file_path
    problems: list[str] = []
    layers: list[_Layer] = []
    if file_path_used is not None:
        yaml_layer = _yaml_layer(file_path_used, problems)
        if yaml_layer is not None:
            layers.append(yaml_layer)
    env_layer, env_keys = _env_layer(os.environ if env is None else env, problems)
    override_layer, override_keys = _override_layer(overrides or {}, problems)
    layers += [env_layer, override_layer]
    source = _describe(file_path_used, env_keys, override_keys)
    if problems:
        raise ConfigError(problems, source)
    merged = _defaults_data()
    origins: dict[Path_, str] = {}
    for layer in layers:
        _merge(merged, layer.data, layer, origins)
    config: TradingConfig = _validate(TradingConfig, merged, origins, source)
    return LoadedConfig(config, source, file_path_used, env_keys, override_keys)


def load_config(
    path: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> TradingConfig:
    """The effective, validated configuration (``load_config_with_source(...).config``)."""
    return load_config_with_source(path, env=env, overrides=overrides).config


def config_from_mapping(data: Mapping[str, Any], *, source: str = "mapping") -> TradingConfig:
    """Validate nested data over the defaults, with the same error lines as ``load_config``.

    Handy for tests and tools that build a config in code (``model_copy(update=...)`` would
    skip validation).
    """
    if not isinstance(data, Mapping):
        raise ConfigError([f"(top level): got {show_value(data)}; expected a mapping"], source)
    layer = _Layer(dict(data), {}, f"from {source}")
    merged = _defaults_data()
    origins: dict[Path_, str] = {}
    _merge(merged, layer.data, layer, origins)
    config: TradingConfig = _validate(TradingConfig, merged, origins, source)
    return config

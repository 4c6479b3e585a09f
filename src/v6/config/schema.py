"""Walks the config models by key path: which keys exist at a path and whether a path holds a
secret. Error messages, redaction and the environment loader all ask these two questions.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Annotated, Any, TypeGuard, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from v6.config.types import SecretMarker

Loc = Sequence[str | int]
_MAPPINGS = (dict, Mapping)


def _strip(tp: Any) -> tuple[Any, bool]:
    """Remove ``Annotated`` and ``| None`` wrappers; report whether a SECRET marker was seen."""
    secret = False
    while True:
        if get_origin(tp) is Annotated:
            base, *meta = get_args(tp)
            secret = secret or any(isinstance(m, SecretMarker) for m in meta)
            tp = base
        elif get_origin(tp) in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp, secret
            tp = args[0]
        else:
            return tp, secret


def _is_model(tp: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def field_is_secret(info: FieldInfo) -> bool:
    """True if the field is marked ``SECRET`` or holds ``SecretStr`` values."""
    return any(isinstance(m, SecretMarker) for m in info.metadata) or _mentions_secretstr(
        info.annotation
    )


def _mentions_secretstr(tp: Any) -> bool:
    if tp is SecretStr or any(isinstance(m, SecretMarker) for m in _annotated_meta(tp)):
        return True
    return any(_mentions_secretstr(a) for a in get_args(tp))


def _annotated_meta(tp: Any) -> tuple[Any, ...]:
    return tuple(get_args(tp)[1:]) if get_origin(tp) is Annotated else ()


def _step(tp: Any, key: str | int) -> tuple[Any, bool] | None:
    """The type one key below ``tp`` (a model, list or dict), and whether it is secret."""
    tp, _ = _strip(tp)
    if _is_model(tp):
        info = tp.model_fields.get(key) if isinstance(key, str) else None
        if info is None:
            return None
        return info.annotation, field_is_secret(info)
    origin = get_origin(tp)
    if origin in (list, tuple) and isinstance(key, int):
        return _strip(get_args(tp)[0])
    if origin in _MAPPINGS:
        return _strip(get_args(tp)[1])
    return None


def type_at(root: type[BaseModel], loc: Loc) -> Any | None:
    """The (unwrapped) type found at ``loc`` below ``root``, or None if no such path."""
    tp: Any = root
    for key in loc:
        step = _step(tp, key)
        if step is None:
            return None
        tp = step[0]
    return _strip(tp)[0]


def is_secret_path(root: type[BaseModel], loc: Loc) -> bool:
    """True if ``loc`` is a secret field or lies inside one (list items, mapping values)."""
    tp: Any = root
    for key in loc:
        step = _step(tp, key)
        if step is None:
            return False
        tp, secret = step
        if secret or _mentions_secretstr(tp):
            return True
    return False


def known_keys(root: type[BaseModel], loc: Loc) -> list[str]:
    """Keys allowed directly below ``loc``: field names of a model, or enum values of the keys
    of a mapping keyed by an enum. Empty when any key is allowed or the path is unknown."""
    tp = type_at(root, loc)
    if _is_model(tp):
        return list(tp.model_fields)
    if get_origin(tp) in _MAPPINGS:
        key_type = _strip(get_args(tp)[0])[0]
        if isinstance(key_type, type) and issubclass(key_type, Enum):
            return [str(m.value) for m in key_type]
    return []


def format_path(loc: Loc) -> str:
    """``('entry', 'underlyings', 1)`` -> ``entry.underlyings[1]``."""
    out = ""
    for key in loc:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else str(key)
    return out or "(top level)"

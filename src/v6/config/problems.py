"""Turns pydantic's ``ValidationError`` into one plain line per problem, each naming the key
path, the value given, where it came from and what was expected. Secret values are hidden.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_core import ErrorDetails

from v6.config.models import CrossFieldProblem
from v6.config.schema import format_path, is_secret_path, known_keys

OriginOf = Callable[[Sequence[str | int]], str]
"""Maps a key path to where its value came from, e.g. ``from V6__IB__PORT``."""

HIDDEN = "<hidden>"
_SECRETISH = re.compile(r"pass|token|secret|account|url|key|auth", re.IGNORECASE)

_PATTERN_TEXT = {
    r"^[A-Z][A-Z0-9.]{0,9}$": "an upper-case ticker such as 'SPY'",
    r"^[A-Za-z0-9._-]+$": "a plain file name such as 'v6.jsonl' (no directories)",
}

_SIMPLE: Mapping[str, str] = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text (a string)",
    "dict_type": "a mapping of key: value pairs",
    "model_type": "a mapping (a section of key: value pairs)",
    "model_attributes_type": "a mapping (a section of key: value pairs)",
    "list_type": "a list",
    "tuple_type": "a list",
    "path_type": "a file-system path",
    "missing": "a value (it is required)",
}


def show_value(value: object, *, limit: int = 80) -> str:
    """A short, readable rendering of a config value for an error line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, SecretStr):
        return HIDDEN
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, tuple):
        value = list(value)
    text = repr(value) if isinstance(value, str | dict | list | tuple) else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def expected_text(err: ErrorDetails) -> str:
    """What the field wanted, in words, from one pydantic error."""
    kind = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    bounds = {
        "greater_than": ("gt", ">"),
        "greater_than_equal": ("ge", ">="),
        "less_than": ("lt", "<"),
        "less_than_equal": ("le", "<="),
    }
    if kind in bounds:
        key, sign = bounds[kind]
        return f"a number {sign} {ctx[key]}"
    if kind in ("literal_error", "enum"):
        return f"one of {ctx['expected']}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx["pattern"])
        return _PATTERN_TEXT.get(pattern, f"text matching {pattern}")
    if kind == "string_too_short":
        return "non-empty text" if ctx["min_length"] == 1 else f"at least {ctx['min_length']} chars"
    if kind == "too_short":
        return f"at least {ctx['min_length']} item(s)"
    if kind == "too_long":
        return f"at most {ctx['max_length']} item(s)"
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, ", "Input should be "):
        msg = msg.removeprefix(prefix)
    return msg


def _line(path: str, value: str, origin: str, expected: str) -> str:
    return f"{path}: got {value} ({origin}); expected {expected}"


def _unknown_key_line(
    root: type[BaseModel], loc: tuple[str | int, ...], value: object, origin: str
) -> str:
    parent, key = loc[:-1], str(loc[-1])
    allowed = known_keys(root, parent)
    shown = HIDDEN if _SECRETISH.search(key) else show_value(value)
    hint = ""
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        hint = f" (did you mean '{close[0]}'?)"
    where = f"'{format_path(parent)}'" if parent else "the top level"
    return (
        f"{format_path(loc)}: unknown key, got {shown} ({origin}); expected one of the keys "
        f"of {where}: {', '.join(allowed)}{hint}"
    )


def _problem_lines(root: type[BaseModel], err: ErrorDetails, origin_of: OriginOf) -> list[str]:
    loc = tuple(err["loc"])
    if err["type"] == "cross_field":
        lines = []
        for p in err.get("ctx", {}).get("problems", []):
            if not isinstance(p, CrossFieldProblem):
                continue
            secret = p.value is not None and is_secret_path(root, p.path)
            shown = HIDDEN if secret else show_value(p.value)
            lines.append(_line(format_path(p.path), shown, origin_of(p.path), p.expected))
        return lines
    if loc and loc[-1] == "[key]":
        key_loc = loc[:-1]
        allowed = known_keys(root, key_loc[:-1])
        return [
            f"{format_path(key_loc)}: unknown name {show_value(err['input'])} "
            f"({origin_of(key_loc)}); expected one of: {', '.join(allowed)}"
        ]
    if err["type"] == "extra_forbidden":
        return [_unknown_key_line(root, loc, err["input"], origin_of(loc))]
    if err["type"] == "missing":
        return [f"{format_path(loc)}: missing; expected {expected_text(err)}"]
    value = err["input"]
    shown = HIDDEN if value is not None and is_secret_path(root, loc) else show_value(value)
    return [_line(format_path(loc), shown, origin_of(loc), expected_text(err))]


def problems_from_validation_error(
    root: type[BaseModel], exc: ValidationError, origin_of: OriginOf
) -> list[str]:
    """One line per problem in ``exc``, in pydantic's (declaration) order."""
    lines: list[str] = []
    for err in exc.errors(include_url=False):
        lines.extend(_problem_lines(root, err, origin_of))
    return lines

"""Constrained value types and the base class every configuration section derives from.

Numbers refuse ``true``/``false`` (pydantic's lax mode would read ``true`` as 1), floats refuse
NaN and infinity, and a field is marked secret with ``SECRET`` so every printer masks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, Final, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    SerializerFunctionWrapHandler,
    WrapSerializer,
)
from pydantic_core import PydanticCustomError


class SecretMarker:
    """Annotation marker: the field's value must never be printed, logged or stored."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SECRET"


SECRET: Final = SecretMarker()


def _reject_bool(value: object) -> object:
    """Refuse booleans where a number is expected (``max_open_strategies: yes`` is a typo)."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_not_number", "a number, not true/false")
    return value


NoBool = BeforeValidator(_reject_bool)
"""Put first in an ``Annotated`` number type to refuse booleans."""

Int = Annotated[int, NoBool]
PositiveInt = Annotated[int, NoBool, Field(gt=0)]
NonNegativeInt = Annotated[int, NoBool, Field(ge=0)]
Float = Annotated[float, NoBool]
PositiveFloat = Annotated[float, NoBool, Field(gt=0)]
NonNegativeFloat = Annotated[float, NoBool, Field(ge=0)]
Fraction01 = Annotated[float, NoBool, Field(ge=0, le=1)]
"""A fraction in the closed interval [0, 1]."""
OpenFraction01 = Annotated[float, NoBool, Field(gt=0, le=1)]
"""A fraction in (0, 1]: zero would mean "never", which no target or weight should mean."""
Seconds = Annotated[float, NoBool, Field(gt=0)]
"""A positive duration in seconds."""
Dollars = Annotated[float, NoBool, Field(gt=0)]
"""A positive amount of US dollars."""
Port = Annotated[int, NoBool, Field(ge=1, le=65535)]
Symbol = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9.]{0,9}$")]
"""An upper-case ticker such as ``SPY`` or ``BRK.B``."""
SecretUrl = Annotated[SecretStr, Field(min_length=1)]

K = TypeVar("K")
V = TypeVar("V")


def _freeze(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(mapping))


def _thaw(mapping: Mapping[Any, Any], handler: SerializerFunctionWrapHandler) -> Any:
    return handler(dict(mapping))


FrozenMap = Annotated[Mapping[K, V], AfterValidator(_freeze), WrapSerializer(_thaw)]
"""A read-only mapping (``MappingProxyType``), so a frozen config is frozen all the way down;
it serialises as a plain dict. Use ``Field(default_factory=dict)`` for its default."""


class ConfigSection(BaseModel):
    """Base of every config model: immutable, unknown keys refused, no NaN or infinity.

    Adding a section to the configuration is one subclass of this plus one field on
    ``TradingConfig``; the loader, error messages, redaction and ``v6 config show`` follow.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=False,
        allow_inf_nan=False,
        validate_default=True,
        use_enum_values=False,
        use_attribute_docstrings=True,
        hide_input_in_errors=True,
    )

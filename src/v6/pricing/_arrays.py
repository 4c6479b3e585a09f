"""Broadcast pricing inputs once and hand the kernels flat columns.

The kernels in ``bsm`` and ``iv`` work on 1-D blocks. A scalar input stays a Python float (so
a per-chain spot or rate costs nothing per option); an input of the full broadcast shape is
raveled without a copy when it is contiguous; anything else is broadcast and copied once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
Column = float | FloatArray
"""One flat input: a broadcast scalar, or a 1-D float64 array of the full flat length."""


@dataclass(frozen=True, slots=True)
class FlatColumns:
    """Inputs broadcast against each other, as flat columns, plus the shape to restore."""

    shape: tuple[int, ...]
    size: int
    columns: tuple[Column, ...]


def flatten_inputs(floats: tuple[ArrayLike, ...], is_call: ArrayLike) -> FlatColumns:
    """Broadcast ``floats`` and ``is_call`` together; ``is_call`` becomes a +1/-1 sign column.

    The sign is the last column. Raises ``ValueError`` only when shapes do not broadcast,
    which is a programming error rather than bad market data.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in floats]
    call_arr = np.asarray(is_call, dtype=np.bool_)
    sign = np.where(call_arr, 1.0, -1.0) if call_arr.ndim else (1.0 if call_arr else -1.0)
    arrays.append(np.asarray(sign, dtype=np.float64))
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    size = math.prod(shape)
    columns = tuple(_as_column(a, shape) for a in arrays)
    return FlatColumns(shape=shape, size=size, columns=columns)


def _as_column(arr: FloatArray, shape: tuple[int, ...]) -> Column:
    if arr.size == 1:
        return float(arr.reshape(()))
    if arr.shape == shape:
        return np.ascontiguousarray(arr).reshape(-1)
    return np.ascontiguousarray(np.broadcast_to(arr, shape)).reshape(-1)


def materialize(column: Column, size: int) -> FloatArray:
    """A column as a full-length 1-D array (copying a broadcast scalar)."""
    if isinstance(column, float):
        return np.full(size, column)
    return column


def block(column: Column, lo: int, hi: int) -> Column:
    """Rows ``lo:hi`` of a column (a broadcast scalar is its own block)."""
    if isinstance(column, float):
        return column
    return column[lo:hi]


def all_positive_finite(column: Column) -> bool:
    """Cheap whole-column check (two SIMD reductions); NaN anywhere makes it False."""
    if isinstance(column, float):
        return 0.0 < column < math.inf
    if column.size == 0:
        return True
    return bool(column.min() > 0.0) and bool(column.max() < math.inf)


def all_finite(column: Column) -> bool:
    """Cheap whole-column finiteness check; NaN anywhere makes it False."""
    if isinstance(column, float):
        return math.isfinite(column)
    if column.size == 0:
        return True
    return math.isfinite(float(column.min())) and math.isfinite(float(column.max()))


def positive_finite_mask(column: Column) -> NDArray[np.bool_] | bool:
    """Elementwise ``0 < x < inf`` (False for NaN)."""
    if isinstance(column, float):
        return 0.0 < column < math.inf
    return (column > 0.0) & (column < math.inf)


def finite_mask(column: Column) -> NDArray[np.bool_] | bool:
    """Elementwise ``isfinite``."""
    if isinstance(column, float):
        return math.isfinite(column)
    return np.isfinite(column)

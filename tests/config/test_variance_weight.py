"""The owner's variance-weight formula: weight = max(0.5, 1 - min(mae / 0.40, 0.5))."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from v6.config import VarianceAnalysisConfig, variance_weight
from v6.errors import DomainError

DEFAULT = VarianceAnalysisConfig()
MAE = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("mae", "weight"),
    [
        (0.0, 1.0),  # perfect predictions keep full weight
        (0.04, 0.9),  # 1 - 0.04/0.40
        (0.1, 0.75),  # 1 - 0.25
        (0.2, 0.5),  # 1 - min(0.5, 0.5)
        (0.4, 0.5),  # reduction capped at 0.5
        (5.0, 0.5),
    ],
)
def test_hand_computed_values(mae: float, weight: float) -> None:
    assert variance_weight(mae, DEFAULT) == pytest.approx(weight)


def test_parameters_come_from_the_config() -> None:
    cfg = VarianceAnalysisConfig(mae_scale=1.0, max_reduction=0.7, min_weight=0.2)
    assert variance_weight(0.5, cfg) == pytest.approx(0.5)  # 1 - 0.5
    assert variance_weight(0.9, cfg) == pytest.approx(0.3)  # reduction capped at 0.7
    floor = VarianceAnalysisConfig(mae_scale=1.0, max_reduction=1.0, min_weight=0.4)
    assert variance_weight(0.9, floor) == pytest.approx(0.4)  # min_weight floor


@pytest.mark.parametrize("mae", [-0.01, math.nan, math.inf])
def test_invalid_mae_is_refused(mae: float) -> None:
    with pytest.raises(DomainError):
        variance_weight(mae, DEFAULT)


@given(mae=MAE)
def test_default_weight_is_between_half_and_one(mae: float) -> None:
    assert 0.5 <= variance_weight(mae, DEFAULT) <= 1.0


@given(a=MAE, b=MAE)
def test_weight_never_increases_with_error(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert variance_weight(high, DEFAULT) <= variance_weight(low, DEFAULT)


@given(
    mae=MAE,
    scale=st.floats(min_value=1e-3, max_value=10.0),
    max_reduction=st.floats(min_value=0.0, max_value=1.0),
    min_weight=st.floats(min_value=0.0, max_value=1.0),
)
def test_weight_stays_within_configured_bounds(
    mae: float, scale: float, max_reduction: float, min_weight: float
) -> None:
    cfg = VarianceAnalysisConfig(
        mae_scale=scale, max_reduction=max_reduction, min_weight=min_weight
    )
    weight = variance_weight(mae, cfg)
    assert max(min_weight, 1.0 - max_reduction) - 1e-12 <= weight <= 1.0

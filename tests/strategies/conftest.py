"""Fixtures for the strategy tests: synthetic chains with a skewed smile (``v6.strategies
.synthetic``), exposed as fixtures because the suite runs in importlib mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from v6.strategies import BuildSpec, ChainSnapshot
from v6.strategies.synthetic import synthetic_chain

ChainFactory = Callable[..., ChainSnapshot]


@pytest.fixture(scope="session")
def make_chain() -> ChainFactory:
    """``synthetic_chain(**overrides)``: SPY at 560, $1 strikes, 4-102 DTE, skewed smile."""

    def factory(**overrides: Any) -> ChainSnapshot:
        return synthetic_chain(**overrides)

    return factory


@pytest.fixture(scope="session")
def spy_chain() -> ChainSnapshot:
    """The default synthetic SPY chain (its 25-delta put/call IV ratio is about 1.22)."""
    return synthetic_chain()


@pytest.fixture(scope="session")
def flat_chain() -> ChainSnapshot:
    """No smile and equal put and call IVs: a skew ratio of exactly 1 (neutral)."""
    return synthetic_chain(skew=0.0, smile=0.0)


@pytest.fixture
def spec() -> BuildSpec:
    return BuildSpec()

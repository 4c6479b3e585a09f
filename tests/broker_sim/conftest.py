"""Fixtures for the paper-broker tests: a virtual clock, quotes, and a broker factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from v6.broker.sim import PaperBroker, PaperBrokerConfig
from v6.clock import VirtualClock

from .kit import START, DictQuotes, set_condor_quotes


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def quotes(clock: VirtualClock) -> DictQuotes:
    q = DictQuotes(clock)
    q.spots["SPY"] = 500.0
    set_condor_quotes(q)
    return q


BrokerFactory = Callable[..., PaperBroker]


@pytest.fixture
def make_broker(quotes: DictQuotes, clock: VirtualClock) -> BrokerFactory:
    """Build a broker over the test's quotes and clock; keyword arguments override config.

    Fees default to 0 here so commission arithmetic in tests is the headline rate only;
    tests of fees set them explicitly."""

    def factory(**overrides: Any) -> PaperBroker:
        settings: dict[str, Any] = {"fees_per_contract": 0.0}
        settings.update(overrides)
        return PaperBroker(quotes, clock, PaperBrokerConfig(**settings))

    return factory


@pytest.fixture
def broker(make_broker: BrokerFactory) -> PaperBroker:
    return make_broker()

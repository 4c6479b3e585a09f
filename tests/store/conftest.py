"""Fixtures for the store tests: a temp lake with a few tables, a fake clock, writer factory."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from v6.store import Lake, LakeReader, LakeWriter, TableSpec, WriterConfig
from v6.store.schemas import TABLES

from .helpers import FAST, FakeClock, Sleeps


@pytest.fixture
def specs() -> Mapping[str, TableSpec]:
    """A few tables of each kind (creating all 14 per test would only cost time)."""
    names = ("orders", "option_snapshots", "position_snapshots", "legs", "strategies", "alerts")
    return {n: TABLES[n] for n in names}


@pytest.fixture
def lake(tmp_path: Path, specs: Mapping[str, TableSpec]) -> Lake:
    return Lake(tmp_path / "lake", specs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_writer(lake: Lake, clock: FakeClock) -> Callable[..., LakeWriter]:
    """Builds writers on the test lake with the fake clock and recorded (not real) sleeps."""

    def make(config: WriterConfig = FAST, **kwargs: Any) -> LakeWriter:
        kwargs.setdefault("monotonic", clock)
        kwargs.setdefault("sleep", Sleeps())
        return LakeWriter(lake, config, **kwargs)

    return make


@pytest.fixture
def reader(lake: Lake) -> LakeReader:
    return LakeReader(lake.root, lake.specs)

"""Fixtures for the dashboard tests: one fixture journal per session (written through
``LakeWriter`` by ``v6.dashboard.fixtures``), a config file pointing at it, and helpers that read
the tables directly (polars over Delta) so expected values never come from the code under
test."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from v6.dashboard.context import CONFIG_ENV
from v6.dashboard.fixtures import FixtureLake, write_fixture_lake

APP = Path(__file__).resolve().parents[2] / "src" / "v6" / "dashboard" / "app.py"


def write_config(path: Path, data_dir: Path, *, refresh_s: float = 5.0, extra: str = "") -> Path:
    path.write_text(
        f"data_dir: {data_dir}\ndashboard:\n  refresh_s: {refresh_s}\n{extra}", encoding="utf-8"
    )
    return path


@pytest.fixture(scope="session")
def lake(tmp_path_factory: pytest.TempPathFactory) -> FixtureLake:
    """The shared, read-only fixture journal (tests that write get their own)."""
    return write_fixture_lake(tmp_path_factory.mktemp("fixture") / "data", seed=7)


@pytest.fixture(scope="session")
def config_file(lake: FixtureLake, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_config(tmp_path_factory.mktemp("config") / "v6.yaml", lake.data_dir)


@pytest.fixture
def app_env(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the fixture config (and nothing else from the environment)."""
    for name in list(os.environ):
        if name.upper().startswith("V6__"):
            monkeypatch.delenv(name)
    monkeypatch.setenv(CONFIG_ENV, str(config_file))
    return config_file


def table(lake: FixtureLake, name: str) -> pl.DataFrame:
    """Every row of one table, read with polars directly (not through v6.queries)."""
    return pl.read_delta(str(lake.lake_dir / name))

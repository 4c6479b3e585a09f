"""Fixtures for the config tests: an environment without stray V6__ variables, the repo root
and a helper that writes a YAML file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run in an empty directory (so config/trading_config.yaml of the checkout is not picked
    up by default) without V6__ variables of the machine running the tests."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.upper().startswith("V6__"):
            monkeypatch.delenv(name)


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "cfg.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def shipped_config() -> Path:
    """The config file users edit, at the repository root."""
    return REPO_ROOT / "config" / "trading_config.yaml"

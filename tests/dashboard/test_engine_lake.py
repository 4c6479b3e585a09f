"""The dashboard over a journal the engine itself wrote: a short seeded ``v6 run`` in sim mode
(its own heartbeat file, its own row shapes, no option snapshots), every page rendered."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from v6.dashboard import format as fmt
from v6.dashboard.context import CONFIG_ENV
from v6.dashboard.navigation import PAGES
from v6.dashboard.panels.common import PANEL_FAILED

from .conftest import APP, write_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("engine") / "data"
    cmd = [sys.executable, "-m", "v6.cli.main", "run", "--days", "3", "--seed", "5"]
    done = subprocess.run(
        [*cmd, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (data_dir / "health.json").is_file()
    return data_dir


@pytest.mark.parametrize("page", [name for name, _, _ in PAGES])
def test_every_page_renders_the_engines_journal(
    engine_data: Path, page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(write_config(tmp_path / "c.yaml", engine_data)))
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if PANEL_FAILED in str(e.value)]
    metrics = {m.label: m.value for m in at.metric}
    acct = pl.read_delta(str(engine_data / "lake" / "account_snapshots")).sort("ts_event")
    assert metrics["Net liq"] == fmt.money(acct.get_column("net_liquidation")[-1])
    assert metrics["Mode"] == "SIM"
    assert metrics["Heartbeat"] not in ("no engine", "unreadable")

"""End to end in a real browser: ``v6 dashboard``'s own launch plan serves the app with
``streamlit run`` on 127.0.0.1 over a fixture journal, headless Chromium (Debian's, through
Playwright) opens every page, and rows appended to the tables while it watches appear without
a reload. Screenshots land in the test's tmp dir (and in ``V6_SCREENSHOTS_DIR`` if set).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psutil
import pytest

from v6.alerts.codec import AlertRecord
from v6.alerts.codec import to_row as alert_row
from v6.clock import WallClock
from v6.config import load_config
from v6.dashboard import format as fmt
from v6.dashboard.fixtures import FixtureLake, write_fixture_lake
from v6.dashboard.launch import plan_launch
from v6.dashboard.navigation import PAGES
from v6.domain.alert import Alert, AlertType, Severity
from v6.store.lake import Lake
from v6.store.writer import LakeWriter, WriterConfig

from .conftest import write_config

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REFRESH_S = 1.0
APPEAR_TIMEOUT_MS = 15_000
"""Generous upper bound for a new row to show (a refresh is 1 s; CI machines are slow)."""
PANELS = {
    "overview": ("Equity and drawdown", "Daily P&L", "P&L by underlying"),
    "positions": ("Open strategies (6)", "Expiry ladder"),
    "risk": ("Exposure by underlying", "Stress matrix", "Correlation of daily returns"),
    "decisions": ("Decisions (",),
    "orders": ("Working orders (1)", "Fills", "Rejections ("),
    "alerts": ("Open alerts (", "History ("),
    "system": ("Engine", "Market data freshness", "Journal tables", "Recent errors"),
    "backtests": ("Saved runs (2)",),
}


def _chromium() -> str:
    path = shutil.which("chromium") or CHROMIUM
    if not Path(path).exists():
        pytest.fail(
            f"Chromium is not installed ({CHROMIUM} missing): the browser tests need it. "
            "Install it with `apt-get install -y chromium` (.ci/run does this in CI)."
        )
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Served:
    lake: FixtureLake
    url: str
    pid: int
    shots: Path


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"streamlit did not become healthy: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    _chromium()
    root = tmp_path_factory.mktemp("browser")
    lake = write_fixture_lake(root / "data", seed=7, heartbeat_at=WallClock().now())
    cfg_path = write_config(root / "v6.yaml", lake.data_dir, refresh_s=REFRESH_S)
    port = _free_port()
    cfg = load_config(cfg_path, env={}, overrides={"dashboard.port": port})
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("V6")}
    plan = plan_launch(cfg, config_path=cfg_path, base_env=env)
    log = root / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(list(plan.command), env=dict(plan.env), stdout=out, stderr=out)
    try:
        _wait_healthy(plan.url, proc, log)
        yield Served(lake, plan.url, proc.pid, root)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_server_listens_on_loopback_only(served: Served) -> None:
    listening = [
        c.laddr
        for c in psutil.Process(served.pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    ]
    assert listening, "the dashboard server is not listening"
    assert {addr.ip for addr in listening} == {"127.0.0.1"}


@pytest.fixture(scope="module")
def browser_page(served: Served) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        try:
            yield page
        finally:
            browser.close()


def _save(page: object, served: Served, name: str, *, for_docs: bool = True) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    path = served.shots / f"{name}.png"
    page.screenshot(path=str(path))
    extra = os.environ.get("V6_SCREENSHOTS_DIR")
    if extra and for_docs:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)


@pytest.mark.parametrize(("name", "title"), [(n, t) for n, t, _ in PAGES])
def test_every_page_renders_its_panels(
    served: Served, browser_page: object, name: str, title: str
) -> None:
    from playwright.sync_api import Page, expect

    page = browser_page
    assert isinstance(page, Page)
    default = name == PAGES[0][0]  # the default page is served at the root
    page.goto(f"{served.url}/" if default else f"{served.url}/{name}")
    main = page.locator("section.stMain, [data-testid='stMain']").first
    expect(main.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=30_000)
    expect(main.get_by_text("Net liq", exact=True)).to_be_visible(timeout=10_000)
    for panel in PANELS[name]:
        expect(main.get_by_text(panel).filter(visible=True).first).to_be_visible(timeout=15_000)
    expect(main.get_by_text("panel failed")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    page.wait_for_timeout(800)  # let plotly finish drawing before the picture
    _save(page, served, name)


def _writer(served: Served) -> LakeWriter:
    return LakeWriter(
        Lake(served.lake.lake_dir), WriterConfig(writer_id="browser-test", sync_on_start=False)
    )


def test_appended_rows_appear_without_a_reload(served: Served, browser_page: object) -> None:
    from playwright.sync_api import Page, expect

    page = browser_page
    assert isinstance(page, Page)
    page.goto(f"{served.url}/alerts")
    main = page.locator("section.stMain, [data-testid='stMain']").first
    expect(main.get_by_text("Open alerts (", exact=False).first).to_be_visible(timeout=30_000)
    marker = "browser-test alert: VIX jumped 31 % in a day"
    expect(main.get_by_text(marker)).to_have_count(0)
    ts = served.lake.as_of + timedelta(minutes=1)
    alert = Alert("alert-browser", AlertType.RISK_LIMIT, Severity.CRITICAL, "vix:jump", marker, ts)
    new_nl = 123_456.78
    writer = _writer(served)
    try:
        writer.append("alerts", [alert_row(AlertRecord(alert, ts, ts))])
        writer.append(
            "account_snapshots",
            [{"account_id": "DU1234567", "net_liquidation": new_nl, "ts_event": ts, "ts_init": ts}],
        )
    finally:
        writer.close()
    # no navigation, no reload: the panels' own refresh must bring both rows in
    shown = main.get_by_text(marker).filter(visible=True)
    expect(shown.first).to_be_visible(timeout=APPEAR_TIMEOUT_MS)
    net_liq = main.get_by_text(fmt.money(new_nl), exact=True).filter(visible=True)
    expect(net_liq.first).to_be_visible(timeout=APPEAR_TIMEOUT_MS)
    _save(page, served, "alerts-live", for_docs=False)

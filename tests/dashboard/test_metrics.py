"""The engine's Prometheus endpoint, scraped over real HTTP on 127.0.0.1."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from v6.dashboard.metrics import EngineMetrics, MetricsServer, start_metrics_server


@pytest.fixture
def served() -> Iterator[tuple[EngineMetrics, MetricsServer]]:
    metrics, server = start_metrics_server(0)
    try:
        yield metrics, server
    finally:
        server.close()


def scrape(server: MetricsServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(server.url, timeout=5) as response:
        text = response.read().decode()
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_listens_on_loopback_only_by_default(served: tuple[EngineMetrics, MetricsServer]) -> None:
    _, server = served
    assert server.host == "127.0.0.1"
    assert server.server.server_address[0] == "127.0.0.1"
    assert server.port > 0


def test_scrape_shows_what_the_engine_recorded(served: tuple[EngineMetrics, MetricsServer]) -> None:
    metrics, server = served
    for seconds in (0.012, 0.030, 0.2):
        metrics.observe_cycle(seconds)
    metrics.decision("take_profit", "close")
    metrics.decision("take_profit", "CLOSE")
    metrics.decision("hold", "hold")
    metrics.order("Filled")
    metrics.alert("critical")
    metrics.set_pnl(day=-125.5, open_=310.0)
    metrics.set_account(99_801.02)
    metrics.set_greeks({"delta": 24.3, "theta_per_day": 12.4, "vega_per_vol_point": float("nan")})
    metrics.set_data_age({"SPY": 1.5, "IWM": 74.0})
    metrics.set_trading_state("reducing")
    metrics.set_open_strategies(6)
    beat = datetime(2026, 11, 20, 20, 55, tzinfo=UTC)
    metrics.heartbeat(beat)
    got = scrape(server)
    assert got[("v6_cycle_seconds_count", ())] == 3
    assert got[("v6_cycle_seconds_sum", ())] == pytest.approx(0.242)
    assert got[("v6_cycle_seconds_bucket", (("le", "0.05"),))] == 2
    assert got[("v6_last_cycle_seconds", ())] == pytest.approx(0.2)
    assert got[("v6_decisions_total", (("action", "CLOSE"), ("rule", "take_profit")))] == 2
    assert got[("v6_decisions_total", (("action", "HOLD"), ("rule", "hold")))] == 1
    assert got[("v6_orders_total", (("status", "FILLED"),))] == 1
    assert got[("v6_alerts_total", (("severity", "CRITICAL"),))] == 1
    assert got[("v6_pnl_dollars", (("kind", "day"),))] == -125.5
    assert got[("v6_pnl_dollars", (("kind", "open"),))] == 310.0
    assert ("v6_pnl_dollars", (("kind", "realised"),)) not in got
    assert got[("v6_net_liquidation_dollars", ())] == pytest.approx(99_801.02)
    assert got[("v6_portfolio_greek", (("greek", "delta"),))] == pytest.approx(24.3)
    assert ("v6_portfolio_greek", (("greek", "vega_per_vol_point"),)) not in got
    assert got[("v6_market_data_age_seconds", (("underlying", "IWM"),))] == 74.0
    assert got[("v6_trading_state", ())] == 1
    assert got[("v6_open_strategies", ())] == 6
    assert got[("v6_heartbeat_timestamp_seconds", ())] == beat.timestamp()


def test_two_engines_never_share_counts() -> None:
    a, b = EngineMetrics(), EngineMetrics()
    a.order("Filled")
    assert a.registry.get_sample_value("v6_orders_total", {"status": "FILLED"}) == 1
    assert b.registry.get_sample_value("v6_orders_total", {"status": "FILLED"}) is None

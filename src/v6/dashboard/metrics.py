"""Prometheus metrics of the engine: cycle latency, decisions by rule, orders by status, alerts
by severity, P&L, portfolio Greeks, market-data age and trading state, served over HTTP by
``start_metrics_server`` (loopback by default) for Prometheus or Grafana to scrape.

The engine owns one ``EngineMetrics`` and updates it as it works; every metric lives in that
object's own registry (not the process-global one), so two engines or two tests never share
counts. No Streamlit import here: the engine imports this module.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

CYCLE_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Cycle latency buckets in seconds (the budget is 50 ms for 1,000 strategies)."""
TRADING_STATES = {"ACTIVE": 0, "REDUCING": 1, "HALTED": 2}


class EngineMetrics:
    """The engine's metrics. Label values are free text the engine chooses (rule names,
    order statuses, severities, underlyings); keep them to small, fixed sets."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.cycle_seconds = Histogram(
            "v6_cycle_seconds", "Monitoring cycle wall time", buckets=CYCLE_BUCKETS_S, registry=r
        )
        self.last_cycle_seconds = Gauge(
            "v6_last_cycle_seconds", "Wall time of the last monitoring cycle", registry=r
        )
        self.decisions = Counter(
            "v6_decisions",
            "Decisions journaled, by rule and action",
            ["rule", "action"],
            registry=r,
        )
        self.orders = Counter("v6_orders", "Order state changes, by status", ["status"], registry=r)
        self.alerts = Counter("v6_alerts", "Alerts raised, by severity", ["severity"], registry=r)
        self.pnl_dollars = Gauge(
            "v6_pnl_dollars", "P&L in dollars (day, open, realised)", ["kind"], registry=r
        )
        self.net_liquidation_dollars = Gauge(
            "v6_net_liquidation_dollars", "Account net liquidation", registry=r
        )
        self.greeks = Gauge(
            "v6_portfolio_greek",
            "Portfolio Greeks: delta (share-equivalents), gamma, theta_per_day ($), "
            "vega_per_vol_point ($)",
            ["greek"],
            registry=r,
        )
        self.data_age_seconds = Gauge(
            "v6_market_data_age_seconds",
            "Age of the newest quote, by underlying",
            ["underlying"],
            registry=r,
        )
        self.trading_state = Gauge(
            "v6_trading_state", "Circuit breaker state: 0 active, 1 reducing, 2 halted", registry=r
        )
        self.open_strategies = Gauge("v6_open_strategies", "Open strategies", registry=r)
        self.heartbeat_seconds = Gauge(
            "v6_heartbeat_timestamp_seconds", "Unix time of the last heartbeat", registry=r
        )

    def observe_cycle(self, seconds: float) -> None:
        self.cycle_seconds.observe(seconds)
        self.last_cycle_seconds.set(seconds)

    def decision(self, rule: str, action: str) -> None:
        self.decisions.labels(rule=rule, action=action.upper()).inc()

    def order(self, status: str) -> None:
        self.orders.labels(status=status.upper()).inc()

    def alert(self, severity: str) -> None:
        self.alerts.labels(severity=severity.upper()).inc()

    def set_pnl(
        self, *, day: float | None, open_: float | None, realised: float | None = None
    ) -> None:
        for kind, value in (("day", day), ("open", open_), ("realised", realised)):
            if value is not None and math.isfinite(value):
                self.pnl_dollars.labels(kind=kind).set(value)

    def set_account(self, net_liquidation: float) -> None:
        if math.isfinite(net_liquidation):
            self.net_liquidation_dollars.set(net_liquidation)

    def set_greeks(self, greeks: Mapping[str, float]) -> None:
        """``{"delta": ..., "gamma": ..., "theta_per_day": ..., "vega_per_vol_point": ...}``."""
        for name, value in greeks.items():
            if math.isfinite(value):
                self.greeks.labels(greek=name).set(value)

    def set_data_age(self, ages_s: Mapping[str, float]) -> None:
        for symbol, age in ages_s.items():
            self.data_age_seconds.labels(underlying=symbol).set(age)

    def set_trading_state(self, state: str) -> None:
        self.trading_state.set(TRADING_STATES.get(state.upper(), 2))

    def set_open_strategies(self, count: int) -> None:
        self.open_strategies.set(count)

    def heartbeat(self, ts: datetime) -> None:
        self.heartbeat_seconds.set(ts.timestamp())


@dataclass(frozen=True, slots=True)
class MetricsServer:
    """A running metrics endpoint: ``http://{host}:{port}/metrics``."""

    host: str
    port: int
    server: WSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"

    def close(self) -> None:
        """Stop serving and release the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_metrics_server(
    port: int, host: str = "127.0.0.1", *, metrics: EngineMetrics | None = None
) -> tuple[EngineMetrics, MetricsServer]:
    """Serve ``metrics`` (a new ``EngineMetrics`` if None) on ``host:port`` from a daemon
    thread; port 0 picks a free one (see ``MetricsServer.port``)."""
    metrics = metrics or EngineMetrics()
    server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    return metrics, MetricsServer(host, int(server.server_port), server, thread)

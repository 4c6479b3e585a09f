"""Cached reads for the pages: every query goes through ``v6.queries`` and is cached per data
directory and refresh period, so many open pages (or browsers) cost one read per period and a
panel never shows data older than one refresh interval plus one read.

The period number (``bucket``) is part of each cache key: it changes every ``refresh_s``
seconds, which expires every entry at once without per-entry timers; ``ttl`` only bounds memory.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
import streamlit as st

from v6.alerts.codec import AlertRecord
from v6.clock import WallClock
from v6.dashboard.context import DashboardContext
from v6.domain.alert import AlertType, Severity
from v6.domain.decision import Action
from v6.journal.codec import DecisionRecord
from v6.queries import account, health, orders, positions, risk
from v6.queries.account import AccountSummary
from v6.queries.health import HealthRecord
from v6.queries.orders import WorkingOrder
from v6.queries.positions import PositionView
from v6.queries.risk import Correlations, Exposure, StressResult
from v6.risk.killswitch import KillSwitchStatus
from v6.store.reader import TableStats

cached = st.cache_data(ttl=600, max_entries=64, show_spinner=False)
"""The cache every read goes through (``ttl`` only bounds memory; ``bucket`` expires)."""


def now() -> datetime:
    """Wall-clock time (UTC) for ages and the cache period."""
    return WallClock().now()


def bucket(ctx: DashboardContext) -> int:
    """The current refresh period's number."""
    return int(now().timestamp() // ctx.refresh_s)


def health_record(ctx: DashboardContext) -> HealthRecord | None:
    """Not cached: one small file, and the heartbeat age must be current."""
    return health.read_health(ctx.data_dir, ctx.health_file)


def kill_switch(ctx: DashboardContext) -> KillSwitchStatus | None:
    return health.kill_switch(ctx.data_dir, ctx.kill_file)


def engine_time(ctx: DashboardContext) -> datetime:
    """The engine's "now": its clock in the heartbeat (virtual in sim), else the newest
    snapshot, else the wall clock. Ages of orders and positions are measured from it."""
    record = health_record(ctx)
    if record is not None and record.clock_at is not None:
        return record.clock_at
    return lake_time(ctx) or now()


def lake_time(ctx: DashboardContext) -> datetime | None:
    return _lake_time(ctx, ctx.cache_key, bucket(ctx))


@cached
def _lake_time(_ctx: DashboardContext, key: str, period: int) -> datetime | None:
    return positions.lake_time(_ctx.reader)


def account_summary(ctx: DashboardContext) -> AccountSummary | None:
    return _account(ctx, ctx.cache_key, bucket(ctx))


@cached
def _account(_ctx: DashboardContext, key: str, period: int) -> AccountSummary | None:
    return account.account_summary(_ctx.reader)


def equity_curve(ctx: DashboardContext) -> pl.DataFrame:
    return _equity(ctx, ctx.cache_key, bucket(ctx))


@cached
def _equity(_ctx: DashboardContext, key: str, period: int) -> pl.DataFrame:
    return account.equity_curve(_ctx.reader)


def daily_pnl(ctx: DashboardContext) -> pl.DataFrame:
    return _daily(ctx, ctx.cache_key, bucket(ctx))


@cached
def _daily(_ctx: DashboardContext, key: str, period: int) -> pl.DataFrame:
    return account.daily_pnl(_ctx.reader)


def strategy_pnl(ctx: DashboardContext) -> pl.DataFrame:
    return _strategy_pnl(ctx, ctx.cache_key, bucket(ctx))


@cached
def _strategy_pnl(_ctx: DashboardContext, key: str, period: int) -> pl.DataFrame:
    return account.strategy_pnl(_ctx.reader)


def open_positions(ctx: DashboardContext) -> list[PositionView]:
    return _positions(ctx, ctx.cache_key, bucket(ctx))


@cached
def _positions(_ctx: DashboardContext, key: str, period: int) -> list[PositionView]:
    cfg = _ctx.config
    return positions.open_positions(
        _ctx.reader, rules=cfg.rules, targets=cfg.profit_targets, as_of=engine_time(_ctx)
    )


def working_orders(ctx: DashboardContext) -> list[WorkingOrder]:
    return _working(ctx, ctx.cache_key, bucket(ctx))


@cached
def _working(_ctx: DashboardContext, key: str, period: int) -> list[WorkingOrder]:
    return orders.working_orders(_ctx.reader, as_of=engine_time(_ctx))


def fills(ctx: DashboardContext) -> pl.DataFrame:
    return _fills(ctx, ctx.cache_key, bucket(ctx))


@cached
def _fills(_ctx: DashboardContext, key: str, period: int) -> pl.DataFrame:
    return orders.fills(_ctx.reader)


def rejections(ctx: DashboardContext) -> pl.DataFrame:
    return _rejections(ctx, ctx.cache_key, bucket(ctx))


@cached
def _rejections(_ctx: DashboardContext, key: str, period: int) -> pl.DataFrame:
    return orders.rejections(_ctx.reader)


def alerts(
    ctx: DashboardContext,
    *,
    include_resolved: bool,
    min_severity: Severity | None = None,
    alert_type: AlertType | None = None,
) -> list[AlertRecord]:
    return _alerts(ctx, ctx.cache_key, bucket(ctx), include_resolved, min_severity, alert_type)


@cached
def _alerts(
    _ctx: DashboardContext,
    key: str,
    period: int,
    include_resolved: bool,
    min_severity: Severity | None,
    alert_type: AlertType | None,
) -> list[AlertRecord]:
    return _ctx.queries.alerts(
        include_resolved=include_resolved, min_severity=min_severity, alert_type=alert_type
    )


def pending_acks(ctx: DashboardContext) -> set[str]:
    """Not cached: a request written a moment ago must show at once."""
    return ctx.queries.pending_acks()


def decisions(
    ctx: DashboardContext,
    *,
    strategy_id: str | None = None,
    rule: str | None = None,
    action: Action | None = None,
    limit: int = 500,
) -> list[DecisionRecord]:
    return _decisions(ctx, ctx.cache_key, bucket(ctx), strategy_id, rule, action, limit)


@cached
def _decisions(
    _ctx: DashboardContext,
    key: str,
    period: int,
    strategy_id: str | None,
    rule: str | None,
    action: Action | None,
    limit: int,
) -> list[DecisionRecord]:
    return _ctx.queries.decisions(strategy_id=strategy_id, rule=rule, action=action, limit=limit)


def exposure(ctx: DashboardContext) -> list[Exposure]:
    spots = {
        r["underlying"]: r["underlying_price"]
        for r in freshness(ctx).iter_rows(named=True)
        if r["underlying_price"] is not None
    }
    return risk.exposure(open_positions(ctx), ctx.config.risk, spots)


def stress(ctx: DashboardContext) -> StressResult | None:
    return _stress(ctx, ctx.cache_key, bucket(ctx))


@cached
def _stress(_ctx: DashboardContext, key: str, period: int) -> StressResult | None:
    summary = account.account_summary(_ctx.reader)
    nl = summary.net_liquidation if summary and summary.net_liquidation else 0.0
    return risk.stress(
        open_positions(_ctx), _ctx.config.risk, as_of=engine_time(_ctx), net_liquidation=nl
    )


def correlations(ctx: DashboardContext) -> Correlations:
    return _correlations(ctx, ctx.cache_key, bucket(ctx))


@cached
def _correlations(_ctx: DashboardContext, key: str, period: int) -> Correlations:
    cfg = _ctx.config
    return risk.correlations(
        _ctx.reader,
        threshold=cfg.limits.correlation_threshold,
        lookback=cfg.risk.correlation_lookback_days,
    )


def freshness(ctx: DashboardContext) -> pl.DataFrame:
    return _freshness(ctx, ctx.cache_key, bucket(ctx))


@cached
def _freshness(_ctx: DashboardContext, key: str, period: int) -> pl.DataFrame:
    return health.data_freshness(_ctx.reader)


def table_stats(ctx: DashboardContext) -> list[TableStats]:
    return _stats(ctx, ctx.cache_key, bucket(ctx))


@cached
def _stats(_ctx: DashboardContext, key: str, period: int) -> list[TableStats]:
    return health.table_stats(_ctx.reader)

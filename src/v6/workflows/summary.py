"""The closing summary of a run, computed only from what is recorded: the broker's account
(equity, realised P&L) and the journal (strategies with their realised P&L and exit rule,
executions, account snapshots, alerts, refused intents). Nothing here is an estimate.

Sharpe and max drawdown use daily mark-to-market equity: the last account snapshot of each
trading day, then the account at the end (annualised with 252 sessions).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from v6.ports.broker import AccountSummary
from v6.store.reader import LakeReader

TRADING_DAYS = 252
_SEVERITY_RANK = {"INFO": 0, "WARNING": 1, "CRITICAL": 2}


@dataclass(frozen=True, slots=True)
class RunSummary:
    first_day: date | None
    last_day: date | None
    sessions: int
    starting_equity: float
    final_equity: float
    pnl: float
    """Final equity - starting equity (the account: realised + open, commissions included)."""
    realised_pnl: float
    """The broker's realised P&L."""
    open_pnl: float
    """Unrealised P&L of what is still held (the broker's marks)."""
    commissions: float
    trades: int
    """Strategies that ended (closed or rolled) with a realised P&L in the journal."""
    wins: int
    trade_pnl: float
    """Sum of the ended strategies' realised P&L (journal)."""
    max_drawdown: float
    """Dollars, peak to trough of daily equity."""
    max_drawdown_fraction: float
    sharpe: float | None
    entries_by_type: Mapping[str, int] = field(default_factory=dict)
    exits_by_rule: Mapping[str, int] = field(default_factory=dict)
    alerts_by_severity: Mapping[str, int] = field(default_factory=dict)
    refused_intents: int = 0
    open_strategies: int = 0

    @property
    def win_rate(self) -> float | None:
        return self.wins / self.trades if self.trades else None

    def as_dict(self) -> dict[str, object]:
        return {
            "first_day": None if self.first_day is None else self.first_day.isoformat(),
            "last_day": None if self.last_day is None else self.last_day.isoformat(),
            "sessions": self.sessions,
            "starting_equity": round(self.starting_equity, 2),
            "final_equity": round(self.final_equity, 2),
            "pnl": round(self.pnl, 2),
            "realised_pnl": round(self.realised_pnl, 2),
            "open_pnl": round(self.open_pnl, 2),
            "commissions": round(self.commissions, 2),
            "trades": self.trades,
            "wins": self.wins,
            "win_rate": None if self.win_rate is None else round(self.win_rate, 4),
            "trade_pnl": round(self.trade_pnl, 2),
            "max_drawdown": round(self.max_drawdown, 2),
            "max_drawdown_fraction": round(self.max_drawdown_fraction, 6),
            "sharpe": None if self.sharpe is None else round(self.sharpe, 4),
            "entries_by_type": dict(sorted(self.entries_by_type.items())),
            "exits_by_rule": dict(sorted(self.exits_by_rule.items())),
            "alerts_by_severity": dict(sorted(self.alerts_by_severity.items())),
            "refused_intents": self.refused_intents,
            "open_strategies": self.open_strategies,
        }


def _read(reader: LakeReader, table: str) -> pl.DataFrame:
    return reader.read(table) if reader.exists(table) else pl.DataFrame()


def equity_stats(equity: list[float]) -> tuple[float, float, float | None]:
    """(max drawdown $, max drawdown fraction, annualised Sharpe or None) of a daily series."""
    peak = -math.inf
    dd = dd_frac = 0.0
    for x in equity:
        peak = max(peak, x)
        dd = max(dd, peak - x)
        if peak > 0:
            dd_frac = max(dd_frac, (peak - x) / peak)
    rets = [b / a - 1.0 for a, b in itertools.pairwise(equity) if a > 0]
    sharpe = None
    if len(rets) >= 2:
        mean = sum(rets) / len(rets)
        var = sum((r - mean) ** 2 for r in rets) / (len(rets) - 1)
        if var > 0:
            sharpe = mean / math.sqrt(var) * math.sqrt(TRADING_DAYS)
    return dd, dd_frac, sharpe


def summarize(reader: LakeReader, account: AccountSummary, starting_equity: float) -> RunSummary:
    """The run's summary from the journal under ``reader`` and the broker's ``account``."""
    strategies = _read(reader, "strategies")
    trades = wins = opened = 0
    trade_pnl = 0.0
    exits: Counter[str] = Counter()
    entries: Counter[str] = Counter()
    open_now = 0
    if not strategies.is_empty():
        for row in strategies.iter_rows(named=True):
            status = str(row.get("status") or "")
            if row.get("opened_at") is not None:
                opened += 1
                entries[str(row.get("strategy_type"))] += 1
            if status in ("OPEN", "CLOSING"):
                open_now += 1
            pnl = row.get("realized_pnl")
            if status in ("CLOSED", "ROLLED") and pnl is not None:
                trades += 1
                trade_pnl += float(pnl)
                wins += 1 if float(pnl) > 0 else 0
                exits[str(row.get("exit_rule") or "unknown")] += 1
    executions = _read(reader, "executions")
    commissions = (
        float(executions["commission"].fill_null(0.0).sum()) if not executions.is_empty() else 0.0
    )
    snaps = _read(reader, "account_snapshots")
    days: list[date] = []
    equity: list[float] = [starting_equity]
    if not snaps.is_empty():
        daily = (
            snaps.sort("ts_init")
            .group_by("trade_date", maintain_order=True)
            .agg(pl.col("net_liquidation").last())
            .sort("trade_date")
        )
        days = list(daily["trade_date"])
        equity += [float(x) for x in daily["net_liquidation"] if x is not None]
    equity.append(account.net_liquidation)
    dd, dd_frac, sharpe = equity_stats(equity)
    alerts = _read(reader, "alerts")
    by_severity: Counter[str] = Counter()
    if not alerts.is_empty():
        top: dict[str, str] = {}
        for row in alerts.select("alert_id", "severity").iter_rows(named=True):
            sev = str(row["severity"] or "INFO").upper()
            aid = str(row["alert_id"])
            if _SEVERITY_RANK.get(sev, 0) >= _SEVERITY_RANK.get(top.get(aid, "INFO"), 0):
                top[aid] = sev
        by_severity.update(top.values())
    orders = _read(reader, "orders")
    refused = 0
    if not orders.is_empty():
        refused = orders.filter(pl.col("status") == "REFUSED")["order_ref"].n_unique()
    return RunSummary(
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
        sessions=len(days),
        starting_equity=starting_equity,
        final_equity=account.net_liquidation,
        pnl=account.net_liquidation - starting_equity,
        realised_pnl=_realised(account, starting_equity),
        open_pnl=account.unrealized_pnl,
        commissions=commissions,
        trades=trades,
        wins=wins,
        trade_pnl=trade_pnl,
        max_drawdown=dd,
        max_drawdown_fraction=dd_frac,
        sharpe=sharpe,
        entries_by_type=dict(entries),
        exits_by_rule=dict(exits),
        alerts_by_severity=dict(by_severity),
        refused_intents=refused,
        open_strategies=open_now,
    )


def _realised(account: AccountSummary, starting_equity: float) -> float:
    """Realised P&L = equity change minus what is still open (the broker's own split)."""
    return account.net_liquidation - starting_equity - account.unrealized_pnl


__all__ = ["RunSummary", "equity_stats", "summarize"]

"""Rows the workflows journal themselves: position and account snapshots, strategy states
with their realised P&L and exit rule, and settlement fills. Plain dicts matching
``v6.store.schemas`` (every event row carries ``trade_date`` so the store need not derive it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from v6.domain.orders import Fill
from v6.domain.strategy import Strategy
from v6.execution import rows as rb
from v6.ports.broker import AccountSummary
from v6.risk.calculator import PortfolioRisk
from v6.rules.views import StrategyView
from v6.strategies.chain import EXCHANGE_TZ

Row = dict[str, Any]


def trade_date(ts: datetime) -> date:
    return ts.astimezone(EXCHANGE_TZ).date()


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


def position_rows(views: Iterable[StrategyView], *, cycle_id: str, ts: datetime) -> list[Row]:
    """One row per strategy: marks, P&L and Greeks this cycle. ``mark`` is the net value per
    share of one unit at mid (positive = worth something to us, as a long position is)."""
    day = trade_date(ts)
    out: list[Row] = []
    for v in views:
        per_unit = v.units * v.multiplier
        value = sum(leg.quantity * leg.mark for leg in v.legs) * v.multiplier
        g = v.greeks
        out.append(
            {
                "strategy_id": v.strategy_id,
                "cycle_id": cycle_id,
                "underlying": v.symbol,
                "underlying_price": _num(v.underlying_price),
                "quantity": v.units,
                "mark": _num(value / per_unit) if per_unit else None,
                "unrealized_pnl": _num(v.pnl),
                "pnl_fraction_of_max_profit": _num(v.pnl_fraction),
                "delta": _num(g.delta),
                "gamma": _num(g.gamma),
                "theta_per_day": _num(g.theta_per_day),
                "vega_per_vol_point": _num(g.vega_per_vol_point),
                "iv": _num(v.iv_now),
                "dte_days": v.dte,
                "data_valid": not v.issues,
                "trade_date": day,
                "ts_event": ts,
                "ts_init": ts,
            }
        )
    return out


def account_row(
    account: AccountSummary, risk: PortfolioRisk | None, *, open_strategies: int, ts: datetime
) -> Row:
    g = risk.greeks if risk is not None else None
    return {
        "account_id": account.account_id,
        "net_liquidation": account.net_liquidation,
        "cash": account.cash,
        "buying_power": account.buying_power,
        "maintenance_margin": account.maintenance_margin,
        "excess_liquidity": account.buying_power,
        "realized_pnl_day": account.realized_pnl_today,
        "unrealized_pnl": account.unrealized_pnl,
        "portfolio_delta": None if g is None else _num(g.delta),
        "portfolio_gamma": None if g is None else _num(g.gamma),
        "portfolio_theta_per_day": None if g is None else _num(g.theta_per_day),
        "portfolio_vega_per_vol_point": None if g is None else _num(g.vega_per_vol_point),
        "open_strategies": open_strategies,
        "trade_date": trade_date(ts),
        "ts_event": account.ts,
        "ts_init": ts,
    }


def strategy_rows(
    strategy: Strategy,
    *,
    ts: datetime,
    reason: str | None,
    entry_intent_id: str | None = None,
    realized_pnl: float | None = None,
    exit_rule: str | None = None,
    regime: str | None = None,
) -> tuple[Row, list[Row]]:
    """The strategy's state row (with realised P&L and exit rule once it ended) and its legs."""
    row = rb.strategy_row(strategy, ts=ts, reason=reason)
    row["entry_intent_id"] = entry_intent_id
    if realized_pnl is not None:
        row["realized_pnl"] = realized_pnl
    if exit_rule is not None:
        row["exit_rule"] = exit_rule
    if regime is not None:
        row["regime"] = regime
    if strategy.opened_at is not None:
        row["entry_trade_date"] = trade_date(strategy.opened_at)
    return row, rb.leg_rows(strategy, ts=ts)


def settlement_rows(fills: Iterable[tuple[Fill, str | None]]) -> list[Row]:
    """Execution rows of settlement fills (expiry, assignment), each with its strategy."""
    out: list[Row] = []
    for fill, strategy_id in fills:
        row = rb.execution_row(fill, strategy_id=strategy_id, intent_id=None, mid_at_decision=None)
        row["trade_date"] = trade_date(fill.ts_event)
        out.append(row)
    return out


__all__ = [
    "account_row",
    "position_rows",
    "settlement_rows",
    "strategy_rows",
    "trade_date",
]

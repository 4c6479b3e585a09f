"""Story-sized builders for rule tests: a SPY iron condor worth exactly $100 of max profit and
$400 of max loss (1.00 credit on $5 wings), and views around it with every number settable.

Numbers are chosen so thresholds are hit exactly in binary floating point (pnl 50.0 is 0.5
of max profit), which lets a test say "fires at the threshold, not below it".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from v6.config.sections import ProfitTargets, TradingLimitsConfig
from v6.domain import Greeks, QuoteValidity, Regime, Strategy
from v6.rules import (
    DecisionEngine,
    EvaluationResult,
    LegView,
    MarketView,
    PortfolioView,
    RulesConfig,
    RuleState,
    StrategyView,
    UnderlyingView,
)
from v6.rules.config import RULE_NAMES
from v6.testing import make_iron_condor
from v6.testing.factories import DEFAULT_EXPIRY, DEFAULT_TS

TS = DEFAULT_TS
SPOT = 550.0
LEG_DELTAS = (-0.08, -0.16, 0.16, 0.08)
"""Per-share deltas of put-long, put-short, call-short, call-long."""
DEFAULT_GREEKS = Greeks(delta=0.0, gamma=-0.5, theta_per_day=3.0, vega_per_vol_point=-12.0)


def condor(
    *,
    strategy_id: str = "ic-1",
    symbol: str = "SPY",
    quantity: int = 1,
    expiry: date = DEFAULT_EXPIRY,
) -> Strategy:
    """495/500 puts, 600/605 calls, 1.00 credit: max profit 100 x qty, max loss 400 x qty."""
    return make_iron_condor(
        495.0,
        500.0,
        600.0,
        605.0,
        prices=(0.50, 1.00, 1.00, 0.50),
        quantity=quantity,
        symbol=symbol,
        expiry=expiry,
        strategy_id=strategy_id,
    )


def expiry_for_dte(dte: int, ts: datetime = TS) -> date:
    return ts.date() + timedelta(days=dte)


def strategy_view(
    *,
    strategy: Strategy | None = None,
    pnl: float | None = None,
    pnl_fraction: float = 0.0,
    dte: int = 30,
    spot: float = SPOT,
    greeks: Greeks = DEFAULT_GREEKS,
    leg_deltas: tuple[float, ...] = LEG_DELTAS,
    iv_now: float = 0.18,
    iv_entry: float | None = 0.20,
    validity: Mapping[int, QuoteValidity | None] | None = None,
    marks: tuple[float, ...] | None = None,
    roll_credit: float | None = None,
    ts: datetime = TS,
    strategy_id: str = "ic-1",
    symbol: str = "SPY",
    quantity: int = 1,
) -> StrategyView:
    """A view of ``condor()`` (or ``strategy``) with the given numbers; ``pnl`` wins over
    ``pnl_fraction`` (a fraction of the $100 x quantity max profit)."""
    s = strategy or condor(
        strategy_id=strategy_id,
        symbol=symbol,
        quantity=quantity,
        expiry=expiry_for_dte(dte, ts),
    )
    max_profit, max_loss = s.max_profit, s.max_loss
    value = pnl if pnl is not None else pnl_fraction * max_profit
    bad = dict(validity or {})
    legs = []
    for j, leg in enumerate(s.legs):
        v = bad.get(j, QuoteValidity.VALID)
        mark = marks[j] if marks is not None else leg.open_price
        legs.append(
            LegView(
                leg.contract.key,
                leg.contract.right,
                leg.contract.strike,
                leg.quantity,
                mark if v is QuoteValidity.VALID else math.nan,
                v,
                leg_deltas[j] if j < len(leg_deltas) else 0.0,
                iv_now,
            )
        )
    return StrategyView(
        strategy=s,
        ts=ts,
        dte=dte,
        underlying_price=spot,
        pnl=value,
        max_profit=max_profit,
        max_loss=max_loss,
        entry_credit=s.entry_cash,
        greeks=greeks,
        legs=tuple(legs),
        iv_now=iv_now,
        iv_entry=iv_entry,
        roll_credit_estimate=roll_credit,
    )


def underlying(
    *,
    symbol: str = "SPY",
    spot: float = SPOT,
    prev_close: float | None = SPOT,
    realized_vol: float | None = 0.20,
    regime: Regime | None = Regime.NORMAL,
) -> UnderlyingView:
    return UnderlyingView(symbol, spot, prev_close, realized_vol, regime, "detector")


def market_view(
    *,
    vix: float | None = 18.0,
    vix_change_1d: float | None = 0.0,
    ts: datetime = TS,
    underlyings: tuple[UnderlyingView, ...] | None = None,
    **underlying_kwargs: Any,
) -> MarketView:
    unds = underlyings if underlyings is not None else (underlying(**underlying_kwargs),)
    return MarketView(ts, vix, vix_change_1d, {u.symbol: u for u in unds})


def portfolio_view(
    views: tuple[StrategyView, ...] | list[StrategyView] = (),
    *,
    net_liquidation: float = 100_000.0,
    daily_pnl: float = 0.0,
    ts: datetime = TS,
) -> PortfolioView:
    return PortfolioView.from_strategy_views(
        list(views), net_liquidation=net_liquidation, daily_pnl=daily_pnl, ts=ts
    )


def _nested(overrides: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dotted, value in overrides.items():
        node = out
        *parents, last = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return out


Only = str | tuple[str, ...] | None

RULE_TEST_THRESHOLDS: dict[str, Any] = {
    "time_exit.exit_dte": 21,
    "dte_roll.roll_dte": 21,
    "delta_risk.max_short_leg_abs_delta": 0.35,
    "delta_risk.max_net_delta_per_share": 0.25,
    "vix_exit.vix_level": 35.0,
    "vix_exit.max_vix_change_1d": 0.30,
}
"""The thresholds the rule tests are written against (the defaults before the backtest tuning
moved them): pinned here so a tuned default changes no rule test's meaning."""


def rules_config(overrides: Mapping[str, Any] | None = None, *, only: Only = None) -> RulesConfig:
    """RulesConfig with dotted overrides (``{"take_profit.fraction": 0.6}``); ``only`` (a rule
    name or several) disables every other rule."""
    data = _nested({**RULE_TEST_THRESHOLDS, **(overrides or {})})
    if only is not None:
        keep = (only,) if isinstance(only, str) else only
        for name in RULE_NAMES:
            if name not in keep:
                data.setdefault(name, {})["enabled"] = False
    return RulesConfig.model_validate(data)


def engine(
    overrides: Mapping[str, Any] | None = None,
    *,
    only: Only = None,
    profit_targets: ProfitTargets | None = None,
    limits: TradingLimitsConfig | None = None,
) -> DecisionEngine:
    return DecisionEngine.from_sections(rules_config(overrides, only=only), profit_targets, limits)


def run(
    eng: DecisionEngine,
    sv: StrategyView,
    mv: MarketView | None = None,
    pv: PortfolioView | None = None,
    state: RuleState | None = None,
    *,
    with_portfolio: bool = True,
) -> EvaluationResult:
    """Evaluate with a default market and (unless told otherwise) a portfolio of just ``sv``."""
    if pv is None and with_portfolio:
        pv = portfolio_view([sv])
    spot = sv.underlying_price
    return eng.evaluate(sv, mv or market_view(spot=spot, prev_close=spot), pv, state)


def below(x: float, rel: float = 1e-9) -> float:
    """A number just under ``x`` (towards minus infinity) that survives the rule's arithmetic."""
    return x - abs(x) * rel - 1e-12


def smaller(x: float, rel: float = 1e-9) -> float:
    """A number just closer to zero than ``x`` (a slightly smaller loss or gain)."""
    return x * (1.0 - rel)

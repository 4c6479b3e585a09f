"""Story-level helpers for the risk tests: market quotes priced by a model or with hand-set
Greeks, portfolios, snapshots and intents."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from v6.config.sections import TradingLimitsConfig
from v6.domain import (
    Greeks,
    Intent,
    IntentKind,
    LegInstruction,
    OptionContract,
    Portfolio,
    Quote,
    Strategy,
    StrategyType,
    Urgency,
)
from v6.pricing import bsm_greeks
from v6.risk import (
    CorrelationGroups,
    ExpiryClock,
    MarketInputs,
    PnLInputs,
    PortfolioLimitsChecker,
    PortfolioRiskCalculator,
    RiskConfig,
    RiskSnapshot,
)
from v6.testing.factories import make_contract, make_iron_condor, make_vertical

TS = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
EXPIRY = date(2026, 12, 18)
SPOTS: dict[str, float] = {"SPY": 580.0, "QQQ": 500.0, "IWM": 220.0}
IV = 0.20
RATE = 0.04


def t_years(expiry: date, ts: datetime = TS) -> float:
    return ExpiryClock().t_years(expiry, ts)


def model_quote(c: OptionContract, spot: float, iv: float = IV, ts: datetime = TS) -> Quote:
    """A tight quote around the BSM price at ``iv`` (IV set, Greeks left to the code)."""
    g = bsm_greeks(spot, c.strike, t_years(c.expiry, ts), RATE, 0.0, iv, c.is_call)
    price = float(g.price)
    return Quote(bid=max(price - 0.01, 0.0), ask=price + 0.01, ts=ts, iv=iv)


def greek_quote(
    mid: float,
    delta: float,
    gamma: float = 0.0,
    theta_per_day: float = 0.0,
    vega_per_vol_point: float = 0.0,
    ts: datetime = TS,
) -> Quote:
    """A quote whose per-share Greeks are set by hand (IB model Greeks)."""
    return Quote(
        bid=max(mid - 0.01, 0.0),
        ask=mid + 0.01,
        ts=ts,
        iv=IV,
        greeks=Greeks(delta, gamma, theta_per_day, vega_per_vol_point),
    )


def contracts_of(strategies: Iterable[Strategy]) -> list[OptionContract]:
    return [leg.contract for s in strategies for leg in s.legs]


def model_market(
    contracts: Iterable[OptionContract],
    spots: Mapping[str, float] = SPOTS,
    iv: float = IV,
    ts: datetime = TS,
) -> MarketInputs:
    quotes = {c.key: model_quote(c, spots[c.symbol], iv, ts) for c in contracts}
    return MarketInputs(ts=ts, spots=dict(spots), quotes=quotes, rate=RATE)


def condor(
    symbol: str = "SPY",
    *,
    sid: str = "ic-1",
    qty: int = 1,
    spot: float | None = None,
    distance: float = 0.05,
    width: float = 5.0,
    expiry: date = EXPIRY,
    credit_prices: tuple[float, float, float, float] = (0.60, 1.20, 1.10, 0.55),
) -> Strategy:
    """An iron condor with shorts ``distance`` (fraction) either side of spot."""
    s = SPOTS[symbol] if spot is None else spot
    ps = round(s * (1 - distance))
    cs = round(s * (1 + distance))
    return make_iron_condor(
        ps - width,
        ps,
        cs,
        cs + width,
        prices=credit_prices,
        quantity=qty,
        symbol=symbol,
        expiry=expiry,
        strategy_id=sid,
    )


def bull_put(
    symbol: str = "SPY",
    short: float = 550.0,
    long: float = 545.0,
    *,
    sid: str = "bp-1",
    qty: int = 1,
    prices: tuple[float, float] = (2.0, 1.2),
    expiry: date = EXPIRY,
) -> Strategy:
    return make_vertical(
        StrategyType.BULL_PUT,
        short,
        long,
        short_price=prices[0],
        long_price=prices[1],
        quantity=qty,
        symbol=symbol,
        expiry=expiry,
        strategy_id=sid,
    )


def portfolio(strategies: Sequence[Strategy], net_liq: float = 100_000.0) -> Portfolio:
    return Portfolio(tuple(strategies), cash=net_liq, net_liquidation=net_liq, ts=TS)


def snapshot(
    strategies: Sequence[Strategy],
    market: MarketInputs,
    *,
    net_liq: float = 100_000.0,
    groups: CorrelationGroups | None = None,
    buying_power: float | None = None,
    pnl: PnLInputs | None = None,
    cfg: RiskConfig | None = None,
) -> RiskSnapshot:
    calc = PortfolioRiskCalculator(cfg or RiskConfig())
    p = portfolio(strategies, net_liq)
    risk = calc.compute(p, market, pnl_inputs=pnl)
    return RiskSnapshot(p, risk, market, groups or CorrelationGroups.singletons(), buying_power)


def checker(cfg: RiskConfig | None = None, **limits: object) -> PortfolioLimitsChecker:
    return PortfolioLimitsChecker(TradingLimitsConfig(**limits), cfg or RiskConfig())  # type: ignore[arg-type]


def intent(
    kind: IntentKind,
    strategy_id: str,
    legs: Sequence[tuple[OptionContract, int]],
    *,
    limit_price: float | None = None,
    seq: str = "1",
    metadata: Mapping[str, str | float | int | bool] | None = None,
) -> Intent:
    return Intent(
        intent_id=f"{kind.value}-{strategy_id}-{seq}",
        kind=kind,
        strategy_id=strategy_id,
        legs=tuple(LegInstruction(c, q) for c, q in legs),
        created_at=TS,
        urgency=Urgency.NORMAL,
        limit_price=limit_price,
        metadata=dict(metadata or {}),
    )


def open_of(s: Strategy, limit_price: float | None = None) -> Intent:
    """The OPEN intent that would create ``s`` (net limit per unit, negative = credit)."""
    return intent(
        IntentKind.OPEN,
        s.strategy_id,
        [(leg.contract, leg.quantity) for leg in s.legs],
        limit_price=limit_price,
    )


def close_of(s: Strategy, units: int | None = None, kind: IntentKind = IntentKind.CLOSE) -> Intent:
    """A pro-rata close of ``units`` units (default all) of ``s``."""
    n = s.units if units is None else units
    per = s.units
    return intent(
        kind,
        s.strategy_id,
        [(leg.contract, -(leg.quantity // per) * n) for leg in s.legs],
    )


def contract(strike: float, right: str = "P", symbol: str = "SPY") -> OptionContract:
    return make_contract(strike, right, symbol=symbol, expiry=EXPIRY)


def later(seconds: float, ts: datetime = TS) -> datetime:
    return ts + timedelta(seconds=seconds)


def isclose(a: float, b: float, tol: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def _n(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def ref_bsm(
    is_call: bool, s: float, k: float, t: float, r: float, q: float, vol: float
) -> tuple[float, float, float, float, float]:
    """Independent scalar BSM: price, delta, gamma, theta per day, vega per vol point."""
    sd = vol * math.sqrt(t)
    d1 = (math.log(s / k) + (r - q) * t) / sd + sd / 2
    d2 = d1 - sd
    w = 1.0 if is_call else -1.0
    dq, dr = math.exp(-q * t), math.exp(-r * t)
    pdf = math.exp(-d1 * d1 / 2) / math.sqrt(2 * math.pi)
    price = w * (s * dq * _n(w * d1) - k * dr * _n(w * d2))
    delta = w * dq * _n(w * d1)
    gamma = dq * pdf / (s * sd)
    theta = (
        -s * dq * pdf * vol / (2 * math.sqrt(t))
        + w * (q * s * dq * _n(w * d1))
        - w * (r * k * dr * _n(w * d2))
    )
    vega = s * dq * pdf * math.sqrt(t)
    return price, delta, gamma, theta / 365.0, vega / 100.0

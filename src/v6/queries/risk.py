"""Risk views over the journal: exposure per underlying (delta in shares and dollars, beta
weighted, gamma, theta, vega, max loss and its concentration), the stress matrix revalued with
``v6.risk`` from the latest leg quotes, and the correlation of the underlyings' daily returns.

Read-only computations as of the newest snapshots: quotes are never judged stale here (the
dashboard shows how old they are next to the numbers), so a stopped engine's book can still
be stressed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from v6.domain.contracts import OptionContract, Right
from v6.domain.legs import OptionLeg
from v6.domain.portfolio import Portfolio
from v6.domain.quote import Quote
from v6.domain.strategy import Strategy, StrategyStatus, StrategyType
from v6.errors import DomainError
from v6.queries.base import read_or_empty
from v6.queries.positions import PositionView
from v6.risk.calculator import PortfolioRiskCalculator
from v6.risk.config import RiskConfig
from v6.risk.correlation import CorrelationGroups, correlation_groups
from v6.risk.market import MarketInputs
from v6.risk.stress import StressMatrix, stress_matrix
from v6.store.reader import LakeReader

_NEVER_STALE = timedelta(days=36500)


@dataclass(frozen=True, slots=True)
class Exposure:
    """One underlying (or ``TOTAL``): position Greeks summed over its strategies; delta in
    share-equivalents, ``delta_dollars`` = delta x spot, ``beta_weighted_delta`` in benchmark
    shares; ``concentration`` = its share of the portfolio's max loss."""

    underlying: str
    strategies: int
    spot: float | None
    beta: float
    delta: float
    delta_dollars: float | None
    beta_weighted_delta: float | None
    gamma: float
    theta_per_day: float
    vega_per_vol_point: float
    max_loss: float
    concentration: float | None
    unrealized_pnl: float


def _sum(values: Sequence[float | None]) -> float:
    return float(sum(v for v in values if v is not None))


def exposure(
    positions: Sequence[PositionView],
    cfg: RiskConfig,
    spots: Mapping[str, float] | None = None,
) -> list[Exposure]:
    """Per underlying, sorted by name, then a ``TOTAL`` row. ``spots`` fills in prices for
    underlyings (and the benchmark) the positions do not carry."""
    known = dict(spots or {})
    for p in positions:
        if p.underlying and p.underlying_price:
            known[p.underlying] = p.underlying_price
    bench = known.get(cfg.benchmark)
    total_loss = _sum([p.max_loss for p in positions])
    groups: dict[str, list[PositionView]] = {}
    for p in positions:
        groups.setdefault(p.underlying or "?", []).append(p)
    out: list[Exposure] = []
    for symbol in sorted(groups):
        items = groups[symbol]
        spot = known.get(symbol)
        beta = cfg.betas.get(symbol, 1.0)
        delta = _sum([p.delta for p in items])
        dollars = None if spot is None else delta * spot
        loss = _sum([p.max_loss for p in items])
        out.append(
            Exposure(
                underlying=symbol,
                strategies=len(items),
                spot=spot,
                beta=beta,
                delta=delta,
                delta_dollars=dollars,
                beta_weighted_delta=None
                if dollars is None or not bench
                else dollars * beta / bench,
                gamma=_sum([p.gamma for p in items]),
                theta_per_day=_sum([p.theta_per_day for p in items]),
                vega_per_vol_point=_sum([p.vega_per_vol_point for p in items]),
                max_loss=loss,
                concentration=loss / total_loss if total_loss > 0 else None,
                unrealized_pnl=_sum([p.unrealized_pnl for p in items]),
            )
        )
    bwd = [e.beta_weighted_delta for e in out]
    dollars_all = [e.delta_dollars for e in out]
    out.append(
        Exposure(
            underlying="TOTAL",
            strategies=len(positions),
            spot=None,
            beta=1.0,
            delta=_sum([e.delta for e in out]),
            delta_dollars=None if None in dollars_all else _sum(dollars_all),
            beta_weighted_delta=None if None in bwd else _sum(bwd),
            gamma=_sum([e.gamma for e in out]),
            theta_per_day=_sum([e.theta_per_day for e in out]),
            vega_per_vol_point=_sum([e.vega_per_vol_point for e in out]),
            max_loss=total_loss,
            concentration=1.0 if total_loss > 0 else None,
            unrealized_pnl=_sum([e.unrealized_pnl for e in out]),
        )
    )
    return out


@dataclass(frozen=True, slots=True, eq=False)
class StressResult:
    """The stress matrix and what kept strategies or legs out of it."""

    matrix: StressMatrix
    as_of: datetime
    strategies: int
    problems: tuple[str, ...]


def _strategy(p: PositionView) -> Strategy:
    legs = tuple(
        OptionLeg(
            OptionContract(
                str(p.underlying),
                leg.expiry,
                float(leg.strike),
                Right(str(leg.right).upper()[0]),
                leg.multiplier,
            ),
            leg.quantity,
            float(leg.avg_price or 0.0),
        )
        for leg in p.legs
        if leg.expiry is not None and leg.strike is not None and leg.right
    )
    try:
        kind = StrategyType(str(p.strategy_type).lower())
    except ValueError:
        kind = StrategyType.CUSTOM
    return Strategy(p.strategy_id, kind, legs, StrategyStatus.OPEN)


def stress(
    positions: Sequence[PositionView],
    cfg: RiskConfig,
    *,
    as_of: datetime,
    net_liquidation: float = 0.0,
    rate: float = 0.04,
) -> StressResult | None:
    """Full revaluation of the open book on ``cfg.stress``'s grid (None with nothing open)."""
    strategies: list[Strategy] = []
    problems: list[str] = []
    quotes: dict[str, Quote] = {}
    spots: dict[str, float] = {}
    ts = as_of
    for p in positions:
        if not p.legs or not p.underlying:
            problems.append(f"{p.strategy_id}: no legs journaled")
            continue
        try:
            strategy = _strategy(p)
        except (DomainError, ValueError, TypeError) as exc:
            problems.append(f"{p.strategy_id}: {exc}")
            continue
        strategies.append(strategy)
        if p.underlying_price:
            spots[p.underlying] = p.underlying_price
        for leg, view in zip(strategy.legs, p.legs, strict=False):
            if view.mark is None or view.quote_at is None:
                continue
            bid = view.bid if view.bid is not None else view.mark
            ask = view.ask if view.ask is not None else view.mark
            quotes[leg.contract.key] = Quote(bid=bid, ask=ask, ts=view.quote_at, iv=view.iv)
            ts = max(ts, view.quote_at)
    if not strategies:
        return None
    portfolio = Portfolio(tuple(strategies), cash=0.0, net_liquidation=net_liquidation, ts=ts)
    market = MarketInputs(ts=ts, spots=spots, quotes=quotes, rate=rate, quote_max_age=_NEVER_STALE)
    risk = PortfolioRiskCalculator(cfg).compute(portfolio, market)
    problems.extend(str(i) for i in risk.issues if i.blocking)
    return StressResult(stress_matrix(risk, cfg.stress), ts, len(strategies), tuple(problems))


@dataclass(frozen=True, slots=True)
class Correlations:
    """Daily-return correlations of the underlyings (``matrix[i][j]``, NaN when unknown) and
    the groups that count as one at ``threshold``."""

    symbols: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]
    observations: int
    groups: CorrelationGroups


def daily_closes(reader: LakeReader) -> pl.DataFrame:
    """``trade_date``, ``underlying``, ``close``: the last underlying price seen each day in
    the position snapshots (the prices the engine marked with)."""
    scan = read_or_empty(reader, "position_snapshots")
    schema = {"trade_date": pl.Date, "underlying": pl.String, "close": pl.Float64}
    if scan is None:
        return pl.DataFrame(schema=schema)
    return (
        scan.filter(pl.col("underlying").is_not_null() & pl.col("underlying_price").is_not_null())
        .sort("ts_event")
        .group_by("trade_date", "underlying")
        .agg(pl.col("underlying_price").last().alias("close"))
        .sort("trade_date", "underlying")
        .collect()
    )


def correlations(
    reader: LakeReader, *, threshold: float, lookback: int = 60, min_observations: int = 5
) -> Correlations:
    """Pairwise correlation of daily log returns over the last ``lookback`` days."""
    closes = daily_closes(reader)
    if closes.is_empty():
        return Correlations((), (), 0, CorrelationGroups.singletons())
    wide = closes.pivot(on="underlying", index="trade_date", values="close").sort("trade_date")
    symbols = tuple(sorted(c for c in wide.columns if c != "trade_date"))
    returns: dict[str, list[float]] = {}
    for s in symbols:
        prices = np.asarray(
            wide.get_column(s).cast(pl.Float64).fill_null(math.nan).to_numpy(), dtype=np.float64
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.diff(np.log(prices))
        returns[s] = r[-lookback:].tolist()
    n = len(symbols)
    mat = np.full((n, n), math.nan)
    obs = 0
    for i, a in enumerate(symbols):
        for j, b in enumerate(symbols):
            x, y = np.asarray(returns[a]), np.asarray(returns[b])
            ok = np.isfinite(x) & np.isfinite(y)
            obs = max(obs, int(ok.sum()))
            if int(ok.sum()) >= min_observations:
                xs, ys = x[ok] - x[ok].mean(), y[ok] - y[ok].mean()
                den = float(np.sqrt((xs * xs).sum() * (ys * ys).sum()))
                mat[i, j] = float((xs * ys).sum()) / den if den > 0 else math.nan
    groups = correlation_groups(
        returns, threshold, lookback=lookback, min_observations=min_observations
    )
    return Correlations(symbols, tuple(tuple(float(v) for v in row) for row in mat), obs, groups)

"""``PortfolioRiskCalculator``: portfolio and per-underlying Greeks, beta-weighted delta in
benchmark (SPY) shares, delta dollars, margin in use and P&L, for every open strategy at once.

One pass per cycle: the leg book (static, cached) plus one vectorised marking of every leg.
Units follow ``v6.domain.Greeks`` (position delta in share-equivalents, theta in dollars per
day, vega in dollars per vol point); dollars everywhere else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from v6.domain.greeks import Greeks
from v6.domain.portfolio import Portfolio
from v6.risk.book import BookBuilder, FloatArray, LegBook
from v6.risk.config import RiskConfig
from v6.risk.market import NEW_YORK, YEAR_SECONDS, ExpiryClock, MarketInputs
from v6.risk.marks import mark_legs

MAX_LISTED_PROBLEMS = 10


@dataclass(frozen=True, slots=True)
class RiskIssue:
    """A data problem behind the numbers; ``blocking`` ones make Greeks or P&L NaN."""

    subject: str
    problem: str
    blocking: bool = True

    def __str__(self) -> str:
        return f"{self.subject}: {self.problem}"


@dataclass(frozen=True, slots=True)
class PnLInputs:
    """What only the journal knows: realised P&L and each strategy's open P&L at the previous
    close (strategies opened today are absent: all of their open P&L is today's)."""

    realised_today: float = 0.0
    realised_total: float = 0.0
    open_pnl_at_day_start: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PnL:
    """Dollars. ``today`` = realised today + change of open P&L since the previous close."""

    today: float
    open: float
    realised_today: float
    realised_total: float


@dataclass(frozen=True, slots=True)
class UnderlyingRisk:
    """One underlying: position Greeks, delta dollars (delta x spot), delta in benchmark shares
    (delta x beta x spot / benchmark spot), margin (sum of max losses) and open P&L."""

    symbol: str
    spot: float
    beta: float
    strategies: int
    greeks: Greeks
    delta_dollars: float
    beta_weighted_delta: float
    margin: float
    pnl_open: float


@dataclass(frozen=True, slots=True)
class StrategyRisk:
    """One strategy's share of the portfolio."""

    strategy_id: str
    symbol: str
    units: int
    greeks: Greeks
    max_loss: float
    pnl_open: float
    dte: int


@dataclass(frozen=True, slots=True, eq=False)
class PortfolioRisk:
    """The risk report of one cycle. Leg and strategy columns are kept (read-only) for the
    stress matrix, the gate and the hedger."""

    ts: datetime
    benchmark: str
    greeks: Greeks
    delta_dollars: float
    beta_weighted_delta: float
    """Portfolio delta in shares of the benchmark (NaN without its spot)."""
    margin_in_use: float
    net_liquidation: float
    pnl: PnL
    by_underlying: Mapping[str, UnderlyingRisk]
    issues: tuple[RiskIssue, ...]
    book: LegBook
    leg_spot: FloatArray
    leg_t_years: FloatArray
    leg_mark: FloatArray
    leg_iv: FloatArray
    leg_div: FloatArray
    leg_greeks: FloatArray
    """Per-share Greeks, shape (4, legs)."""
    strategy_greeks: FloatArray
    """Position Greeks, shape (4, strategies)."""
    strategy_pnl: FloatArray
    rate: float
    betas: Mapping[str, float]

    @property
    def margin_use_fraction(self) -> float:
        nl = self.net_liquidation
        return self.margin_in_use / nl if nl > 0 else math.inf

    @property
    def greeks_valid(self) -> bool:
        return self.greeks.is_finite()

    def strategy(self, strategy_id: str) -> StrategyRisk | None:
        k = self.book.index.get(strategy_id)
        if k is None:
            return None
        s = self.book.strategies[k]
        g = self.strategy_greeks[:, k]
        dte = (s.expiry - self.ts.astimezone(NEW_YORK).date()).days
        return StrategyRisk(
            strategy_id,
            s.symbol,
            s.units,
            Greeks(float(g[0]), float(g[1]), float(g[2]), float(g[3])),
            float(self.book.max_loss[k]),
            float(self.strategy_pnl[k]),
            dte,
        )

    def per_share(self, key: str) -> Greeks | None:
        """Per-share Greeks of a held contract (None if not held or not finite)."""
        i = self.book.key_index.get(key)
        if i is None:
            return None
        g = Greeks(*(float(x) for x in self.leg_greeks[:, i]))
        return g if g.is_finite() else None


def _greeks(row: FloatArray) -> Greeks:
    return Greeks(float(row[0]), float(row[1]), float(row[2]), float(row[3]))


class PortfolioRiskCalculator:
    """Computes ``PortfolioRisk`` from a portfolio and market inputs; pure apart from caches."""

    __slots__ = ("_builder", "_clock", "cfg")

    def __init__(self, cfg: RiskConfig | None = None, clock: ExpiryClock | None = None) -> None:
        self.cfg = cfg or RiskConfig()
        self._clock = clock or ExpiryClock()
        self._builder = BookBuilder(self._clock)

    @property
    def expiry_clock(self) -> ExpiryClock:
        return self._clock

    def compute(
        self,
        portfolio: Portfolio,
        market: MarketInputs,
        *,
        pnl_inputs: PnLInputs | None = None,
        betas: Mapping[str, float] | None = None,
    ) -> PortfolioRisk:
        """The risk report at ``market.ts``. ``betas`` (e.g. estimated from returns) override
        the configured table symbol by symbol."""
        book = self._builder.build(portfolio.active)
        issues: list[RiskIssue] = []
        beta_table = {**self.cfg.betas, **(betas or {})}
        sym_spot = np.array([market.spots.get(s, math.nan) for s in book.symbols], np.float64)
        sym_div = np.array([market.div_yields.get(s, 0.0) for s in book.symbols], np.float64)
        sym_beta = np.array([beta_table.get(s, 1.0) for s in book.symbols], np.float64)
        for s, x in zip(book.symbols, sym_spot.tolist(), strict=True):
            if not (math.isfinite(x) and x > 0):
                issues.append(RiskIssue(f"spot {s}", "not a positive finite price"))
            if s not in beta_table:
                issues.append(RiskIssue(f"beta {s}", "not configured: 1.0 assumed", False))
        leg_spot = sym_spot[book.leg_symbol]
        leg_div = sym_div[book.leg_symbol]
        t_years = np.maximum(book.expiry_epoch - market.ts.timestamp(), 0.0) / YEAR_SECONDS
        marks = mark_legs(
            book.keys,
            market.quotes,
            spot=leg_spot,
            strike=np.asarray(book.strike),
            t_years=t_years,
            is_call=np.asarray(book.is_call),
            rate=market.rate,
            div=leg_div,
            ts=market.ts,
            max_age=market.quote_max_age,
        )
        for key, why in marks.problems[:MAX_LISTED_PROBLEMS]:
            issues.append(RiskIssue(f"leg {key}", why))
        if len(marks.problems) > MAX_LISTED_PROBLEMS:
            extra = len(marks.problems) - MAX_LISTED_PROBLEMS
            issues.append(RiskIssue("legs", f"{extra} more without a usable price"))
        pos = marks.greeks * book.weight
        strat_greeks = book.per_strategy(pos)
        sym_greeks = book.per_symbol(pos)
        leg_pnl = book.weight * (marks.mark - book.open_price)
        strat_pnl = book.per_strategy(leg_pnl)
        sym_pnl = book.per_symbol(leg_pnl)
        sym_margin = book.per_symbol_strategies(np.asarray(book.max_loss))
        sym_count = np.bincount(book.strategy_symbol, minlength=len(book.symbols))
        bench_spot = market.spots.get(self.cfg.benchmark, math.nan)
        if book.symbols and not (math.isfinite(bench_spot) and bench_spot > 0):
            issues.append(
                RiskIssue(f"spot {self.cfg.benchmark}", "benchmark spot missing", blocking=False)
            )
        delta_dollars = sym_greeks[0] * sym_spot
        bwd = delta_dollars * sym_beta / bench_spot
        by_symbol = {
            s: UnderlyingRisk(
                symbol=s,
                spot=float(sym_spot[i]),
                beta=float(sym_beta[i]),
                strategies=int(sym_count[i]),
                greeks=_greeks(sym_greeks[:, i]),
                delta_dollars=float(delta_dollars[i]),
                beta_weighted_delta=float(bwd[i]),
                margin=float(sym_margin[i]),
                pnl_open=float(sym_pnl[i]),
            )
            for i, s in enumerate(book.symbols)
        }
        pnl = _pnl(book, strat_pnl, pnl_inputs or PnLInputs())
        return PortfolioRisk(
            ts=market.ts,
            benchmark=self.cfg.benchmark,
            greeks=_greeks(pos.sum(axis=1)),
            delta_dollars=float(delta_dollars.sum()),
            beta_weighted_delta=float(bwd.sum()),
            margin_in_use=float(np.asarray(book.max_loss).sum()),
            net_liquidation=portfolio.net_liquidation,
            pnl=pnl,
            by_underlying=by_symbol,
            issues=tuple(issues),
            book=book,
            leg_spot=leg_spot,
            leg_t_years=t_years,
            leg_mark=marks.mark,
            leg_iv=marks.iv,
            leg_div=leg_div,
            leg_greeks=marks.greeks,
            strategy_greeks=strat_greeks,
            strategy_pnl=strat_pnl,
            rate=market.rate,
            betas=beta_table,
        )


def _pnl(book: LegBook, strat_pnl: FloatArray, inputs: PnLInputs) -> PnL:
    start = inputs.open_pnl_at_day_start
    at_start = np.fromiter(
        (start.get(s.strategy_id, 0.0) for s in book.strategies), np.float64, book.n_strategies
    )
    open_pnl = float(strat_pnl.sum())
    today = inputs.realised_today + float((strat_pnl - at_start).sum())
    return PnL(today, open_pnl, inputs.realised_today, inputs.realised_total)

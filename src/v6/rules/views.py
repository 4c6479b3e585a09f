"""What the rules read: one strategy (``StrategyView``), the market (``MarketView``) and the
portfolio (``PortfolioView``), each a frozen snapshot with its derived numbers computed once.

Every view lists its own data problems (``DataIssue``) at construction, so a view built by
hand in a test is judged exactly like one built from live quotes. A problem with ``need=None``
is core (marks, spot, P&L): no rule may run. Otherwise it names the ``Need`` it blocks, and
``invalid=False`` marks an input that is simply not there (no entry IV recorded, no regime)
rather than bad.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from math import gcd
from typing import NamedTuple

from v6.domain.contracts import Right
from v6.domain.greeks import Greeks
from v6.domain.quote import QuoteValidity
from v6.domain.regime import Regime
from v6.domain.strategy import Strategy

_VALID = QuoteValidity.VALID


class Need(StrEnum):
    """Inputs beyond the core (marks, spot, P&L) that some rules depend on."""

    PROFIT_BASIS = "profit_basis"
    """A finite, positive max profit and max loss (P&L as a fraction of them)."""
    GREEKS = "greeks"
    IV_NOW = "iv_now"
    IV_ENTRY = "iv_entry"
    REGIME = "regime"
    VIX = "vix"
    PORTFOLIO = "portfolio"
    ROLL_CREDIT = "roll_credit"
    """A roll credit estimate that is None (no estimate) or finite; NaN blocks the roll rule."""


@dataclass(frozen=True, slots=True)
class DataIssue:
    """One problem with the inputs: what (``subject``), why (``problem``), what it blocks."""

    subject: str
    problem: str
    need: Need | None = None
    """None: a core input, every rule is blocked. Otherwise the rules needing this."""
    invalid: bool = True
    """False when the input is merely absent (not applicable), which raises no alert."""
    scope: str = "strategy"
    """``strategy``, ``market`` or ``portfolio``: a market or portfolio problem is one problem
    however many strategies it blocks, so it is alerted once (see ``alert_key``)."""

    def alert_key(self, strategy_id: str) -> str:
        """De-duplication key for an alert about this problem."""
        if self.scope == "strategy":
            return f"bad_data:{strategy_id}:{self.subject}"
        return f"bad_data:{self.scope}:{self.subject}"

    def __str__(self) -> str:
        return f"{self.subject}: {self.problem}"


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


class LegView(NamedTuple):
    """One leg as marked this cycle; per-share numbers (``mark``, ``delta``, ``iv``).

    A NamedTuple rather than a dataclass: four are built per strategy per cycle, and a tuple
    is created about five times faster than a frozen dataclass while being just as immutable.
    """

    key: str
    right: Right
    strike: float
    quantity: int
    mark: float
    validity: QuoteValidity | None
    """None when there was no quote at all."""
    delta: float = math.nan
    iv: float = math.nan

    @property
    def is_short(self) -> bool:
        return self.quantity < 0


@dataclass(frozen=True, slots=True)
class StrategyView:
    """One open strategy this cycle: P&L, DTE, Greeks, IVs, each leg's mark and validity.

    Dollar amounts are for the whole position; ``entry_credit`` > 0 is a credit received.
    ``roll_credit_estimate`` is the caller's estimate of the net credit (dollars, > 0) of
    rolling to the next target expiry, or None when it has none.
    """

    strategy: Strategy
    ts: datetime
    dte: int
    underlying_price: float
    pnl: float
    max_profit: float
    max_loss: float
    entry_credit: float
    greeks: Greeks
    legs: tuple[LegView, ...]
    iv_now: float = math.nan
    iv_entry: float | None = None
    roll_credit_estimate: float | None = None
    builder_issues: tuple[DataIssue, ...] = ()
    """Problems the builder found that the fields cannot show (e.g. a missing quote)."""
    # derived in __post_init__
    strategy_id: str = field(init=False)
    symbol: str = field(init=False)
    expiry: date = field(init=False)
    units: int = field(init=False)
    multiplier: int = field(init=False)
    pnl_fraction: float = field(init=False)
    """P&L as a fraction of max profit (NaN without a profit basis)."""
    short_put_strike: float = field(init=False)
    """Highest short put strike (NaN if none): the put side's line in the sand."""
    short_call_strike: float = field(init=False)
    """Lowest short call strike (NaN if none)."""
    max_short_abs_delta: float = field(init=False)
    issues: tuple[DataIssue, ...] = field(init=False)

    def __post_init__(self) -> None:
        s = self.strategy
        put_k = call_k = math.nan
        short_delta = 0.0
        marks_ok = True
        for leg in self.legs:
            if leg.validity is not _VALID or not 0.0 <= leg.mark < math.inf:
                marks_ok = False
            if leg.quantity < 0:
                if leg.right is Right.PUT:
                    put_k = leg.strike if math.isnan(put_k) else max(put_k, leg.strike)
                else:
                    call_k = leg.strike if math.isnan(call_k) else min(call_k, leg.strike)
                d = abs(leg.delta)
                if math.isnan(d) or math.isnan(short_delta):
                    short_delta = math.nan
                elif d > short_delta:
                    short_delta = d
        expiry = s.legs[0].contract.expiry
        units = 0
        for sleg in s.legs:  # Strategy.expiry / .units, in one pass (hot path)
            expiry = min(expiry, sleg.contract.expiry)
            units = gcd(units, abs(sleg.quantity))
        basis = 0.0 < self.max_profit < math.inf
        sets = object.__setattr__
        sets(self, "strategy_id", s.strategy_id)
        sets(self, "symbol", s.symbol)
        sets(self, "expiry", expiry)
        sets(self, "units", units)
        sets(self, "multiplier", s.multiplier)
        sets(self, "pnl_fraction", self.pnl / self.max_profit if basis else math.nan)
        sets(self, "short_put_strike", put_k)
        sets(self, "short_call_strike", call_k)
        sets(self, "max_short_abs_delta", short_delta)
        g, entry, est = self.greeks, self.iv_entry, self.roll_credit_estimate
        all_good = (
            marks_ok
            and basis
            and 0.0 < self.underlying_price < math.inf
            and 0.0 < self.max_loss < math.inf
            and math.isfinite(self.pnl + g.delta + g.gamma + g.theta_per_day + g.vega_per_vol_point)
            and math.isfinite(short_delta + self.iv_now)
            and entry is not None
            and 0.0 < entry < math.inf
            and (est is None or math.isfinite(est))
        )
        found = self.builder_issues if all_good else self.builder_issues + self._find_issues(basis)
        sets(self, "issues", found)

    def _find_issues(self, basis: bool) -> tuple[DataIssue, ...]:
        found: list[DataIssue] = []
        for leg in self.legs:
            if leg.validity is not QuoteValidity.VALID:
                what = "no quote" if leg.validity is None else f"quote {leg.validity.value}"
                found.append(DataIssue(f"leg {leg.key}", what))
            elif not math.isfinite(leg.mark) or leg.mark < 0:
                found.append(DataIssue(f"leg {leg.key}", "mark not finite"))
        if not (math.isfinite(self.underlying_price) and self.underlying_price > 0):
            found.append(DataIssue(f"spot {self.symbol}", "not a positive finite price"))
        if not math.isfinite(self.pnl) and not found:
            found.append(DataIssue("pnl", "not finite"))
        if not (basis and math.isfinite(self.max_loss) and self.max_loss > 0):
            found.append(DataIssue("max profit/loss", "unbounded", Need.PROFIT_BASIS, False))
        if not (self.greeks.is_finite() and math.isfinite(self.max_short_abs_delta)):
            found.append(DataIssue("greeks", "not finite", Need.GREEKS))
        if not math.isfinite(self.iv_now):
            found.append(DataIssue("iv_now", "not finite", Need.IV_NOW))
        if self.iv_entry is None:
            found.append(DataIssue("iv_entry", "not recorded", Need.IV_ENTRY, False))
        elif not (math.isfinite(self.iv_entry) and self.iv_entry > 0):
            found.append(DataIssue("iv_entry", "not a positive finite vol", Need.IV_ENTRY))
        est = self.roll_credit_estimate
        if est is not None and not math.isfinite(est):
            found.append(DataIssue("roll_credit_estimate", "not finite", Need.ROLL_CREDIT))
        return tuple(found)

    @property
    def is_credit(self) -> bool:
        return self.entry_credit > 0


@dataclass(frozen=True, slots=True)
class UnderlyingView:
    """One underlying: spot, the previous close (for the gap), realised vol and regime."""

    symbol: str
    spot: float
    prev_close: float | None = None
    realized_vol: float | None = None
    """Annualised, e.g. 0.18."""
    regime: Regime | None = None
    regime_source: str = ""
    """Where the regime came from: ``detector``, ``external:<file>`` or empty."""
    gap_fraction: float | None = field(init=False)
    """spot / prev_close - 1 (None without a usable previous close)."""

    def __post_init__(self) -> None:
        gap = None
        if _finite(self.prev_close) and self.prev_close and self.prev_close > 0:
            gap = self.spot / self.prev_close - 1.0
            gap = gap if math.isfinite(gap) else None
        object.__setattr__(self, "gap_fraction", gap)

    @property
    def vol(self) -> float | None:
        """Realised vol when finite and positive, else None."""
        v = self.realized_vol
        return v if v is not None and math.isfinite(v) and v > 0 else None


@dataclass(frozen=True, slots=True)
class MarketView:
    """The market this cycle: VIX (index points) and its 1-day change, and per-symbol views."""

    ts: datetime
    vix: float | None
    vix_change_1d: float | None
    """Fraction: 0.25 = VIX up 25 % since the previous close."""
    underlyings: Mapping[str, UnderlyingView] = field(default_factory=dict)
    issues: tuple[DataIssue, ...] = field(init=False)

    def __post_init__(self) -> None:
        found: list[DataIssue] = []
        if self.vix is None:
            found.append(DataIssue("vix", "not available", Need.VIX, False, "market"))
        elif not (math.isfinite(self.vix) and self.vix > 0):
            found.append(DataIssue("vix", "not a positive finite level", Need.VIX, True, "market"))
        elif self.vix_change_1d is not None and not math.isfinite(self.vix_change_1d):
            found.append(DataIssue("vix_change_1d", "not finite", Need.VIX, True, "market"))
        object.__setattr__(self, "issues", tuple(found))


@dataclass(frozen=True, slots=True)
class StrategyContribution:
    """One strategy's share of portfolio Greeks (position units) and risk (max loss, $)."""

    strategy_id: str
    symbol: str
    units: int
    greeks: Greeks
    risk: float


GREEK_METRICS: tuple[str, ...] = ("delta", "gamma", "theta_per_day", "vega_per_vol_point")


@dataclass(frozen=True, slots=True)
class PortfolioView:
    """The account this cycle: Greeks, net liq, daily P&L and who contributes what.

    ``largest`` maps each Greek to the strategy contributing most in the direction of the
    portfolio total (ties broken by strategy id), ``largest_in_symbol`` each symbol to its
    biggest-risk strategy: the rule reduces those first.
    """

    ts: datetime
    net_liquidation: float
    daily_pnl: float
    contributions: Mapping[str, StrategyContribution]
    greeks: Greeks = field(init=False)
    risk_by_symbol: Mapping[str, float] = field(init=False)
    concentration: Mapping[str, float] = field(init=False)
    """Fraction of total risk per symbol."""
    largest: Mapping[str, str] = field(init=False)
    largest_in_symbol: Mapping[str, str] = field(init=False)
    leaders: frozenset[str] = field(init=False)
    """Every strategy id that is a largest contributor to something (a fast pre-check)."""
    issues: tuple[DataIssue, ...] = field(init=False)

    def __post_init__(self) -> None:
        items = sorted(self.contributions.values(), key=lambda c: c.strategy_id)
        total = Greeks.total(c.greeks for c in items)
        risk: dict[str, float] = {}
        best_in_symbol: dict[str, StrategyContribution] = {}
        for c in items:
            risk[c.symbol] = risk.get(c.symbol, 0.0) + c.risk
            best = best_in_symbol.get(c.symbol)
            if best is None or c.risk > best.risk:
                best_in_symbol[c.symbol] = c
        all_risk = sum(risk.values())
        largest: dict[str, str] = {}
        for metric in GREEK_METRICS:
            sign = math.copysign(1.0, getattr(total, metric))
            top: StrategyContribution | None = None
            for c in items:
                if top is None or sign * getattr(c.greeks, metric) > sign * getattr(
                    top.greeks, metric
                ):
                    top = c
            if top is not None:
                largest[metric] = top.strategy_id
        sets = object.__setattr__
        sets(self, "greeks", total)
        sets(self, "risk_by_symbol", risk)
        sets(
            self,
            "concentration",
            {k: v / all_risk for k, v in risk.items()} if all_risk > 0 else {},
        )
        sets(self, "largest", largest)
        in_symbol = {k: c.strategy_id for k, c in best_in_symbol.items()}
        sets(self, "largest_in_symbol", in_symbol)
        sets(self, "leaders", frozenset(largest.values()) | frozenset(in_symbol.values()))
        found: list[DataIssue] = []
        if not (math.isfinite(self.net_liquidation) and self.net_liquidation > 0):
            found.append(
                DataIssue("net_liquidation", "not a positive finite amount", Need.PORTFOLIO)
            )
        if not math.isfinite(self.daily_pnl):
            found.append(DataIssue("daily_pnl", "not finite", Need.PORTFOLIO))
        if not (total.is_finite() and math.isfinite(all_risk)):
            found.append(DataIssue("portfolio greeks", "not finite", Need.PORTFOLIO))
        sets(self, "issues", tuple(found))

    @property
    def open_strategies(self) -> int:
        return len(self.contributions)

    @staticmethod
    def from_strategy_views(
        views: list[StrategyView] | tuple[StrategyView, ...],
        *,
        net_liquidation: float,
        daily_pnl: float,
        ts: datetime,
    ) -> PortfolioView:
        """Aggregate strategy views; each contributes its Greeks and its max loss as risk."""
        contributions = {
            v.strategy_id: StrategyContribution(
                v.strategy_id, v.symbol, v.units, v.greeks, v.max_loss
            )
            for v in views
        }
        return PortfolioView(ts, net_liquidation, daily_pnl, contributions)

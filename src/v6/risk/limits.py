"""``PortfolioLimitsChecker``: judges an intent against the portfolio AS IT WOULD BE AFTER the
trade (counts, correlated-group caps, concentration, Greeks, max loss per trade, margin use,
buying power, daily loss).

Rules, per limit: an OPEN is refused if any limit is breached after it. Any other intent is
refused only by a limit that is breached after it AND that it makes worse, so a hedge or a
partial close is never blocked by a limit it improves, while a "hedge" that pushes delta
further out is. A CLOSE/REDUCE that takes the same fraction off every leg of a held strategy
(a pro-rata unwind) only removes risk that is already there and is never blocked by a limit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from v6.config.sections import TradingLimitsConfig
from v6.domain.greeks import Greeks
from v6.domain.orders import Intent, IntentKind
from v6.domain.quote import QuoteValidity
from v6.domain.strategy import Strategy, StrategyType
from v6.risk.checks import LimitCheck, LimitName, Unit
from v6.risk.config import RiskConfig
from v6.risk.correlation import CorrelationGroups, correlation_groups
from v6.risk.market import YEAR_SECONDS, ExpiryClock
from v6.risk.marks import mark_legs
from v6.risk.snapshot import RiskSnapshot
from v6.risk.trade import TradeEffect, trade_effect

JournalValue = float | str | bool | None


@dataclass(frozen=True, slots=True)
class LimitResult:
    """The limits' verdict on one intent, with every check for the journal."""

    intent_id: str
    approved: bool
    reason: str
    checks: tuple[LimitCheck, ...] = ()
    blocking: tuple[LimitCheck, ...] = ()
    exempt: bool = False
    """A pro-rata unwind: checks are informative only."""
    data_problem: str = ""

    def data(self) -> dict[str, JournalValue]:
        """Flat fields for the decision journal: the first blocking limit's numbers."""
        out: dict[str, JournalValue] = {
            "intent_id": self.intent_id,
            "approved": self.approved,
            "reason": self.reason,
            "exempt": self.exempt,
            "blocking_limits": ",".join(c.name.value for c in self.blocking),
        }
        if self.blocking:
            out.update(self.blocking[0].data())
        return out


@dataclass(frozen=True, slots=True)
class _Aggregates:
    """Per-snapshot sums the per-intent math adjusts (built once per snapshot)."""

    strategies: Mapping[str, Strategy]
    count_by_group: Mapping[str, int]
    count_by_type: Mapping[StrategyType, int]
    risk_by_group: Mapping[str, float]
    total_risk: float
    max_loss: Mapping[str, float] = field(default_factory=dict)


class PortfolioLimitsChecker:
    """The pre-trade limits. ``check(intent, snapshot)`` is pure given the snapshot."""

    __slots__ = ("_agg", "_clock", "cfg", "limits")

    def __init__(
        self,
        limits: TradingLimitsConfig,
        cfg: RiskConfig | None = None,
        clock: ExpiryClock | None = None,
    ) -> None:
        self.limits = limits
        self.cfg = cfg or RiskConfig()
        self._clock = clock or ExpiryClock()
        self._agg: tuple[RiskSnapshot, _Aggregates] | None = None

    # -- public --------------------------------------------------------------------------------

    def check(self, intent: Intent, snapshot: RiskSnapshot) -> LimitResult:
        agg = self._aggregates(snapshot)
        strategy = agg.strategies.get(intent.strategy_id)
        refusal = _structural_refusal(intent, strategy)
        if refusal:
            return LimitResult(intent.intent_id, False, refusal, data_problem=refusal)
        effect = trade_effect(
            strategy, agg.max_loss.get(intent.strategy_id, 0.0), intent, _marks(snapshot)
        )
        greeks_change, problem = self._greeks_change(effect, snapshot)
        if not snapshot.risk.greeks_valid:
            problem = problem or "portfolio Greeks not computable: " + "; ".join(
                str(i) for i in snapshot.risk.issues if i.blocking
            )
        checks = self._checks(effect, greeks_change, agg, snapshot)
        if effect.pro_rata_unwind:
            return LimitResult(intent.intent_id, True, "pro-rata unwind", checks, (), True)
        if problem:
            return LimitResult(
                intent.intent_id,
                False,
                f"risk data unavailable: {problem}",
                checks,
                (),
                False,
                problem,
            )
        opening = intent.kind is IntentKind.OPEN
        blocking = tuple(c for c in checks if c.breached and (opening or c.worsens))
        if blocking:
            reason = "; ".join(c.describe() for c in blocking)
            return LimitResult(intent.intent_id, False, reason, checks, blocking)
        return LimitResult(intent.intent_id, True, "within limits", checks)

    def groups_from_returns(self, returns: Mapping[str, Sequence[float]]) -> CorrelationGroups:
        """Correlation groups at ``limits.correlation_threshold`` over the configured lookback,
        for the snapshot (``returns``: daily returns per symbol, oldest first)."""
        return correlation_groups(
            returns,
            self.limits.correlation_threshold,
            lookback=self.cfg.correlation_lookback_days,
            min_observations=self.cfg.correlation_min_observations,
        )

    # -- internals -----------------------------------------------------------------------------

    def _aggregates(self, snapshot: RiskSnapshot) -> _Aggregates:
        cached = self._agg
        if cached is not None and cached[0] is snapshot:
            return cached[1]
        book = snapshot.risk.book
        groups = snapshot.groups
        count_by_group: Counter[str] = Counter()
        risk_by_group: dict[str, float] = {}
        max_loss: dict[str, float] = {}
        for s, ml in zip(book.strategies, book.max_loss.tolist(), strict=True):
            g = groups.key(s.symbol)
            count_by_group[g] += 1
            risk_by_group[g] = risk_by_group.get(g, 0.0) + ml
            max_loss[s.strategy_id] = ml
        agg = _Aggregates(
            strategies={s.strategy_id: s for s in book.strategies},
            count_by_group=count_by_group,
            count_by_type=Counter(book.types),
            risk_by_group=risk_by_group,
            total_risk=float(np.asarray(book.max_loss).sum()),
            max_loss=max_loss,
        )
        self._agg = (snapshot, agg)
        return agg

    def _greeks_change(self, effect: TradeEffect, snapshot: RiskSnapshot) -> tuple[Greeks, str]:
        """Position Greeks the trade adds, and a problem if some leg cannot be valued."""
        risk, market = snapshot.risk, snapshot.market
        total = Greeks()
        unknown = []
        for c, dq in effect.changes:
            g = risk.per_share(c.key)
            if g is None:
                unknown.append((c, dq))
            else:
                total += g.for_position(dq, c.multiplier)
        if not unknown:
            return total, ""
        ts = market.ts.timestamp()
        spot = np.array([market.spots.get(c.symbol, math.nan) for c, _ in unknown])
        marks = mark_legs(
            [c.key for c, _ in unknown],
            market.quotes,
            spot=spot,
            strike=np.array([c.strike for c, _ in unknown]),
            t_years=np.array(
                [
                    max(self._clock.close_epoch(c.expiry) - ts, 0.0) / YEAR_SECONDS
                    for c, _ in unknown
                ]
            ),
            is_call=np.array([c.is_call for c, _ in unknown]),
            rate=market.rate,
            div=np.array([market.div_yields.get(c.symbol, 0.0) for c, _ in unknown]),
            ts=market.ts,
            max_age=market.quote_max_age,
        )
        problems = [f"{key}: {why}" for key, why in marks.problems]
        for i, (c, dq) in enumerate(unknown):
            g = Greeks(*(float(x) for x in marks.greeks[:, i]))
            if g.is_finite():
                total += g.for_position(dq, c.multiplier)
            elif not problems:
                problems.append(f"{c.key}: Greeks not computable")
        return total, "; ".join(problems)

    def _checks(
        self,
        effect: TradeEffect,
        change: Greeks,
        agg: _Aggregates,
        snapshot: RiskSnapshot,
    ) -> tuple[LimitCheck, ...]:
        lim = self.limits
        risk = snapshot.risk
        n_before = risk.book.n_strategies
        opened = 1 if effect.is_new and not effect.closes_all else 0
        closed = 1 if not effect.is_new and effect.closes_all else 0
        n_after = n_before + opened - closed
        group = snapshot.groups.key(effect.symbol)
        g_before = agg.count_by_group.get(group, 0)
        t_before = agg.count_by_type.get(effect.strategy_type, 0)
        t_limit = lim.max_per_strategy_type.get(effect.strategy_type, lim.max_open_strategies)
        d_risk = _risk_change(effect)
        margin_after = risk.margin_in_use + d_risk
        nl = risk.net_liquidation
        before_g, after_g = risk.greeks, risk.greeks + change
        checks = [
            LimitCheck(
                LimitName.OPEN_STRATEGIES,
                n_before,
                n_after,
                lim.max_open_strategies,
                Unit.COUNT,
            ),
            LimitCheck(
                LimitName.PER_UNDERLYING,
                g_before,
                g_before + opened - closed,
                lim.max_per_symbol,
                Unit.COUNT,
                group,
            ),
            LimitCheck(
                LimitName.PER_STRATEGY_TYPE,
                t_before,
                t_before + opened - closed,
                t_limit,
                Unit.COUNT,
                effect.strategy_type.value,
            ),
            *self._concentration(group, d_risk, n_after, agg),
            *(
                LimitCheck(
                    name, getattr(before_g, f), getattr(after_g, f), cap, Unit.GREEK, "", True
                )
                for name, f, cap in (
                    (LimitName.DELTA, "delta", lim.max_abs_delta),
                    (LimitName.GAMMA, "gamma", lim.max_abs_gamma),
                    (LimitName.THETA, "theta_per_day", lim.max_abs_theta_per_day),
                    (LimitName.VEGA, "vega_per_vol_point", lim.max_abs_vega_per_vol_point),
                )
            ),
            LimitCheck(
                LimitName.MAX_LOSS_PER_TRADE,
                effect.max_loss_before,
                effect.max_loss_after,
                lim.max_loss_per_trade,
                Unit.DOLLARS,
                effect.strategy_id,
            ),
            LimitCheck(
                LimitName.MARGIN_USE,
                _ratio(risk.margin_in_use, nl),
                _ratio(margin_after, nl),
                lim.max_margin_use,
                Unit.FRACTION,
            ),
            LimitCheck(
                LimitName.DAILY_LOSS,
                -risk.pnl.today,
                -risk.pnl.today,
                lim.max_daily_loss,
                Unit.DOLLARS,
            ),
        ]
        if snapshot.buying_power is not None:
            checks.append(
                LimitCheck(
                    LimitName.BUYING_POWER,
                    0.0,
                    max(d_risk, 0.0),
                    max(snapshot.buying_power, 0.0),
                    Unit.DOLLARS,
                )
            )
        return tuple(checks)

    def _concentration(
        self, group: str, d_risk: float, n_after: int, agg: _Aggregates
    ) -> tuple[LimitCheck, ...]:
        """Largest share of total max loss held by one (correlated) group, before and after;
        only enforced from ``concentration_min_strategies`` strategies on."""
        if n_after < self.cfg.concentration_min_strategies:
            return ()
        before = dict(agg.risk_by_group)
        after = dict(before)
        after[group] = after.get(group, 0.0) + d_risk
        b_share, _ = _max_share(before)
        a_share, a_group = _max_share(after)
        return (
            LimitCheck(
                LimitName.CONCENTRATION,
                b_share,
                a_share,
                self.limits.max_concentration,
                Unit.FRACTION,
                a_group,
            ),
        )


def _risk_change(effect: TradeEffect) -> float:
    if math.isinf(effect.max_loss_after) and math.isinf(effect.max_loss_before):
        return 0.0
    return effect.max_loss_after - effect.max_loss_before


def _ratio(x: float, nl: float) -> float:
    return x / nl if nl > 0 else math.inf


def _max_share(risk_by_group: Mapping[str, float]) -> tuple[float, str]:
    total = sum(risk_by_group.values())
    if not risk_by_group or total <= 0:
        return 0.0, ""
    best = max(sorted(risk_by_group), key=lambda g: risk_by_group[g])
    top = risk_by_group[best]
    if math.isinf(total):
        return (1.0 if math.isinf(top) else 0.0), best
    return top / total, best


def _structural_refusal(intent: Intent, strategy: Strategy | None) -> str:
    """Intents the limits cannot reason about at all."""
    symbols = {leg.contract.symbol for leg in intent.legs}
    if len(symbols) > 1:
        return f"intent legs span several underlyings: {', '.join(sorted(symbols))}"
    if strategy is None and intent.kind not in (IntentKind.OPEN, IntentKind.HEDGE):
        return f"{intent.kind.value} of strategy {intent.strategy_id}, which is not open"
    if strategy is not None and strategy.symbol not in symbols:
        return f"intent legs are not on {strategy.symbol}, the underlying of {strategy.strategy_id}"
    return ""


def _marks(snapshot: RiskSnapshot) -> _MarkLookup:
    return _MarkLookup(snapshot)


class _MarkLookup:
    """Per-share mid of a contract: the report's mark if held, else a valid quote's mid."""

    __slots__ = ("_snapshot",)

    def __init__(self, snapshot: RiskSnapshot) -> None:
        self._snapshot = snapshot

    def __call__(self, key: str) -> float | None:
        risk = self._snapshot.risk
        i = risk.book.key_index.get(key)
        if i is not None and math.isfinite(risk.leg_mark[i]):
            return float(risk.leg_mark[i])
        m = self._snapshot.market
        q = m.quotes.get(key)
        if q is None or q.validity(m.ts, m.quote_max_age, allow_zero_bid=True) is not (
            QuoteValidity.VALID
        ):
            return None
        return q.mid

"""The rule framework: ``RuleState`` (what a strategy's rules remember between cycles),
``RuleView`` (everything one evaluation reads) and ``Rule`` (name, priority, enabled flag,
``evaluate(view) -> Decision | None``).

Rules are pure: the same view gives the same decision. Memory (trailing high-water mark,
whipsaw counter, when data went bad) lives in ``RuleState``, which the engine passes in and
returns updated; stateful rules update it in ``advance`` before any rule evaluates.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import ClassVar

from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.rules.explain import describe
from v6.rules.views import MarketView, Need, PortfolioView, StrategyView, UnderlyingView

InputValue = float | str | None
Inputs = dict[str, InputValue]


@dataclass(frozen=True, slots=True)
class RuleState:
    """Per-strategy memory of the rules. Initial state: ``RuleState(strategy_id)``."""

    strategy_id: str
    peak_pnl_fraction: float | None = None
    """Best P&L seen (fraction of max profit), None before the first valid mark."""
    trail_active: bool = False
    breach_cycles: int = 0
    """Consecutive cycles the P&L has been below the trail."""
    invalid_since: datetime | None = None
    """First timestamp of the current run of invalid data (None while data is valid)."""


@dataclass(frozen=True, slots=True)
class RuleView:
    """One evaluation's inputs: the strategy, its underlying, the market, the portfolio and
    the strategy's rule state (already advanced for this cycle)."""

    strategy: StrategyView
    underlying: UnderlyingView | None
    market: MarketView
    portfolio: PortfolioView | None
    state: RuleState

    @property
    def ts(self) -> datetime:
        return self.strategy.ts


@lru_cache(maxsize=16)
def _iso(ts: datetime) -> str:
    """A cycle's strategies share one timestamp: format it once."""
    return ts.isoformat()


def make_decision_id(strategy_id: str, ts: datetime, rule: str) -> str:
    """Deterministic: the same strategy, timestamp and rule always give the same id, so a
    replayed cycle journals the same decision instead of a second one."""
    digest = hashlib.sha256(f"{strategy_id}|{_iso(ts)}|{rule}".encode()).hexdigest()
    return f"dec-{digest[:20]}"


def context_inputs(s: StrategyView) -> Inputs:
    """The numbers every decision carries, whatever rule made it (non-finite -> None)."""
    fin = math.isfinite
    up, pnl, frac = s.underlying_price, s.pnl, s.pnl_fraction
    top, bottom, credit = s.max_profit, s.max_loss, s.entry_credit
    return {
        "symbol": s.symbol,
        "strategy_type": s.strategy.strategy_type.value,
        "expiry": s.expiry.isoformat(),
        "units": s.units,
        "dte": s.dte,
        "underlying_price": up if fin(up) else None,
        "pnl": pnl if fin(pnl) else None,
        "pnl_fraction": frac if fin(frac) else None,
        "max_profit": top if fin(top) else None,
        "max_loss": bottom if fin(bottom) else None,
        "entry_credit": credit if fin(credit) else None,
    }


def _clean(x: float | None) -> float | None:
    """Non-finite numbers are journaled as None (unknown), never as NaN."""
    return x if x is not None and math.isfinite(x) else None


def clean_inputs(values: Mapping[str, InputValue]) -> Inputs:
    return {k: (_clean(v) if isinstance(v, float) else v) for k, v in values.items()}


def reduce_units(units: int, fraction: float) -> int:
    """Units to close for a REDUCE: the fraction rounded down, but at least one."""
    return max(1, math.floor(units * fraction + 1e-9))


class Rule:
    """Base of the twelve rules. Subclasses set ``name``, ``urgency`` and ``needs`` and
    implement ``evaluate``; stateful ones also ``advance``."""

    name: ClassVar[str] = "rule"
    urgency: ClassVar[Urgency] = Urgency.NORMAL
    needs: ClassVar[frozenset[Need]] = frozenset()
    """Inputs beyond the core without which the rule cannot be evaluated."""
    stateful: ClassVar[bool] = False

    __slots__ = ("enabled", "priority")

    def __init__(self, *, priority: int, enabled: bool = True) -> None:
        self.priority = priority
        self.enabled = enabled

    def evaluate(self, view: RuleView) -> Decision | None:
        """The decision if the rule fires, else None. Must not fire on non-finite inputs."""
        raise NotImplementedError

    def advance(self, view: RuleView, state: RuleState) -> RuleState:
        """Update the rule's memory for this cycle (only stateful rules override)."""
        return state

    def __repr__(self) -> str:
        return f"{type(self).__name__}(priority={self.priority}, enabled={self.enabled})"

    def decide(
        self,
        view: RuleView,
        action: Action,
        inputs: Mapping[str, InputValue],
        thresholds: Mapping[str, InputValue],
        *,
        urgency: Urgency | None = None,
        reason: str | None = None,
    ) -> Decision:
        """A decision by this rule with the full explanation record."""
        s = view.strategy
        merged = context_inputs(s)
        merged.update(clean_inputs(inputs))
        limits = clean_inputs(thresholds)
        return Decision(
            decision_id=make_decision_id(s.strategy_id, s.ts, self.name),
            strategy_id=s.strategy_id,
            action=action,
            urgency=urgency or self.urgency,
            rule=self.name,
            priority=self.priority,
            ts=s.ts,
            reason=reason if reason is not None else describe(self.name, merged, limits),
            inputs=merged,
            thresholds=limits,
        )


def vol_for_scaling(view: RuleView) -> tuple[float | None, str]:
    """The vol a rule scales by: the underlying's realised vol, else IV now, else none."""
    und = view.underlying
    if und is not None:
        rv = und.vol
        if rv is not None:
            return rv, "realized"
    iv = view.strategy.iv_now
    if math.isfinite(iv) and iv > 0:
        return iv, "implied"
    return None, "none"


def clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x

"""Rule 2, trailing stop: once P&L reaches the activation level, trail the best P&L by a
distance that scales with volatility; close when P&L stays below the trail for
``confirm_cycles`` cycles or falls below it by more than the buffer (whipsaw protection).

P&L is measured as a fraction of max profit. The best P&L, the activation flag and the
breach counter live in ``RuleState`` and are updated by ``advance`` every valid cycle.
"""

from __future__ import annotations

import math
from dataclasses import replace

from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.rules.base import Rule, RuleState, RuleView, clip, vol_for_scaling
from v6.rules.config import TrailingStopConfig
from v6.rules.views import Need


class TrailingStopRule(Rule):
    name = "trailing_stop"
    urgency = Urgency.HIGH
    needs = frozenset({Need.PROFIT_BASIS})
    stateful = True

    __slots__ = (
        "activation",
        "buffer",
        "confirm_cycles",
        "distance",
        "max_distance",
        "min_distance",
        "vol_reference",
        "vol_scaling",
    )

    def __init__(self, cfg: TrailingStopConfig) -> None:
        super().__init__(priority=cfg.priority, enabled=cfg.enabled)
        self.activation = cfg.activation_fraction
        self.distance = cfg.distance_fraction
        self.vol_scaling = cfg.vol_scaling
        self.vol_reference = cfg.vol_reference
        self.min_distance = cfg.min_distance_fraction
        self.max_distance = cfg.max_distance_fraction
        self.confirm_cycles = cfg.confirm_cycles
        self.buffer = cfg.breach_buffer_fraction

    def trail_distance(self, view: RuleView) -> tuple[float, float | None, str]:
        """(distance, vol used, vol source): base distance x vol / reference, clipped."""
        if not self.vol_scaling:
            return self.distance, None, "off"
        vol, source = vol_for_scaling(view)
        if vol is None:
            return self.distance, None, source
        scaled = self.distance * vol / self.vol_reference
        return clip(scaled, self.min_distance, self.max_distance), vol, source

    def advance(self, view: RuleView, state: RuleState) -> RuleState:
        x = view.strategy.pnl_fraction
        if not math.isfinite(x):
            return state
        peak = state.peak_pnl_fraction
        if peak is None or x > peak:
            peak = x
        active = state.trail_active or peak >= self.activation
        breach = 0
        if active:
            stop = peak - self.trail_distance(view)[0]
            breach = state.breach_cycles + 1 if x < stop else 0
        if (
            peak == state.peak_pnl_fraction
            and active == state.trail_active
            and breach == state.breach_cycles
        ):
            return state
        return replace(state, peak_pnl_fraction=peak, trail_active=active, breach_cycles=breach)

    def evaluate(self, view: RuleView) -> Decision | None:
        st = view.state
        peak = st.peak_pnl_fraction
        if not st.trail_active or peak is None:
            return None
        x = view.strategy.pnl_fraction
        distance, vol, source = self.trail_distance(view)
        stop = peak - distance
        if not x < stop:
            return None
        if st.breach_cycles < self.confirm_cycles and not x < stop - self.buffer:
            return None
        return self.decide(
            view,
            Action.CLOSE,
            {
                "peak_pnl_fraction": peak,
                "trail_level": stop,
                "trail_distance": distance,
                "breach_cycles": st.breach_cycles,
                "vol": vol,
                "vol_source": source,
            },
            {
                "activation_fraction": self.activation,
                "distance_fraction": self.distance,
                "min_distance_fraction": self.min_distance,
                "max_distance_fraction": self.max_distance,
                "vol_reference": self.vol_reference if self.vol_scaling else None,
                "confirm_cycles": self.confirm_cycles,
                "breach_buffer_fraction": self.buffer,
            },
        )

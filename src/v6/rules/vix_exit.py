"""Rule 11, VIX exit: close (or reduce) when VIX is at or above ``vix_level`` or has risen by
``max_vix_change_1d`` or more since the previous close."""

from __future__ import annotations

import math

from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.rules.base import Inputs, Rule, RuleView, reduce_units
from v6.rules.config import VIXExitConfig
from v6.rules.views import Need


class VIXExitRule(Rule):
    name = "vix_exit"
    urgency = Urgency.HIGH
    needs = frozenset({Need.VIX})

    __slots__ = ("action", "level", "max_change", "reduce_fraction")

    def __init__(self, cfg: VIXExitConfig) -> None:
        super().__init__(priority=cfg.priority, enabled=cfg.enabled)
        self.level = cfg.vix_level
        self.max_change = cfg.max_vix_change_1d
        self.action = Action(cfg.action)
        self.reduce_fraction = cfg.reduce_fraction

    def evaluate(self, view: RuleView) -> Decision | None:
        m = view.market
        vix, change = m.vix, m.vix_change_1d
        if vix is None or not math.isfinite(vix):
            return None
        if change is not None and not math.isfinite(change):
            return None
        jumped = change is not None and change >= self.max_change
        if not (vix >= self.level or jumped):
            return None
        thresholds: Inputs = {"vix_level": self.level, "max_vix_change_1d": self.max_change}
        if self.action is Action.REDUCE:
            thresholds["reduce_fraction"] = self.reduce_fraction
            thresholds["reduce_units"] = reduce_units(view.strategy.units, self.reduce_fraction)
        return self.decide(view, self.action, {"vix": vix, "vix_change_1d": change}, thresholds)

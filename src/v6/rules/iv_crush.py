"""Rule 9, IV crush: on a credit (short-vol) position, once implied vol has fallen by
``min_iv_drop_fraction`` of its entry level and P&L is at least ``min_pnl_fraction`` of max
profit, most of the vega profit is in: take it instead of waiting for theta.
"""

from __future__ import annotations

import math

from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.rules.base import Rule, RuleView
from v6.rules.config import IVCrushConfig
from v6.rules.views import Need


class IVCrushRule(Rule):
    name = "iv_crush"
    urgency = Urgency.NORMAL
    needs = frozenset({Need.IV_NOW, Need.IV_ENTRY, Need.PROFIT_BASIS})

    __slots__ = ("min_drop", "min_pnl")

    def __init__(self, cfg: IVCrushConfig) -> None:
        super().__init__(priority=cfg.priority, enabled=cfg.enabled)
        self.min_drop = cfg.min_iv_drop_fraction
        self.min_pnl = cfg.min_pnl_fraction

    def evaluate(self, view: RuleView) -> Decision | None:
        s = view.strategy
        entry = s.iv_entry
        if entry is None or not s.entry_credit > 0:
            return None
        drop = (entry - s.iv_now) / entry
        if not (drop >= self.min_drop and s.pnl_fraction >= self.min_pnl):
            return None
        vega = s.greeks.vega_per_vol_point
        vega_pnl = vega * (s.iv_now - entry) * 100.0 if math.isfinite(vega) else None
        return self.decide(
            view,
            Action.CLOSE,
            {
                "iv_entry": entry,
                "iv_now": s.iv_now,
                "iv_drop_fraction": drop,
                "vega_per_vol_point": vega,
                "vega_pnl_estimate": vega_pnl,
            },
            {"min_iv_drop_fraction": self.min_drop, "min_pnl_fraction": self.min_pnl},
        )

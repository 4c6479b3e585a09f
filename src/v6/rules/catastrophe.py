"""Rule 1, catastrophe: close at once on a catastrophic position or account loss, an
underlying move beyond a limit since the previous close, or a short strike breached by more
than a margin. Each check runs on what is available; none fires on a non-finite number.
"""

from __future__ import annotations

import math

from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.rules.base import Inputs, Rule, RuleView
from v6.rules.config import CatastropheConfig


class CatastropheRule(Rule):
    name = "catastrophe"
    urgency = Urgency.IMMEDIATE

    __slots__ = ("account_fraction", "breach_fraction", "max_gap", "max_loss_fraction")

    def __init__(self, cfg: CatastropheConfig) -> None:
        super().__init__(priority=cfg.priority, enabled=cfg.enabled)
        self.max_loss_fraction = cfg.max_loss_fraction
        self.account_fraction = cfg.daily_loss_fraction
        self.max_gap = cfg.max_gap_fraction
        self.breach_fraction = cfg.strike_breach_fraction

    def evaluate(self, view: RuleView) -> Decision | None:
        s = view.strategy
        spot = s.underlying_price
        triggers: list[str] = []
        loss = -s.pnl
        loss_frac = loss / s.max_loss if 0 < s.max_loss < math.inf else math.nan
        if loss_frac >= self.max_loss_fraction:
            triggers.append("position_loss")
        p = view.portfolio
        account_frac = math.nan
        if p is not None and not p.issues:
            account_frac = -p.daily_pnl / p.net_liquidation
            if account_frac >= self.account_fraction:
                triggers.append("account_loss")
        gap = view.underlying.gap_fraction if view.underlying is not None else None
        if gap is not None and abs(gap) >= self.max_gap:
            triggers.append("gap")
        put_breach = (s.short_put_strike - spot) / s.short_put_strike
        call_breach = (spot - s.short_call_strike) / s.short_call_strike
        if put_breach >= self.breach_fraction or call_breach >= self.breach_fraction:
            triggers.append("strike_breach")
        if not triggers:
            return None
        inputs: Inputs = {
            "triggers": ",".join(triggers),
            "loss": loss,
            "loss_fraction_of_max_loss": loss_frac,
            "daily_pnl": p.daily_pnl if p is not None else None,
            "net_liquidation": p.net_liquidation if p is not None else None,
            "account_loss_fraction": account_frac,
            "gap_fraction": gap,
            "short_put_strike": s.short_put_strike,
            "short_call_strike": s.short_call_strike,
            "put_breach_fraction": put_breach,
            "call_breach_fraction": call_breach,
        }
        thresholds: Inputs = {
            "max_loss_fraction": self.max_loss_fraction,
            "daily_loss_fraction": self.account_fraction,
            "max_gap_fraction": self.max_gap,
            "strike_breach_fraction": self.breach_fraction,
        }
        return self.decide(view, Action.CLOSE, inputs, thresholds)

"""Rules 7 and 8: delta risk (a short leg's |delta|, or the net delta of one unit per share,
beyond a limit) and gamma risk (the loss gamma alone causes on a ``move_fraction`` move, as a
fraction of max loss, beyond a limit that tightens linearly towards expiry).

Both act with a configured action: close (default), roll, hedge or reduce.
"""

from __future__ import annotations

import math

from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.rules.base import Inputs, Rule, RuleView, clip, reduce_units
from v6.rules.config import DeltaRiskConfig, GammaRiskConfig
from v6.rules.views import Need


def _action_thresholds(action: Action, units: int, fraction: float) -> Inputs:
    if action is Action.REDUCE:
        return {"reduce_fraction": fraction, "reduce_units": reduce_units(units, fraction)}
    return {}


class DeltaRiskRule(Rule):
    name = "delta_risk"
    urgency = Urgency.HIGH
    needs = frozenset({Need.GREEKS})

    __slots__ = ("action", "max_net", "max_short", "reduce_fraction")

    def __init__(self, cfg: DeltaRiskConfig) -> None:
        super().__init__(priority=cfg.priority, enabled=cfg.enabled)
        self.max_short = cfg.max_short_leg_abs_delta
        self.max_net = cfg.max_net_delta_per_share
        self.action = Action(cfg.action)
        self.reduce_fraction = cfg.reduce_fraction

    def evaluate(self, view: RuleView) -> Decision | None:
        s = view.strategy
        short = s.max_short_abs_delta
        net = abs(s.greeks.delta) / (s.units * s.multiplier)
        if not (math.isfinite(short) and math.isfinite(net)):
            return None
        if not (short >= self.max_short or net >= self.max_net):
            return None
        return self.decide(
            view,
            self.action,
            {
                "max_short_abs_delta": short,
                "net_delta_per_share": net,
                "position_delta": s.greeks.delta,
            },
            {
                "max_short_leg_abs_delta": self.max_short,
                "max_net_delta_per_share": self.max_net,
                **_action_thresholds(self.action, s.units, self.reduce_fraction),
            },
        )


class GammaRiskRule(Rule):
    name = "gamma_risk"
    urgency = Urgency.HIGH
    needs = frozenset({Need.GREEKS, Need.PROFIT_BASIS})

    __slots__ = ("action", "max_risk", "min_risk", "move", "reduce_fraction", "taper_dte")

    def __init__(self, cfg: GammaRiskConfig) -> None:
        super().__init__(priority=cfg.priority, enabled=cfg.enabled)
        self.move = cfg.move_fraction
        self.max_risk = cfg.max_risk_fraction
        self.min_risk = cfg.min_risk_fraction
        self.taper_dte = cfg.taper_start_dte
        self.action = Action(cfg.action)
        self.reduce_fraction = cfg.reduce_fraction

    def limit_at(self, dte: int) -> float:
        """The risk limit at ``dte``: max_risk from taper_start_dte on, min_risk at 0 DTE."""
        return self.min_risk + (self.max_risk - self.min_risk) * clip(dte / self.taper_dte, 0, 1)

    def evaluate(self, view: RuleView) -> Decision | None:
        s = view.strategy
        short_gamma = -s.greeks.gamma
        if not short_gamma > 0:
            return None
        move = self.move * s.underlying_price
        gamma_loss = 0.5 * short_gamma * move * move
        risk = gamma_loss / s.max_loss
        limit = self.limit_at(s.dte)
        if not risk >= limit:
            return None
        return self.decide(
            view,
            self.action,
            {
                "position_gamma": s.greeks.gamma,
                "gamma_loss": gamma_loss,
                "gamma_risk_fraction": risk,
            },
            {
                "limit_fraction": limit,
                "move_fraction": self.move,
                "max_risk_fraction": self.max_risk,
                "min_risk_fraction": self.min_risk,
                "taper_start_dte": self.taper_dte,
                **_action_thresholds(self.action, s.units, self.reduce_fraction),
            },
        )

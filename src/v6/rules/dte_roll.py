"""Rule 10, DTE roll: at ``roll_dte`` days to expiry, roll to an expiry ``target_dte_min`` to
``target_dte_max`` days out, for a credit only unless configured otherwise.

The rule decides; the execution layer builds the roll order. Whether a credit roll exists is
the caller's ``StrategyView.roll_credit_estimate`` (dollars, > 0 = credit). With no credit
available the ``fallback`` policy decides: CLOSE, or an explicit HOLD decision that the engine
keeps as its answer only if no lower-priority rule acts (so risk rules still run).
"""

from __future__ import annotations

import math

from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.rules.base import Rule, RuleView
from v6.rules.config import DTERollConfig
from v6.rules.views import Need


class DTERollRule(Rule):
    name = "dte_roll"
    urgency = Urgency.NORMAL
    needs = frozenset({Need.ROLL_CREDIT})

    __slots__ = ("credit_only", "fallback", "roll_dte", "target_max", "target_min")

    def __init__(self, cfg: DTERollConfig) -> None:
        super().__init__(priority=cfg.priority, enabled=cfg.enabled)
        self.roll_dte = cfg.roll_dte
        self.target_min = cfg.target_dte_min
        self.target_max = cfg.target_dte_max
        self.credit_only = cfg.credit_only
        self.fallback = Action(cfg.fallback)

    def evaluate(self, view: RuleView) -> Decision | None:
        s = view.strategy
        if s.dte > self.roll_dte:
            return None
        est = s.roll_credit_estimate
        if est is not None and not math.isfinite(est):
            return None  # a broken estimate is bad data, not "no credit available"
        credit_ok = est is not None and est > 0
        action = Action.ROLL if credit_ok or not self.credit_only else self.fallback
        thresholds = {
            "roll_dte": self.roll_dte,
            "target_dte_min": self.target_min,
            "target_dte_max": self.target_max,
            "credit_only": "yes" if self.credit_only else "no",
            "fallback": self.fallback.value,
        }
        return self.decide(
            view,
            action,
            {"roll_credit_estimate": est, "roll_outcome": action.value},
            thresholds,
            urgency=Urgency.LOW if action is Action.HOLD else None,
        )

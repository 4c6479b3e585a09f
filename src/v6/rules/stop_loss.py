"""Rule 6, stop loss: close when the loss reaches a multiple of the credit received (default
200 %), or a fraction of the debit paid for debit structures; optionally scaled by
clip(vol / vol_reference, vol_factor_min, vol_factor_max) so a calm market stops sooner.
"""

from __future__ import annotations

from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.rules.base import Rule, RuleView, clip, vol_for_scaling
from v6.rules.config import StopLossConfig


class StopLossRule(Rule):
    name = "stop_loss"
    urgency = Urgency.HIGH

    __slots__ = (
        "credit_multiple",
        "debit_fraction",
        "factor_max",
        "factor_min",
        "vol_adjusted",
        "vol_reference",
    )

    def __init__(self, cfg: StopLossConfig) -> None:
        super().__init__(priority=cfg.priority, enabled=cfg.enabled)
        self.credit_multiple = cfg.credit_multiple
        self.debit_fraction = cfg.debit_fraction
        self.vol_adjusted = cfg.vol_adjusted
        self.vol_reference = cfg.vol_reference
        self.factor_min = cfg.vol_factor_min
        self.factor_max = cfg.vol_factor_max

    def evaluate(self, view: RuleView) -> Decision | None:
        s = view.strategy
        credit = s.entry_credit
        if credit > 0:
            basis, multiple, kind = credit, self.credit_multiple, "credit"
        elif credit < 0:
            basis, multiple, kind = -credit, self.debit_fraction, "debit"
        else:
            return None
        loss = -s.pnl
        factor, vol = 1.0, None
        if self.vol_adjusted:
            vol, _source = vol_for_scaling(view)
            if vol is not None:
                factor = clip(vol / self.vol_reference, self.factor_min, self.factor_max)
        limit = multiple * factor
        if not loss >= limit * basis:
            return None
        return self.decide(
            view,
            Action.CLOSE,
            {
                "loss": loss,
                "basis": basis,
                "basis_kind": kind,
                "loss_to_basis": loss / basis,
                "vol": vol,
                "vol_factor": factor,
            },
            {
                "limit_multiple": limit,
                "credit_multiple": self.credit_multiple,
                "debit_fraction": self.debit_fraction,
                "vol_reference": self.vol_reference if self.vol_adjusted else None,
            },
        )

"""Rule 3, time exit: close at ``exit_dte`` days to expiry, and never carry a short option
into expiration (``hard_exit_dte``, default expiry day) unless ``hold_to_expiry``.

When the DTE roll rule is enabled and ``defer_to_roll`` is set, the ``exit_dte`` exit is left
to it (it rolls for a credit or applies its fallback); the hard exit always stays.
"""

from __future__ import annotations

from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.rules.base import Rule, RuleView
from v6.rules.config import TimeExitConfig


class TimeExitRule(Rule):
    name = "time_exit"
    urgency = Urgency.NORMAL

    __slots__ = ("deferring", "exit_dte", "hard_exit_dte", "hold_to_expiry")

    def __init__(self, cfg: TimeExitConfig, *, roll_enabled: bool = False) -> None:
        super().__init__(priority=cfg.priority, enabled=cfg.enabled)
        self.exit_dte = cfg.exit_dte
        self.hard_exit_dte = cfg.hard_exit_dte
        self.hold_to_expiry = cfg.hold_to_expiry
        self.deferring = cfg.defer_to_roll and roll_enabled

    def evaluate(self, view: RuleView) -> Decision | None:
        dte = view.strategy.dte
        if dte <= self.hard_exit_dte and not self.hold_to_expiry:
            kind, urgency = "hard", Urgency.IMMEDIATE
        elif dte <= self.exit_dte and not self.deferring:
            kind, urgency = "managed", Urgency.NORMAL
        else:
            return None
        return self.decide(
            view,
            Action.CLOSE,
            {"exit_kind": kind, "deferring_to_roll": "yes" if self.deferring else "no"},
            {
                "exit_dte": self.exit_dte,
                "hard_exit_dte": self.hard_exit_dte,
                "hold_to_expiry": "yes" if self.hold_to_expiry else "no",
            },
            urgency=urgency,
        )

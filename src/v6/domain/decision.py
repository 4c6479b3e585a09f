"""Decisions: what a rule concluded for one strategy, and why, in numbers.

Every decision carries the rule that fired, its priority, the inputs it read and the
thresholds it compared them with, so "why did it close this?" always has an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from v6.domain.orders import Urgency


class Action(StrEnum):
    HOLD = "hold"
    CLOSE = "close"
    ROLL = "roll"
    HEDGE = "hedge"
    REDUCE = "reduce"


@dataclass(frozen=True, slots=True)
class Decision:
    decision_id: str
    strategy_id: str
    action: Action
    urgency: Urgency
    rule: str
    priority: int
    ts: datetime
    reason: str = ""
    inputs: Mapping[str, float | str | None] = field(default_factory=dict, hash=False)
    thresholds: Mapping[str, float | str | None] = field(default_factory=dict, hash=False)
    data_valid: bool = True

    @property
    def is_hold(self) -> bool:
        return self.action is Action.HOLD

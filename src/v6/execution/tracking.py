"""What the state machine tracks per broker order, and the actions it asks the engine to take."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from v6.domain.contracts import OptionContract
from v6.domain.orders import Order, OrderStatus
from v6.execution.config import WalkSchedule
from v6.execution.mapping import OrderShape, Role, SignedLegs
from v6.execution.walk import NetMarket

PriceFn = Callable[[SignedLegs], NetMarket | None]
"""Net market of signed legs now, ``None`` if any leg lacks a tradable quote."""


class Stage(StrEnum):
    WAITING_PROTECTION = "waiting_protection"
    COMBO = "combo"
    LEGGING = "legging"
    ABORTING = "aborting"
    ROLLBACK = "rollback"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Place:
    order: Order
    role: Role


@dataclass(frozen=True, slots=True)
class Modify:
    order: Order
    step: int


@dataclass(frozen=True, slots=True)
class Cancel:
    order_ref: str


Action = Place | Modify | Cancel


@dataclass(slots=True)
class TrackedOrder:
    """One broker order of an intent and where its walk stands."""

    ref: str
    role: Role
    shape: OrderShape
    schedule: WalkSchedule
    cap: float
    leg_index: int | None = None
    step: int = 0
    pay_limit: float = 0.0
    deadline: datetime | None = None
    status: OrderStatus = OrderStatus.PENDING_SUBMIT
    filled_units: int = 0
    cancel_requested: bool = False
    order: Order | None = None
    last_error: str = ""

    @property
    def terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def working(self) -> bool:
        return not self.status.is_terminal

    def filled_quantities(self) -> dict[OptionContract, int]:
        return self.shape.quantities(self.filled_units)

"""Intents, orders and fills: the ledger of what we meant to do and what the broker did.

Names follow the ledger convention: an ``Intent`` is a command (open, close, roll, hedge,
reduce), an ``Order`` is what goes to the broker, a ``Fill`` is what happened. Every intent
has a deterministic id, journaled before any order is sent and carried as IB's ``orderRef``,
so a restart can match broker orders to intents and never send the same intent twice.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from v6.domain.contracts import OptionContract
from v6.errors import DomainError


class IntentKind(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    ROLL = "roll"
    HEDGE = "hedge"
    REDUCE = "reduce"

    @property
    def reduces_risk(self) -> bool:
        """Closes, reductions and hedges take risk off: limits they improve never block them."""
        return self in (IntentKind.CLOSE, IntentKind.REDUCE, IntentKind.HEDGE)


class Urgency(StrEnum):
    IMMEDIATE = "immediate"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class OrderAction(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    LIMIT = "LMT"
    MARKET = "MKT"
    STOP = "STP"


class TimeInForce(StrEnum):
    DAY = "DAY"
    GTC = "GTC"


class OrderStatus(StrEnum):
    """IB's order states, reduced to the ones a trading decision depends on."""

    PENDING_SUBMIT = "PendingSubmit"
    SUBMITTED = "Submitted"
    PARTIALLY_FILLED = "PartiallyFilled"
    FILLED = "Filled"
    CANCELLED = "Cancelled"
    REJECTED = "Rejected"

    @property
    def is_terminal(self) -> bool:
        return self in (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED)


def make_intent_id(strategy_id: str, kind: IntentKind, sequence: int | str) -> str:
    """Deterministic intent id: the same strategy, kind and sequence always give the same id.

    Sequence is the caller's monotonically increasing counter (or the decision id that caused
    the intent), so a replay after a crash regenerates the id already in the journal.
    """
    digest = hashlib.sha256(f"{strategy_id}|{kind.value}|{sequence}".encode()).hexdigest()
    return f"v6-{kind.value}-{digest[:16]}"


@dataclass(frozen=True, slots=True)
class LegInstruction:
    """One leg to trade: a contract and a signed quantity (> 0 buy, < 0 sell)."""

    contract: OptionContract
    quantity: int

    def __post_init__(self) -> None:
        if self.quantity == 0:
            raise DomainError(f"leg instruction {self.contract.key}: quantity must not be zero")


@dataclass(frozen=True, slots=True)
class Intent:
    """A command to change a position, before risk checks and before any order exists.

    ``limit_price`` is the net price per unit the caller is willing to trade at, signed as IB
    signs combo prices: positive = pay a debit, negative = receive a credit.
    """

    intent_id: str
    kind: IntentKind
    strategy_id: str
    legs: tuple[LegInstruction, ...]
    created_at: datetime
    urgency: Urgency = Urgency.NORMAL
    limit_price: float | None = None
    decision_id: str | None = None
    reason: str = ""
    metadata: Mapping[str, str | float | int | bool] = field(
        default_factory=dict, hash=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.legs:
            raise DomainError(f"intent {self.intent_id}: needs at least one leg")
        if self.limit_price is not None and not math.isfinite(self.limit_price):
            raise DomainError(f"intent {self.intent_id}: limit price must be finite")

    @property
    def reduces_risk(self) -> bool:
        return self.kind.reduces_risk


@dataclass(frozen=True, slots=True)
class ComboLeg:
    """A leg inside a combo order: ``ratio`` contracts per combo unit, bought or sold."""

    contract: OptionContract
    ratio: int
    action: OrderAction

    def __post_init__(self) -> None:
        if self.ratio <= 0:
            raise DomainError(f"combo leg {self.contract.key}: ratio must be > 0")


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the broker sees it: one net limit for a combo (IB allows no per-leg prices
    on 4-leg combos), negative limit = credit on a BUY combo."""

    order_ref: str
    intent_id: str
    legs: tuple[ComboLeg, ...]
    action: OrderAction
    quantity: int
    order_type: OrderType = OrderType.LIMIT
    limit_price: float | None = None
    stop_price: float | None = None
    tif: TimeInForce = TimeInForce.DAY
    oca_group: str | None = None
    strategy_id: str = ""

    def __post_init__(self) -> None:
        if not self.legs:
            raise DomainError(f"order {self.order_ref}: needs at least one leg")
        if self.quantity <= 0:
            raise DomainError(f"order {self.order_ref}: quantity must be > 0, got {self.quantity}")
        if self.order_type is OrderType.LIMIT:
            if self.limit_price is None or not math.isfinite(self.limit_price):
                raise DomainError(f"order {self.order_ref}: a limit order needs a finite limit")
            if not self.is_combo and self.limit_price < 0:
                raise DomainError(
                    f"order {self.order_ref}: a single-leg limit must be >= 0, "
                    f"got {self.limit_price}"
                )
        if self.order_type is OrderType.STOP and (
            self.stop_price is None or not math.isfinite(self.stop_price)
        ):
            raise DomainError(f"order {self.order_ref}: a stop order needs a finite stop price")
        if self.order_type is OrderType.MARKET and self.limit_price is not None:
            raise DomainError(f"order {self.order_ref}: a market order takes no limit price")
        if not self.is_combo and self.legs[0].ratio != 1:
            raise DomainError(f"order {self.order_ref}: a single-leg order has ratio 1")
        if len({leg.contract.symbol for leg in self.legs}) > 1:
            raise DomainError(f"order {self.order_ref}: combo legs on different underlyings")

    @property
    def is_combo(self) -> bool:
        return len(self.legs) > 1

    def signed_leg_quantities(self) -> dict[OptionContract, int]:
        """Contracts bought (+) or sold (-) if the whole order fills."""
        sign = 1 if self.action is OrderAction.BUY else -1
        out: dict[OptionContract, int] = {}
        for leg in self.legs:
            leg_sign = 1 if leg.action is OrderAction.BUY else -1
            out[leg.contract] = sign * leg_sign * leg.ratio * self.quantity
        return out


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of one contract. Combo fills arrive as one Fill per leg."""

    execution_id: str
    order_ref: str
    contract: OptionContract
    action: OrderAction
    quantity: int
    price: float
    commission: float
    ts_event: datetime
    ts_init: datetime

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise DomainError(f"fill {self.execution_id}: quantity must be > 0")
        if not math.isfinite(self.price) or self.price < 0:
            raise DomainError(f"fill {self.execution_id}: price must be finite and >= 0")

    @property
    def signed_quantity(self) -> int:
        return self.quantity if self.action is OrderAction.BUY else -self.quantity

    @property
    def cash_flow(self) -> float:
        """Dollars in (+) or out (-) for this fill, commission included."""
        return -self.signed_quantity * self.price * self.contract.multiplier - self.commission


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """A status change reported by the broker (submitted, partially filled, rejected, ...)."""

    order_ref: str
    status: OrderStatus
    filled: int
    remaining: int
    avg_fill_price: float | None
    ts_event: datetime
    ts_init: datetime
    broker_order_id: int | None = None
    error_code: int | None = None
    message: str = ""

"""From an intent's legs to broker orders, and the deterministic order references.

Mapping (IB's rules): an intent leg is a contract and a signed quantity (+ buy, - sell). The
legs' gcd is the number of combo units; each leg becomes a ``ComboLeg`` with ratio
``|quantity| / units`` and action BUY (quantity > 0) or SELL (< 0); the order is always a BUY
of that combo and carries one net limit per unit, positive for a debit and NEGATIVE FOR A
CREDIT (IB's sign convention; no per-leg prices, which IB refuses on 4-leg combos). A single
leg becomes a plain order: the leg written as BUY, the order action BUY or SELL, a limit >= 0.

Order references are ``<intent_id>:<role><index>``: ``C0`` the combo, ``L2`` the order for
intent leg 2 when legging, ``R2.1`` the second rollback order of leg 2, ``TP``/``SL`` the
protective pair. They are deterministic, so a restart finds every order of an intent by prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import reduce
from math import gcd

from v6.domain.contracts import OptionContract
from v6.domain.orders import ComboLeg, Order, OrderAction, OrderType, TimeInForce
from v6.errors import DomainError

SignedLegs = tuple[tuple[OptionContract, int], ...]
"""``(contract, signed ratio)`` per unit: + bought, - sold when the order fills."""


class Role(StrEnum):
    COMBO = "C"
    LEG = "L"
    ROLLBACK = "R"
    TAKE_PROFIT = "TP"
    STOP = "SL"


@dataclass(frozen=True, slots=True)
class OrderShape:
    """What one order trades: signed ratios per unit and the number of units."""

    legs: SignedLegs
    units: int

    @staticmethod
    def of(quantities: Sequence[tuple[OptionContract, int]]) -> OrderShape:
        """The shape that trades these signed total quantities in one order."""
        if not quantities or any(q == 0 for _, q in quantities):
            raise DomainError("order shape: needs legs with non-zero quantities")
        units = reduce(gcd, (abs(q) for _, q in quantities))
        return OrderShape(tuple((c, q // units) for c, q in quantities), units)

    @property
    def is_combo(self) -> bool:
        return len(self.legs) > 1

    def quantities(self, units: int | None = None) -> dict[OptionContract, int]:
        """Signed contracts traded when ``units`` (default all) units fill."""
        n = self.units if units is None else units
        return {c: r * n for c, r in self.legs}

    def order_limit(self, pay: float) -> float:
        """The broker limit for a pay-space price: itself on a combo or a buy, the price
        received (``-pay``, never below 0) on a single-leg sell."""
        if self.is_combo:
            return pay
        return max(pay, 0.0) if self.legs[0][1] > 0 else max(-pay, 0.0)

    def pay_of(self, order_limit: float) -> float:
        """Inverse of ``order_limit`` (a working order's limit back in pay space)."""
        if self.is_combo or self.legs[0][1] > 0:
            return order_limit
        return -order_limit

    def build(
        self,
        ref: str,
        intent_id: str,
        strategy_id: str,
        *,
        pay_limit: float | None,
        order_type: OrderType = OrderType.LIMIT,
        stop_pay: float | None = None,
        tif: TimeInForce = TimeInForce.DAY,
        oca_group: str | None = None,
        units: int | None = None,
    ) -> Order:
        """The broker order for this shape (``units`` overrides the quantity)."""
        if self.is_combo:
            legs = tuple(
                ComboLeg(c, abs(r), OrderAction.BUY if r > 0 else OrderAction.SELL)
                for c, r in self.legs
            )
            action = OrderAction.BUY
            quantity = self.units if units is None else units
        else:
            contract, ratio = self.legs[0]
            legs = (ComboLeg(contract, 1, OrderAction.BUY),)
            action = OrderAction.BUY if ratio > 0 else OrderAction.SELL
            quantity = abs(ratio) * (self.units if units is None else units)
        return Order(
            order_ref=ref,
            intent_id=intent_id,
            legs=legs,
            action=action,
            quantity=quantity,
            order_type=order_type,
            limit_price=None if pay_limit is None else self.order_limit(pay_limit),
            stop_price=None if stop_pay is None else self.order_limit(stop_pay),
            tif=tif,
            oca_group=oca_group,
            strategy_id=strategy_id,
        )


def shape_of_order(order: Order) -> OrderShape:
    """The shape of an order read back from the broker (reconciliation)."""
    sign = 1 if order.action is OrderAction.BUY else -1
    legs = tuple(
        (leg.contract, sign * (leg.ratio if leg.action is OrderAction.BUY else -leg.ratio))
        for leg in order.legs
    )
    return OrderShape(legs, order.quantity)


# -- references --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedRef:
    intent_id: str
    role: Role
    leg_index: int | None = None
    attempt: int = 0


def combo_ref(intent_id: str, attempt: int = 0) -> str:
    return f"{intent_id}:C{attempt}"


def leg_ref(intent_id: str, leg_index: int) -> str:
    return f"{intent_id}:L{leg_index}"


def rollback_ref(intent_id: str, leg_index: int, attempt: int) -> str:
    return f"{intent_id}:R{leg_index}.{attempt}"


def protective_refs(intent_id: str) -> tuple[str, str]:
    """(take-profit, stop) references of a protective pair; the OCA group is ``intent_id``."""
    return f"{intent_id}:TP", f"{intent_id}:SL"


def parse_ref(ref: str) -> ParsedRef | None:
    """The parts of one of our references; ``None`` for anything else (manual orders,
    expirations). Callers still check the intent id against the journal."""
    intent_id, sep, tail = ref.rpartition(":")
    if not sep or not intent_id or not tail:
        return None
    try:
        if tail in ("TP", "SL"):
            return ParsedRef(intent_id, Role(tail))
        role = Role(tail[0])
        if role is Role.COMBO:
            return ParsedRef(intent_id, role, None, int(tail[1:]))
        if role is Role.LEG:
            return ParsedRef(intent_id, role, int(tail[1:]))
        index, _, attempt = tail[1:].partition(".")
        return ParsedRef(intent_id, role, int(index), int(attempt or 0))
    except ValueError:
        return None

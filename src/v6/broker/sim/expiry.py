"""Expiration and early assignment, decided as data for the broker to book.

Options are cash-settled at intrinsic value against the underlying's closing price (no stock
is delivered: the system trades defined-risk option structures and would close any stock at
once, so the cash outcome is what matters). Early assignment, off by default, takes a whole
short in-the-money position when its extrinsic value is nearly gone close to expiry, or, for
calls, when it is below the dividend on the last session before an ex-dividend date.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from v6.broker.sim.config import Dividend, PaperBrokerConfig
from v6.broker.sim.margin import MarkFn, SpotFn
from v6.domain.contracts import Right
from v6.domain.portfolio import Position

_SATURDAY = 5


class SettlementKind(StrEnum):
    EXPIRY = "expiry"
    ASSIGNMENT = "assignment"


@dataclass(frozen=True, slots=True)
class Settlement:
    """A position closed by the exchange, not by an order: ``price`` is intrinsic per share."""

    position: Position
    price: float
    kind: SettlementKind
    reason: str


def next_business_day(day: date) -> date:
    """The next weekday after ``day`` (exchange holidays are not modelled)."""
    nxt = day + timedelta(days=1)
    while nxt.weekday() >= _SATURDAY:
        nxt += timedelta(days=1)
    return nxt


def expiry_settlements(
    positions: Iterable[Position], day: date, closing_prices: Mapping[str, float]
) -> list[Settlement]:
    """Settlements of every position expiring on or before ``day``; ``closing_prices`` must
    hold each such underlying (the caller checks, so nothing is half-settled)."""
    out: list[Settlement] = []
    for pos in positions:
        if pos.contract.expiry > day:
            continue
        spot = closing_prices[pos.contract.symbol]
        value = pos.contract.intrinsic(spot)
        state = "in the money" if value > 0 else "worthless"
        out.append(
            Settlement(
                position=pos,
                price=value,
                kind=SettlementKind.EXPIRY,
                reason=f"expired {state} at underlying {spot:g}",
            )
        )
    return out


def early_assignments(
    positions: Sequence[Position],
    day: date,
    mark: MarkFn,
    spot: SpotFn,
    config: PaperBrokerConfig,
    rng: random.Random,
) -> list[Settlement]:
    """Short ITM positions (not expiring today) the model assigns at ``day``'s close."""
    if not config.early_assignment:
        return []
    out: list[Settlement] = []
    for pos in positions:
        contract = pos.contract
        dte = contract.days_to_expiry(day)
        if pos.quantity >= 0 or dte <= 0:
            continue
        underlying = spot(contract.symbol)
        premium = mark(contract)
        if underlying is None or premium is None:
            continue
        intrinsic = contract.intrinsic(underlying)
        if intrinsic <= 0:
            continue
        extrinsic = premium - intrinsic
        reason = _assignment_reason(
            contract.right,
            dte,
            extrinsic,
            config,
            config.dividends.get(contract.symbol, ()),
            day,
        )
        if reason is None:
            continue
        if rng.random() < config.early_assignment_probability:
            out.append(Settlement(pos, intrinsic, SettlementKind.ASSIGNMENT, reason))
    return out


def _assignment_reason(
    right: Right,
    dte: int,
    extrinsic: float,
    config: PaperBrokerConfig,
    dividends: tuple[Dividend, ...],
    day: date,
) -> str | None:
    if dte <= config.assignment_max_days_to_expiry and (
        extrinsic < config.assignment_extrinsic_threshold
    ):
        return f"early assignment: extrinsic {extrinsic:.4f} with {dte} days left"
    if right is Right.CALL:
        next_session = next_business_day(day)
        for div in dividends:
            if day < div.ex_date <= next_session and extrinsic < div.amount_per_share:
                return (
                    f"early assignment before ex-dividend {div.ex_date.isoformat()}: "
                    f"extrinsic {extrinsic:.4f} < dividend {div.amount_per_share:g}"
                )
    return None

"""One option leg of an open strategy as the positions page shows it: signed size, entry
price, mark (a journaled quote, else a model mark), bid/ask, IV, delta, whether it is in the
money and whether it needs attention (short, in the money, close to expiry); plus the leg
arithmetic of a strategy (credit, open P&L at the marks, distance of the short strikes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

NEAR_EXPIRY_DAYS = 7
"""A short leg in the money this close to expiry is flagged (assignment risk)."""


@dataclass(frozen=True, slots=True)
class LegView:
    """One leg, marked. Prices per share; ``quantity`` signed (+ long, - short) in contracts;
    ``delta`` per share (model delta of one option)."""

    leg_id: str
    strategy_id: str
    expiry: date | None
    strike: float | None
    right: str | None
    quantity: int
    multiplier: int
    avg_price: float | None
    mark: float | None
    bid: float | None
    ask: float | None
    iv: float | None
    delta: float | None
    quote_at: datetime | None
    mark_source: str | None
    """Where the mark came from: the quote's source (``stream``, ``sim``, ...) or ``model``."""
    in_the_money: bool | None
    flagged: bool
    """Short, in the money and within ``NEAR_EXPIRY_DAYS`` of expiry."""

    @property
    def is_short(self) -> bool:
        return self.quantity < 0


def _signed(row: Mapping[str, Any]) -> int:
    qty = int(row.get("quantity") or 0)
    action = str(row.get("action") or "").upper()
    if action == "SELL":
        return -abs(qty)
    if action == "BUY":
        return abs(qty)
    return qty


def _itm(right: str | None, strike: float | None, spot: float | None) -> bool | None:
    if right is None or strike is None or spot is None:
        return None
    return spot < strike if right.upper().startswith("P") else spot > strike


def leg_view(
    row: Mapping[str, Any], quote: Mapping[str, Any] | None, spot: float | None, dte: int | None
) -> LegView:
    q = quote or {}
    right = row.get("right")
    strike = row.get("strike")
    qty = _signed(row)
    itm = _itm(right, strike, spot if spot is not None else q.get("underlying_price"))
    return LegView(
        leg_id=str(row["leg_id"]),
        strategy_id=str(row.get("strategy_id") or ""),
        expiry=row.get("expiry"),
        strike=strike,
        right=right,
        quantity=qty,
        multiplier=int(row.get("multiplier") or 100),
        avg_price=row.get("entry_price"),
        mark=q.get("mid"),
        bid=q.get("bid"),
        ask=q.get("ask"),
        iv=q.get("iv"),
        delta=q.get("delta"),
        quote_at=q.get("ts_event"),
        mark_source=None if quote is None else str(q.get("source") or "quote"),
        in_the_money=itm,
        flagged=bool(qty < 0 and itm and dte is not None and dte <= NEAR_EXPIRY_DAYS),
    )


def short_distance(legs: Sequence[LegView], right: str, spot: float | None) -> float | None:
    if not spot:
        return None
    shorts = [
        leg.strike
        for leg in legs
        if leg.is_short and leg.strike is not None and (leg.right or "").upper().startswith(right)
    ]
    if not shorts:
        return None
    # the nearest short strike on that side: puts sit below spot, calls above
    if right == "P":
        return (spot - max(shorts)) / spot
    return (min(shorts) - spot) / spot


def entry_credit(row: Mapping[str, Any], legs: Sequence[LegView]) -> float | None:
    per_unit, units = row.get("entry_credit_per_unit"), row.get("quantity")
    mult = legs[0].multiplier if legs else 100
    if per_unit is not None and units:
        return float(per_unit) * int(units) * mult
    if legs and all(leg.avg_price is not None for leg in legs):
        return sum(-leg.quantity * (leg.avg_price or 0.0) * leg.multiplier for leg in legs)
    return None


def marked_pnl(legs: Sequence[LegView]) -> float | None:
    if not legs or any(leg.mark is None or leg.avg_price is None for leg in legs):
        return None
    return sum(
        leg.quantity * ((leg.mark or 0.0) - (leg.avg_price or 0.0)) * leg.multiplier for leg in legs
    )

"""The paper account's books: cash, positions with average cost, realised P&L by session day.

Average cost is per share and, as at IB, includes the opening commission (a long's cost goes
up by it, a short's proceeds down), so a round trip's realised P&L is net of both commissions
and ``cash + sum(quantity x avg_cost x multiplier) == starting cash + realised`` always holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from v6.domain.contracts import OptionContract
from v6.domain.orders import Fill
from v6.domain.portfolio import Position


@dataclass(slots=True)
class _Holding:
    quantity: int
    avg_cost: float


class Ledger:
    """Cash and positions, changed only by fills (trades, expiry settlements, assignments)."""

    def __init__(self, starting_cash: float) -> None:
        self.starting_cash = starting_cash
        self.cash = starting_cash
        self.realized_total = 0.0
        self._holdings: dict[OptionContract, _Holding] = {}
        self._realized_by_day: dict[date, float] = {}

    def apply_fill(self, fill: Fill, day: date) -> float:
        """Book ``fill`` (attributing realised P&L to session ``day``); returns the P&L it
        realised in dollars, closing commission included."""
        self.cash += fill.cash_flow
        contract = fill.contract
        mult = contract.multiplier
        traded = fill.signed_quantity
        size = abs(traded)
        held = self._holdings.get(contract)
        old_qty = held.quantity if held is not None else 0
        old_avg = held.avg_cost if held is not None else 0.0
        direction = 1 if traded > 0 else -1

        if old_qty == 0 or (old_qty > 0) == (traded > 0):
            basis = fill.price + direction * fill.commission / (size * mult)
            new_qty = old_qty + traded
            avg = (old_avg * abs(old_qty) + basis * size) / abs(new_qty)
            self._holdings[contract] = _Holding(new_qty, avg)
            return 0.0

        closed = min(size, abs(old_qty))
        close_commission = fill.commission * closed / size
        old_sign = 1 if old_qty > 0 else -1
        realized = (fill.price - old_avg) * closed * mult * old_sign - close_commission
        new_qty = old_qty + traded
        if new_qty == 0:
            del self._holdings[contract]
        elif size > abs(old_qty):  # flipped through zero: the rest opens a new position
            opened = size - abs(old_qty)
            open_commission = fill.commission - close_commission
            basis = fill.price + direction * open_commission / (opened * mult)
            self._holdings[contract] = _Holding(new_qty, basis)
        else:
            self._holdings[contract] = _Holding(new_qty, old_avg)
        self.realized_total += realized
        self._realized_by_day[day] = self._realized_by_day.get(day, 0.0) + realized
        return realized

    def realized_on(self, day: date) -> float:
        """Realised P&L (dollars) booked on session ``day``."""
        return self._realized_by_day.get(day, 0.0)

    def quantity(self, contract: OptionContract) -> int:
        held = self._holdings.get(contract)
        return held.quantity if held is not None else 0

    def quantities(self) -> dict[OptionContract, int]:
        """Signed quantity per held contract (unsorted: for arithmetic, not for display)."""
        return {c: h.quantity for c, h in self._holdings.items()}

    def positions(self) -> list[Position]:
        """Open positions, sorted by contract key so every listing is reproducible."""
        out = [Position(c, h.quantity, h.avg_cost) for c, h in self._holdings.items()]
        out.sort(key=lambda p: (p.contract.key, p.contract.multiplier))
        return out

    def __iter__(self) -> Iterator[Position]:
        return iter(self.positions())

    def __len__(self) -> int:
        return len(self._holdings)

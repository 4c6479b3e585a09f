"""Multi-leg strategies and the hand-checkable math traders verify: max profit, max loss,
breakevens, width, credit as a fraction of width, P&L at a mark and at expiry.

The expiry payoff of any single-expiry option combination is piecewise linear in the
underlying with kinks only at strikes, so every extreme and every breakeven is found exactly
by evaluating the kinks and the slope beyond the last strike. That arithmetic runs in
``Decimal`` so "max loss = width - credit" holds to the cent, not to 1e-13.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import reduce
from math import gcd, inf

from v6.domain.contracts import Right
from v6.domain.greeks import Greeks
from v6.domain.legs import OptionLeg
from v6.errors import DomainError

MetadataValue = str | float | int | bool


class StrategyType(StrEnum):
    IRON_CONDOR = "iron_condor"
    BULL_PUT = "bull_put"
    BEAR_CALL = "bear_call"
    BULL_CALL = "bull_call"
    BEAR_PUT = "bear_put"
    CUSTOM = "custom"


class StrategyStatus(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"
    ROLLED = "rolled"
    CANCELLED = "cancelled"


# Status moves only along these edges; a strategy never reopens once closed, rolled or cancelled.
_TRANSITIONS: dict[StrategyStatus, frozenset[StrategyStatus]] = {
    StrategyStatus.PENDING: frozenset({StrategyStatus.OPEN, StrategyStatus.CANCELLED}),
    StrategyStatus.OPEN: frozenset(
        {StrategyStatus.CLOSING, StrategyStatus.CLOSED, StrategyStatus.ROLLED}
    ),
    StrategyStatus.CLOSING: frozenset(
        {StrategyStatus.OPEN, StrategyStatus.CLOSED, StrategyStatus.ROLLED}
    ),
    StrategyStatus.CLOSED: frozenset(),
    StrategyStatus.ROLLED: frozenset(),
    StrategyStatus.CANCELLED: frozenset(),
}

_CREDIT_TYPES = frozenset({StrategyType.IRON_CONDOR, StrategyType.BULL_PUT, StrategyType.BEAR_CALL})


def _d(x: float) -> Decimal:
    """Exact decimal of a float's shortest repr: 1.1 -> Decimal('1.1'), not 1.100000000000000088."""
    return Decimal(repr(float(x)))


@dataclass(frozen=True, slots=True)
class Strategy:
    """A multi-leg option position managed as one unit."""

    strategy_id: str
    strategy_type: StrategyType
    legs: tuple[OptionLeg, ...]
    status: StrategyStatus = StrategyStatus.PENDING
    opened_at: datetime | None = None
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        if not self.strategy_id:
            raise DomainError("strategy: id must not be empty")
        if not self.legs:
            raise DomainError(f"strategy {self.strategy_id}: needs at least one leg")
        symbols = {leg.contract.symbol for leg in self.legs}
        if len(symbols) > 1:
            raise DomainError(
                f"strategy {self.strategy_id}: legs of different underlyings in one strategy: "
                f"{sorted(symbols)}"
            )
        if len({leg.contract.multiplier for leg in self.legs}) > 1:
            raise DomainError(f"strategy {self.strategy_id}: legs have different multipliers")
        if len({leg.contract for leg in self.legs}) != len(self.legs):
            raise DomainError(f"strategy {self.strategy_id}: the same contract appears twice")
        _check_shape(self)

    # -- identity -------------------------------------------------------------------------

    @property
    def symbol(self) -> str:
        return self.legs[0].contract.symbol

    @property
    def multiplier(self) -> int:
        return self.legs[0].contract.multiplier

    @property
    def expiry(self) -> date:
        """The nearest expiry among the legs (the one that drives DTE rules)."""
        return min(leg.contract.expiry for leg in self.legs)

    @property
    def single_expiry(self) -> bool:
        return len({leg.contract.expiry for leg in self.legs}) == 1

    @property
    def units(self) -> int:
        """How many of the basic structure this is: the gcd of the leg sizes (2 for a 2-lot IC)."""
        return reduce(gcd, (abs(leg.quantity) for leg in self.legs))

    @property
    def is_credit(self) -> bool:
        return self.entry_cash > 0

    def days_to_expiry(self, today: date) -> int:
        return (self.expiry - today).days

    # -- cash and P&L -----------------------------------------------------------------------

    @property
    def entry_cash(self) -> float:
        """Net premium in dollars: positive = credit received, negative = debit paid."""
        return float(self._entry_cash_exact())

    @property
    def credit_per_unit(self) -> float:
        """Net credit per share of one unit (the number on a broker ticket, e.g. 1.25)."""
        return float(self._entry_cash_exact() / (self.units * self.multiplier))

    def pnl_at_marks(self, marks: Mapping[str, float]) -> float:
        """Unrealised P&L in dollars with each leg marked at ``marks[contract.key]`` per share."""
        total = 0.0
        for leg in self.legs:
            total += leg.pnl_at(marks[leg.contract.key])
        return total

    def close_cost(self, marks: Mapping[str, float]) -> float:
        """Dollars paid (positive) or received (negative) to close every leg at ``marks``."""
        return (
            sum(
                leg.quantity * marks[leg.contract.key] * leg.contract.multiplier
                for leg in self.legs
            )
            * -1.0
        )

    def pnl_at_expiry(self, spot: float) -> float:
        """P&L in dollars if the underlying settles at ``spot`` on the (single) expiry."""
        self._require_single_expiry("P&L at expiry")
        return float(self._payoff_exact(_d(spot)))

    def greeks(self, per_share: Mapping[str, Greeks]) -> Greeks:
        """Position Greeks: the sum of each leg's per-share Greeks times quantity and multiplier."""
        return Greeks.total(leg.greeks(per_share[leg.contract.key]) for leg in self.legs)

    # -- risk profile at expiry --------------------------------------------------------------

    @property
    def width(self) -> float:
        """Widest strike distance among legs of the same right (the wing width of a spread)."""
        widths = [Decimal(0)]
        for right in (Right.PUT, Right.CALL):
            strikes = [_d(leg.contract.strike) for leg in self.legs if leg.contract.right is right]
            if len(strikes) >= 2:
                widths.append(max(strikes) - min(strikes))
        return float(max(widths))

    @property
    def credit_to_width(self) -> float:
        """Credit per unit as a fraction of the width (0.33 = a third of the width collected)."""
        w = self.width
        return self.credit_per_unit / w if w > 0 else inf

    @property
    def max_profit(self) -> float:
        """Best P&L at expiry in dollars (``inf`` if unbounded)."""
        values, slope = self._kink_values()
        if slope > 0:
            return inf
        return float(max(values))

    @property
    def max_loss(self) -> float:
        """Worst loss at expiry in dollars, as a positive number (``inf`` if unbounded)."""
        values, slope = self._kink_values()
        if slope < 0:
            return inf
        return float(-min(values))

    @property
    def breakevens(self) -> tuple[float, ...]:
        """Underlying prices at expiry where P&L is exactly zero, ascending."""
        self._require_single_expiry("breakevens")
        points = self._kinks()
        found: list[Decimal] = []
        values = [self._payoff_exact(p) for p in points]
        for (x0, v0), (x1, v1) in zip(
            zip(points, values, strict=True), zip(points[1:], values[1:], strict=True), strict=False
        ):
            if v0 == 0:
                found.append(x0)
            if (v0 < 0 < v1) or (v1 < 0 < v0):
                found.append(x0 + (x1 - x0) * (-v0) / (v1 - v0))
        last_x, last_v = points[-1], values[-1]
        slope = self._right_slope()
        if last_v == 0:
            found.append(last_x)
        elif slope != 0 and (last_v > 0) != (slope > 0):
            found.append(last_x - last_v / slope)
        return tuple(float(x) for x in sorted(set(found)))

    # -- lifecycle ---------------------------------------------------------------------------

    def with_status(self, status: StrategyStatus, *, at: datetime | None = None) -> Strategy:
        """The same strategy in a new status; refuses moves the lifecycle does not allow."""
        if status == self.status:
            return self
        if status not in _TRANSITIONS[self.status]:
            raise DomainError(
                f"strategy {self.strategy_id}: cannot move from {self.status} to {status}"
            )
        opened = self.opened_at
        if status is StrategyStatus.OPEN and opened is None:
            opened = at
        return replace(self, status=status, opened_at=opened)

    def with_metadata(self, **values: MetadataValue) -> Strategy:
        return replace(self, metadata={**self.metadata, **values})

    @property
    def is_active(self) -> bool:
        """Holding risk: open or being closed."""
        return self.status in (StrategyStatus.OPEN, StrategyStatus.CLOSING)

    # -- exact internals ---------------------------------------------------------------------

    def _entry_cash_exact(self) -> Decimal:
        return sum(
            (-leg.quantity * _d(leg.open_price) * leg.contract.multiplier for leg in self.legs),
            Decimal(0),
        )

    def _payoff_exact(self, spot: Decimal) -> Decimal:
        total = self._entry_cash_exact()
        for leg in self.legs:
            k = _d(leg.contract.strike)
            intrinsic = (
                max(spot - k, Decimal(0)) if leg.contract.is_call else max(k - spot, Decimal(0))
            )
            total += leg.quantity * intrinsic * leg.contract.multiplier
        return total

    def _kinks(self) -> list[Decimal]:
        return [Decimal(0), *sorted({_d(leg.contract.strike) for leg in self.legs})]

    def _right_slope(self) -> Decimal:
        """d(P&L)/d(spot) beyond the highest strike: only calls contribute there."""
        return Decimal(
            sum(leg.quantity * leg.contract.multiplier for leg in self.legs if leg.contract.is_call)
        )

    def _kink_values(self) -> tuple[list[Decimal], Decimal]:
        self._require_single_expiry("max profit / max loss")
        return [self._payoff_exact(p) for p in self._kinks()], self._right_slope()

    def _require_single_expiry(self, what: str) -> None:
        if not self.single_expiry:
            raise DomainError(
                f"strategy {self.strategy_id}: {what} at expiry is undefined for legs with "
                "different expiries"
            )


def _check_shape(s: Strategy) -> None:
    """Refuse legs that do not form the declared structure (a trader would call it a typo)."""
    t = s.strategy_type
    if t is StrategyType.CUSTOM:
        return
    name = f"strategy {s.strategy_id} ({t.value})"
    if not s.single_expiry:
        raise DomainError(f"{name}: all legs must share one expiry")
    sizes = {abs(leg.quantity) for leg in s.legs}
    if len(sizes) != 1:
        raise DomainError(f"{name}: all legs must have the same size, got {sorted(sizes)}")
    puts = sorted((leg for leg in s.legs if leg.contract.right is Right.PUT), key=_strike)
    calls = sorted((leg for leg in s.legs if leg.contract.right is Right.CALL), key=_strike)
    if t is StrategyType.IRON_CONDOR:
        if len(s.legs) != 4 or len(puts) != 2 or len(calls) != 2:
            raise DomainError(f"{name}: needs exactly two puts and two calls")
        p_long, p_short = puts
        c_short, c_long = calls
        if not (p_long.is_long and p_short.is_short and c_short.is_short and c_long.is_long):
            raise DomainError(
                f"{name}: strikes must be ordered put-long < put-short < call-short < call-long, "
                f"got puts {_desc(puts)} and calls {_desc(calls)}"
            )
        ks = [_strike(leg) for leg in (p_long, p_short, c_short, c_long)]
        if not (ks[0] < ks[1] < ks[2] < ks[3]):
            raise DomainError(
                f"{name}: strikes must be ordered put-long < put-short < call-short < call-long, "
                f"got {ks[0]:g} / {ks[1]:g} / {ks[2]:g} / {ks[3]:g}"
            )
        return
    legs, right = (
        (puts, Right.PUT)
        if t in (StrategyType.BULL_PUT, StrategyType.BEAR_PUT)
        else (calls, Right.CALL)
    )
    if len(s.legs) != 2 or len(legs) != 2:
        raise DomainError(f"{name}: needs exactly two {right.name.lower()}s")
    low, high = legs
    if _strike(low) == _strike(high):
        raise DomainError(f"{name}: the two strikes must differ")
    # Which strike is short decides credit vs debit; the type names fix it.
    short_should_be_high = t in (StrategyType.BULL_PUT, StrategyType.BULL_CALL)
    short, long_ = (high, low) if short_should_be_high else (low, high)
    if not (short.is_short and long_.is_long):
        expected = "higher" if short_should_be_high else "lower"
        raise DomainError(f"{name}: the short leg must be the {expected} strike, got {_desc(legs)}")


def _strike(leg: OptionLeg) -> float:
    return leg.contract.strike


def _desc(legs: list[OptionLeg]) -> str:
    return ", ".join(
        f"{leg.quantity:+d} {leg.contract.strike:g}{leg.contract.right.value}" for leg in legs
    )


def is_credit_type(strategy_type: StrategyType) -> bool:
    """Whether a structure is opened for a credit by construction (condors, credit verticals)."""
    return strategy_type in _CREDIT_TYPES

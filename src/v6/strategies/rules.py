"""Leg rules and build specs: plain data saying how to pick each leg's strike (by |delta|, at
a dollar offset from spot or from an earlier leg) and what a proposal must satisfy (DTE
window, minimum credit, liquidity), so every builder is one interpreter over the same rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from v6.domain.contracts import Right
from v6.errors import DomainError
from v6.strategies.config import LiquidityConfig, SkewConfig, StrategiesConfig

if TYPE_CHECKING:
    from v6.config.sections import EntryConfig


@dataclass(frozen=True, slots=True)
class LegRule:
    """One leg of a structure, per unit (``quantity`` signed: -1 sell one, +1 buy one).

    Exactly one way to place the strike:

    * ``delta``: the listed strike whose |delta| is nearest (short legs get the skew
      adjustment when ``skew_adjust``);
    * ``offset_dollars`` with ``from_leg``: that far from an earlier leg's strike (a wing of
      a given width; negative = lower strike), nearest listed strike on that side;
    * ``offset_dollars`` without ``from_leg``: that far from spot (e.g. ``0`` = at the money).
    """

    right: Right
    quantity: int
    delta: float | None = None
    offset_dollars: float | None = None
    from_leg: int | None = None
    skew_adjust: bool = True

    def __post_init__(self) -> None:
        if self.quantity == 0:
            raise DomainError("leg rule: quantity must not be zero")
        if (self.delta is None) == (self.offset_dollars is None):
            raise DomainError("leg rule: give exactly one of delta or offset_dollars")
        if self.delta is not None and not 0 < self.delta < 1:
            raise DomainError(f"leg rule: |delta| target must be in (0, 1), got {self.delta}")
        if self.offset_dollars is not None and not math.isfinite(self.offset_dollars):
            raise DomainError("leg rule: offset_dollars must be finite")
        if self.from_leg is not None and self.offset_dollars is None:
            raise DomainError("leg rule: from_leg needs offset_dollars")
        if self.from_leg is not None and self.offset_dollars == 0:
            raise DomainError("leg rule: a zero offset from another leg repeats its strike")

    @property
    def is_short(self) -> bool:
        return self.quantity < 0

    @staticmethod
    def by_delta(right: Right, quantity: int, delta: float, *, skew_adjust: bool = True) -> LegRule:
        return LegRule(right, quantity, delta=delta, skew_adjust=skew_adjust)

    @staticmethod
    def wing(right: Right, quantity: int, from_leg: int, offset_dollars: float) -> LegRule:
        return LegRule(right, quantity, offset_dollars=offset_dollars, from_leg=from_leg)

    @staticmethod
    def from_spot(right: Right, quantity: int, offset_dollars: float) -> LegRule:
        return LegRule(right, quantity, offset_dollars=offset_dollars)


def check_rules(rules: tuple[LegRule, ...]) -> None:
    """Offsets may only refer to earlier legs (so strikes resolve in one pass)."""
    if not rules:
        raise DomainError("a structure needs at least one leg rule")
    for i, rule in enumerate(rules):
        if rule.from_leg is not None and not 0 <= rule.from_leg < i:
            raise DomainError(
                f"leg rule {i}: from_leg must name an earlier leg, got {rule.from_leg}"
            )


@dataclass(frozen=True, slots=True)
class BuildSpec:
    """What a proposal must look like. Defaults are the owner's: 21-45 DTE, 16-delta shorts,
    $5 wings, a credit of at least a quarter of the width.

    Wings come from ``wing_delta`` when set, else ``wing_width_dollars``.
    """

    dte_min: int = 21
    dte_max: int = 45
    preferred_dte: int | None = None
    short_delta: float = 0.16
    wing_width_dollars: float = 5.0
    wing_delta: float | None = None
    min_credit_fraction: float = 0.25
    max_debit_fraction: float = 0.5
    delta_tolerance: float = 0.05
    quantity: int = 1
    liquidity: LiquidityConfig = field(default_factory=LiquidityConfig)
    skew: SkewConfig = field(default_factory=SkewConfig)

    def __post_init__(self) -> None:
        problems = []
        if not 0 < self.dte_min <= self.dte_max:
            problems.append(f"DTE window {self.dte_min}-{self.dte_max}")
        if not 0 < self.short_delta < 0.5:
            problems.append(f"short_delta {self.short_delta} (must be in (0, 0.5))")
        if not (math.isfinite(self.wing_width_dollars) and self.wing_width_dollars > 0):
            problems.append(f"wing_width_dollars {self.wing_width_dollars}")
        if self.wing_delta is not None and not 0 < self.wing_delta < 0.5:
            problems.append(f"wing_delta {self.wing_delta} (must be in (0, 0.5))")
        if not 0 < self.min_credit_fraction < 1:
            problems.append(f"min_credit_fraction {self.min_credit_fraction}")
        if not 0 < self.max_debit_fraction < 1:
            problems.append(f"max_debit_fraction {self.max_debit_fraction}")
        if not 0 < self.delta_tolerance <= 0.5:
            problems.append(f"delta_tolerance {self.delta_tolerance}")
        if self.quantity < 1:
            problems.append(f"quantity {self.quantity}")
        if problems:
            raise DomainError("build spec: invalid " + ", ".join(problems))

    @staticmethod
    def from_config(
        entry: EntryConfig, strategies: StrategiesConfig | None = None, *, quantity: int = 1
    ) -> BuildSpec:
        """The spec the entry workflow uses: ``entry`` plus the ``strategies`` section."""
        s = strategies or StrategiesConfig()
        return BuildSpec(
            dte_min=entry.dte_min,
            dte_max=entry.dte_max,
            preferred_dte=s.preferred_dte,
            short_delta=entry.short_delta,
            wing_width_dollars=entry.wing_width_dollars,
            wing_delta=s.wing_delta,
            min_credit_fraction=entry.min_credit_fraction,
            max_debit_fraction=s.max_debit_fraction,
            delta_tolerance=s.delta_tolerance,
            quantity=quantity,
            liquidity=s.liquidity,
            skew=s.skew,
        )

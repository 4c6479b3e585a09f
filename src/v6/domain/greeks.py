"""Greeks as a small value type that adds and scales.

Units: ``delta`` and ``gamma`` per $1 of the underlying, ``theta_per_day`` in dollars per
calendar day, ``vega_per_vol_point`` in dollars per 1 volatility point (0.01). A per-share
option Greeks value scaled by ``quantity * multiplier`` gives position Greeks in the same units
(delta then reads as share-equivalents), and position Greeks add up to portfolio Greeks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Greeks:
    delta: float = 0.0
    gamma: float = 0.0
    theta_per_day: float = 0.0
    vega_per_vol_point: float = 0.0

    def __add__(self, other: Greeks) -> Greeks:
        return Greeks(
            self.delta + other.delta,
            self.gamma + other.gamma,
            self.theta_per_day + other.theta_per_day,
            self.vega_per_vol_point + other.vega_per_vol_point,
        )

    def __neg__(self) -> Greeks:
        return self.scale(-1.0)

    def __sub__(self, other: Greeks) -> Greeks:
        return self + (-other)

    def scale(self, factor: float) -> Greeks:
        """Greeks times a factor, e.g. ``quantity * multiplier`` for a position."""
        return Greeks(
            self.delta * factor,
            self.gamma * factor,
            self.theta_per_day * factor,
            self.vega_per_vol_point * factor,
        )

    def for_position(self, quantity: int, multiplier: int) -> Greeks:
        """Position Greeks of ``quantity`` contracts (signed) of ``multiplier`` shares each."""
        return self.scale(float(quantity * multiplier))

    @staticmethod
    def total(items: Iterable[Greeks]) -> Greeks:
        """Sum of many Greeks (portfolio aggregation)."""
        d = g = t = v = 0.0
        for item in items:
            d += item.delta
            g += item.gamma
            t += item.theta_per_day
            v += item.vega_per_vol_point
        return Greeks(d, g, t, v)

    def is_finite(self) -> bool:
        return all(
            math.isfinite(x)
            for x in (self.delta, self.gamma, self.theta_per_day, self.vega_per_vol_point)
        )

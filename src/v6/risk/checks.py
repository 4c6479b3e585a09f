"""One limit compared before and after a trade (``LimitCheck``), and how it reads in a journal.

A limit is the largest allowed value (absolute value for Greeks). A check is *breached* when
the value after the trade exceeds its limit and *worsens* when the trade moves the value up
(away from zero for Greeks); NaN counts as both, so unknown numbers never pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class LimitName(StrEnum):
    OPEN_STRATEGIES = "open_strategies"
    PER_UNDERLYING = "per_underlying"
    PER_STRATEGY_TYPE = "per_strategy_type"
    CONCENTRATION = "concentration"
    DELTA = "delta"
    GAMMA = "gamma"
    THETA = "theta_per_day"
    VEGA = "vega_per_vol_point"
    MAX_LOSS_PER_TRADE = "max_loss_per_trade"
    MARGIN_USE = "margin_use"
    BUYING_POWER = "buying_power"
    DAILY_LOSS = "daily_loss"


class Unit(StrEnum):
    COUNT = "count"
    GREEK = "greek"
    DOLLARS = "dollars"
    FRACTION = "fraction"


_LABELS: dict[LimitName, str] = {
    LimitName.OPEN_STRATEGIES: "open strategies",
    LimitName.PER_UNDERLYING: "per-underlying",
    LimitName.PER_STRATEGY_TYPE: "per-strategy-type",
    LimitName.CONCENTRATION: "concentration",
    LimitName.DELTA: "delta",
    LimitName.GAMMA: "gamma",
    LimitName.THETA: "theta/day",
    LimitName.VEGA: "vega/vol point",
    LimitName.MAX_LOSS_PER_TRADE: "max loss per trade",
    LimitName.MARGIN_USE: "margin use",
    LimitName.BUYING_POWER: "buying power",
    LimitName.DAILY_LOSS: "daily loss",
}

_REL_TOL = 1e-9


def _fmt(x: float, unit: Unit, signed: bool) -> str:
    if math.isnan(x):
        return "unknown"
    if math.isinf(x):
        return "unbounded"
    if unit is Unit.COUNT:
        return f"{x:.0f}"
    if unit is Unit.DOLLARS:
        return f"${x:,.0f}"
    if unit is Unit.FRACTION:
        return f"{x * 100:.1f} %"
    if signed:
        return f"{x:+,.0f}" if abs(x) >= 100 else f"{x:+.1f}"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:g}"


@dataclass(frozen=True, slots=True)
class LimitCheck:
    """One limit before and after a trade. ``subject`` names what it applies to (a group of
    underlyings, a strategy type or id); ``absolute`` compares |value| (Greek limits)."""

    name: LimitName
    before: float
    after: float
    limit: float
    unit: Unit
    subject: str = ""
    absolute: bool = False

    @property
    def breached(self) -> bool:
        v = abs(self.after) if self.absolute else self.after
        return not v <= self.limit

    @property
    def worsens(self) -> bool:
        b = abs(self.before) if self.absolute else self.before
        a = abs(self.after) if self.absolute else self.after
        if math.isnan(a) or math.isnan(b):
            return True
        if math.isinf(a):
            return not math.isinf(b)
        return a > b + _REL_TOL * max(1.0, abs(b))

    def describe(self) -> str:
        """E.g. ``delta limit: would be +312, limit 250``."""
        label = _LABELS[self.name]
        where = f" ({self.subject})" if self.subject else ""
        after = _fmt(self.after, self.unit, self.absolute)
        limit = _fmt(self.limit, self.unit, False)
        if self.name is LimitName.DAILY_LOSS:
            return f"{label} limit: loss today {after}, limit {limit}"
        if self.name is LimitName.BUYING_POWER:
            return f"{label} limit: would need {after}, available {limit}"
        if self.name is LimitName.CONCENTRATION:
            return f"{label} limit{where}: would hold {after} of risk, limit {limit}"
        if self.name is LimitName.MARGIN_USE:
            return f"{label} limit: would be {after} of net liquidation, limit {limit}"
        return f"{label} limit{where}: would be {after}, limit {limit}"

    def data(self) -> dict[str, float | str]:
        """Flat fields for the journal."""
        return {
            "limit_name": self.name.value,
            "subject": self.subject,
            "value_before": self.before,
            "value_after": self.after,
            "limit": self.limit,
        }

"""Market regimes: the vocabulary shared by the take-profit table, the regime detector, the
simulator and the variance analysis (the owner's names from the seed documents)."""

from __future__ import annotations

from enum import StrEnum


class Regime(StrEnum):
    CRASH = "crash"
    HIGH_VOL = "high_vol"
    NORMAL = "normal"
    LOW_VOL = "low_vol"
    TRENDING = "trending"
    RANGE_BOUND = "range_bound"

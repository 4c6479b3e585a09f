"""The legging planner: pure functions that order the legs of an intent, split its net price
cap over the legs, plan the unwind of a failed attempt, and check a position for naked shorts.

Why "buys first, then sells" is safe: while buys fill, the position is the start plus extra
long options; once every buy has filled, the position is the target plus long options not yet
sold. Extra longs never uncover a short, so if both the start and the target are defined-risk,
so is every intermediate position. Entries buy their wings first; exits buy back their shorts
first; an unwind is planned the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from v6.domain.contracts import OptionContract
from v6.execution.config import LeggingOrder, WalkSchedule
from v6.execution.walk import NetMarket, relative_worst


@dataclass(frozen=True, slots=True)
class LegStep:
    """One single-leg order of a plan: intent leg ``leg_index`` traded ``quantity`` (signed)."""

    leg_index: int
    contract: OptionContract
    quantity: int


Phase = tuple[LegStep, ...]


def plan_phases(
    legs: Sequence[tuple[OptionContract, int]], order: LeggingOrder
) -> tuple[Phase, ...]:
    """Phases of single-leg orders; a phase starts only when the previous one has filled."""
    steps = [LegStep(i, c, q) for i, (c, q) in enumerate(legs) if q != 0]
    buys = tuple(s for s in steps if s.quantity > 0)
    sells = tuple(s for s in steps if s.quantity < 0)
    if order is LeggingOrder.ONE_AT_A_TIME:
        return tuple((s,) for s in (*buys, *sells))
    return tuple(p for p in (buys, sells) if p)


def unwind_phases(
    filled: Mapping[int, int], legs: Sequence[tuple[OptionContract, int]]
) -> tuple[Phase, ...]:
    """Orders that take ``filled`` (signed contracts by intent leg index) back to zero: buy
    back what was sold first, then sell what was bought."""
    steps = [LegStep(i, legs[i][0], -q) for i, q in sorted(filled.items()) if q != 0]
    buys = tuple(s for s in steps if s.quantity > 0)
    sells = tuple(s for s in steps if s.quantity < 0)
    return tuple(p for p in (buys, sells) if p)


def leg_caps(
    markets: Sequence[NetMarket],
    quantities: Sequence[int],
    net_cap_total: float,
    schedule: WalkSchedule,
) -> list[float]:
    """Per-contract pay-space caps for legging, so that legs filled at or inside their caps
    never add up past ``net_cap_total`` (the intent's cap per unit x units).

    ``markets[i]`` is leg i's market per contract in pay space, ``quantities[i]`` its contract
    count. Without a binding cap each leg may walk to its schedule's worst; otherwise the excess
    is taken from each leg's walking room in proportion, and, if the mids alone already exceed
    the cap, spread evenly per contract below the mids.
    """
    sizes = [abs(q) for q in quantities]
    worst = [relative_worst(m, schedule) for m in markets]
    if net_cap_total == float("inf"):
        return [float("inf")] * len(markets)
    excess = sum(n * w for n, w in zip(sizes, worst, strict=True)) - net_cap_total
    if excess <= 0:
        return worst
    rooms = [n * (w - m.mid) for n, w, m in zip(sizes, worst, markets, strict=True)]
    total_room = sum(rooms)
    if total_room >= excess and total_room > 0:
        return [
            w - excess * (room / total_room) / n
            for w, room, n in zip(worst, rooms, sizes, strict=True)
        ]
    below_mid = (excess - total_room) / sum(sizes)
    return [m.mid - below_mid for m in markets]


def uncovered_shorts(positions: Mapping[OptionContract, int]) -> dict[str, int]:
    """Short contracts not covered by longs of the same underlying, expiry and right, by group
    (``"SPY 2026-03-20 P"``). Empty means flat or defined-risk: nothing naked."""
    longs: dict[str, int] = defaultdict(int)
    shorts: dict[str, int] = defaultdict(int)
    for contract, quantity in positions.items():
        group = f"{contract.symbol} {contract.expiry.isoformat()} {contract.right.value}"
        if quantity > 0:
            longs[group] += quantity
        elif quantity < 0:
            shorts[group] += -quantity
    return {g: n - longs[g] for g, n in shorts.items() if n > longs[g]}

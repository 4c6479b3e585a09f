"""Margin of the paper account: defined risk at its maximum loss, naked shorts at Reg-T.

The rule, applied to the whole position set (not per order), so an iron condor entered as
two verticals is charged the same as one entered as a combo:

1. Group positions by (underlying, expiry, multiplier). Other expiries never cover a short
   (calendars and diagonals are charged as if naked: conservative).
2. Within a group and right, shorts beyond the number of longs are *uncovered*: for calls the
   highest-strike shorts, for puts the lowest-strike ones (the cheapest to carry naked, so the
   longs cover the dangerous strikes). Each uncovered contract is charged Reg-T:
   ``premium + max(20% x underlying - OTM amount, 10% x (strike for puts, underlying for
   calls))`` per share, x multiplier (fractions configurable).
3. The covered rest has a bounded expiry payoff; it is charged its worst payoff loss
   ``max(0, -min_S payoff(S))``, found exactly at S = 0 and at each strike. So a credit
   vertical costs width x multiplier x quantity (its credit sits in cash), an iron condor the
   wider side's width only, a debit spread or a long option nothing (the debit left cash).
4. A group is never charged more than all its shorts carried naked (a very wide "spread"
   costs no more than the short alone), as IB takes the cheaper decomposition.

Buying power is then ``cash - requirement``: for a credit spread this is the starting cash
minus its true max loss (width - credit).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from v6.domain.contracts import OptionContract, Right

GroupKey = tuple[str, date, int]
"""(underlying symbol, expiry, multiplier): the positions that can cover each other."""

MarkFn = Callable[[OptionContract], float | None]
SpotFn = Callable[[str], float | None]


def group_key(contract: OptionContract) -> GroupKey:
    return (contract.symbol, contract.expiry, contract.multiplier)


@dataclass(frozen=True, slots=True)
class MarginModel:
    """Reg-T fractions for uncovered shorts; see the module docstring for the whole rule."""

    naked_underlying_fraction: float = 0.20
    naked_minimum_fraction: float = 0.10

    def requirement(
        self,
        quantities: Mapping[OptionContract, int],
        mark: MarkFn,
        spot: SpotFn,
        only_groups: Iterable[GroupKey] | None = None,
    ) -> float:
        """Dollars of margin for ``quantities`` (signed contracts), optionally restricted to
        some groups (a what-if only needs the groups an order touches)."""
        groups: dict[GroupKey, list[tuple[OptionContract, int]]] = defaultdict(list)
        wanted = set(only_groups) if only_groups is not None else None
        for contract, qty in quantities.items():
            key = group_key(contract)
            if qty != 0 and (wanted is None or key in wanted):
                groups[key].append((contract, qty))
        return sum(
            (self.group_requirement(members, mark, spot) for members in groups.values()), 0.0
        )

    def group_requirement(
        self, members: list[tuple[OptionContract, int]], mark: MarkFn, spot: SpotFn
    ) -> float:
        """Margin of one (underlying, expiry, multiplier) group, in dollars: the structure
        rule, capped at carrying every short naked (a far-away long must not cost more than
        no long at all)."""
        if not members:
            return 0.0
        mult = members[0][0].multiplier
        covered: list[tuple[OptionContract, int]] = []
        naked_total = 0.0
        for right in (Right.CALL, Right.PUT):
            side = [(c, q) for c, q in members if c.right is right]
            kept, naked = _split_uncovered(side, right)
            covered.extend(kept)
            for contract, count in naked:
                naked_total += count * self.naked_per_share(contract, mark, spot) * mult
        structure = naked_total + _worst_payoff_loss(tuple(covered)) * mult
        if structure <= self._naked_floor(members, spot):
            return structure  # the cap below cannot bind: skip pricing every short
        all_naked = sum(
            -q * self.naked_per_share(c, mark, spot) * mult for c, q in members if q < 0
        )
        return min(structure, all_naked)

    def _naked_floor(self, members: list[tuple[OptionContract, int]], spot: SpotFn) -> float:
        """A lower bound of carrying every short naked: each short costs at least the
        minimum fraction of its strike (puts) or of the underlying (calls), premium >= 0."""
        floor = 0.0
        for contract, qty in members:
            if qty >= 0:
                continue
            if contract.right is Right.CALL:
                underlying = spot(contract.symbol)
                base = underlying if underlying is not None and underlying > 0 else contract.strike
            else:
                base = contract.strike
            floor += -qty * self.naked_minimum_fraction * base * contract.multiplier
        return floor

    def naked_per_share(self, contract: OptionContract, mark: MarkFn, spot: SpotFn) -> float:
        """Reg-T requirement per share of one uncovered short option. Without an underlying
        price the strike stands in for it; without a mark, the intrinsic value."""
        underlying = spot(contract.symbol)
        s = underlying if underlying is not None and underlying > 0 else contract.strike
        premium = mark(contract)
        if premium is None:
            premium = contract.intrinsic(s)
        if contract.right is Right.CALL:
            otm = max(contract.strike - s, 0.0)
            floor = self.naked_minimum_fraction * s
        else:
            otm = max(s - contract.strike, 0.0)
            floor = self.naked_minimum_fraction * contract.strike
        return premium + max(self.naked_underlying_fraction * s - otm, floor)


def _split_uncovered(
    side: list[tuple[OptionContract, int]], right: Right
) -> tuple[list[tuple[OptionContract, int]], list[tuple[OptionContract, int]]]:
    """Split one right's positions into (covered positions, uncovered short counts)."""
    longs = sum(q for _, q in side if q > 0)
    shorts = -sum(q for _, q in side if q < 0)
    uncovered = max(shorts - longs, 0)
    if uncovered == 0:
        return side, []
    # Calls: strip the highest strikes first; puts: the lowest strikes first.
    short_legs = sorted(
        ((c, q) for c, q in side if q < 0),
        key=lambda cq: -cq[0].strike if right is Right.CALL else cq[0].strike,
    )
    naked: list[tuple[OptionContract, int]] = []
    reduced: dict[OptionContract, int] = {}
    for contract, qty in short_legs:
        if uncovered == 0:
            break
        take = min(-qty, uncovered)
        naked.append((contract, take))
        reduced[contract] = qty + take
        uncovered -= take
    kept = [(c, reduced.get(c, q)) for c, q in side]
    return [(c, q) for c, q in kept if q != 0], naked


@lru_cache(maxsize=8192)
def _worst_payoff_loss(positions: tuple[tuple[OptionContract, int], ...]) -> float:
    """``max(0, -min payoff)`` per share at expiry of a position set whose net calls are not
    short (so the payoff is bounded below). Payoffs are piecewise linear with kinks at strikes,
    so the minimum over S >= 0 is at S = 0 or at a strike (evaluated as one array product:
    a book of hundreds of legs in one expiry stays well under a millisecond). Cached: a held
    book is re-margined on every account poll and order check with the same positions)."""
    if not positions:
        return 0.0
    strikes = np.fromiter((c.strike for c, _ in positions), dtype=np.float64)
    qty = np.fromiter((q for _, q in positions), dtype=np.float64)
    calls = np.fromiter((c.right is Right.CALL for c, _ in positions), dtype=bool)
    points = np.unique(np.concatenate(([0.0], strikes)))[:, None]
    intrinsic = np.where(calls, points - strikes, strikes - points).clip(min=0.0)
    worst = float((intrinsic @ qty).min())
    return max(-worst, 0.0)

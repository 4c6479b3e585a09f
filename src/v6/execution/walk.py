"""The price walk as pure functions: the net market of a set of legs, and the limit to use at a
given step of a schedule. No clock, no broker: the state machine asks, these answer.

Prices here live in *pay space*: dollars per share of one unit that we pay (positive, a debit)
or receive (negative, a credit): exactly IB's limit on a BUY combo. A buyer is more aggressive
the higher the number, so "toward the natural" is always "up" and every bound is a cap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from v6.domain.quote import Quote
from v6.execution.config import WalkSchedule

_TICK_EPSILON = 1e-7
"""Slack when flooring to the tick, so 1.30 computed as 1.2999999 stays 1.30."""


@dataclass(frozen=True, slots=True)
class NetMarket:
    """Combined bid/ask of legs per unit, in pay space (``bid <= ask``)."""

    bid: float
    ask: float

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2.0

    @property
    def natural(self) -> float:
        """What taking the other side costs now: the combined ask."""
        return self.ask

    @property
    def half_spread(self) -> float:
        return (self.ask - self.bid) / 2.0


def net_market(legs: Iterable[tuple[Quote, int]]) -> NetMarket:
    """Net market of ``(quote, signed ratio)`` legs: a bought leg (+) costs its ask and is worth
    its bid, a sold leg (-) pays its bid and costs its ask back."""
    bid = 0.0
    ask = 0.0
    for quote, ratio in legs:
        if ratio > 0:
            bid += ratio * quote.bid
            ask += ratio * quote.ask
        else:
            bid += ratio * quote.ask
            ask += ratio * quote.bid
    return NetMarket(bid=bid, ask=ask)


def floor_to_tick(price: float, tick: float) -> float:
    """Round down to the tick grid: in pay space, down is always the less aggressive side."""
    return round(math.floor(price / tick + _TICK_EPSILON) * tick, 10)


def relative_worst(market: NetMarket, schedule: WalkSchedule) -> float:
    """The farthest the schedule may go in this market."""
    return market.mid + schedule.worst_fraction * market.half_spread + schedule.slippage_per_unit


def step_target(market: NetMarket, step: int, schedule: WalkSchedule) -> float:
    """Where step ``step`` aims before the bounds are applied."""
    fraction = schedule.start_fraction + step * schedule.step_fraction
    return market.mid + fraction * market.half_spread


def walk_limit(
    market: NetMarket,
    step: int,
    schedule: WalkSchedule,
    tick: float,
    *,
    cap: float = math.inf,
    previous: float | None = None,
) -> float:
    """The pay-space limit for ``step`` (0 = the first price).

    Aim at ``step_target``; never go back below ``previous`` (a re-price never widens the gap
    to the market, thetagang's rule) unless the market has moved so far our way that
    ``previous`` is past today's worst; never past ``relative_worst`` nor ``cap`` (the intent's
    own limit, the minimum credit of an entry); round down to the tick. So the result is
    always ``<= cap`` and ``<= relative_worst`` of the market it was computed on.
    """
    target = step_target(market, step, schedule)
    if previous is not None:
        target = max(target, previous)
    return floor_to_tick(min(target, relative_worst(market, schedule), cap), tick)


def entry_cap(
    intent_limit: float | None, decision_mid: float, *, is_entry: bool, min_credit: float
) -> float:
    """The absolute pay-space cap of an intent: its own limit, and for an entry that is a credit
    (a negative limit, or a credit market at decision time) the minimum credit as well."""
    cap = math.inf if intent_limit is None else intent_limit
    is_credit = (intent_limit is not None and intent_limit < 0) or decision_mid < 0
    if is_entry and is_credit:
        cap = min(cap, -min_credit)
    return cap

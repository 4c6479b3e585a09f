"""Strategy lifecycle on confirmed fills: pure functions from a strategy and the contracts an
intent actually traded to the strategy's next state (pending -> open, open -> closing ->
closed / rolled / open with fewer legs). Nothing here moves on an order that did not fill.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from v6.domain.contracts import OptionContract
from v6.domain.legs import OptionLeg
from v6.domain.orders import Fill, IntentKind
from v6.domain.strategy import Strategy, StrategyStatus, StrategyType
from v6.errors import DomainError


def average_prices(fills: Iterable[Fill]) -> dict[OptionContract, float]:
    """Per-share average price of the fills of each contract, in the direction of its net."""
    qty: dict[OptionContract, int] = {}
    value: dict[OptionContract, float] = {}
    net: dict[OptionContract, int] = {}
    fills = list(fills)
    for f in fills:
        net[f.contract] = net.get(f.contract, 0) + f.signed_quantity
    for f in fills:
        if (f.signed_quantity > 0) == (net[f.contract] > 0):
            qty[f.contract] = qty.get(f.contract, 0) + f.quantity
            value[f.contract] = value.get(f.contract, 0.0) + f.quantity * f.price
    return {c: value[c] / qty[c] for c in qty if qty[c] > 0}


def _with_legs(strategy: Strategy, legs: tuple[OptionLeg, ...]) -> Strategy:
    """The strategy with new legs; a shape that no longer fits its type becomes CUSTOM."""
    try:
        return replace(strategy, legs=legs)
    except DomainError:
        return replace(
            strategy,
            legs=legs,
            strategy_type=StrategyType.CUSTOM,
            metadata={**strategy.metadata, "was_type": strategy.strategy_type.value},
        )


def opened(
    pending: Strategy,
    net: Mapping[OptionContract, int],
    prices: Mapping[OptionContract, float],
    at: datetime,
) -> Strategy:
    """A pending strategy after its entry: legs as filled (quantity and price); CANCELLED if
    nothing of it filled."""
    legs = tuple(
        OptionLeg(leg.contract, net[leg.contract], prices.get(leg.contract, leg.open_price))
        for leg in pending.legs
        if net.get(leg.contract, 0) != 0
    )
    if not legs:
        return pending.with_status(StrategyStatus.CANCELLED, at=at)
    return _with_legs(pending, legs).with_status(StrategyStatus.OPEN, at=at)


def remaining(
    strategy: Strategy, net: Mapping[OptionContract, int], at: datetime, *, rolled: bool = False
) -> Strategy:
    """An open strategy after an exit traded ``net``: the legs left, OPEN; or CLOSED (ROLLED
    for a roll) when nothing is left."""
    legs = tuple(
        OptionLeg(leg.contract, leg.quantity + net.get(leg.contract, 0), leg.open_price)
        for leg in strategy.legs
        if leg.quantity + net.get(leg.contract, 0) != 0
    )
    if not legs:
        end = StrategyStatus.ROLLED if rolled else StrategyStatus.CLOSED
        return strategy.with_status(end, at=at)
    if legs == strategy.legs:
        return strategy.with_status(StrategyStatus.OPEN, at=at)
    return _with_legs(strategy, legs).with_status(StrategyStatus.OPEN, at=at)


LAST_INTENT = "last_intent_id"
"""Strategy metadata key: the intent whose fills the strategy's state already includes, so
applying the same intent again (reconciliation after a lost write) changes nothing."""


def settle(
    kind: IntentKind,
    strategy: Strategy | None,
    successor: Strategy | None,
    net: Mapping[OptionContract, int],
    prices: Mapping[OptionContract, float],
    at: datetime,
    *,
    intent_id: str,
) -> list[Strategy]:
    """Every strategy an ended intent changed, in their new state (unchanged ones left out).
    Idempotent per intent: a strategy already carrying ``intent_id`` is left alone, and an
    entry only ever moves a PENDING strategy."""
    out: list[Strategy] = []
    if strategy is not None and strategy.metadata.get(LAST_INTENT) != intent_id:
        own = {leg.contract for leg in strategy.legs}
        mine = {c: q for c, q in net.items() if c in own}
        if strategy.status is StrategyStatus.PENDING:
            out.append(opened(strategy, mine, prices, at))
        elif strategy.is_active and kind not in (IntentKind.OPEN, IntentKind.HEDGE):
            updated = remaining(strategy, mine, at, rolled=kind is IntentKind.ROLL)
            if updated != strategy or updated.status is not strategy.status:
                out.append(updated)
    if successor is not None and successor.status is StrategyStatus.PENDING:
        new = {leg.contract for leg in successor.legs}
        out.append(opened(successor, {c: q for c, q in net.items() if c in new}, prices, at))
    return [s.with_metadata(**{LAST_INTENT: intent_id}) for s in out]


def closing(strategy: Strategy, at: datetime) -> Strategy | None:
    """OPEN -> CLOSING on the first confirmed fill of an exit; None if already past that."""
    if strategy.status is StrategyStatus.OPEN:
        return strategy.with_status(StrategyStatus.CLOSING, at=at)
    return None

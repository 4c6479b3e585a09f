"""What one intent does to one strategy: its legs and max loss after the trade.

The gate judges the portfolio as it would be after the trade, so it needs the affected
strategy's new legs and its new max loss (the defined-risk margin). Kept legs keep their open
prices; added quantity is priced at the intent's net limit when every leg adds (an opening
order: the limit is the worst acceptable price, so the max loss is an upper bound), else at the
legs' marks; with neither, the premium is unknown and the max loss is bounded by the payoff's
whole range (width for spreads), never guessed low.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce

from v6.domain.contracts import OptionContract
from v6.domain.legs import OptionLeg
from v6.domain.orders import Intent, IntentKind
from v6.domain.strategy import Strategy, StrategyType
from v6.errors import DomainError

STRATEGY_TYPE_KEY = "strategy_type"
"""Intent metadata key naming the structure an OPEN intent builds (else it is inferred)."""

SignedLegs = tuple[tuple[OptionContract, int], ...]


@dataclass(frozen=True, slots=True)
class TradeEffect:
    """The affected strategy before and after one intent."""

    strategy_id: str
    symbol: str
    strategy_type: StrategyType
    is_new: bool
    legs_after: SignedLegs
    changes: SignedLegs
    """The intent's legs merged by contract: (contract, signed quantity traded)."""
    max_loss_before: float
    max_loss_after: float
    premium_known: bool
    pro_rata_unwind: bool
    """A CLOSE/REDUCE that takes the same fraction off every leg of a held strategy."""

    @property
    def closes_all(self) -> bool:
        return not self.legs_after


def payoff_max_loss(legs: Sequence[tuple[OptionContract, int]], entry_cash: float | None) -> float:
    """Worst expiry loss (dollars, >= 0) of signed ``legs`` opened for ``entry_cash`` (> 0 a
    credit). ``inf`` if unbounded or the legs have several expiries. ``entry_cash=None``: the
    premium is unknown and the payoff's range (max - min) bounds the loss."""
    if not legs:
        return 0.0
    if len({c.expiry for c, _ in legs}) > 1:
        return math.inf
    kinks = [0.0, *sorted({c.strike for c, _ in legs})]
    values = [sum(q * c.multiplier * c.intrinsic(x) for c, q in legs) for x in kinks]
    slope = sum(q * c.multiplier for c, q in legs if c.is_call)
    if slope < 0:
        return math.inf
    if entry_cash is None:
        return math.inf if slope > 0 else max(values) - min(values)
    return max(0.0, -(min(values) + entry_cash))


def infer_strategy_type(legs: Sequence[tuple[OptionContract, int]]) -> StrategyType:
    """The named structure these legs form, else CUSTOM."""
    candidates: tuple[StrategyType, ...]
    if len(legs) == 4:
        candidates = (StrategyType.IRON_CONDOR,)
    elif len(legs) == 2:
        candidates = (
            StrategyType.BULL_PUT,
            StrategyType.BEAR_CALL,
            StrategyType.BULL_CALL,
            StrategyType.BEAR_PUT,
        )
    else:
        return StrategyType.CUSTOM
    option_legs = tuple(OptionLeg(c, q) for c, q in legs)
    for t in candidates:
        try:
            Strategy("probe", t, option_legs)
        except DomainError:
            continue
        return t
    return StrategyType.CUSTOM


def merged_changes(intent: Intent) -> SignedLegs:
    out: dict[OptionContract, int] = {}
    for leg in intent.legs:
        out[leg.contract] = out.get(leg.contract, 0) + leg.quantity
    return tuple((c, q) for c, q in out.items() if q != 0)


def is_pro_rata_unwind(strategy: Strategy, changes: SignedLegs, kind: IntentKind) -> bool:
    """True when a CLOSE/REDUCE takes the same fraction (0, 1] off every leg of ``strategy``."""
    if kind not in (IntentKind.CLOSE, IntentKind.REDUCE) or len(changes) != len(strategy.legs):
        return False
    held = {leg.contract: leg.quantity for leg in strategy.legs}
    first_c, first_dq = changes[0]
    q0 = held.get(first_c)
    if q0 is None:
        return False
    for c, dq in changes:
        q = held.get(c)
        if q is None or dq * q >= 0 or abs(dq) > abs(q) or dq * q0 != first_dq * q:
            return False
    return True


def _declared_type(intent: Intent) -> StrategyType | None:
    raw = intent.metadata.get(STRATEGY_TYPE_KEY)
    if isinstance(raw, str) and raw in StrategyType.__members__.values():
        return StrategyType(raw)
    return None


def trade_effect(
    strategy: Strategy | None,
    strategy_max_loss: float,
    intent: Intent,
    mark_of: Callable[[str], float | None],
) -> TradeEffect:
    """Apply ``intent`` to ``strategy`` (None: it opens a new one). ``mark_of(key)`` is a
    contract's per-share mid (None if unknown), used to price added legs when the intent's
    limit cannot be."""
    changes = merged_changes(intent)
    held: dict[OptionContract, tuple[int, float]] = (
        {leg.contract: (leg.quantity, leg.open_price) for leg in strategy.legs}
        if strategy is not None
        else {}
    )
    after: dict[OptionContract, int] = {c: q for c, (q, _) in held.items()}
    added: list[tuple[OptionContract, int]] = []
    for c, dq in changes:
        q0 = held[c][0] if c in held else 0
        q1 = q0 + dq
        after[c] = q1
        if q0 == 0 or (q1 != 0 and (q1 > 0) != (q0 > 0)):
            added.append((c, q1))  # new, or flipped through zero: all of q1 is new
        elif abs(q1) > abs(q0):
            added.append((c, dq))  # increased: the extra is new
    kept_cash = 0.0
    for c, (q0, price) in held.items():
        q1 = after[c]
        same_side = q1 != 0 and (q1 > 0) == (q0 > 0)
        kept = (q1 if abs(q1) <= abs(q0) else q0) if same_side else 0
        kept_cash += -kept * price * c.multiplier
    added_cash = _added_cash(intent, changes, added, mark_of)
    legs_after = tuple((c, q) for c, q in after.items() if q != 0)
    entry_after = None if added_cash is None else kept_cash + added_cash
    symbol = strategy.symbol if strategy is not None else changes[0][0].symbol if changes else ""
    if strategy is not None:
        stype = strategy.strategy_type
    else:
        stype = _declared_type(intent) or infer_strategy_type(legs_after)
    return TradeEffect(
        strategy_id=intent.strategy_id,
        symbol=symbol,
        strategy_type=stype,
        is_new=strategy is None,
        legs_after=legs_after,
        changes=changes,
        max_loss_before=strategy_max_loss if strategy is not None else 0.0,
        max_loss_after=payoff_max_loss(legs_after, entry_after),
        premium_known=added_cash is not None,
        pro_rata_unwind=strategy is not None and is_pro_rata_unwind(strategy, changes, intent.kind),
    )


def _added_cash(
    intent: Intent,
    changes: SignedLegs,
    added: list[tuple[OptionContract, int]],
    mark_of: Callable[[str], float | None],
) -> float | None:
    """Entry cash (> 0 credit) of the added quantity, or None if it cannot be priced."""
    if not added:
        return 0.0
    all_adding = len(added) == len(changes) and all(
        a == dq for (_, a), (_, dq) in zip(added, changes, strict=True)
    )
    if all_adding and intent.limit_price is not None:
        units = reduce(math.gcd, (abs(q) for _, q in changes))
        return -intent.limit_price * units * changes[0][0].multiplier
    total = 0.0
    for c, q in added:
        m = mark_of(c.key)
        if m is None or not math.isfinite(m):
            return None
        total += -q * m * c.multiplier
    return total

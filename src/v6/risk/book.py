"""The leg book: every leg of the open strategies as flat NumPy columns, grouped by underlying.

Built once per set of strategies and reused while the set is unchanged (checked by identity,
O(n) pointer compares), so a monitoring cycle only prices; per-strategy facts (max loss) are
computed once per strategy (cached by strategy id). Legs are ordered by underlying, so per-symbol
sums are contiguous ``np.add.reduceat`` slices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from v6.domain.strategy import Strategy, StrategyType
from v6.risk.market import ExpiryClock
from v6.risk.trade import payoff_max_loss

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


def strategy_entry_cash(strategy: Strategy) -> float:
    """Net premium in dollars (> 0 a credit), in floats (the domain's exact value is Decimal)."""
    return sum(-leg.quantity * leg.open_price * leg.contract.multiplier for leg in strategy.legs)


def strategy_max_loss(strategy: Strategy) -> float:
    """Defined-risk margin of a strategy: its expiry max loss in dollars, at least 0; ``inf``
    when unbounded or undefined (legs with different expiries). The same float arithmetic as
    the gate's after-trade max loss, so "before" and "after" compare like for like."""
    legs = tuple((leg.contract, leg.quantity) for leg in strategy.legs)
    return payoff_max_loss(legs, strategy_entry_cash(strategy))


@dataclass(frozen=True, slots=True)
class StrategyFacts:
    """What never changes for one strategy."""

    strategy: Strategy
    max_loss: float
    entry_cash: float


A = TypeVar("A", bound=NDArray[Any])


def _frozen(a: A) -> A:
    a.setflags(write=False)
    return a


class LegBook:
    """Flat columns over the legs of ``strategies`` (only the ones passed: callers pass the
    active ones). Strategy rows and leg rows are both sorted by underlying."""

    __slots__ = (
        "entry_cash",
        "expiry_epoch",
        "facts",
        "index",
        "is_call",
        "key_index",
        "keys",
        "leg_strategy",
        "leg_symbol",
        "leg_unique",
        "max_loss",
        "open_price",
        "strategies",
        "strategy_expiry_epoch",
        "strategy_expiry_ordinal",
        "strategy_starts",
        "strategy_symbol",
        "strike",
        "symbol_index",
        "symbol_leg_starts",
        "symbols",
        "types",
        "unique_first_leg",
        "unique_symbol",
        "units",
        "weight",
    )

    def __init__(self, facts: Sequence[StrategyFacts], clock: ExpiryClock) -> None:
        ordered = sorted(facts, key=lambda f: f.strategy.symbol)
        self.facts: tuple[StrategyFacts, ...] = tuple(ordered)
        self.strategies: tuple[Strategy, ...] = tuple(f.strategy for f in ordered)
        self.index: dict[str, int] = {s.strategy_id: i for i, s in enumerate(self.strategies)}
        self.symbols: tuple[str, ...] = tuple(sorted({s.symbol for s in self.strategies}))
        self.symbol_index: dict[str, int] = {s: i for i, s in enumerate(self.symbols)}
        self.types: tuple[StrategyType, ...] = tuple(s.strategy_type for s in self.strategies)
        n_legs = sum(len(s.legs) for s in self.strategies)
        strike = np.empty(n_legs)
        is_call = np.empty(n_legs, dtype=np.bool_)
        weight = np.empty(n_legs)
        open_price = np.empty(n_legs)
        expiry = np.empty(n_legs)
        leg_strategy = np.empty(n_legs, dtype=np.intp)
        leg_unique = np.empty(n_legs, dtype=np.intp)
        starts = np.empty(len(self.strategies), dtype=np.intp)
        keys: list[str] = []
        key_index: dict[str, int] = {}
        i = 0
        for k, s in enumerate(self.strategies):
            starts[k] = i
            for leg in s.legs:
                c = leg.contract
                strike[i] = c.strike
                is_call[i] = c.is_call
                weight[i] = leg.quantity * c.multiplier
                open_price[i] = leg.open_price
                expiry[i] = clock.close_epoch(c.expiry)
                leg_strategy[i] = k
                keys.append(c.key)
                leg_unique[i] = key_index.setdefault(c.key, len(key_index))
                i += 1
        strategy_symbol = np.fromiter(
            (self.symbol_index[s.symbol] for s in self.strategies), np.intp, len(self.strategies)
        )
        self.keys: tuple[str, ...] = tuple(keys)
        # distinct contracts (a contract held by several strategies is priced once); numbered
        # in order of first appearance, so they are sorted by underlying like the legs
        first_leg = np.unique(leg_unique, return_index=True)[1].astype(np.intp)
        self.key_index: dict[str, int] = {k: int(first_leg[u]) for k, u in key_index.items()}
        self.leg_unique = _frozen(leg_unique)
        self.unique_first_leg = _frozen(first_leg)
        self.strike = _frozen(strike)
        self.is_call = _frozen(is_call)
        self.weight = _frozen(weight)
        self.open_price = _frozen(open_price)
        self.expiry_epoch = _frozen(expiry)
        self.leg_strategy = _frozen(leg_strategy)
        self.strategy_starts = _frozen(starts)
        self.strategy_symbol = _frozen(strategy_symbol)
        self.leg_symbol = _frozen(strategy_symbol[leg_strategy])
        self.unique_symbol = _frozen(self.leg_symbol[first_leg])
        # first leg row of each symbol (legs are sorted by symbol, so this slices them)
        first = np.searchsorted(self.leg_symbol, np.arange(len(self.symbols)))
        self.symbol_leg_starts = _frozen(first.astype(np.intp))
        self.units = _frozen(np.fromiter((s.units for s in self.strategies), np.int64))
        self.max_loss = _frozen(np.fromiter((f.max_loss for f in ordered), np.float64))
        self.entry_cash = _frozen(np.fromiter((f.entry_cash for f in ordered), np.float64))
        nearest = np.minimum.reduceat(expiry, starts) if n_legs else np.empty(0, dtype=np.float64)
        self.strategy_expiry_epoch = _frozen(nearest)
        self.strategy_expiry_ordinal = _frozen(
            np.fromiter((s.expiry.toordinal() for s in self.strategies), np.int64)
        )

    @property
    def n_strategies(self) -> int:
        return len(self.strategies)

    @property
    def n_legs(self) -> int:
        return len(self.keys)

    @property
    def n_contracts(self) -> int:
        """Distinct contracts."""
        return len(self.unique_first_leg)

    def net_weight(self) -> FloatArray:
        """Net position (contracts x multiplier, signed) per distinct contract."""
        out: FloatArray = np.bincount(
            self.leg_unique, weights=self.weight, minlength=self.n_contracts
        ).astype(np.float64)
        return out

    def per_strategy(self, leg_values: FloatArray) -> FloatArray:
        """Sum leg values (last axis) into strategy rows (``reduceat`` over contiguous legs)."""
        if self.n_strategies == 0:
            return np.zeros((*leg_values.shape[:-1], 0))
        return np.add.reduceat(leg_values, self.strategy_starts, axis=-1)

    def per_symbol(self, leg_values: FloatArray) -> FloatArray:
        """Sum leg values (last axis) into underlying rows."""
        if not self.symbols:
            return np.zeros((*leg_values.shape[:-1], 0))
        return np.add.reduceat(leg_values, self.symbol_leg_starts, axis=-1)

    def per_symbol_strategies(self, strategy_values: FloatArray) -> FloatArray:
        """Sum strategy values into underlying rows."""
        out = np.zeros(len(self.symbols))
        np.add.at(out, self.strategy_symbol, strategy_values)
        return out


class BookBuilder:
    """Builds ``LegBook``s, reusing the last one while the strategies are the same objects."""

    __slots__ = ("_clock", "_facts", "_last", "_last_input")

    def __init__(self, clock: ExpiryClock | None = None) -> None:
        self._clock = clock or ExpiryClock()
        self._facts: dict[str, StrategyFacts] = {}
        self._last: LegBook | None = None
        self._last_input: tuple[Strategy, ...] = ()

    @property
    def clock(self) -> ExpiryClock:
        return self._clock

    def facts(self, strategy: Strategy) -> StrategyFacts:
        cached = self._facts.get(strategy.strategy_id)
        if cached is not None and (cached.strategy is strategy or cached.strategy == strategy):
            return cached
        made = StrategyFacts(strategy, strategy_max_loss(strategy), strategy_entry_cash(strategy))
        self._facts[strategy.strategy_id] = made
        return made

    def build(self, strategies: Sequence[Strategy]) -> LegBook:
        last = self._last
        if (
            last is not None
            and len(strategies) == len(self._last_input)
            and all(a is b for a, b in zip(strategies, self._last_input, strict=True))
        ):
            return last
        facts = [self.facts(s) for s in strategies]
        live = {s.strategy_id for s in strategies}
        if len(self._facts) > 2 * len(live) + 64:  # forget closed strategies now and then
            self._facts = {k: v for k, v in self._facts.items() if k in live}
        book = LegBook(facts, self._clock)
        self._last, self._last_input = book, tuple(strategies)
        return book

"""Strategy builders: ``IronCondorBuilder`` and ``VerticalSpreadBuilder`` describe their
structure as ``LegRule``s, ``CustomStrategyBuilder`` takes any rules; all of them are pure
functions from a ``ChainSnapshot`` to a ``Proposal`` or a ``Rejection`` through the one
interpreter in ``v6.strategies.structure``.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from v6.domain.contracts import Right
from v6.domain.strategy import StrategyType
from v6.errors import DomainError
from v6.strategies.chain import ChainSnapshot, ExpiryChain
from v6.strategies.results import BuildResult
from v6.strategies.rules import BuildSpec, LegRule, check_rules
from v6.strategies.strikes import SkewReading, SmartStrikeSelector
from v6.strategies.structure import DEBIT_TYPES, VERTICAL_TYPES, build_structure


class Builder(Protocol):
    """Anything that proposes one structure from a chain snapshot."""

    @property
    def strategy_type(self) -> StrategyType: ...

    def build(
        self,
        chain: ChainSnapshot,
        *,
        expiry: ExpiryChain | None = None,
        skew: SkewReading | None = None,
        strategy_id: str | None = None,
        atm_iv: float | None = None,
    ) -> BuildResult: ...


class _RuleBuilder:
    """Shared plumbing: a spec, a strike selector and ``build`` over ``rules()``."""

    __slots__ = ("selector", "spec")

    def __init__(
        self, spec: BuildSpec | None = None, selector: SmartStrikeSelector | None = None
    ) -> None:
        self.spec = spec or BuildSpec()
        self.selector = selector or SmartStrikeSelector(self.spec.skew)

    @property
    def strategy_type(self) -> StrategyType:
        raise NotImplementedError

    def rules(self) -> tuple[LegRule, ...]:
        raise NotImplementedError

    def build(
        self,
        chain: ChainSnapshot,
        *,
        expiry: ExpiryChain | None = None,
        skew: SkewReading | None = None,
        strategy_id: str | None = None,
        atm_iv: float | None = None,
    ) -> BuildResult:
        """A proposal on ``chain`` (on ``expiry`` if given; with a precomputed ``skew``
        reading and ATM IV if given, as the selector does once per underlying)."""
        return build_structure(
            chain,
            self.strategy_type,
            self.rules(),
            self.spec,
            self.selector,
            expiry=expiry,
            skew=skew,
            strategy_id=strategy_id,
            atm_iv=atm_iv,
        )


class IronCondorBuilder(_RuleBuilder):
    """Short put and short call at the (skew-adjusted) short delta, long wings a fixed dollar
    width further out, or at ``wing_delta`` when the spec sets one."""

    __slots__ = ()
    TYPE: ClassVar[StrategyType] = StrategyType.IRON_CONDOR

    @property
    def strategy_type(self) -> StrategyType:
        return self.TYPE

    def rules(self) -> tuple[LegRule, ...]:
        d, s = self.spec.short_delta, self.spec
        if s.wing_delta is None:
            w = s.wing_width_dollars
            return (
                LegRule.by_delta(Right.PUT, -1, d),
                LegRule.wing(Right.PUT, 1, 0, -w),
                LegRule.by_delta(Right.CALL, -1, d),
                LegRule.wing(Right.CALL, 1, 2, w),
            )
        return (
            LegRule.by_delta(Right.PUT, -1, d),
            LegRule.by_delta(Right.PUT, 1, s.wing_delta),
            LegRule.by_delta(Right.CALL, -1, d),
            LegRule.by_delta(Right.CALL, 1, s.wing_delta),
        )


class VerticalSpreadBuilder(_RuleBuilder):
    """Two legs of one right: the short leg at the (skew-adjusted) short delta, the long leg
    ``wing_width_dollars`` away: further out for credit spreads (bull put, bear call), nearer
    the money for debit spreads (bull call, bear put). ``wing_delta`` applies to credit
    spreads only (a debit spread's long leg is nearer the money than its short leg)."""

    __slots__ = ("_type",)

    def __init__(
        self,
        strategy_type: StrategyType,
        spec: BuildSpec | None = None,
        selector: SmartStrikeSelector | None = None,
    ) -> None:
        if strategy_type not in VERTICAL_TYPES:
            raise DomainError(f"vertical spread builder: {strategy_type} is not a vertical")
        super().__init__(spec, selector)
        self._type = strategy_type

    @property
    def strategy_type(self) -> StrategyType:
        return self._type

    def rules(self) -> tuple[LegRule, ...]:
        t, s = self._type, self.spec
        right = Right.PUT if t in (StrategyType.BULL_PUT, StrategyType.BEAR_PUT) else Right.CALL
        short = LegRule.by_delta(right, -1, s.short_delta)
        if t not in DEBIT_TYPES and s.wing_delta is not None:
            return (short, LegRule.by_delta(right, 1, s.wing_delta))
        # Credit: long leg further out of the money; debit: nearer the money.
        further_out = -1.0 if right is Right.PUT else 1.0
        sign = further_out if t not in DEBIT_TYPES else -further_out
        return (short, LegRule.wing(right, 1, 0, sign * s.wing_width_dollars))


class CustomStrategyBuilder(_RuleBuilder):
    """Any defined-risk, single-expiry combination of legs given by rules (delta, offset from
    spot, width from another leg); structures with unbounded loss are rejected."""

    __slots__ = ("_rules", "_type")

    def __init__(
        self,
        rules: tuple[LegRule, ...],
        spec: BuildSpec | None = None,
        selector: SmartStrikeSelector | None = None,
        *,
        strategy_type: StrategyType = StrategyType.CUSTOM,
    ) -> None:
        check_rules(rules)
        super().__init__(spec, selector)
        self._rules = rules
        self._type = strategy_type

    @property
    def strategy_type(self) -> StrategyType:
        return self._type

    def rules(self) -> tuple[LegRule, ...]:
        return self._rules


def builder_for(
    strategy_type: StrategyType,
    spec: BuildSpec | None = None,
    selector: SmartStrikeSelector | None = None,
) -> IronCondorBuilder | VerticalSpreadBuilder:
    """The standard builder of a strategy type (custom types need ``CustomStrategyBuilder``)."""
    if strategy_type is StrategyType.IRON_CONDOR:
        return IronCondorBuilder(spec, selector)
    return VerticalSpreadBuilder(strategy_type, spec, selector)

"""The one interpreter behind every builder: resolve ``LegRule``s to listed strikes on a
``ChainSnapshot``, check quotes, liquidity, risk shape and price, and return a ``Proposal``
or a ``Rejection`` naming the first check that failed (pure: no port, no clock).

Legs open at mid (the expected fill); the minimum credit is checked at mid and handed on as
the execution engine's floor (``Proposal.min_credit``), so walking the price toward natural
can never go below it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from v6.domain.contracts import Right
from v6.domain.legs import OptionLeg
from v6.domain.strategy import (
    MetadataValue,
    Strategy,
    StrategyStatus,
    StrategyType,
    is_credit_type,
)
from v6.errors import DomainError
from v6.strategies.chain import ChainSnapshot, ExpiryChain, QuoteStatus, choose_expiry
from v6.strategies.metrics import expiry_atm_iv, probability_of_profit
from v6.strategies.results import BuildResult, Proposal, Rejection, RejectReason
from v6.strategies.rules import BuildSpec, LegRule, check_rules
from v6.strategies.strikes import (
    SkewReading,
    SmartStrikeSelector,
    nearest_strike_index,
    offset_strike_index,
)

DEBIT_TYPES = frozenset({StrategyType.BULL_CALL, StrategyType.BEAR_PUT})
VERTICAL_TYPES = frozenset(
    {StrategyType.BULL_PUT, StrategyType.BEAR_CALL, StrategyType.BULL_CALL, StrategyType.BEAR_PUT}
)
WING_MISS_FRACTION = 0.5
"""A wing whose listed width differs from the requested one by more than this fraction of
it is refused (on a $5 grid a $7 request gets the $5 wing; a $50 request never a $15 one)."""
_SPREAD_EPS = 1e-9  # 1.25 - 1.15 is 0.10000000000000009 in floats: not wider than $0.10


@dataclass(frozen=True, slots=True)
class _Leg:
    rule: LegRule
    index: int
    target: float | None  # |delta| target after the skew adjustment (delta legs only)


class _Reject(Exception):
    """Internal early exit carrying the rejection (never escapes ``build_structure``)."""

    def __init__(self, reason: RejectReason, detail: str, **values: float) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.values = values


def build_structure(
    chain: ChainSnapshot,
    strategy_type: StrategyType,
    rules: tuple[LegRule, ...],
    spec: BuildSpec,
    selector: SmartStrikeSelector,
    *,
    expiry: ExpiryChain | None = None,
    skew: SkewReading | None = None,
    strategy_id: str | None = None,
    atm_iv: float | None = None,
) -> BuildResult:
    """Resolve ``rules`` on ``chain`` (on ``expiry``, else the one ``spec`` prefers) and
    return a priced ``Proposal``, or a ``Rejection`` naming the first check that failed.

    ``skew`` and ``atm_iv`` of the expiry may be passed in when already measured (the
    selector measures them once for all its candidates)."""
    check_rules(rules)
    ex = expiry or choose_expiry(chain, spec.dte_min, spec.dte_max, spec.preferred_dte)
    if ex is None:
        return Rejection(
            strategy_type,
            chain.symbol,
            RejectReason.NO_EXPIRY_IN_WINDOW,
            f"no expiry with {spec.dte_min}-{spec.dte_max} DTE among {len(chain.expiries)} listed",
            {"dte_min": float(spec.dte_min), "dte_max": float(spec.dte_max)},
        )
    reading = skew if skew is not None else selector.skew(ex)
    try:
        return _build(chain, ex, strategy_type, rules, spec, selector, reading, strategy_id, atm_iv)
    except _Reject as r:
        return Rejection(strategy_type, chain.symbol, r.reason, r.detail, r.values, ex.expiry)


def _build(
    chain: ChainSnapshot,
    ex: ExpiryChain,
    strategy_type: StrategyType,
    rules: tuple[LegRule, ...],
    spec: BuildSpec,
    selector: SmartStrikeSelector,
    reading: SkewReading,
    strategy_id: str | None,
    atm_iv: float | None,
) -> Proposal:
    legs = _resolve(chain, ex, rules, spec, selector, reading)
    for leg in legs:
        _check_quote(chain, ex, leg, spec)
    option_legs = tuple(
        OptionLeg(
            ex.contract(chain.symbol, leg.index, leg.rule.right, chain.multiplier),
            leg.rule.quantity * spec.quantity,
            ex.side(leg.rule.right).mid(leg.index),
        )
        for leg in legs
    )
    natural = sum(_natural_cash(ex, leg) for leg in legs) / _units(rules)
    sid = strategy_id or _default_id(chain, strategy_type, option_legs)
    try:
        strategy = Strategy(sid, strategy_type, option_legs, StrategyStatus.PENDING)
    except DomainError as exc:
        raise _Reject(RejectReason.INVALID_STRUCTURE, str(exc)) from exc
    for right in (Right.PUT, Right.CALL):
        # Net short calls lose without bound; net short puts until the underlying reaches 0
        # (bounded, but not defined risk). Checked on quantities, before any payoff math.
        net = sum(leg.quantity for leg in option_legs if leg.contract.right is right)
        if net < 0:
            raise _Reject(
                RejectReason.UNDEFINED_RISK,
                f"not defined risk: {-net} more short than long {right.name.lower()}s",
                net_short=float(-net),
            )
    credit = strategy.credit_per_unit
    width = strategy.width
    min_credit, max_debit = _check_price(strategy_type, credit, natural, width, spec)
    max_loss = strategy.max_loss
    atm = expiry_atm_iv(chain, ex) if atm_iv is None else atm_iv
    if not math.isfinite(atm):
        leg_ivs = [float(ex.side(leg.rule.right).iv[leg.index]) for leg in legs]
        finite = [v for v in leg_ivs if math.isfinite(v) and v > 0]
        atm = sum(finite) / len(finite) if finite else math.nan
    greeks = strategy.greeks(
        {
            c.contract.key: ex.side(leg.rule.right).greeks(leg.index)
            for c, leg in zip(option_legs, legs, strict=True)
        }
    )
    if not (math.isfinite(atm) and greeks.is_finite()):
        raise _Reject(RejectReason.NO_IV, "no implied vol to price the legs' risk")
    breakevens = strategy.breakevens
    pop = probability_of_profit(
        strategy, chain.spot, ex.t_years, chain.rate, chain.dividend_yield, atm, breakevens
    )
    # The per-side targets describe the spec's short delta; custom rules may use others.
    uses_base = all(
        leg.rule.delta == spec.short_delta
        for leg in legs
        if leg.rule.is_short and leg.rule.delta is not None
    )
    targets = selector.targets(spec.short_delta, reading) if uses_base else None
    meta = _metadata(chain, ex, legs, reading, spec, credit, natural, pop, atm, width)
    return Proposal(
        strategy=Strategy(sid, strategy_type, option_legs, StrategyStatus.PENDING, metadata=meta),
        dte=chain.dte(ex),
        t_years=ex.t_years,
        credit_mid=credit,
        credit_natural=natural,
        max_profit=strategy.max_profit,
        max_loss=max_loss,
        breakevens=breakevens,
        pop=pop,
        atm_iv=atm,
        greeks=greeks,
        skew=reading,
        targets=targets,
        min_credit=min_credit,
        max_debit=max_debit,
    )


def _resolve(
    chain: ChainSnapshot,
    ex: ExpiryChain,
    rules: tuple[LegRule, ...],
    spec: BuildSpec,
    selector: SmartStrikeSelector,
    reading: SkewReading,
) -> list[_Leg]:
    legs: list[_Leg] = []
    seen: set[tuple[int, Right]] = set()
    for rule in rules:
        target: float | None = None
        if rule.delta is not None:
            target = rule.delta
            if rule.is_short and rule.skew_adjust:
                target = selector.adjust_target_delta_for_skew(rule.delta, rule.right, reading)
            pick = selector.strike_for_delta(ex, rule.right, target)
            if pick is None:
                raise _Reject(
                    RejectReason.NO_STRIKE_IN_RANGE,
                    f"no {rule.right.name.lower()} deltas on the {ex.expiry} chain",
                    target_delta=target,
                )
            if pick.miss > spec.delta_tolerance:
                raise _Reject(
                    RejectReason.NO_STRIKE_IN_RANGE,
                    f"nearest {rule.right.name.lower()} |delta| {pick.abs_delta:.3f} "
                    f"({pick.strike:g}) misses the target {target:.3f} by more than "
                    f"{spec.delta_tolerance:g}",
                    target_delta=target,
                    nearest_delta=pick.abs_delta,
                    delta_tolerance=spec.delta_tolerance,
                )
            index: int | None = pick.index
        elif rule.from_leg is not None:
            assert rule.offset_dollars is not None  # guaranteed by LegRule
            anchor_i = legs[rule.from_leg].index
            index = offset_strike_index(ex.strikes, anchor_i, rule.offset_dollars)
            if index is not None:
                got = abs(float(ex.strikes[index] - ex.strikes[anchor_i]))
                if abs(got - abs(rule.offset_dollars)) > WING_MISS_FRACTION * abs(
                    rule.offset_dollars
                ):
                    index = None  # a 15-wide wing is not the 50-wide one asked for
        else:
            assert rule.offset_dollars is not None
            index = nearest_strike_index(ex.strikes, chain.spot + rule.offset_dollars)
        if index is None:
            anchor = chain.spot if rule.from_leg is None else ex.strikes[legs[rule.from_leg].index]
            raise _Reject(
                RejectReason.NO_STRIKE_IN_RANGE,
                f"no {rule.right.name.lower()} strike listed {rule.offset_dollars:+g} from "
                f"{float(anchor):g} on {ex.expiry}",
                offset_dollars=float(rule.offset_dollars or 0.0),
            )
        if (index, rule.right) in seen:
            raise _Reject(
                RejectReason.INVALID_STRUCTURE,
                f"two legs resolve to the same {float(ex.strikes[index]):g}{rule.right.value}",
            )
        seen.add((index, rule.right))
        legs.append(_Leg(rule, index, target))
    return legs


def _check_quote(chain: ChainSnapshot, ex: ExpiryChain, leg: _Leg, spec: BuildSpec) -> None:
    side = ex.side(leg.rule.right)
    i = leg.index

    def key() -> str:
        return ex.contract(chain.symbol, i, leg.rule.right, chain.multiplier).key

    status = QuoteStatus(int(side.status[i]))
    zero_bid_ok = (
        status is QuoteStatus.ZERO_BID
        and not leg.rule.is_short
        and spec.liquidity.allow_zero_bid_long_legs
    )
    if status is not QuoteStatus.VALID and not zero_bid_ok:
        raise _Reject(
            RejectReason.INVALID_QUOTE,
            f"{key()}: quote {status.name.lower()}",
            bid=float(side.bid[i]),
            ask=float(side.ask[i]),
        )
    bid, ask = float(side.bid[i]), float(side.ask[i])
    spread = ask - bid
    limit = max(spec.liquidity.max_spread_dollars, spec.liquidity.max_spread_fraction * side.mid(i))
    if spread > limit + _SPREAD_EPS:
        raise _Reject(
            RejectReason.ILLIQUID,
            f"{key()}: bid/ask spread {spread:.2f} wider than {limit:.2f}",
            spread=spread,
            max_spread=limit,
        )
    oi = float(side.open_interest[i])
    if math.isfinite(oi) and oi < spec.liquidity.min_open_interest:
        raise _Reject(
            RejectReason.ILLIQUID,
            f"{key()}: open interest {oi:g} below {spec.liquidity.min_open_interest}",
            open_interest=oi,
            min_open_interest=float(spec.liquidity.min_open_interest),
        )


def _natural_cash(ex: ExpiryChain, leg: _Leg) -> float:
    """Per-unit cash of one leg at the natural price: sell at the bid, buy at the ask."""
    side = ex.side(leg.rule.right)
    q = leg.rule.quantity
    return -q * (float(side.bid[leg.index]) if q < 0 else float(side.ask[leg.index]))


def _units(rules: tuple[LegRule, ...]) -> int:
    return math.gcd(*(abs(r.quantity) for r in rules))


def _check_price(
    strategy_type: StrategyType, credit: float, natural: float, width: float, spec: BuildSpec
) -> tuple[float | None, float | None]:
    """Minimum credit for credit structures, maximum debit for debit ones; returns the
    (floor, ceiling) handed to execution."""
    values = {"credit_mid": credit, "credit_natural": natural, "width": width}
    wants_credit = is_credit_type(strategy_type) or (
        strategy_type not in DEBIT_TYPES and credit > 0
    )
    if wants_credit:
        min_credit = spec.min_credit_fraction * width
        if credit < min_credit or credit <= 0:
            raise _Reject(
                RejectReason.CREDIT_TOO_LOW,
                f"credit {credit:.2f} at mid below the minimum {min_credit:.2f} "
                f"({spec.min_credit_fraction:.0%} of the {width:g} width)",
                min_credit=min_credit,
                **values,
            )
        return min_credit, None
    debit = -credit
    if debit <= 0:
        raise _Reject(
            RejectReason.INVALID_QUOTE,
            f"a debit structure priced at a credit of {credit:.2f}: inconsistent quotes",
            **values,
        )
    if width <= 0:
        return None, None
    max_debit = spec.max_debit_fraction * width
    if debit > max_debit:
        raise _Reject(
            RejectReason.DEBIT_TOO_HIGH,
            f"debit {debit:.2f} at mid above the maximum {max_debit:.2f} "
            f"({spec.max_debit_fraction:.0%} of the {width:g} width)",
            max_debit=max_debit,
            **values,
        )
    return None, max_debit


def _metadata(
    chain: ChainSnapshot,
    ex: ExpiryChain,
    legs: list[_Leg],
    reading: SkewReading,
    spec: BuildSpec,
    credit: float,
    natural: float,
    pop: float,
    atm: float,
    width: float,
) -> dict[str, MetadataValue]:
    meta: dict[str, MetadataValue] = {
        **reading.metadata(),
        "base_target_delta": spec.short_delta,
        "expiry": ex.expiry.isoformat(),
        "dte": chain.dte(ex),
        "credit_mid": credit,
        "credit_natural": natural,
        "width": width,
        "pop": pop,
        "atm_iv": atm,
        "spot": chain.spot,
    }
    for leg in legs:
        if leg.target is not None and leg.rule.is_short:
            name = "put" if leg.rule.right is Right.PUT else "call"
            meta.setdefault(f"target_delta_{name}", leg.target)
            meta.setdefault(
                f"short_{name}_delta", abs(float(ex.side(leg.rule.right).delta[leg.index]))
            )
    return meta


def _default_id(
    chain: ChainSnapshot, strategy_type: StrategyType, legs: tuple[OptionLeg, ...]
) -> str:
    """Deterministic: the same chain and rules give the same id (replays are idempotent)."""
    strikes = "_".join(
        f"{leg.quantity:+d}{leg.contract.strike:g}{leg.contract.right.value}" for leg in legs
    )
    ts = chain.ts.strftime("%Y%m%dT%H%M%S")
    return f"{chain.symbol}-{strategy_type.value}-{legs[0].contract.expiry:%Y%m%d}-{strikes}-{ts}"

"""Property tests of the pure parts: the walk never passes the worst price nor an entry's
minimum credit, whatever the quotes; a whole state-machine run obeys the same bounds on every
price it sends; legging caps add up to the net cap; an unwind never uncovers a short."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from v6.domain import OptionContract, OrderEvent, OrderStatus, Quote
from v6.execution import (
    ExecutionConfig,
    LeggingOrder,
    NetMarket,
    WalkSchedule,
    net_market,
    walk_limit,
)
from v6.execution.legging import leg_caps, plan_phases, uncovered_shorts, unwind_phases
from v6.execution.machine import IntentMachine
from v6.execution.mapping import SignedLegs
from v6.execution.tracking import Modify, Place
from v6.execution.walk import entry_cap, floor_to_tick, relative_worst

from .kit import IC, IC_SIGNS, START, condor_intent, opt

TICK = 0.01
EPS = 1e-9

prices = st.floats(min_value=0.0, max_value=50.0, allow_nan=False)
schedules = st.builds(
    WalkSchedule,
    start_fraction=st.floats(0.0, 1.0),
    step_fraction=st.floats(0.01, 1.0),
    steps=st.integers(0, 8),
    step_timeout_seconds=st.floats(1.0, 60.0),
    worst_fraction=st.floats(1.0, 2.0),
    slippage_per_unit=st.floats(0.0, 0.5),
)


@st.composite
def quotes(draw: st.DrawFn) -> Quote:
    bid = draw(prices)
    ask = bid + draw(st.floats(min_value=0.0, max_value=5.0, allow_nan=False))
    return Quote(bid=bid, ask=max(ask, 0.01), ts=START)


@st.composite
def markets(draw: st.DrawFn) -> NetMarket:
    legs = draw(
        st.lists(st.tuples(quotes(), st.sampled_from([-2, -1, 1, 2])), min_size=1, max_size=4)
    )
    return net_market(legs)


@given(
    market=markets(),
    step=st.integers(0, 10),
    schedule=schedules,
    intent_limit=st.one_of(st.none(), st.floats(-20.0, 20.0)),
    previous=st.one_of(st.none(), st.floats(-30.0, 30.0)),
    is_entry=st.booleans(),
    min_credit=st.floats(0.0, 2.0),
)
def test_limit_never_past_the_worst_nor_the_minimum_credit(
    market: NetMarket,
    step: int,
    schedule: WalkSchedule,
    intent_limit: float | None,
    previous: float | None,
    is_entry: bool,
    min_credit: float,
) -> None:
    cap = entry_cap(intent_limit, market.mid, is_entry=is_entry, min_credit=min_credit)
    limit = walk_limit(market, step, schedule, TICK, cap=cap, previous=previous)
    assert limit <= relative_worst(market, schedule) + EPS
    if intent_limit is not None:
        assert limit <= intent_limit + EPS
    if is_entry and (market.mid < 0 or (intent_limit is not None and intent_limit < 0)):
        assert limit <= -min_credit + EPS  # at least the minimum credit
    assert math.isclose(limit / TICK, round(limit / TICK), abs_tol=1e-6)


@given(market=markets(), schedule=schedules, steps=st.integers(1, 8))
def test_successive_steps_never_widen_when_the_market_stands_still(
    market: NetMarket, schedule: WalkSchedule, steps: int
) -> None:
    previous: float | None = None
    for k in range(steps):
        limit = walk_limit(market, k, schedule, TICK, previous=previous)
        if previous is not None:
            assert limit >= previous - EPS
        previous = limit


@st.composite
def condor_markets(draw: st.DrawFn) -> dict[OptionContract, Quote]:
    return {c: draw(quotes()) for c in IC}


@settings(max_examples=60, deadline=None)
@given(
    rounds=st.lists(condor_markets(), min_size=2, max_size=12),
    limit=st.one_of(st.none(), st.floats(-3.0, 1.0)),
    schedule=schedules,
)
def test_every_price_a_machine_sends_respects_the_bounds(
    rounds: Sequence[dict[OptionContract, Quote]], limit: float | None, schedule: WalkSchedule
) -> None:
    """Drive a real state machine through moving random markets: every limit it places or
    modifies is within the worst price of the market it was computed on, and an entry's is
    never less than its minimum credit."""
    config = ExecutionConfig(normal=schedule, urgent=schedule, min_entry_credit_per_unit=0.05)
    intent = condor_intent(limit=limit)
    current: dict[str, dict[OptionContract, Quote]] = {"q": rounds[0]}

    def price(legs: SignedLegs) -> NetMarket | None:
        return net_market((current["q"][c], r) for c, r in legs)

    first = price(tuple(zip(IC, IC_SIGNS, strict=True)))
    assert first is not None
    cap = entry_cap(limit, first.mid, is_entry=True, min_credit=0.05)
    machine = IntentMachine(intent, config, cap)
    now = START
    sent: list[tuple[float, NetMarket]] = []
    for action in machine.start(now, price):
        assert isinstance(action, Place)
        sent.append((action.order.limit_price or 0.0, first))
        ack = OrderEvent(action.order.order_ref, OrderStatus.SUBMITTED, 0, 1, None, now, now)
        machine.on_status(ack, now, price)
    for quotes_now in rounds[1:]:
        current["q"] = quotes_now
        now += timedelta(seconds=schedule.step_timeout_seconds)
        market = price(tuple(zip(IC, IC_SIGNS, strict=True)))
        assert market is not None
        for action in machine.on_tick(now, price):
            if isinstance(action, Modify):
                sent.append((action.order.limit_price or 0.0, market))
    for sent_limit, market in sent:
        assert sent_limit <= relative_worst(market, schedule) + EPS
        assert sent_limit <= cap + EPS
        if limit is not None:
            assert sent_limit <= limit + EPS


@given(
    legs=st.lists(st.tuples(quotes(), st.integers(-3, 3).filter(bool)), min_size=1, max_size=4),
    schedule=schedules,
    cap_per_contract=st.floats(-10.0, 10.0),
)
def test_leg_caps_never_add_up_past_the_net_cap(
    legs: list[tuple[Quote, int]], schedule: WalkSchedule, cap_per_contract: float
) -> None:
    markets_ = [net_market([(q, 1 if n > 0 else -1)]) for q, n in legs]
    quantities = [n for _, n in legs]
    total_cap = cap_per_contract * sum(abs(n) for n in quantities)
    caps = leg_caps(markets_, quantities, total_cap, schedule)
    total = sum(abs(n) * floor_to_tick(c, TICK) for n, c in zip(quantities, caps, strict=True))
    assert total <= total_cap + 1e-6
    for market, c in zip(markets_, caps, strict=True):
        assert c <= relative_worst(market, schedule) + EPS


CONTRACTS = [opt(k, r) for k in (470, 475, 480, 520, 525, 530) for r in ("P", "C")]


@st.composite
def defined_risk_targets(draw: st.DrawFn) -> list[tuple[OptionContract, int]]:
    """Random legs whose full position has every short covered (per expiry and right)."""
    chosen = draw(st.lists(st.sampled_from(CONTRACTS), min_size=2, max_size=6, unique=True))
    legs = [(c, draw(st.integers(-3, 3).filter(bool))) for c in chosen]
    held = dict(legs)
    if uncovered_shorts(held):
        for group, missing in uncovered_shorts(held).items():
            right = group.split()[-1]
            long_leg = next(
                (c for c in CONTRACTS if c.right.value == right and c not in held), None
            )
            if long_leg is None:
                return [(c, abs(q)) for c, q in legs]
            legs.append((long_leg, missing))
            held[long_leg] = missing
    return legs


@given(target=defined_risk_targets(), data=st.data())
def test_legging_and_unwinding_never_uncover_a_short(
    target: list[tuple[OptionContract, int]], data: st.DataObject
) -> None:
    """Fill the buys-first plan up to a random point (partly filling the leg there), then apply
    the unwind orders one at a time in a random order within each phase: no intermediate
    position has an uncovered short."""
    position: dict[OptionContract, int] = {}
    filled: dict[int, int] = {}
    steps = [s for phase in plan_phases(target, LeggingOrder.WINGS_FIRST) for s in phase]
    stop = data.draw(st.integers(0, len(steps)))
    for i, step in enumerate(steps[:stop]):
        last = i == stop - 1
        qty = step.quantity
        if last:
            qty = data.draw(st.integers(1, abs(qty))) * (1 if qty > 0 else -1)
        position[step.contract] = position.get(step.contract, 0) + qty
        filled[step.leg_index] = filled.get(step.leg_index, 0) + qty
        assert uncovered_shorts(position) == {}
    for phase in unwind_phases(filled, target):
        for step in data.draw(st.permutations(list(phase))):
            position[step.contract] = position.get(step.contract, 0) + step.quantity
            assert uncovered_shorts(position) == {}
    assert all(q == 0 for q in position.values())

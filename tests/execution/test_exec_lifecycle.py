"""Strategy lifecycle on confirmed fills: a roll moves the old strategy to ROLLED and opens its
successor; an exit passes through CLOSING on its first fill; re-settling an intent (a lost
outcome row replayed by reconciliation) never applies its fills twice."""

from __future__ import annotations

from datetime import date

import pytest

from v6.domain import (
    Intent,
    IntentKind,
    LegInstruction,
    OptionContract,
    OptionLeg,
    Right,
    Strategy,
    StrategyStatus,
    StrategyType,
    make_intent_id,
)
from v6.execution import ExecutionConfig, Outcome, WalkSchedule
from v6.execution.lifecycle import settle

from .conftest import open_condor
from .kit import IC, IC_QUOTES, IC_SIGNS, condor_intent, make_world

QUICK = WalkSchedule(start_fraction=1.0, step_fraction=0.5, steps=1, step_timeout_seconds=10.0)
LATER = date(2026, 4, 17)


def later(contract: OptionContract) -> OptionContract:
    return OptionContract(contract.symbol, LATER, contract.strike, Right(contract.right))


@pytest.mark.asyncio
async def test_roll_is_one_combo_that_rolls_the_old_and_opens_the_successor() -> None:
    world = make_world(ExecutionConfig(normal=QUICK, urgent=QUICK))
    engine = world.engine()
    old = await open_condor(world, engine)
    new_legs = [later(c) for c in IC]
    for contract, new in zip(IC, new_legs, strict=True):
        bid, ask = IC_QUOTES[contract]
        world.quotes.set(new, bid + 0.30, ask + 0.30)
    successor = Strategy(
        "ic-2",
        StrategyType.IRON_CONDOR,
        tuple(OptionLeg(c, s) for c, s in zip(new_legs, IC_SIGNS, strict=True)),
    )
    roll = Intent(
        intent_id=make_intent_id("ic-1", IntentKind.ROLL, 1),
        kind=IntentKind.ROLL,
        strategy_id="ic-1",
        legs=tuple(
            [LegInstruction(leg.contract, -leg.quantity) for leg in old.legs]
            + [LegInstruction(c, s) for c, s in zip(new_legs, IC_SIGNS, strict=True)]
        ),
        created_at=world.clock.now(),
    )
    assert (await engine.submit(roll, successor=successor)).accepted
    steps = [await engine.step(), *await world.run(engine, 40, dt=2)]

    (order,) = world.broker.places(roll.intent_id)
    assert len(order.legs) == 8
    assert [r.outcome for s in steps for r in s.finished] == [Outcome.FILLED]
    rolled, opened = engine.strategy("ic-1"), engine.strategy("ic-2")
    assert rolled is not None
    assert rolled.status is StrategyStatus.ROLLED
    assert opened is not None
    assert opened.status is StrategyStatus.OPEN
    assert all(leg.open_price > 0 for leg in opened.legs)
    assert world.broker.positions_now() == dict(zip(new_legs, IC_SIGNS, strict=True))


@pytest.mark.asyncio
async def test_an_exit_goes_through_closing_on_its_first_fill() -> None:
    world = make_world(ExecutionConfig(normal=QUICK, urgent=QUICK), partial_fill_probability=1.0)
    engine = world.engine()
    await open_condor(world, engine, units=3)
    close = condor_intent(kind=IntentKind.CLOSE, units=3, created_at=world.clock.now())
    await engine.submit(close)
    await world.run(engine, 40, dt=2)

    statuses = [r["status"] for r in world.store.all("strategies")]
    assert statuses[-2:] == ["CLOSING", "CLOSED"]
    assert world.broker.positions_now() == {}


def test_settling_the_same_intent_twice_changes_nothing() -> None:
    contracts = IC
    pending = Strategy(
        "ic-1",
        StrategyType.IRON_CONDOR,
        tuple(OptionLeg(c, s) for c, s in zip(contracts, IC_SIGNS, strict=True)),
    )
    net = dict(zip(contracts, IC_SIGNS, strict=True))
    prices = {c: IC_QUOTES[c][0] for c in contracts}
    stamp = condor_intent().created_at
    (opened,) = settle(IntentKind.OPEN, pending, None, net, prices, stamp, intent_id="i-1")
    assert opened.status is StrategyStatus.OPEN
    assert settle(IntentKind.OPEN, opened, None, net, prices, stamp, intent_id="i-1") == []
    close = {c: -q for c, q in net.items()}
    (closed,) = settle(IntentKind.CLOSE, opened, None, close, prices, stamp, intent_id="i-2")
    assert closed.status is StrategyStatus.CLOSED
    assert settle(IntentKind.CLOSE, closed, None, close, prices, stamp, intent_id="i-2") == []

"""Bad input and guards: the risk gate sees every intent and its refusal means no broker call;
unquotable legs are never entered; broker rejections are recorded with their code and
alerted; protective OCA pairs are placed, cancelled before an exit and replaced on change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from v6.domain import AlertType, IntentKind, OrderType, StrategyStatus, TimeInForce
from v6.execution import ExecutionConfig, Outcome, ProtectiveConfig, WalkSchedule

from .conftest import open_condor
from .kit import (
    C_LONG,
    C_SHORT,
    IC,
    IC_QUOTES,
    P_LONG,
    P_SHORT,
    Gate,
    condor_intent,
    make_world,
    pending_condor,
)

pytestmark = pytest.mark.asyncio

QUICK = WalkSchedule(start_fraction=1.0, step_fraction=0.5, steps=1, step_timeout_seconds=10.0)
PROTECTED = ExecutionConfig(normal=QUICK, urgent=QUICK, protective=ProtectiveConfig(enabled=True))


async def test_gate_refusal_means_no_broker_call_and_a_recorded_reason() -> None:
    world = make_world()
    world.gate = Gate(refuse=lambda intent: "max open strategies reached (5 of 5)")
    engine = world.engine()
    intent = condor_intent()
    result = await engine.submit(intent, pending_condor())
    await world.run(engine, 30, dt=5)

    assert not result.accepted
    assert "max open strategies" in result.reason
    assert [i.intent_id for i in world.gate.checked] == [intent.intent_id]
    assert [k for k, _ in world.broker.log if k in ("place", "modify", "cancel")] == []
    (row,) = [r for r in world.store.all("orders") if r["order_ref"] == intent.intent_id]
    assert row["status"] == "REFUSED"
    assert "max open strategies" in row["reason"]
    assert world.alerts.of(AlertType.RISK_LIMIT)
    again = await engine.submit(intent, pending_condor())  # refused intents may be retried
    assert not again.duplicate


async def test_every_order_sent_belongs_to_an_intent_the_gate_approved() -> None:
    world = make_world(PROTECTED.model_copy(update={"use_combos": False}))
    engine = world.engine()
    await open_condor(world, engine)
    await engine.submit(condor_intent(kind=IntentKind.REDUCE, created_at=world.clock.now()))
    await world.run(engine, 60, dt=2)

    approved = {i.intent_id for i in world.gate.checked}
    placed = world.broker.places()
    assert len({o.intent_id for o in placed}) >= 3  # entry, a protective pair, the exit
    assert {o.intent_id for o in placed} <= approved


@pytest.mark.parametrize("problem", ["missing", "crossed", "stale", "zero_bid_on_a_sold_leg"])
async def test_a_strategy_with_an_unquotable_leg_is_not_entered(problem: str) -> None:
    world = make_world()
    now = world.clock.now()
    if problem == "missing":
        world.quotes.remove(C_LONG)
    elif problem == "crossed":
        world.quotes.set(C_LONG, 1.10, 1.00)
    elif problem == "stale":
        world.quotes.set(C_LONG, 0.90, 1.00, ts=now - timedelta(minutes=5))
    else:
        world.quotes.set(C_SHORT, 0.0, 0.05)
    engine = world.engine()
    result = await engine.submit(condor_intent(), pending_condor())

    assert not result.accepted
    assert (C_SHORT if problem.startswith("zero") else C_LONG).key in result.reason
    assert world.broker.places() == []
    assert world.alerts.of(AlertType.BAD_DATA)


async def test_broker_rejection_is_recorded_with_its_code_and_alerted() -> None:
    world = make_world(ExecutionConfig(fallback_to_legs_on_reject=False))
    engine = world.engine()
    intent = condor_intent(units=2000)  # far beyond the paper account's buying power
    await engine.submit(intent, pending_condor(units=2000))
    report = await engine.step()

    assert [r.outcome for r in report.finished] == [Outcome.REJECTED]
    rows = [r for r in world.store.all("order_events") if r["status"] == "Rejected"]
    assert len(rows) == 1
    assert rows[0]["error_code"] == 201
    assert rows[0]["message"]
    (alert,) = world.alerts.of(AlertType.ORDER_REJECTED)
    assert alert.data["error_code"] == 201
    assert intent.intent_id in alert.message
    assert world.broker.positions_now() == {}
    assert [s.status for s in report.strategies] == [StrategyStatus.CANCELLED]


async def test_the_same_intent_is_never_sent_twice_and_one_intent_per_strategy() -> None:
    world = make_world(ExecutionConfig(normal=WalkSchedule(steps=4)))
    engine = world.engine()
    intent = condor_intent()
    assert (await engine.submit(intent, pending_condor())).accepted
    duplicate = await engine.submit(intent, pending_condor())
    assert duplicate.duplicate
    assert not duplicate.accepted
    other = await engine.submit(condor_intent(seq=2), pending_condor())
    assert not other.accepted
    assert "in flight" in other.reason
    assert len(world.broker.places()) == 1


async def test_protective_oca_pair_is_placed_after_the_entry_fills() -> None:
    world = make_world(PROTECTED)
    engine = world.engine()
    strategy = await open_condor(world, engine, units=2)

    pair = [o for o in world.broker.places() if o.order_ref.endswith(("TP", "SL"))]
    tp, sl = sorted(pair, key=lambda o: o.order_ref.endswith("SL"))
    credit = strategy.credit_per_unit
    assert tp.order_type is OrderType.LIMIT
    assert sl.order_type is OrderType.STOP
    assert tp.tif is TimeInForce.GTC
    assert sl.tif is TimeInForce.GTC
    assert tp.oca_group is not None
    assert tp.oca_group == sl.oca_group
    assert tp.limit_price == pytest.approx(credit * (1 - PROTECTED.protective.take_profit_fraction))
    assert sl.stop_price == pytest.approx(credit * PROTECTED.protective.catastrophe_stop_multiple)
    assert tp.quantity == sl.quantity == strategy.units == 2
    closing = {leg.contract: leg.quantity for leg in strategy.legs}
    for order in (tp, sl):
        assert order.signed_leg_quantities() == {c: -q * 1 for c, q in closing.items()}
    assert len(await world.broker.open_orders() or []) == 2


async def test_protective_pair_is_cancelled_before_the_exit_order_is_sent() -> None:
    world = make_world(PROTECTED)
    engine = world.engine()
    await open_condor(world, engine)
    exit_intent = condor_intent(kind=IntentKind.CLOSE, created_at=world.clock.now())
    await engine.submit(exit_intent)
    await world.run(engine, 30, dt=2)

    log = [
        (k, p if isinstance(p, str) else p.order_ref)
        for k, p in world.broker.log
        if k in ("place", "cancel")
    ]
    pair = [ref for k, ref in log if k == "place" and ref.endswith(("TP", "SL"))]
    first_exit = log.index(("place", f"{exit_intent.intent_id}:C0"))
    for ref in pair:
        assert log.index(("cancel", ref)) < first_exit
    strategy = engine.strategy("ic-1")
    assert strategy is not None
    assert strategy.status is StrategyStatus.CLOSED
    assert await world.broker.open_orders() == []
    assert world.broker.positions_now() == {}


async def test_protective_pair_is_replaced_after_a_partial_close() -> None:
    world = make_world(PROTECTED)
    engine = world.engine()
    await open_condor(world, engine, units=2)
    reduce = condor_intent(kind=IntentKind.REDUCE, units=1, created_at=world.clock.now())
    await engine.submit(reduce)
    live_pairs = []
    for _ in range(15):
        world.clock.advance(timedelta(seconds=2))
        world.broker.process()
        await engine.step()
        working = await world.broker.open_orders() or []
        live_pairs.append(len([o for o in working if o.order.order_ref.endswith("TP")]))

    assert max(live_pairs) <= 1  # never two pairs resting at once
    tps = [o for o in world.broker.places() if o.order_ref.endswith("TP")]
    assert [o.quantity for o in tps] == [2, 1]
    working = await world.broker.open_orders() or []
    assert sorted(o.order.quantity for o in working) == [1, 1]
    strategy = engine.strategy("ic-1")
    assert strategy is not None
    assert strategy.status is StrategyStatus.OPEN
    assert strategy.units == 1


async def test_take_profit_fill_closes_the_strategy_and_cancels_the_stop() -> None:
    world = make_world(PROTECTED)
    engine = world.engine()
    await open_condor(world, engine)
    for contract in (P_SHORT, C_SHORT):  # the shorts decay: the close gets cheap
        world.quotes.set(contract, 0.30, 0.35)
    steps = await world.run(engine, 8, dt=2)

    strategy = engine.strategy("ic-1")
    assert strategy is not None
    assert strategy.status is StrategyStatus.CLOSED
    assert world.broker.positions_now() == {}
    assert await world.broker.open_orders() == []
    assert len([o for o in world.broker.places() if o.order_ref.endswith("TP")]) == 1
    assert [s.status for step in steps for s in step.strategies] == [StrategyStatus.CLOSED]


async def test_exit_is_superseded_when_the_protective_order_fills_first() -> None:
    world = make_world(PROTECTED)
    engine = world.engine()
    await open_condor(world, engine)
    for contract in (P_SHORT, C_SHORT):
        world.quotes.set(contract, 0.30, 0.35)
    world.broker.process()  # the take-profit fills; the engine has not heard yet
    exit_intent = condor_intent(kind=IntentKind.CLOSE, created_at=world.clock.now())
    assert (await engine.submit(exit_intent)).accepted
    report = await engine.step()

    assert [r.outcome for r in report.finished] == [Outcome.SUPERSEDED]
    assert world.broker.places(exit_intent.intent_id) == []
    assert world.broker.positions_now() == {}
    for contract in (P_LONG, C_LONG, *IC):
        assert contract in IC_QUOTES


@pytest.mark.parametrize("when", ["before", "after"])
async def test_an_order_whose_fate_is_unknown_is_looked_up_not_resent(when: str) -> None:
    world = make_world(ExecutionConfig(normal=WalkSchedule(steps=4)))
    engine = world.engine()
    intent = condor_intent()
    world.broker.lose_ack = lambda order: when
    result = await engine.submit(intent, pending_condor())
    world.broker.lose_ack = lambda order: None
    steps = [await engine.step(), *await world.run(engine, 300, dt=5)]

    assert result.accepted
    assert len(world.broker.places(intent.intent_id)) == 1  # never sent a second time
    outcomes = [r.outcome for s in steps for r in s.finished]
    if when == "before":  # the broker never had it: nothing to manage, nothing traded
        assert outcomes == [Outcome.CANCELLED]
        assert world.broker.positions_now() == {}
    else:  # the broker had it: found by reference and walked on to a fill
        assert outcomes == [Outcome.FILLED]
        assert world.broker.positions_now()

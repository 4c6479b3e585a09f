"""Idempotency across restarts: the journal row is durable before any order is sent, and a new
engine over the same broker and journal never sends an intent twice and never forgets a fill."""

from __future__ import annotations

from typing import Any

import pytest

from v6.domain import IntentKind, Order, StrategyStatus
from v6.errors import HaltError
from v6.execution import (
    ExecutionConfig,
    Outcome,
    ProtectiveConfig,
    UnsentPolicy,
    WalkSchedule,
)
from v6.execution.mapping import leg_ref

from .conftest import open_condor
from .kit import (
    P_SHORT,
    Crash,
    World,
    condor_intent,
    make_world,
    pending_condor,
)

pytestmark = pytest.mark.asyncio

QUICK = WalkSchedule(start_fraction=1.0, step_fraction=0.5, steps=1, step_timeout_seconds=10.0)
SLOW = WalkSchedule(step_fraction=0.25, steps=4, step_timeout_seconds=30.0)


def durable_before_every_place(log: list[tuple[str, Any]]) -> list[str]:
    """Order refs that reached ``place_order`` before a durable ``orders`` row carried them."""
    durable: set[str] = set()
    late: list[str] = []
    for kind, payload in log:
        if kind == "durable" and payload[0] == "orders":
            durable.update(row["order_ref"] for row in payload[1])
        elif kind == "place":
            order: Order = payload
            if order.order_ref not in durable or order.intent_id not in durable:
                late.append(order.order_ref)
    return late


async def test_intent_and_order_rows_are_durable_before_each_place() -> None:
    config = ExecutionConfig(normal=QUICK, urgent=QUICK, protective=ProtectiveConfig(enabled=True))
    world = make_world(config)
    engine = world.engine()
    await open_condor(world, engine)  # combo entry, then a protective pair
    engine.config = config.model_copy(update={"use_combos": False})
    exit_intent = condor_intent(kind=IntentKind.CLOSE, created_at=world.clock.now())
    await engine.submit(exit_intent)
    await world.run(engine, 60, dt=2)
    world2 = make_world(config.model_copy(update={"use_combos": False}))
    engine2 = world2.engine()
    entry = condor_intent("ic-2")
    world2.broker.reject = lambda o: (
        (201, "no") if o.order_ref == leg_ref(entry.intent_id, 2) else None
    )
    await engine2.submit(entry, pending_condor("ic-2"))
    await world2.run(engine2, 60, dt=2)

    for w in (world, world2):
        places = [p for k, p in w.broker.log if k == "place"]
        roles = {p.order_ref.rsplit(":", 1)[1][0] for p in places}
        assert len(places) >= 4
        assert durable_before_every_place(w.broker.log) == []
    assert {"C", "T", "S", "L"} <= {
        p.order_ref.rsplit(":", 1)[1][0] for k, p in world.broker.log if k == "place"
    }
    assert "R" in roles  # the legging world unwound


async def restart(world: World, **kwargs: Any) -> Any:
    """Kill the engine's buffered journal writes and build a new engine over the same world."""
    world.store.crash()
    return world.engine(**kwargs)


async def test_restart_mid_entry_resumes_the_working_order_and_never_resends() -> None:
    world = make_world(ExecutionConfig(normal=SLOW))
    first = world.engine()
    intent = condor_intent()
    await first.submit(intent, pending_condor())
    await first.step()
    assert len(world.broker.places(intent.intent_id)) == 1
    del first

    engine = await restart(world)
    report = await engine.reconcile([pending_condor()])
    assert report.working == (intent.intent_id,)
    again = await engine.submit(intent, pending_condor())
    assert again.duplicate
    assert not again.accepted
    steps = await world.run(engine, 300, dt=5)

    assert len(world.broker.places(intent.intent_id)) == 1  # resumed, never resent
    assert [r.outcome for s in steps for r in s.finished] == [Outcome.FILLED]
    broker_fills = {f.execution_id for f in await world.broker.executions() or []}
    journaled = {r["exec_id"] for r in world.store.all("executions")}
    assert broker_fills
    assert broker_fills <= journaled
    strategy = engine.strategy("ic-1")
    assert strategy is not None
    assert strategy.status is StrategyStatus.OPEN


async def test_restart_after_a_fill_while_down_records_the_fills() -> None:
    world = make_world(ExecutionConfig(normal=SLOW))
    first = world.engine()
    intent = condor_intent()
    await first.submit(intent, pending_condor())
    await first.step()
    del first
    world.store.crash()
    world.quotes.set(P_SHORT, 1.70, 1.80)  # the resting credit becomes the natural
    world.broker.process()

    engine = world.engine()
    report = await engine.reconcile([pending_condor()])
    assert report.filled == (intent.intent_id,)
    assert len(report.recorded_fills) == 4
    journaled = {r["exec_id"] for r in world.store.all("executions")}
    assert {f.execution_id for f in report.recorded_fills} <= journaled
    assert [s.status for s in report.strategies] == [StrategyStatus.OPEN]
    await world.run(engine, 60, dt=5)
    assert len(world.broker.places(intent.intent_id)) == 1


@pytest.mark.parametrize("policy", list(UnsentPolicy))
async def test_journaled_but_unsent_intent_expires_or_is_sent_once(policy: UnsentPolicy) -> None:
    config = ExecutionConfig(normal=SLOW, unsent_after_restart=policy)
    world = make_world(config)
    first = world.engine()
    intent = condor_intent()
    world.broker.crash_on = lambda order: True
    with pytest.raises(Crash):
        await first.submit(intent, pending_condor())
    world.broker.crash_on = lambda order: False
    assert world.broker.places() == []
    del first

    engine = await restart(world)
    report = await engine.reconcile([pending_condor()])
    assert report.unsent == (intent.intent_id,)
    if policy is UnsentPolicy.EXPIRE:
        assert report.expired == (intent.intent_id,)
        assert world.broker.places() == []
        rows = [r for r in world.store.all("orders") if r["order_ref"] == intent.intent_id]
        assert rows[-1]["status"] == "EXPIRED"
    else:
        assert report.resent == (intent.intent_id,)
        await world.run(engine, 300, dt=5)
        assert len(world.broker.places(intent.intent_id)) == 1
    assert len(world.gate.checked) == (1 if policy is UnsentPolicy.EXPIRE else 2)


async def test_legging_cut_by_a_crash_is_unwound_after_the_restart() -> None:
    config = ExecutionConfig(use_combos=False, normal=QUICK, urgent=QUICK)
    world = make_world(config)
    first = world.engine()
    intent = condor_intent()
    world.broker.crash_on = lambda o: o.order_ref == leg_ref(intent.intent_id, 1)
    await first.submit(intent, pending_condor())
    with pytest.raises(Crash):
        await first.step()  # the wings filled; dies sending the first short
    world.broker.crash_on = lambda o: False
    assert world.broker.positions_now()  # long wings held
    del first

    engine = await restart(world)
    report = await engine.reconcile([pending_condor()])
    assert report.interrupted == (intent.intent_id,)
    steps = await world.run(engine, 60, dt=2)
    outcomes = [r.outcome for r in report.finished] + [r.outcome for s in steps for r in s.finished]
    assert outcomes == [Outcome.ROLLED_BACK]
    assert world.broker.positions_now() == {}
    assert world.broker.naked_seen == []
    assert not world.broker.places(leg_ref(intent.intent_id, 1))  # never sent after all


async def test_resting_protective_pair_is_adopted_not_duplicated() -> None:
    config = ExecutionConfig(normal=QUICK, urgent=QUICK, protective=ProtectiveConfig(enabled=True))
    world = make_world(config)
    first = world.engine()
    strategy = await open_condor(world, first)
    pair = [o.order_ref for o in world.broker.places() if o.order_ref.endswith(("TP", "SL"))]
    assert len(pair) == 2
    del first

    engine = await restart(world)
    report = await engine.reconcile([strategy])
    assert report.protected == ("ic-1",)
    assert report.reprotected == ()
    exit_intent = condor_intent(kind=IntentKind.CLOSE, created_at=world.clock.now())
    await engine.submit(exit_intent)
    await world.run(engine, 60, dt=2)
    cancels = [p for k, p in world.broker.log if k == "cancel"]
    assert set(pair) <= set(cancels)
    assert len([o for o in world.broker.places() if o.order_ref.endswith(("TP", "SL"))]) == 2
    closed = engine.strategy("ic-1")
    assert closed is not None
    assert closed.status is StrategyStatus.CLOSED


async def test_an_intent_cancelled_unfilled_before_a_crash_is_not_resent() -> None:
    """Nothing of it is left at the broker (no fill, no working order): only its durable
    outcome row says it was sent and is over, so even the resend policy leaves it alone."""
    schedule = SLOW.model_copy(update={"worst_fraction": 0.5})
    config = ExecutionConfig(normal=schedule, unsent_after_restart=UnsentPolicy.RESEND)
    world = make_world(config)
    first = world.engine()
    intent = condor_intent(created_at=world.clock.now())
    await first.submit(intent, pending_condor())
    steps = await world.run(first, 300, dt=5)
    assert [r.outcome for s in steps for r in s.finished] == [Outcome.CANCELLED]
    del first

    engine = await restart(world)
    report = await engine.reconcile([])
    assert report.unsent == ()
    assert report.resent == ()
    assert len(world.broker.places(intent.intent_id)) == 1


class _Unreadable:
    def rows(self, table: str) -> None:
        return None


async def test_reconcile_refuses_to_start_blind() -> None:
    world = make_world()
    engine = world.engine(journal_reader=_Unreadable())
    with pytest.raises(HaltError):
        await engine.reconcile()
    assert world.broker.places() == []

"""Price walking against the paper broker: mid toward the natural in the configured steps, the
worst-price and minimum-credit bounds, timeout and cancel, partial fills, urgent exits."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from v6.domain import IntentKind, OrderStatus, StrategyStatus, StrategyType, Urgency
from v6.execution import ExecutionConfig, Outcome, WalkSchedule

from .conftest import net_market_by_hand, open_condor
from .kit import C_SHORT, IC, P_SHORT, START, condor_intent, make_world, pending_condor

pytestmark = pytest.mark.asyncio

NORMAL = WalkSchedule(step_fraction=0.25, steps=4, step_timeout_seconds=30.0)


def limits(world, prefix: str) -> list[float]:  # type: ignore[no-untyped-def]
    """Every limit the broker saw for orders with this prefix, in order (place, then modifies)."""
    out = []
    for kind, order in world.broker.log:
        if kind in ("place", "modify") and order.order_ref.startswith(prefix):
            out.append(order.limit_price)
    return out


async def test_entry_walks_from_mid_to_the_natural_in_the_configured_steps() -> None:
    world = make_world(ExecutionConfig(normal=NORMAL))
    engine = world.engine()
    intent = condor_intent()
    assert (await engine.submit(intent, pending_condor())).accepted
    reports = await world.run(engine, 300, dt=5)

    bid, ask = net_market_by_hand()
    mid, half = (bid + ask) / 2, (ask - bid) / 2
    expected = [mid + k * 0.25 * half for k in range(5)]
    assert limits(world, intent.intent_id) == pytest.approx(expected)
    assert len(world.broker.places(intent.intent_id)) == 1  # walked by modification
    walk_rows = [r for r in world.store.all("order_events") if r["status"] == "Repriced"]
    stamps = [r["ts_event"] for r in walk_rows]
    assert [b - a for a, b in itertools.pairwise(stamps)] == [timedelta(seconds=30)] * 3
    (result,) = [r for rep in reports for r in rep.finished]
    assert result.outcome is Outcome.FILLED
    strategy = engine.strategy("ic-1")
    assert strategy is not None
    assert strategy.status is StrategyStatus.OPEN
    assert strategy.credit_per_unit == pytest.approx(-ask)  # filled at the natural credit


async def test_walk_stops_at_the_worst_price_then_cancels_and_records_it() -> None:
    schedule = NORMAL.model_copy(update={"worst_fraction": 0.5})
    world = make_world(ExecutionConfig(normal=schedule))
    engine = world.engine()
    intent = condor_intent()
    await engine.submit(intent, pending_condor())
    reports = await world.run(engine, 400, dt=5)

    bid, ask = net_market_by_hand()
    mid, half = (bid + ask) / 2, (ask - bid) / 2
    worst = mid + 0.5 * half
    seen = limits(world, intent.intent_id)
    assert max(seen) == pytest.approx(worst)
    assert all(p <= worst + 1e-9 for p in seen)
    (result,) = [r for rep in reports for r in rep.finished]
    assert result.outcome is Outcome.CANCELLED
    assert ("cancel", f"{intent.intent_id}:C0") in world.broker.log
    assert await world.broker.open_orders() == []
    intent_rows = [r for r in world.store.all("orders") if r["order_ref"] == intent.intent_id]
    assert intent_rows[-1]["status"] == "CANCELLED"
    events = [
        r["status"]
        for r in world.store.all("order_events")
        if r["order_ref"] == f"{intent.intent_id}:C0"
    ]
    assert events[-1] == OrderStatus.CANCELLED.value
    assert [s.status for rep in reports for s in rep.strategies] == [StrategyStatus.CANCELLED]


@pytest.mark.parametrize(("intent_limit", "min_credit"), [(-0.90, 0.01), (None, 0.95)])
async def test_entry_never_walks_below_its_minimum_credit(
    intent_limit: float | None, min_credit: float
) -> None:
    world = make_world(ExecutionConfig(normal=NORMAL, min_entry_credit_per_unit=min_credit))
    engine = world.engine()
    intent = condor_intent(limit=intent_limit)
    await engine.submit(intent, pending_condor())
    reports = await world.run(engine, 400, dt=5)
    floor = max(min_credit, -(intent_limit or 0.0))
    seen = limits(world, intent.intent_id)
    assert seen
    assert all(-p >= floor - 1e-9 for p in seen)
    assert [r.outcome for rep in reports for r in rep.finished] == [Outcome.CANCELLED]


async def test_partial_fill_then_cancel_opens_only_what_filled() -> None:
    world = make_world(
        ExecutionConfig(normal=NORMAL), slippage_fraction=0.0, partial_fill_probability=1.0
    )
    engine = world.engine()
    intent = condor_intent(units=3, limit=-0.95)
    await engine.submit(intent, pending_condor(units=3))
    # Part fills at mid at once; then the shorts cheapen and the rest can't get 0.95.
    world.quotes.set(P_SHORT, 1.30, 1.40)
    reports = [await engine.step(), *await world.run(engine, 400, dt=5)]

    (result,) = [r for rep in reports for r in rep.finished]
    assert result.outcome is Outcome.PARTIAL
    filled = abs(result.net_filled[P_SHORT.key])
    assert 0 < filled < 3
    strategy = engine.strategy("ic-1")
    assert strategy is not None
    assert strategy.status is StrategyStatus.OPEN
    assert strategy.strategy_type is StrategyType.IRON_CONDOR
    assert strategy.units == filled
    held = world.broker.positions_now()
    assert {leg.contract: leg.quantity for leg in strategy.legs} == held
    execs = world.store.all("executions")
    for contract in IC:
        assert sum(r["quantity"] for r in execs if r["symbol"] == contract.key) == filled


async def test_urgent_exit_starts_near_the_natural_and_steps_faster() -> None:
    world = make_world(ExecutionConfig(normal=NORMAL))
    engine = world.engine()
    await open_condor(world, engine)
    exit_intent = condor_intent(
        kind=IntentKind.CLOSE, urgency=Urgency.IMMEDIATE, created_at=world.clock.now()
    )
    await engine.submit(exit_intent)
    await engine.step()
    reports = await world.run(engine, 30, dt=1)

    bid, ask = net_market_by_hand(signs=(-1, 1, 1, -1))
    mid, half = (bid + ask) / 2, (ask - bid) / 2
    urgent = world.config.urgent
    seen = limits(world, exit_intent.intent_id)
    assert seen[0] == pytest.approx(mid + urgent.start_fraction * half)
    assert all(p <= ask + urgent.slippage_per_unit + 1e-9 for p in seen)
    modify_rows = [
        r
        for r in world.store.all("order_events")
        if r["status"] == "Repriced" and r["order_ref"].startswith(exit_intent.intent_id)
    ]
    sent = [r for r in world.store.all("orders") if r["order_ref"] == f"{exit_intent.intent_id}:C0"]
    assert modify_rows[0]["ts_event"] - sent[0]["ts_event"] == timedelta(
        seconds=urgent.step_timeout_seconds
    )
    outcomes = [r.outcome for rep in reports for r in rep.finished]
    assert outcomes == [Outcome.FILLED]
    strategy = engine.strategy("ic-1")
    assert strategy is not None
    assert strategy.status is StrategyStatus.CLOSED
    assert world.broker.positions_now() == {}


async def test_combo_limit_uses_ib_sign_convention() -> None:
    """A credit entry is a BUY combo with a negative limit; legs carry their own side."""
    world = make_world(ExecutionConfig(normal=NORMAL))
    engine = world.engine()
    intent = condor_intent()
    await engine.submit(intent, pending_condor())
    (order,) = world.broker.places(intent.intent_id)
    assert order.action.value == "BUY"
    assert order.limit_price is not None
    assert order.limit_price < 0
    assert [(leg.contract, leg.action.value) for leg in order.legs] == [
        (c, "BUY" if s > 0 else "SELL") for c, s in zip(IC, (1, -1, -1, 1), strict=True)
    ]
    assert order.intent_id == intent.intent_id
    assert order.order_ref.startswith(intent.intent_id)
    assert C_SHORT in {leg.contract for leg in order.legs}
    assert world.clock.now() == START

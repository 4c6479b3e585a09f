"""Legging with rollback: whatever leg fails, however it fails, the account is never left with
an uncovered short (checked after every broker call), and an entry ends flat or, if even the
unwind fails, defined-risk with a critical alert."""

from __future__ import annotations

import pytest

from v6.domain import AlertType, IntentKind, Order, Severity, StrategyStatus, StrategyType
from v6.execution import ExecutionConfig, LeggingOrder, Outcome, WalkSchedule, uncovered_shorts
from v6.execution.mapping import leg_ref, parse_ref

from .conftest import open_condor
from .kit import IC, IC_QUOTES, IC_SIGNS, World, condor_intent, make_world, pending_condor

pytestmark = pytest.mark.asyncio

QUICK = WalkSchedule(start_fraction=1.0, step_fraction=0.5, steps=1, step_timeout_seconds=10.0)
MODES = ("reject", "no_fill", "partial")


def role_of(ref: str) -> str:
    parsed = parse_ref(ref)
    assert parsed is not None
    return parsed.role.value


def legging_config(order: LeggingOrder = LeggingOrder.WINGS_FIRST) -> ExecutionConfig:
    return ExecutionConfig(
        use_combos=False, normal=QUICK, urgent=QUICK, legging_order=order, max_rollback_attempts=2
    )


def inject(world: World, iid: str, leg: int, mode: str) -> None:
    """Make the order for intent leg ``leg`` fail: refused by the broker, resting unfilled
    (its quote vanishes as it is sent), or partly filled and then unquoted until cancelled."""
    target = leg_ref(iid, leg)
    contract = IC[leg]
    if mode == "reject":
        world.broker.reject = lambda o: (
            (201, "Order rejected - injected") if (o.order_ref == target) else None
        )
    elif mode == "no_fill":

        def vanish(order: Order) -> None:
            if order.order_ref == target:
                world.quotes.remove(contract)

        def restore(ref: str) -> None:
            if ref == target:
                world.quotes.set(contract, *IC_QUOTES[contract])

        world.broker.before_place = vanish
        world.broker.after_cancel = restore
    else:

        def vanish_after(order: Order) -> None:
            if order.order_ref == target:
                world.quotes.remove(contract)

        world.broker.after_place = vanish_after
        world.broker.after_cancel = lambda ref: (
            world.quotes.set(contract, *IC_QUOTES[contract]) if ref == target else None
        )


@pytest.mark.parametrize("order", list(LeggingOrder))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("leg", range(4))
async def test_failed_entry_leg_unwinds_to_flat(leg: int, mode: str, order: LeggingOrder) -> None:
    partial = mode == "partial"
    world = make_world(legging_config(order), partial_fill_probability=1.0 if partial else 0.0)
    engine = world.engine()
    units = 2 if partial else 1
    intent = condor_intent(units=units)
    inject(world, intent.intent_id, leg, mode)
    assert (await engine.submit(intent, pending_condor(units=units))).accepted
    reports = [await engine.step(), *await world.run(engine, 120, dt=2)]

    assert world.broker.naked_seen == []
    (result,) = [r for rep in reports for r in rep.finished]
    assert world.broker.positions_now() == {}
    traded = [o for o in world.broker.places(intent.intent_id) if role_of(o.order_ref) == "L"]
    anything_filled = any(
        e.order_ref.startswith(intent.intent_id) for e in await world.broker.executions() or []
    )
    if anything_filled:
        assert result.outcome is Outcome.ROLLED_BACK
        assert world.alerts.of(AlertType.SYSTEM)
    else:
        assert result.outcome in (Outcome.REJECTED, Outcome.CANCELLED)
    assert traded  # it really legged in
    if mode == "reject":
        rejected = [
            a
            for a in world.alerts.of(AlertType.ORDER_REJECTED)
            if a.data["order_ref"] == leg_ref(intent.intent_id, leg)
        ]
        assert rejected
        assert rejected[0].data["error_code"] == 201
    strategy = engine.strategy("ic-1")
    assert strategy is not None
    assert strategy.status is StrategyStatus.CANCELLED
    # The buys always went before the sells.
    sides = [
        o.action.value for o in world.broker.places(intent.intent_id) if role_of(o.order_ref) == "L"
    ]
    assert sides == sorted(sides)  # "BUY" < "SELL"


@pytest.mark.parametrize("leg", [1, 2])
async def test_failed_unwind_leaves_defined_risk_and_a_critical_alert(leg: int) -> None:
    world = make_world(legging_config())
    engine = world.engine()
    intent = condor_intent()
    failing = leg_ref(intent.intent_id, leg)

    def refuse(order: Order) -> tuple[int, str] | None:
        role = parse_ref(order.order_ref)
        if order.order_ref == failing or (role is not None and role.role.value == "R"):
            return 201, "Order rejected - injected"
        return None

    world.broker.reject = refuse
    await engine.submit(intent, pending_condor())
    reports = [await engine.step(), *await world.run(engine, 120, dt=2)]

    assert world.broker.naked_seen == []
    (result,) = [r for rep in reports for r in rep.finished]
    held = world.broker.positions_now()
    assert held  # the unwind could not trade
    assert uncovered_shorts(held) == {}
    assert result.outcome is Outcome.STRANDED
    critical = [a for a in world.alerts.raised if a.severity is Severity.CRITICAL]
    assert any(a.alert_type is AlertType.SYSTEM for a in critical)
    strategy = engine.strategy("ic-1")
    assert strategy is not None
    assert strategy.status is StrategyStatus.OPEN
    assert {lg.contract: lg.quantity for lg in strategy.legs} == held  # what we hold, tracked


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("leg", range(4))
async def test_failed_exit_leg_keeps_what_took_risk_off(leg: int, mode: str) -> None:
    """A risk-reducing intent is never unwound (that would re-open risk): it stops, and what
    is left is still covered."""
    partial = mode == "partial"
    world = make_world(
        ExecutionConfig(normal=QUICK, urgent=QUICK),
        partial_fill_probability=1.0 if partial else 0.0,
    )
    engine = world.engine()
    units = 2 if partial else 1
    await open_condor(world, engine, units=units)
    # From here, exits leg in (as if the broker refused combos).
    engine.config = legging_config()
    exit_intent = condor_intent(kind=IntentKind.CLOSE, units=units, created_at=world.clock.now())
    inject(world, exit_intent.intent_id, leg, mode)
    await engine.submit(exit_intent)
    reports = [await engine.step(), *await world.run(engine, 120, dt=2)]

    assert world.broker.naked_seen == []
    (result,) = [r for rep in reports for r in rep.finished if r.intent_id == exit_intent.intent_id]
    assert result.outcome in (Outcome.PARTIAL, Outcome.CANCELLED, Outcome.REJECTED)
    assert not [
        o for o in world.broker.places(exit_intent.intent_id) if role_of(o.order_ref) == "R"
    ]
    held = world.broker.positions_now()
    assert uncovered_shorts(held) == {}
    strategy = engine.strategy("ic-1")
    assert strategy is not None
    assert strategy.is_active
    assert {lg.contract: lg.quantity for lg in strategy.legs} == held


async def test_rejected_combo_falls_back_to_legging_and_fills() -> None:
    world = make_world(ExecutionConfig(normal=QUICK, urgent=QUICK))
    engine = world.engine()
    intent = condor_intent()
    world.broker.reject = lambda o: (10058, "combo refused - injected") if o.is_combo else None
    await engine.submit(intent, pending_condor())
    reports = [await engine.step(), *await world.run(engine, 60, dt=2)]

    (result,) = [r for rep in reports for r in rep.finished]
    assert result.outcome is Outcome.FILLED
    assert "legging" in result.reason
    held = world.broker.positions_now()
    assert held == dict(zip(IC, IC_SIGNS, strict=True))
    assert world.broker.naked_seen == []
    strategy = engine.strategy("ic-1")
    assert strategy is not None
    assert strategy.strategy_type is StrategyType.IRON_CONDOR
    assert strategy.status is StrategyStatus.OPEN

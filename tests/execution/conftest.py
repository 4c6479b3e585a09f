"""Shared helpers for the execution tests (the kit holds the fakes)."""

from __future__ import annotations

from v6.domain import IntentKind, Strategy, StrategyStatus
from v6.execution import ExecutionEngine, Outcome

from .kit import IC, IC_QUOTES, IC_SIGNS, World, condor_intent, pending_condor


def net_market_by_hand(signs: tuple[int, ...] = IC_SIGNS, units: int = 1) -> tuple[float, float]:
    """(bid, ask) of the condor per unit in IB's BUY-combo sign, straight from the quotes:
    a bought leg is worth its bid and costs its ask, a sold leg the other way round."""
    bid = sum(
        s * (IC_QUOTES[c][0] if s > 0 else IC_QUOTES[c][1]) for c, s in zip(IC, signs, strict=True)
    )
    ask = sum(
        s * (IC_QUOTES[c][1] if s > 0 else IC_QUOTES[c][0]) for c, s in zip(IC, signs, strict=True)
    )
    return bid, ask


async def open_condor(
    world: World, engine: ExecutionEngine, strategy_id: str = "ic-1", units: int = 1
) -> Strategy:
    """Enter a condor through the engine and run until it is open."""
    intent = condor_intent(strategy_id, IntentKind.OPEN, units)
    result = await engine.submit(intent, pending_condor(strategy_id, units))
    assert result.accepted, result.reason
    reports = [await engine.step(), *await world.run(engine, 400, dt=5)]
    outcomes = [
        r.outcome for rep in reports for r in rep.finished if r.intent_id == intent.intent_id
    ]
    assert outcomes == [Outcome.FILLED]
    strategy = engine.strategy(strategy_id)
    assert strategy is not None
    assert strategy.status is StrategyStatus.OPEN
    return strategy

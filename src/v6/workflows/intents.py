"""Decisions and proposals to intents: pure functions, deterministic ids.

* CLOSE: every leg negated.
* REDUCE (and a strategy-level HEDGE, which trades the strategy's own legs): the same
  fraction off every leg, ``reduce_units`` units (at least one); all units is a CLOSE.
* ROLL: the closing half (kind ROLL, legs negated); the new position is opened by its own
  OPEN intent once the close has filled (``v6.workflows.monitoring``), so each half passes the
  gate and a failed open leaves a plain close.
* OPEN: a builder's proposal, limited at its minimum credit (or maximum debit).

Intent ids derive from the decision id (strategy, cycle time, rule), so a cycle re-run after a
restart regenerates the ids already journaled and the execution engine refuses duplicates.
"""

from __future__ import annotations

import math
from datetime import datetime

from v6.domain.decision import Action, Decision
from v6.domain.orders import Intent, IntentKind, LegInstruction, Urgency, make_intent_id
from v6.domain.strategy import Strategy
from v6.risk.trade import STRATEGY_TYPE_KEY
from v6.strategies.results import Proposal

ENTRY = "entry"
ROLL_OPEN = "roll_open"


def _units_from(decision: Decision, units: int) -> int:
    raw = decision.thresholds.get("reduce_units")
    if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        return max(1, min(units, int(raw)))
    fraction = decision.thresholds.get("reduce_fraction")
    if isinstance(fraction, int | float) and not isinstance(fraction, bool):
        return max(1, min(units, math.ceil(units * float(fraction))))
    return max(1, units // 2)


def exit_intent(strategy: Strategy, decision: Decision, now: datetime) -> Intent | None:
    """The intent a non-HOLD decision asks for (None for HOLD)."""
    action = decision.action
    if action is Action.HOLD:
        return None
    units = strategy.units
    kind = IntentKind.CLOSE
    n = units
    if action is Action.ROLL:
        kind = IntentKind.ROLL
    elif action in (Action.REDUCE, Action.HEDGE):
        n = _units_from(decision, units)
        kind = IntentKind.REDUCE if n < units else IntentKind.CLOSE
    legs = tuple(
        LegInstruction(leg.contract, -(leg.quantity // units) * n) for leg in strategy.legs
    )
    return Intent(
        intent_id=make_intent_id(strategy.strategy_id, kind, decision.decision_id),
        kind=kind,
        strategy_id=strategy.strategy_id,
        legs=legs,
        created_at=now,
        urgency=decision.urgency,
        decision_id=decision.decision_id,
        reason=f"{decision.rule}: {decision.reason}"[:500],
        metadata={"origin": decision.rule},
    )


def open_intent(proposal: Proposal, now: datetime, *, origin: str = ENTRY) -> Intent:
    """The entry intent of a proposal: legs as built, limit at the minimum credit (pay space:
    a credit is negative) or at the maximum debit."""
    s = proposal.strategy
    limit: float | None = None
    if proposal.min_credit is not None:
        limit = -round(proposal.min_credit, 2)
    elif proposal.max_debit is not None:
        limit = round(proposal.max_debit, 2)
    return Intent(
        intent_id=make_intent_id(s.strategy_id, IntentKind.OPEN, 1),
        kind=IntentKind.OPEN,
        strategy_id=s.strategy_id,
        legs=tuple(LegInstruction(leg.contract, leg.quantity) for leg in s.legs),
        created_at=now,
        urgency=Urgency.NORMAL,
        limit_price=limit,
        reason=f"{origin}: {s.strategy_type.value} {s.symbol} {s.expiry.isoformat()}",
        metadata={"origin": origin, STRATEGY_TYPE_KEY: s.strategy_type.value},
    )


__all__ = ["ENTRY", "ROLL_OPEN", "exit_intent", "open_intent"]

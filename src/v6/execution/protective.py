"""Protective orders: a broker-side GTC one-cancels-all pair per open credit strategy, so a
position stays guarded while the process is down: a take-profit limit and a catastrophe stop,
both on the combo that closes the strategy. Building them is pure; the engine places, cancels
and replaces them (always cancelling before an exit of the same strategy is sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from v6.domain.orders import (
    Intent,
    IntentKind,
    LegInstruction,
    Order,
    OrderStatus,
    OrderType,
    TimeInForce,
    Urgency,
    make_intent_id,
)
from v6.domain.strategy import Strategy
from v6.execution.config import ProtectiveConfig
from v6.execution.mapping import OrderShape, protective_refs
from v6.execution.walk import floor_to_tick

PROTECTIVE_REASON = "protective"
"""``Intent.reason`` (and the journal's ``reason``) of a protective pair's intent."""


@dataclass(frozen=True, slots=True)
class ProtectivePlan:
    intent: Intent
    take_profit: Order
    stop: Order


@dataclass(slots=True)
class Protection:
    """A resting pair and what the broker has said about it."""

    strategy_id: str
    intent_id: str
    shape: OrderShape
    intent: Intent
    statuses: dict[str, OrderStatus] = field(default_factory=dict)
    filled_units: dict[str, int] = field(default_factory=dict)
    cancel_sent: bool = False

    @property
    def refs(self) -> tuple[str, str]:
        return protective_refs(self.intent_id)

    @property
    def live(self) -> bool:
        """At least one of the pair may still trade."""
        return any(
            not self.statuses.get(ref, OrderStatus.SUBMITTED).is_terminal for ref in self.refs
        )

    @property
    def units_filled(self) -> int:
        return sum(self.filled_units.values())


def protective_intent(strategy: Strategy, version: int, now: datetime) -> Intent:
    """The CLOSE intent a pair stands for (it passes the risk gate like every intent)."""
    return Intent(
        intent_id=make_intent_id(strategy.strategy_id, IntentKind.CLOSE, f"protect-{version}"),
        kind=IntentKind.CLOSE,
        strategy_id=strategy.strategy_id,
        legs=tuple(LegInstruction(leg.contract, -leg.quantity) for leg in strategy.legs),
        created_at=now,
        urgency=Urgency.LOW,
        reason=PROTECTIVE_REASON,
        metadata={"protective_version": version},
    )


def plan_protection(
    strategy: Strategy, intent: Intent, config: ProtectiveConfig, tick: float
) -> ProtectivePlan | str:
    """The pair for ``strategy``, or why there is none. Prices are pay-space per unit of the
    closing combo: take profit at ``credit x (1 - take_profit_fraction)``, stop when the combo's
    mid reaches ``credit x catastrophe_stop_multiple``."""
    credit = strategy.credit_per_unit
    if credit <= 0:
        return f"strategy {strategy.strategy_id}: protective orders cover credit strategies only"
    shape = OrderShape.of([(leg.contract, leg.quantity) for leg in intent.legs])
    tp_ref, sl_ref = protective_refs(intent.intent_id)
    take_profit_pay = floor_to_tick(credit * (1.0 - config.take_profit_fraction), tick)
    stop_pay = round(round(credit * config.catastrophe_stop_multiple / tick) * tick, 10)
    slip = config.stop_limit_slippage_per_unit
    gtc, oca = TimeInForce.GTC, intent.intent_id
    take_profit = shape.build(
        tp_ref,
        intent.intent_id,
        strategy.strategy_id,
        pay_limit=take_profit_pay,
        tif=gtc,
        oca_group=oca,
    )
    stop = shape.build(
        sl_ref,
        intent.intent_id,
        strategy.strategy_id,
        pay_limit=None if slip is None else stop_pay + slip,
        order_type=OrderType.STOP,
        stop_pay=stop_pay,
        tif=gtc,
        oca_group=oca,
    )
    return ProtectivePlan(intent, take_profit, stop)

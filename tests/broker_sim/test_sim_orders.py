"""Order lifecycle at the paper broker: types, states, cancel, modify, OCA, TIF, quotes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

import pytest

from v6.broker.sim import PaperBroker
from v6.clock import VirtualClock
from v6.domain import (
    Fill,
    OrderEvent,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from v6.errors import DomainError
from v6.ports import Broker, BrokerEvent

from .conftest import BrokerFactory
from .kit import (
    BUY,
    C_SHORT,
    IC_LEGS,
    P_LONG,
    P_SHORT,
    SELL,
    DictQuotes,
    combo,
    opt,
    single,
)


def statuses(events: Sequence[BrokerEvent], ref: str) -> list[OrderStatus]:
    return [e.status for e in events if isinstance(e, OrderEvent) and e.order_ref == ref]


def fills_of(events: Sequence[BrokerEvent], ref: str) -> list[Fill]:
    return [e for e in events if isinstance(e, Fill) and e.order_ref == ref]


def test_paper_broker_satisfies_the_broker_port(broker: PaperBroker) -> None:
    assert isinstance(broker, Broker)


def test_non_marketable_limit_stays_working(broker: PaperBroker) -> None:
    event = broker.submit(single("o1", P_SHORT, BUY, 1, limit=1.55))
    assert event.status is OrderStatus.SUBMITTED
    assert event.remaining == 1
    assert event.broker_order_id is not None
    events = broker.drain_events()
    assert statuses(events, "o1") == [OrderStatus.PENDING_SUBMIT, OrderStatus.SUBMITTED]
    assert broker.process() == 0
    assert [o.order.order_ref for o in broker.list_open_orders()] == ["o1"]


def test_marketable_buy_limit_fills_at_the_ask(broker: PaperBroker) -> None:
    broker.submit(single("o1", P_SHORT, BUY, 2, limit=1.70))
    events = broker.drain_events()
    assert statuses(events, "o1") == [
        OrderStatus.PENDING_SUBMIT,
        OrderStatus.SUBMITTED,
        OrderStatus.FILLED,
    ]
    (fill,) = fills_of(events, "o1")
    assert fill.action is BUY
    assert fill.quantity == 2
    assert fill.price == pytest.approx(1.60)  # the ask: better than the 1.70 limit
    assert broker.list_open_orders() == []


def test_limit_fills_when_the_market_comes_to_it(
    broker: PaperBroker, quotes: DictQuotes, clock: VirtualClock
) -> None:
    broker.submit(single("o1", P_SHORT, SELL, 1, limit=1.70))
    broker.drain_events()
    clock.advance(timedelta(minutes=5))
    quotes.set(P_SHORT, 1.72, 1.80)
    assert broker.process() == 1
    events = broker.drain_events()
    (fill,) = fills_of(events, "o1")
    assert fill.action is SELL
    assert fill.price == pytest.approx(1.72)
    assert fill.ts_event == clock.now()
    assert statuses(events, "o1") == [OrderStatus.FILLED]


def test_market_order_fills_at_the_natural(broker: PaperBroker) -> None:
    broker.submit(single("m1", P_SHORT, SELL, 1))
    (fill,) = fills_of(broker.drain_events(), "m1")
    assert fill.price == pytest.approx(1.50)


def test_market_order_slippage_fraction_trades_between_mid_and_natural(
    make_broker: BrokerFactory,
) -> None:
    broker = make_broker(slippage_fraction=0.5)
    broker.submit(single("m1", P_SHORT, BUY, 1))
    (fill,) = fills_of(broker.drain_events(), "m1")
    assert fill.price == pytest.approx(1.575)  # mid 1.55 + half of the 0.05 half-spread


def test_single_leg_written_as_sell_leg_on_buy_order_trades_as_a_sell(
    broker: PaperBroker,
) -> None:
    order = combo("s1", [(P_SHORT, 1, SELL)], limit=1.40, action=BUY)
    broker.submit(order)
    (fill,) = fills_of(broker.drain_events(), "s1")
    assert fill.action is SELL
    assert fill.price == pytest.approx(1.50)
    # Sell order x sell leg is a buy, as ``Order.signed_leg_quantities`` says.
    broker.submit(combo("s2", [(P_SHORT, 1, SELL)], limit=1.60, action=SELL))
    (bought,) = fills_of(broker.drain_events(), "s2")
    assert bought.action is BUY
    assert bought.price == pytest.approx(1.60)


def test_sell_stop_triggers_on_mid_and_fills_like_a_market_order(
    broker: PaperBroker, quotes: DictQuotes, clock: VirtualClock
) -> None:
    stop = single("st", P_LONG, SELL, 1, order_type=OrderType.STOP, stop=0.80, tif=TimeInForce.GTC)
    assert broker.submit(stop).status is OrderStatus.SUBMITTED
    quotes.set(P_LONG, 0.78, 0.86)  # mid 0.82: above the stop
    clock.advance(timedelta(minutes=5))
    assert broker.process() == 0
    quotes.set(P_LONG, 0.74, 0.84)  # mid 0.79: triggered
    clock.advance(timedelta(minutes=5))
    assert broker.process() == 1
    (fill,) = fills_of(broker.drain_events(), "st")
    assert fill.price == pytest.approx(0.74)


def test_stop_limit_waits_for_its_limit_after_triggering(
    broker: PaperBroker, quotes: DictQuotes, clock: VirtualClock
) -> None:
    order = single("sl", P_LONG, SELL, 1, limit=0.75, order_type=OrderType.STOP, stop=0.80)
    broker.submit(order)
    quotes.set(P_LONG, 0.70, 0.84)  # mid 0.77 triggers; bid 0.70 < limit 0.75
    assert broker.process() == 0
    quotes.set(P_LONG, 0.76, 0.90)  # mid 0.83 is above the stop again, but it stays triggered
    clock.advance(timedelta(minutes=1))
    assert broker.process() == 1
    (fill,) = fills_of(broker.drain_events(), "sl")
    assert fill.price == pytest.approx(0.76)


def test_buy_stop_on_combo_protects_a_short_condor(
    broker: PaperBroker, quotes: DictQuotes, clock: VirtualClock
) -> None:
    """Buy back the condor (reverse legs as a BUY combo) when its debit reaches 2.00."""
    closing = combo(
        "stop-ic",
        [
            (opt(475), 1, SELL),
            (opt(480), 1, BUY),
            (opt(520, "C"), 1, BUY),
            (opt(525, "C"), 1, SELL),
        ],
        order_type=OrderType.STOP,
        stop=2.00,
        tif=TimeInForce.GTC,
    )
    broker.submit(closing)
    assert broker.process() == 0  # mid debit 1.00
    quotes.set(opt(480), 3.50, 3.70)  # short put rallies: mid debit now 2.05
    clock.advance(timedelta(minutes=5))
    assert broker.process() == 1
    fills = fills_of(broker.drain_events(), "stop-ic")
    assert len(fills) == 4
    net = sum(f.signed_quantity * f.price for f in fills)
    assert net == pytest.approx(-1.00 + 3.70 + 1.50 - 0.90)  # the natural debit


def test_credit_condor_fills_only_when_the_credit_asked_is_available(
    broker: PaperBroker, quotes: DictQuotes, clock: VirtualClock
) -> None:
    event = broker.submit(combo("ic", IC_LEGS, quantity=1, limit=-1.00))
    assert event.status is OrderStatus.SUBMITTED
    assert fills_of(broker.drain_events(), "ic") == []  # natural credit is only 0.80
    quotes.set(P_SHORT, 1.70, 1.80)  # natural credit becomes 0.80 + 0.20 = 1.00
    clock.advance(timedelta(minutes=5))
    assert broker.process() == 1
    events = broker.drain_events()
    fills = fills_of(events, "ic")
    assert len(fills) == 4
    by_contract = {f.contract: f for f in fills}
    assert by_contract[P_SHORT].action is SELL
    assert by_contract[P_LONG].action is BUY
    net = sum(f.signed_quantity * f.price for f in fills)
    assert net == pytest.approx(-1.00)
    (done,) = [e for e in events if isinstance(e, OrderEvent)]
    assert done.status is OrderStatus.FILLED
    assert done.avg_fill_price == pytest.approx(-1.00)


def test_credit_condor_asking_less_than_natural_gets_the_natural(broker: PaperBroker) -> None:
    broker.submit(combo("ic", IC_LEGS, limit=-0.50))
    fills = fills_of(broker.drain_events(), "ic")
    assert sum(f.signed_quantity * f.price for f in fills) == pytest.approx(-0.80)


def test_orders_without_a_valid_quote_stay_working(
    broker: PaperBroker, quotes: DictQuotes, clock: VirtualClock
) -> None:
    cases = {
        "nan": (math.nan, 1.0),
        "crossed": (1.70, 1.60),
        "no-ask": (0.0, 0.0),
    }
    for ref, (bid, ask) in cases.items():
        quotes.set(P_SHORT, bid, ask)
        broker.submit(single(ref, P_SHORT, BUY, 1, limit=5.0))
    quotes.remove(P_LONG)
    broker.submit(single("missing", P_LONG, BUY, 1))
    quotes.set(C_SHORT, 1.40, 1.50, ts=clock.now() - timedelta(hours=2))
    broker.submit(single("stale", C_SHORT, BUY, 1))
    assert broker.process() == 0
    assert not [e for e in broker.drain_events() if isinstance(e, Fill)]
    assert len(broker.list_open_orders()) == 5


def test_zero_bid_wing_still_trades(broker: PaperBroker, quotes: DictQuotes) -> None:
    quotes.set(P_LONG, 0.0, 0.05)
    broker.submit(single("wing", P_LONG, BUY, 1, limit=0.05))
    assert len(fills_of(broker.drain_events(), "wing")) == 1


def test_expired_contract_is_rejected(broker: PaperBroker, quotes: DictQuotes) -> None:
    old = opt(480, expiry=date(2026, 2, 27))
    quotes.set(old, 1.0, 1.1)
    event = broker.submit(single("old", old, BUY, 1, limit=1.1))
    assert event.status is OrderStatus.REJECTED
    assert event.error_code == 200
    assert statuses(broker.drain_events(), "old") == [
        OrderStatus.PENDING_SUBMIT,
        OrderStatus.REJECTED,
    ]
    assert broker.list_open_orders() == []


def test_duplicate_working_reference_is_rejected(broker: PaperBroker) -> None:
    broker.submit(single("dup", P_SHORT, BUY, 1, limit=1.0))
    event = broker.submit(single("dup", P_SHORT, BUY, 1, limit=1.0))
    assert event.status is OrderStatus.REJECTED
    assert event.error_code == 103
    assert len(broker.list_open_orders()) == 1


def test_combo_with_legs_on_different_underlyings_cannot_exist() -> None:
    with pytest.raises(DomainError):
        combo("mixed", [(opt(480), 1, BUY), (opt(480, symbol="QQQ"), 1, SELL)], limit=0.5)


def test_combo_with_repeated_contract_is_rejected(broker: PaperBroker) -> None:
    order = combo("rep", [(P_SHORT, 1, BUY), (P_SHORT, 1, SELL)], limit=0.5)
    event = broker.submit(order)
    assert event.status is OrderStatus.REJECTED
    assert event.error_code == 321


def test_cancel_working_order(broker: PaperBroker) -> None:
    broker.submit(single("c1", P_SHORT, BUY, 1, limit=1.0))
    assert broker.cancel("c1") is True
    assert broker.cancel("c1") is False
    assert broker.cancel("never") is False
    events = broker.drain_events()
    assert statuses(events, "c1")[-1] is OrderStatus.CANCELLED
    cancelled = events[-1]
    assert isinstance(cancelled, OrderEvent)
    assert cancelled.error_code == 202
    assert broker.list_open_orders() == []
    assert broker.process() == 0


def test_modify_price_makes_the_order_fill(broker: PaperBroker) -> None:
    order = combo("ic", IC_LEGS, quantity=2, limit=-1.00)
    broker.submit(order)
    event = broker.modify(replace(order, limit_price=-0.80))
    assert event is not None
    assert event.status is OrderStatus.SUBMITTED
    events = broker.drain_events()
    assert statuses(events, "ic")[-1] is OrderStatus.FILLED
    assert sum(f.quantity for f in fills_of(events, "ic")) == 8


def test_modify_with_different_legs_is_refused_with_105_and_original_keeps_working(
    broker: PaperBroker,
) -> None:
    order = combo("ic", IC_LEGS, limit=-1.00)
    broker.submit(order)
    other_legs = combo("ic", [*IC_LEGS[:3], (opt(530, "C"), 1, BUY)], limit=-1.00)
    event = broker.modify(other_legs)
    assert event is not None
    assert event.error_code == 105
    assert event.status is OrderStatus.SUBMITTED
    (still,) = broker.list_open_orders()
    assert still.order == order
    flipped = broker.modify(replace(order, action=SELL))
    assert flipped is not None
    assert flipped.error_code == 105


def test_modify_unknown_order_returns_none(broker: PaperBroker) -> None:
    assert broker.modify(single("ghost", P_SHORT, BUY, 1, limit=1.0)) is None


def test_modify_quantity_below_filled_is_refused(
    make_broker: BrokerFactory, quotes: DictQuotes
) -> None:
    broker = make_broker(partial_fill_probability=1.0, seed=3)
    order = single("p", P_SHORT, BUY, 5, limit=2.0)
    broker.submit(order)
    filled = broker.order_status("p")
    assert filled is not None
    assert 1 <= filled.filled < 5
    event = broker.modify(replace(order, quantity=filled.filled))
    assert event is not None
    assert event.error_code == 105
    (still,) = broker.list_open_orders()
    assert still.order.quantity == 5


def test_oca_fill_cancels_the_rest_of_the_group(
    broker: PaperBroker, quotes: DictQuotes, clock: VirtualClock
) -> None:
    # Own one put, then rest a take-profit and a stop in one OCA group.
    broker.submit(single("open", P_LONG, BUY, 1, limit=1.10))
    tp = single("tp", P_LONG, SELL, 1, limit=1.50, tif=TimeInForce.GTC, oca="exit-1")
    sl = single(
        "sl",
        P_LONG,
        SELL,
        1,
        order_type=OrderType.STOP,
        stop=0.50,
        tif=TimeInForce.GTC,
        oca="exit-1",
    )
    unrelated = single("other", C_SHORT, BUY, 1, limit=0.5, oca="exit-2")
    for order in (tp, sl, unrelated):
        broker.submit(order)
    broker.drain_events()
    quotes.set(P_LONG, 1.55, 1.65)
    clock.advance(timedelta(minutes=5))
    broker.process()
    events = broker.drain_events()
    assert statuses(events, "tp") == [OrderStatus.FILLED]
    assert statuses(events, "sl") == [OrderStatus.CANCELLED]
    (cancel,) = [e for e in events if isinstance(e, OrderEvent) and e.order_ref == "sl"]
    assert "OCA" in cancel.message
    assert [o.order.order_ref for o in broker.list_open_orders()] == ["other"]


def test_day_orders_expire_at_the_close_and_gtc_survive(broker: PaperBroker) -> None:
    broker.submit(single("day", P_SHORT, BUY, 1, limit=1.0))
    broker.submit(single("gtc", P_SHORT, BUY, 1, limit=1.0, tif=TimeInForce.GTC))
    broker.drain_events()
    report = broker.end_of_day()
    assert report.expired_orders == ("day",)
    assert statuses(broker.drain_events(), "day") == [OrderStatus.CANCELLED]
    assert [o.order.order_ref for o in broker.list_open_orders()] == ["gtc"]


def test_gtc_orders_on_contracts_expiring_today_are_cancelled(
    broker: PaperBroker, quotes: DictQuotes
) -> None:
    today = broker.session_day()
    zero_dte = opt(480, expiry=today)
    quotes.set(zero_dte, 1.0, 1.1)
    broker.submit(single("0dte", zero_dte, BUY, 1, limit=0.5, tif=TimeInForce.GTC))
    report = broker.end_of_day(today)
    assert report.expired_orders == ("0dte",)


def test_delay_keeps_a_marketable_order_working_for_some_steps(
    make_broker: BrokerFactory,
) -> None:
    broker = make_broker(delay_probability=1.0, max_delay_steps=3, seed=11)
    broker.submit(single("slow", P_SHORT, BUY, 1))
    steps = 0
    while broker.order_status("slow") is not None and not _filled(broker, "slow"):
        broker.process()
        steps += 1
        assert steps <= 4
    assert 2 <= steps <= 4  # waited 1..3 steps, filled on the next one


def _filled(broker: PaperBroker, ref: str) -> bool:
    status = broker.order_status(ref)
    return status is not None and status.status is OrderStatus.FILLED


def test_partial_fills_sum_to_the_order_and_statuses_progress(
    make_broker: BrokerFactory,
) -> None:
    broker = make_broker(partial_fill_probability=0.7, seed=5)
    broker.submit(combo("ic", IC_LEGS, quantity=10, limit=-0.80))
    for _ in range(50):
        if _filled(broker, "ic"):
            break
        broker.process()
    events = broker.drain_events()
    seen = statuses(events, "ic")
    assert seen[-1] is OrderStatus.FILLED
    assert OrderStatus.PARTIALLY_FILLED in seen
    order_events = [e for e in events if isinstance(e, OrderEvent) and e.order_ref == "ic"]
    filled = [e.filled for e in order_events]
    assert filled == sorted(filled)
    assert all(e.filled + e.remaining == 10 for e in order_events)
    per_contract: dict[object, int] = {}
    for fill in fills_of(events, "ic"):
        per_contract[fill.contract] = per_contract.get(fill.contract, 0) + fill.quantity
    assert set(per_contract.values()) == {10}


def test_open_orders_executions_and_positions_answer(
    broker: PaperBroker, clock: VirtualClock
) -> None:
    broker.submit(combo("ic", IC_LEGS, quantity=1, limit=-0.80))
    t_mid = clock.advance(timedelta(minutes=1))
    broker.submit(single("ss", P_SHORT, BUY, 1, limit=1.0))  # works
    broker.submit(single("ll", P_LONG, BUY, 1, limit=1.10))  # fills
    everything = broker.list_executions(None)
    assert len(everything) == 5
    assert len({f.execution_id for f in everything}) == 5
    later = broker.list_executions(t_mid)
    assert [f.order_ref for f in later] == ["ll"]
    positions = {p.contract: p.quantity for p in broker.list_positions()}
    assert positions[P_LONG] == 2
    assert positions[P_SHORT] == -1
    (working,) = broker.list_open_orders()
    assert working.order.order_ref == "ss"
    assert working.last_event.status is OrderStatus.SUBMITTED


@pytest.mark.asyncio
async def test_async_port_answers_empty_lists_not_none(broker: PaperBroker) -> None:
    assert await broker.open_orders() == []
    assert await broker.executions() == []
    assert await broker.positions() == []
    summary = await broker.account()
    assert summary is not None
    assert summary.cash == broker.config.starting_cash


def test_execution_ids_are_unique_across_orders(broker: PaperBroker) -> None:
    for i in range(5):
        broker.submit(combo(f"ic{i}", IC_LEGS, limit=-0.80))
    ids = [f.execution_id for f in broker.list_executions(None)]
    assert len(ids) == 20
    assert len(set(ids)) == 20


def test_broker_refuses_mixed_underlyings_even_if_an_order_slips_past_the_domain(
    broker: PaperBroker,
) -> None:
    order = combo("mixed", [(opt(480), 1, BUY), (opt(475), 1, SELL)], limit=0.5)
    object.__setattr__(
        order, "legs", (order.legs[0], replace(order.legs[1], contract=opt(475, symbol="QQQ")))
    )
    event = broker.submit(order)
    assert event.status is OrderStatus.REJECTED
    assert event.error_code == 321


def test_modify_that_would_overdraw_buying_power_is_refused_and_original_kept(
    make_broker: BrokerFactory,
) -> None:
    broker = make_broker(starting_cash=1_000.0)
    order = combo("ic", IC_LEGS, quantity=1, limit=-1.00)
    assert broker.submit(order).status is OrderStatus.SUBMITTED
    event = broker.modify(replace(order, quantity=5))
    assert event is not None
    assert event.error_code == 201
    assert event.status is OrderStatus.SUBMITTED
    (still,) = broker.list_open_orders()
    assert still.order.quantity == 1

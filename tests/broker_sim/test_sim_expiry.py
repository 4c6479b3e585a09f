"""Expiration settlement and the optional early-assignment model."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from v6.broker.sim import ASSIGNMENT_ORDER_REF, EXPIRY_ORDER_REF, Dividend
from v6.clock import VirtualClock
from v6.domain import OrderAction
from v6.errors import DataQualityError

from .conftest import BrokerFactory
from .kit import (
    BUY,
    C_LONG,
    C_SHORT,
    EXPIRY,
    IC_LEGS,
    P_LONG,
    P_SHORT,
    SELL,
    DictQuotes,
    combo,
    opt,
    single,
)


def test_itm_long_put_settles_for_intrinsic_cash(make_broker: BrokerFactory) -> None:
    broker = make_broker()
    broker.submit(single("open", P_SHORT, BUY, 2, limit=1.60))
    cash_before = broker.account_summary().cash
    report = broker.end_of_day(EXPIRY, closing_prices={"SPY": 470.0})
    (settle,) = report.settlements
    assert settle.order_ref == EXPIRY_ORDER_REF
    assert settle.action is OrderAction.SELL
    assert settle.quantity == 2
    assert settle.price == pytest.approx(10.0)
    assert settle.commission == 0
    assert broker.list_positions() == []
    assert broker.account_summary().cash == pytest.approx(cash_before + 10.0 * 200)
    assert broker.realized_pnl == pytest.approx((10.0 - 1.60) * 200 - 1.30)
    assert settle in broker.list_executions()


def test_otm_condor_expires_worthless_keeping_the_credit(make_broker: BrokerFactory) -> None:
    broker = make_broker()
    broker.submit(combo("ic", IC_LEGS, quantity=3, limit=-0.80))
    report = broker.end_of_day(EXPIRY, closing_prices={"SPY": 501.0})
    assert len(report.settlements) == 4
    assert all(f.price == 0 for f in report.settlements)
    assert broker.list_positions() == []
    assert broker.realized_pnl == pytest.approx(0.80 * 300 - 12 * 0.65)
    summary = broker.account_summary()
    assert summary.cash == pytest.approx(100_000 + broker.realized_pnl)
    assert summary.maintenance_margin == 0


def test_breached_credit_spread_loses_width_minus_credit(make_broker: BrokerFactory) -> None:
    broker = make_broker()
    broker.submit(combo("ic", IC_LEGS, quantity=1, limit=-0.80))
    broker.end_of_day(EXPIRY, closing_prices={"SPY": 530.0})  # both calls deep ITM
    assert broker.realized_pnl == pytest.approx((0.80 - 5.00) * 100 - 4 * 0.65)


def test_settlement_uses_the_quote_source_when_no_close_is_given(
    make_broker: BrokerFactory, quotes: DictQuotes
) -> None:
    broker = make_broker()
    broker.submit(single("open", C_SHORT, BUY, 1, limit=1.50))
    quotes.spots["SPY"] = 523.0
    (settle,) = broker.settle_expiries(EXPIRY)
    assert settle.price == pytest.approx(3.0)


def test_settlement_without_any_closing_price_refuses_and_changes_nothing(
    make_broker: BrokerFactory, quotes: DictQuotes
) -> None:
    broker = make_broker()
    broker.submit(single("open", C_SHORT, BUY, 1, limit=1.50))
    broker.submit(single("day", P_SHORT, BUY, 1, limit=0.10))
    del quotes.spots["SPY"]
    with pytest.raises(DataQualityError):
        broker.end_of_day(EXPIRY)
    assert len(broker.list_positions()) == 1
    assert len(broker.list_open_orders()) == 1


def test_positions_not_yet_expiring_are_left_alone(make_broker: BrokerFactory) -> None:
    broker = make_broker()
    broker.submit(single("open", C_SHORT, BUY, 1, limit=1.50))
    report = broker.end_of_day(EXPIRY - timedelta(days=1))
    assert report.settlements == ()
    assert len(broker.list_positions()) == 1


def test_early_assignment_is_off_by_default(make_broker: BrokerFactory, quotes: DictQuotes) -> None:
    broker = make_broker()
    broker.submit(single("short", P_SHORT, SELL, 1, limit=1.50))
    quotes.spots["SPY"] = 470.0
    quotes.set(P_SHORT, 9.98, 10.02)  # no extrinsic value left
    report = broker.end_of_day(EXPIRY - timedelta(days=2))
    assert report.assignments == ()
    assert len(broker.list_positions()) == 1


def test_short_itm_without_extrinsic_is_assigned_near_expiry(
    make_broker: BrokerFactory, quotes: DictQuotes
) -> None:
    broker = make_broker(early_assignment=True)
    broker.submit(combo("spread", [(P_LONG, 1, BUY), (P_SHORT, 1, SELL)], limit=-0.40))
    quotes.spots["SPY"] = 470.0
    quotes.set(P_SHORT, 9.98, 10.02)  # mid 10.00 = intrinsic
    quotes.set(P_LONG, 4.99, 5.05)
    report = broker.end_of_day(EXPIRY - timedelta(days=2))
    (assigned,) = report.assignments
    assert "extrinsic" in report.reasons[assigned.execution_id]
    assert assigned.order_ref == ASSIGNMENT_ORDER_REF
    assert assigned.contract == P_SHORT
    assert assigned.action is OrderAction.BUY
    assert assigned.price == pytest.approx(10.0)
    positions = {p.contract: p.quantity for p in broker.list_positions()}
    assert positions == {P_LONG: 1}


def test_short_with_extrinsic_or_far_from_expiry_is_not_assigned(
    make_broker: BrokerFactory, quotes: DictQuotes
) -> None:
    broker = make_broker(early_assignment=True)
    broker.submit(single("short", P_SHORT, SELL, 1, limit=1.50))
    quotes.spots["SPY"] = 470.0
    quotes.set(P_SHORT, 10.40, 10.60)  # 0.50 of extrinsic
    assert broker.end_of_day(EXPIRY - timedelta(days=2)).assignments == ()
    quotes.set(P_SHORT, 9.98, 10.02)
    assert broker.end_of_day(EXPIRY - timedelta(days=10)).assignments == ()


def test_short_call_is_assigned_before_ex_dividend(
    make_broker: BrokerFactory, quotes: DictQuotes, clock: VirtualClock
) -> None:
    friday = date(2026, 3, 6)
    monday_ex_date = date(2026, 3, 9)
    broker = make_broker(
        early_assignment=True,
        dividends={"SPY": (Dividend(ex_date=monday_ex_date, amount_per_share=1.80),)},
    )
    broker.submit(single("short", C_SHORT, SELL, 1, limit=1.40))
    broker.submit(single("long", C_LONG, BUY, 1, limit=1.00))
    quotes.spots["SPY"] = 530.0
    quotes.set(C_SHORT, 10.90, 11.10)  # extrinsic 1.00 < dividend 1.80
    quotes.set(C_LONG, 5.90, 6.10)
    # Two sessions before the ex-date: nothing; on the last session before it: assigned.
    assert broker.end_of_day(friday - timedelta(days=1)).assignments == ()
    report = broker.end_of_day(friday)
    (assigned,) = report.assignments
    assert assigned.contract == C_SHORT
    assert assigned.price == pytest.approx(10.0)
    assert "ex-dividend" in report.reasons[assigned.execution_id]
    assert {p.contract for p in broker.list_positions()} == {C_LONG}


def test_dividend_smaller_than_extrinsic_does_not_trigger_assignment(
    make_broker: BrokerFactory, quotes: DictQuotes
) -> None:
    broker = make_broker(
        early_assignment=True,
        dividends={"SPY": (Dividend(ex_date=date(2026, 3, 9), amount_per_share=0.50),)},
    )
    broker.submit(single("short", C_SHORT, SELL, 1, limit=1.40))
    quotes.spots["SPY"] = 530.0
    quotes.set(C_SHORT, 10.90, 11.10)
    assert broker.end_of_day(date(2026, 3, 6)).assignments == ()


def test_expired_contract_in_the_past_leaves_nothing_after_settlement(
    make_broker: BrokerFactory, quotes: DictQuotes, clock: VirtualClock
) -> None:
    near = opt(480, expiry=date(2026, 3, 6))
    quotes.set(near, 1.00, 1.10)
    broker = make_broker()
    broker.submit(single("near", near, BUY, 1, limit=1.10))
    clock.set(clock.now() + timedelta(days=7))
    report = broker.end_of_day(closing_prices={"SPY": 500.0})
    assert [f.contract for f in report.settlements] == [near]
    assert broker.list_positions() == []

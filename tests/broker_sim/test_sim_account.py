"""Money at the paper broker: commissions, cash, average cost, realised and unrealised P&L,
margin and buying-power rejections."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.broker.sim import PaperBroker
from v6.broker.sim.ledger import Ledger
from v6.broker.sim.margin import MarginModel
from v6.clock import VirtualClock
from v6.domain import Fill, OptionContract, OrderAction, OrderStatus

from .conftest import BrokerFactory
from .kit import (
    BUY,
    C_LONG,
    C_SHORT,
    IC_CLOSE_LEGS,
    IC_LEGS,
    P_LONG,
    P_SHORT,
    SELL,
    START,
    DictQuotes,
    combo,
    opt,
    single,
)


def fills(broker: PaperBroker, ref: str) -> list[Fill]:
    return [f for f in broker.list_executions() if f.order_ref == ref]


# ---------------------------------------------------------------- commissions


def test_single_contract_pays_the_per_order_minimum(broker: PaperBroker) -> None:
    broker.submit(single("one", P_SHORT, BUY, 1, limit=1.60))
    (fill,) = fills(broker, "one")
    assert fill.commission == pytest.approx(1.00)  # 0.65 < 1.00 minimum


def test_many_contracts_pay_per_contract(broker: PaperBroker) -> None:
    broker.submit(single("ten", P_SHORT, BUY, 10, limit=1.60))
    (fill,) = fills(broker, "ten")
    assert fill.commission == pytest.approx(6.50)


def test_combo_commission_counts_every_leg_and_adds_fees(make_broker: BrokerFactory) -> None:
    broker = make_broker(fees_per_contract=0.05)
    broker.submit(combo("ic", IC_LEGS, quantity=2, limit=-0.80))
    legs = fills(broker, "ic")
    assert len(legs) == 4
    assert sum(f.commission for f in legs) == pytest.approx(8 * 0.65 + 8 * 0.05)
    assert all(f.commission == pytest.approx(2 * 0.70) for f in legs)


def test_minimum_is_charged_once_per_order_across_partial_fills(
    make_broker: BrokerFactory,
) -> None:
    broker = make_broker(partial_fill_probability=1.0, seed=2)
    broker.submit(single("p", P_SHORT, BUY, 3, limit=1.60))
    for _ in range(5):
        broker.process()
    parts = fills(broker, "p")
    assert len(parts) >= 2
    assert sum(f.quantity for f in parts) == 3
    assert sum(f.commission for f in parts) == pytest.approx(max(3 * 0.65, 1.00))


# ---------------------------------------------------------------- cash and P&L


def test_open_and_close_realises_price_change_net_of_both_commissions(
    broker: PaperBroker, quotes: DictQuotes, clock: VirtualClock
) -> None:
    broker.submit(single("open", P_SHORT, BUY, 2, limit=1.60))
    (pos,) = broker.list_positions()
    assert pos.quantity == 2
    assert pos.avg_cost == pytest.approx(1.60 + 1.30 / 200)  # commission in the basis, per share
    quotes.set(P_SHORT, 2.50, 2.60)
    clock.advance(timedelta(hours=1))
    broker.submit(single("close", P_SHORT, SELL, 2, limit=2.50))
    assert broker.list_positions() == []
    expected = (2.50 - 1.60) * 200 - 1.30 - 1.30
    assert broker.realized_pnl == pytest.approx(expected)
    summary = broker.account_summary()
    assert summary.realized_pnl_today == pytest.approx(expected)
    assert summary.cash == pytest.approx(100_000 + expected)
    assert summary.unrealized_pnl == pytest.approx(0.0)


def test_partial_close_keeps_average_cost_and_realises_the_closed_part(
    broker: PaperBroker, quotes: DictQuotes
) -> None:
    broker.submit(single("open", P_SHORT, SELL, 4, limit=1.50))  # short 4 at 1.50
    (pos,) = broker.list_positions()
    basis = 1.50 - 2.60 / 400
    assert pos.avg_cost == pytest.approx(basis)
    quotes.set(P_SHORT, 0.90, 1.00)
    broker.submit(single("half", P_SHORT, BUY, 1, limit=1.00))
    (pos,) = broker.list_positions()
    assert pos.quantity == -3
    assert pos.avg_cost == pytest.approx(basis)
    assert broker.realized_pnl == pytest.approx((basis - 1.00) * 100 - 1.00)


def test_condor_account_summary_marks_at_mid(broker: PaperBroker) -> None:
    broker.submit(combo("ic", IC_LEGS, quantity=1, limit=-0.80))
    summary = broker.account_summary()
    commission = 4 * 0.65
    assert summary.account_id == "SIM0001"
    assert not summary.is_paper
    assert summary.cash == pytest.approx(100_000 + 80 - commission)
    # Marked at mid the condor is worth -1.00 credit: 20 dollars worse than the 0.80 fill.
    assert summary.unrealized_pnl == pytest.approx(-20 - commission)
    assert summary.net_liquidation == pytest.approx(100_000 - 20 - commission)
    assert summary.maintenance_margin == pytest.approx(500)
    assert summary.buying_power == pytest.approx(summary.cash - 500)
    assert summary.realized_pnl_today == 0
    assert summary.ts == START


def test_realised_today_resets_on_the_next_session(
    broker: PaperBroker, quotes: DictQuotes, clock: VirtualClock
) -> None:
    broker.submit(single("o", P_SHORT, BUY, 1, limit=1.60))
    broker.submit(single("c", P_SHORT, SELL, 1, limit=1.50))
    assert broker.account_summary().realized_pnl_today != 0
    clock.advance(timedelta(days=1))
    summary = broker.account_summary()
    assert summary.realized_pnl_today == 0
    assert broker.realized_pnl != 0


def test_closing_the_condor_round_trip(broker: PaperBroker, quotes: DictQuotes) -> None:
    broker.submit(combo("open", IC_LEGS, limit=-0.80))
    quotes.set(P_LONG, 0.20, 0.25)
    quotes.set(P_SHORT, 0.50, 0.60)
    quotes.set(C_SHORT, 0.40, 0.50)
    quotes.set(C_LONG, 0.15, 0.20)
    # Buy back by reversing the legs: natural debit = 0.60 + 0.50 - 0.20 - 0.15 = 0.75.
    broker.submit(combo("close", IC_CLOSE_LEGS, limit=0.80))
    assert broker.list_positions() == []
    assert broker.realized_pnl == pytest.approx((0.80 - 0.75) * 100 - 2.60 - 2.60)
    assert broker.account_summary().cash == pytest.approx(100_000 + broker.realized_pnl)


# ---------------------------------------------------------------- margin


def _margin(quantities: dict[OptionContract, int], spot: float = 500.0) -> float:
    return MarginModel().requirement(quantities, lambda _c: None, lambda _s: spot)


def test_credit_vertical_is_charged_width_times_multiplier_times_quantity() -> None:
    assert _margin({P_SHORT: -2, P_LONG: 2}) == pytest.approx(5 * 100 * 2)


def test_debit_vertical_and_long_options_need_no_margin() -> None:
    assert _margin({P_SHORT: 3, P_LONG: -3}) == 0
    assert _margin({C_LONG: 1}) == 0


def test_iron_condor_is_charged_its_wider_side_only() -> None:
    wide_call = opt(530, "C")
    assert _margin({P_LONG: 1, P_SHORT: -1, C_SHORT: -1, wide_call: 1}) == pytest.approx(1000)
    assert _margin({P_LONG: 3, P_SHORT: -3, C_SHORT: -3, C_LONG: 3}) == pytest.approx(1500)


def test_naked_short_put_is_charged_reg_t() -> None:
    model = MarginModel()
    required = model.requirement({P_SHORT: -1}, lambda _c: 1.55, lambda _s: 500.0)
    # premium + max(20% x 500 - 20 OTM, 10% x 480) per share
    assert required == pytest.approx((1.55 + max(100 - 20, 48)) * 100)


def test_naked_short_call_beyond_longs_adds_reg_t_to_the_covered_vertical() -> None:
    model = MarginModel()
    mixed = model.requirement({C_SHORT: -2, C_LONG: 1}, lambda _c: 1.45, lambda _s: 500.0)
    naked_one = (1.45 + max(100 - 20, 50)) * 100
    assert mixed == pytest.approx(500 + naked_one)


def test_a_long_in_another_expiry_does_not_cover_a_short() -> None:
    far_long = opt(475, "P", expiry=date(2026, 4, 17))
    model = MarginModel()
    req = model.requirement({P_SHORT: -1, far_long: 1}, lambda _c: 1.55, lambda _s: 500.0)
    naked = model.requirement({P_SHORT: -1}, lambda _c: 1.55, lambda _s: 500.0)
    assert req == pytest.approx(naked)


def test_order_exceeding_buying_power_is_rejected_with_201(make_broker: BrokerFactory) -> None:
    broker = make_broker(starting_cash=1_000.0)
    ok = broker.submit(combo("one", IC_LEGS, quantity=1, limit=-0.80))
    assert ok.status is OrderStatus.SUBMITTED
    assert broker.account_summary().buying_power == pytest.approx(1000 + 80 - 2.60 - 500)
    event = broker.submit(combo("two", IC_LEGS, quantity=2, limit=-0.80))
    assert event.status is OrderStatus.REJECTED
    assert event.error_code == 201
    assert "insufficient buying power" in event.message
    assert fills(broker, "two") == []
    assert broker.list_open_orders() == []


def test_closing_order_is_never_refused_for_buying_power(
    make_broker: BrokerFactory, quotes: DictQuotes
) -> None:
    broker = make_broker(starting_cash=600.0)
    broker.submit(combo("open", IC_LEGS, limit=-0.80))
    quotes.set(P_SHORT, 5.0, 5.2)  # the condor went against us
    event = broker.submit(combo("close", IC_CLOSE_LEGS, limit=5.0))
    assert event.status is OrderStatus.SUBMITTED


def test_debit_larger_than_cash_is_rejected(make_broker: BrokerFactory) -> None:
    broker = make_broker(starting_cash=1_000.0)
    event = broker.submit(single("big", P_SHORT, BUY, 10, limit=1.60))
    assert event.status is OrderStatus.REJECTED
    assert event.error_code == 201


@pytest.mark.asyncio
async def test_what_if_reports_the_margin_change(broker: PaperBroker) -> None:
    change = await broker.what_if(combo("ic", IC_LEGS, quantity=2, limit=-0.80))
    assert change == pytest.approx(1000)
    assert broker.list_positions() == []  # nothing was traded


# ---------------------------------------------------------------- ledger invariant

contracts = [opt(480), opt(475), opt(520, "C")]


@settings(max_examples=200, deadline=None)
@given(
    trades=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=2),
            st.sampled_from([OrderAction.BUY, OrderAction.SELL]),
            st.integers(min_value=1, max_value=6),
            st.floats(min_value=0.0, max_value=20.0, allow_nan=False),
            st.floats(min_value=0.0, max_value=5.0, allow_nan=False),
        ),
        max_size=30,
    )
)
def test_ledger_books_balance_after_any_fill_sequence(
    trades: list[tuple[int, OrderAction, int, float, float]],
) -> None:
    """cash + sum(qty x avg_cost x multiplier) == start + realised, always; and once flat,
    realised P&L is exactly the cash gained."""
    ledger = Ledger(10_000.0)
    for i, (which, action, qty, price, commission) in enumerate(trades):
        fill = Fill(f"x{i}", "r", contracts[which], action, qty, price, commission, START, START)
        ledger.apply_fill(fill, START.date())
        basis = sum(p.quantity * p.avg_cost * p.contract.multiplier for p in ledger.positions())
        assert ledger.cash + basis == pytest.approx(10_000.0 + ledger.realized_total, abs=1e-6)
    for i, pos in enumerate(ledger.positions()):
        side = OrderAction.SELL if pos.quantity > 0 else OrderAction.BUY
        flat = Fill(f"f{i}", "r", pos.contract, side, abs(pos.quantity), 1.0, 0.0, START, START)
        ledger.apply_fill(flat, START.date())
    assert ledger.positions() == []
    assert ledger.cash - 10_000.0 == pytest.approx(ledger.realized_total, abs=1e-6)


def test_a_very_wide_spread_costs_no_more_than_the_naked_short() -> None:
    model = MarginModel()
    far_long = opt(2000, "C")
    wide = model.requirement({C_SHORT: -1, far_long: 1}, lambda _c: 1.45, lambda _s: 500.0)
    naked = model.requirement({C_SHORT: -1}, lambda _c: 1.45, lambda _s: 500.0)
    assert wide == pytest.approx(naked)


vertical = st.tuples(
    st.sampled_from(["P", "C"]),
    st.integers(min_value=90, max_value=110).map(lambda k: 5.0 * k),  # strikes 450..550
    st.sampled_from([5.0, 10.0, 15.0, 20.0]),
    st.booleans(),  # credit (short the nearer strike) or debit
    st.integers(min_value=1, max_value=3),
)


@settings(max_examples=150, deadline=None)
@given(spreads=st.lists(vertical, min_size=1, max_size=6))
def test_defined_risk_margin_is_the_worst_expiry_loss(
    spreads: list[tuple[str, float, float, bool, int]],
) -> None:
    """Any mix of verticals (condors, butterflies, stacked spreads) in one expiry is charged
    exactly its worst loss at expiry, checked by brute force on a fine price grid."""
    book: dict[OptionContract, int] = {}
    for right, strike, width, credit, qty in spreads:
        other = strike - width if right == "P" else strike + width
        short_k, long_k = (strike, other) if credit else (other, strike)
        for k, q in ((short_k, -qty), (long_k, qty)):
            contract = opt(k, right)
            book[contract] = book.get(contract, 0) + q
    book = {c: q for c, q in book.items() if q != 0}
    grid = [i * 0.5 for i in range(0, 2401)]  # 0..1200 by 0.5: every strike is on it
    worst = min(sum(q * c.intrinsic(s) for c, q in book.items()) for s in grid)
    expected = max(-worst, 0.0) * 100
    assert _margin(book) == pytest.approx(expected, abs=1e-6)

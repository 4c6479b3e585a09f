"""Strategy math a trader checks by hand, and refusal of malformed structures."""

from __future__ import annotations

from datetime import date

import pytest

from v6.domain import OptionLeg, Right, Strategy, StrategyStatus, StrategyType
from v6.errors import DomainError
from v6.testing import make_contract, make_iron_condor, make_vertical


def test_iron_condor_hand_checked_numbers() -> None:
    # 560/565 puts, 600/605 calls, credit 1.20 - 0.60 + 1.10 - 0.55 = 1.15 per share
    ic = make_iron_condor()
    assert ic.entry_cash == pytest.approx(115.0, abs=1e-9)
    assert ic.credit_per_unit == 1.15
    assert ic.width == 5.0
    assert ic.max_profit == 115.0
    assert ic.max_loss == 385.0  # (5 - 1.15) * 100
    assert ic.breakevens == (563.85, 601.15)
    assert ic.credit_to_width == pytest.approx(0.23)


def test_iron_condor_pnl_at_expiry_regions() -> None:
    ic = make_iron_condor()
    assert ic.pnl_at_expiry(580.0) == 115.0  # between shorts: keep the credit
    assert ic.pnl_at_expiry(500.0) == -385.0  # below the put wing: max loss
    assert ic.pnl_at_expiry(700.0) == -385.0  # above the call wing: max loss
    assert ic.pnl_at_expiry(563.85) == 0.0
    assert ic.pnl_at_expiry(562.0) == -185.0  # 3 points ITM on the short put: 115 - 300


def test_two_lot_condor_scales_and_keeps_per_unit_credit() -> None:
    ic = make_iron_condor(quantity=2)
    assert ic.units == 2
    assert ic.credit_per_unit == 1.15
    assert ic.max_loss == 770.0
    assert ic.max_profit == 230.0


def test_pnl_at_marks_uses_each_leg() -> None:
    ic = make_iron_condor()
    marks = {leg.contract.key: leg.open_price for leg in ic.legs}
    assert ic.pnl_at_marks(marks) == 0.0
    short_put = ic.legs[1].contract.key
    marks[short_put] = 0.20  # short put decayed from 1.20 to 0.20: +100
    assert ic.pnl_at_marks(marks) == pytest.approx(100.0)


def test_close_cost_equals_entry_cash_minus_pnl() -> None:
    ic = make_iron_condor()
    marks = {leg.contract.key: leg.open_price * 0.5 for leg in ic.legs}
    # Closing costs the negated value of the legs; P&L = entry cash - close cost.
    assert ic.entry_cash - ic.close_cost(marks) == pytest.approx(ic.pnl_at_marks(marks))


@pytest.mark.parametrize(
    ("stype", "short", "long_", "sp", "lp", "max_profit", "max_loss", "breakeven"),
    [
        (StrategyType.BULL_PUT, 565.0, 560.0, 1.20, 0.60, 60.0, 440.0, 564.40),
        (StrategyType.BEAR_CALL, 600.0, 605.0, 1.10, 0.55, 55.0, 445.0, 600.55),
        (StrategyType.BULL_CALL, 605.0, 600.0, 0.55, 1.10, 445.0, 55.0, 600.55),
        (StrategyType.BEAR_PUT, 560.0, 565.0, 0.60, 1.20, 440.0, 60.0, 564.40),
    ],
)
def test_verticals(
    stype: StrategyType,
    short: float,
    long_: float,
    sp: float,
    lp: float,
    max_profit: float,
    max_loss: float,
    breakeven: float,
) -> None:
    s = make_vertical(stype, short, long_, short_price=sp, long_price=lp)
    assert s.width == 5.0
    assert s.max_profit == max_profit
    assert s.max_loss == max_loss
    assert s.breakevens == (breakeven,)
    assert s.is_credit == (stype in (StrategyType.BULL_PUT, StrategyType.BEAR_CALL))


def test_unbounded_custom_structures() -> None:
    naked_call = Strategy(
        "x", StrategyType.CUSTOM, (OptionLeg(make_contract(600, Right.CALL), -1, 2.0),)
    )
    assert naked_call.max_loss == float("inf")
    assert naked_call.max_profit == 200.0
    long_call = Strategy(
        "y", StrategyType.CUSTOM, (OptionLeg(make_contract(600, Right.CALL), 1, 2.0),)
    )
    assert long_call.max_profit == float("inf")
    assert long_call.max_loss == 200.0
    assert long_call.breakevens == (602.0,)


@pytest.mark.parametrize(
    "strikes",
    [(565.0, 560.0, 600.0, 605.0), (560.0, 565.0, 605.0, 600.0), (560.0, 600.0, 565.0, 605.0)],
)
def test_iron_condor_with_unordered_strikes_is_refused(strikes: tuple[float, ...]) -> None:
    with pytest.raises(DomainError, match="put-long < put-short < call-short < call-long"):
        make_iron_condor(*strikes)


def test_invalid_objects_raise_clear_errors() -> None:
    with pytest.raises(DomainError, match="quantity must not be zero"):
        OptionLeg(make_contract(500), 0, 1.0)
    with pytest.raises(DomainError, match="strike must be > 0"):
        make_contract(0.0)
    with pytest.raises(DomainError, match="strike must be > 0"):
        make_contract(float("nan"))
    with pytest.raises(DomainError, match="open price"):
        OptionLeg(make_contract(500), 1, -0.5)
    legs = (
        OptionLeg(make_contract(565, symbol="SPY"), -1, 1.2),
        OptionLeg(make_contract(560, symbol="QQQ"), 1, 0.6),
    )
    with pytest.raises(DomainError, match="different underlyings"):
        Strategy("bad", StrategyType.BULL_PUT, legs)
    with pytest.raises(DomainError, match="short leg must be the higher strike"):
        make_vertical(StrategyType.BULL_PUT, 560.0, 565.0, short_price=0.6, long_price=1.2)
    with pytest.raises(DomainError, match="one expiry"):
        Strategy(
            "cal",
            StrategyType.BULL_PUT,
            (
                OptionLeg(make_contract(565, expiry=date(2026, 12, 18)), -1, 1.2),
                OptionLeg(make_contract(560, expiry=date(2027, 1, 15)), 1, 0.6),
            ),
        )


def test_lifecycle_only_moves_forward() -> None:
    ic = make_iron_condor(status=StrategyStatus.PENDING)
    opened = ic.with_status(StrategyStatus.OPEN)
    closing = opened.with_status(StrategyStatus.CLOSING)
    closed = closing.with_status(StrategyStatus.CLOSED)
    assert closed.status is StrategyStatus.CLOSED
    with pytest.raises(DomainError, match="cannot move from closed to open"):
        closed.with_status(StrategyStatus.OPEN)
    with pytest.raises(DomainError, match="cannot move from pending to closed"):
        ic.with_status(StrategyStatus.CLOSED)


def test_multi_expiry_custom_refuses_expiry_math() -> None:
    cal = Strategy(
        "cal",
        StrategyType.CUSTOM,
        (
            OptionLeg(make_contract(565, expiry=date(2026, 12, 18)), -1, 1.2),
            OptionLeg(make_contract(565, expiry=date(2027, 1, 15)), 1, 2.0),
        ),
    )
    assert cal.expiry == date(2026, 12, 18)
    with pytest.raises(DomainError, match="different expiries"):
        _ = cal.max_loss

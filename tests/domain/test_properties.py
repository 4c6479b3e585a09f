"""Invariants of the strategy math, checked over generated structures."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from v6.domain import Greeks, OptionLeg, Strategy, StrategyType
from v6.domain.contracts import Right
from v6.testing import make_contract, make_iron_condor, make_vertical

cents = st.integers(min_value=1, max_value=2000).map(lambda c: c / 100)
strike_steps = st.integers(min_value=1, max_value=40)


def _dec(x: float) -> Decimal:
    return Decimal(repr(x))


@given(
    base=st.integers(min_value=50, max_value=600),
    width_steps=strike_steps,
    credit_cents=st.integers(min_value=1, max_value=4000),
    qty=st.integers(min_value=1, max_value=20),
    bull_put=st.booleans(),
)
def test_credit_vertical_max_loss_is_width_minus_credit(
    base: int, width_steps: int, credit_cents: int, qty: int, bull_put: bool
) -> None:
    width = width_steps * 0.5
    credit = min(credit_cents / 100, width - 0.01)
    long_price = 0.05
    short_price = float(_dec(long_price) + _dec(credit))
    if bull_put:
        s = make_vertical(
            StrategyType.BULL_PUT,
            base + width,
            float(base),
            short_price=short_price,
            long_price=long_price,
            quantity=qty,
        )
    else:
        s = make_vertical(
            StrategyType.BEAR_CALL,
            float(base),
            base + width,
            short_price=short_price,
            long_price=long_price,
            quantity=qty,
        )
    exact_credit = _dec(short_price) - _dec(long_price)
    assert s.width == width
    assert _dec(s.max_loss) == (_dec(width) - exact_credit) * 100 * qty
    assert _dec(s.max_profit) == exact_credit * 100 * qty
    assert len(s.breakevens) == 1


@given(
    put_long=st.integers(min_value=100, max_value=400),
    gaps=st.tuples(strike_steps, strike_steps, strike_steps),
    prices=st.tuples(cents, cents, cents, cents),
    qty=st.integers(min_value=1, max_value=10),
    spot=st.floats(min_value=1.0, max_value=1000.0, allow_nan=False),
)
def test_iron_condor_payoff_is_bounded_by_max_profit_and_loss(
    put_long: int, gaps: tuple[int, int, int], prices: tuple[float, ...], qty: int, spot: float
) -> None:
    ks = [float(put_long)]
    for g in gaps:
        ks.append(ks[-1] + g)
    pl, ps, cs, cl = prices
    ic = make_iron_condor(*ks, prices=(pl, ps, cs, cl), quantity=qty)
    pnl = ic.pnl_at_expiry(spot)
    assert -ic.max_loss - 1e-9 <= pnl <= ic.max_profit + 1e-9
    # max loss = widest wing minus credit, when the credit is positive
    credit = _dec(ps) + _dec(cs) - _dec(pl) - _dec(cl)
    expected = (_dec(ic.width) - credit) * 100 * qty
    assert _dec(ic.max_loss) == max(expected, -credit * 100 * qty)
    for be in ic.breakevens:
        assert abs(ic.pnl_at_expiry(be)) < 1e-6


greek_values = st.floats(min_value=-5, max_value=5, allow_nan=False)


@given(
    per_leg=st.lists(
        st.tuples(greek_values, greek_values, greek_values, greek_values), min_size=4, max_size=4
    ),
    qty=st.integers(min_value=1, max_value=20),
)
def test_strategy_greeks_are_sum_of_legs_times_quantity_and_multiplier(
    per_leg: list[tuple[float, float, float, float]], qty: int
) -> None:
    ic = make_iron_condor(quantity=qty)
    per_share = {leg.contract.key: Greeks(*g) for leg, g in zip(ic.legs, per_leg, strict=True)}
    total = ic.greeks(per_share)
    expected_delta = sum(
        g[0] * leg.quantity * leg.contract.multiplier
        for leg, g in zip(ic.legs, per_leg, strict=True)
    )
    expected_vega = sum(
        g[3] * leg.quantity * leg.contract.multiplier
        for leg, g in zip(ic.legs, per_leg, strict=True)
    )
    assert abs(total.delta - expected_delta) < 1e-9
    assert abs(total.vega_per_vol_point - expected_vega) < 1e-9


@given(
    a=st.tuples(greek_values, greek_values, greek_values, greek_values),
    b=st.tuples(greek_values, greek_values, greek_values, greek_values),
    k=st.floats(min_value=-10, max_value=10, allow_nan=False),
)
def test_greeks_add_and_scale_linearly(
    a: tuple[float, ...], b: tuple[float, ...], k: float
) -> None:
    ga, gb = Greeks(*a), Greeks(*b)
    lhs = (ga + gb).scale(k)
    rhs = ga.scale(k) + gb.scale(k)
    for x, y in zip(
        (lhs.delta, lhs.gamma, lhs.theta_per_day, lhs.vega_per_vol_point),
        (rhs.delta, rhs.gamma, rhs.theta_per_day, rhs.vega_per_vol_point),
        strict=True,
    ):
        assert abs(x - y) < 1e-9
    assert Greeks.total([ga, gb]) == ga + gb


@given(
    spot=st.floats(min_value=0.0, max_value=2000.0, allow_nan=False),
    strike=st.integers(min_value=1, max_value=1000),
)
def test_long_option_payoff_matches_intrinsic(spot: float, strike: int) -> None:
    for right in (Right.CALL, Right.PUT):
        c = make_contract(float(strike), right)
        s = Strategy("s", StrategyType.CUSTOM, (OptionLeg(c, 1, 0.0),))
        assert abs(s.pnl_at_expiry(spot) - c.intrinsic(spot) * 100) < 1e-6

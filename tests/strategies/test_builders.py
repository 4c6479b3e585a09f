"""Builders on realistic chains: structure, deltas, prices and risk numbers checked against
the chain arrays and an independent lognormal integral; every rejection reason provoked."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from v6.domain import OptionLeg, Right, StrategyStatus, StrategyType
from v6.errors import DomainError
from v6.strategies import (
    Builder,
    BuildSpec,
    ChainSnapshot,
    CustomStrategyBuilder,
    ExpiryChain,
    IronCondorBuilder,
    LegRule,
    LiquidityConfig,
    Proposal,
    QuoteStatus,
    Rejection,
    RejectReason,
    VerticalSpreadBuilder,
    builder_for,
    choose_expiry,
)
from v6.strategies.synthetic import edit_quotes

from .conftest import ChainFactory


def _row(e: ExpiryChain, leg: OptionLeg) -> int:
    return int(np.flatnonzero(e.strikes == leg.contract.strike)[0])


def _expiry(chain: ChainSnapshot, p: Proposal) -> ExpiryChain:
    return next(e for e in chain.expiries if e.expiry == p.expiry)


def _lognormal_pop(chain: ChainSnapshot, p: Proposal, lo: float, hi: float) -> float:
    sd = p.atm_iv * math.sqrt(p.t_years)
    mu = math.log(chain.spot) + (chain.rate - chain.dividend_yield - 0.5 * p.atm_iv**2) * p.t_years

    def cdf(x: float) -> float:
        if x <= 0:
            return 0.0
        if math.isinf(x):
            return 1.0
        return float(norm.cdf((math.log(x) - mu) / sd))

    return cdf(hi) - cdf(lo)


def _build(chain: ChainSnapshot, builder: Builder) -> Proposal:
    result = builder.build(chain)
    assert isinstance(result, Proposal), result
    return result


def test_iron_condor_on_a_skewed_chain(spy_chain: ChainSnapshot, spec: BuildSpec) -> None:
    p = _build(spy_chain, IronCondorBuilder(spec))
    s = p.strategy
    assert s.status is StrategyStatus.PENDING
    assert s.opened_at is None
    assert s.strategy_type is StrategyType.IRON_CONDOR
    e = _expiry(spy_chain, p)
    assert 21 <= spy_chain.dte(e) <= 45
    assert e is choose_expiry(spy_chain, 21, 45)
    pl, ps, cs, cl = sorted(s.legs, key=lambda leg: (leg.contract.is_call, leg.contract.strike))
    assert [pl.quantity, ps.quantity, cs.quantity, cl.quantity] == [1, -1, -1, 1]
    assert pl.contract.strike < ps.contract.strike < cs.contract.strike < cl.contract.strike
    assert ps.contract.strike < spy_chain.spot < cs.contract.strike
    # Wings are the dollar width away on the real grid.
    assert ps.contract.strike - pl.contract.strike == spec.wing_width_dollars
    assert cl.contract.strike - cs.contract.strike == spec.wing_width_dollars
    # Short deltas within tolerance of their (skew-adjusted) targets.
    meta = s.metadata
    assert abs(abs(e.put.delta[_row(e, ps)]) - float(meta["target_delta_put"])) <= 0.05
    assert abs(e.call.delta[_row(e, cs)] - float(meta["target_delta_call"])) <= 0.05
    # Opened at mid; credit = sum of mids; natural = shorts at bid, longs at ask.
    mids = {}
    for leg in s.legs:
        side = e.side(leg.contract.right)
        i = _row(e, leg)
        mids[leg] = (side.bid[i] + side.ask[i]) / 2
        assert leg.open_price == pytest.approx(mids[leg], abs=1e-9)
    credit = mids[ps] + mids[cs] - mids[pl] - mids[cl]
    natural = (
        e.put.bid[_row(e, ps)]
        + e.call.bid[_row(e, cs)]
        - e.put.ask[_row(e, pl)]
        - e.call.ask[_row(e, cl)]
    )
    assert p.credit_mid == pytest.approx(credit, abs=1e-9)
    assert p.credit_natural == pytest.approx(natural, abs=1e-9)
    assert p.credit_natural < p.credit_mid
    assert p.credit_mid >= 0.25 * 5.0
    assert p.max_loss == pytest.approx((5.0 - credit) * 100, abs=1e-6)
    assert p.max_profit == pytest.approx(credit * 100, abs=1e-6)
    assert p.breakevens == pytest.approx(
        (ps.contract.strike - credit, cs.contract.strike + credit), abs=1e-9
    )
    assert p.pop == pytest.approx(_lognormal_pop(spy_chain, p, *p.breakevens), abs=1e-9)
    assert 0.5 < p.pop < 0.9
    # Position Greeks: the legs' per-share Greeks times quantity and 100.
    delta = sum(
        leg.quantity * 100 * e.side(leg.contract.right).delta[_row(e, leg)] for leg in s.legs
    )
    vega = sum(
        leg.quantity * 100 * e.side(leg.contract.right).vega_per_vol_point[_row(e, leg)]
        for leg in s.legs
    )
    assert p.greeks.delta == pytest.approx(delta)
    assert p.greeks.vega_per_vol_point == pytest.approx(vega)
    assert p.greeks.vega_per_vol_point < 0  # short premium
    assert p.greeks.theta_per_day > 0
    assert p.min_credit == pytest.approx(1.25)
    record = p.record()
    assert record["outcome"] == "proposed"
    assert record["strategy_type"] == "iron_condor"


def test_quantity_scales_dollars_not_prices(spy_chain: ChainSnapshot) -> None:
    one = _build(spy_chain, IronCondorBuilder(BuildSpec(quantity=1)))
    three = _build(spy_chain, IronCondorBuilder(BuildSpec(quantity=3)))
    assert three.credit_mid == pytest.approx(one.credit_mid)
    assert three.max_loss == pytest.approx(3 * one.max_loss)
    assert three.greeks.delta == pytest.approx(3 * one.greeks.delta)
    assert {abs(leg.quantity) for leg in three.strategy.legs} == {3}


def test_wings_by_delta(spy_chain: ChainSnapshot) -> None:
    spec = BuildSpec(wing_delta=0.05, min_credit_fraction=0.05)
    p = _build(spy_chain, IronCondorBuilder(spec))
    e = _expiry(spy_chain, p)
    longs = [leg for leg in p.strategy.legs if leg.is_long]
    for leg in longs:
        assert abs(abs(e.side(leg.contract.right).delta[_row(e, leg)]) - 0.05) <= 0.05
    assert p.max_loss == pytest.approx((p.width - p.credit_mid) * 100, abs=1e-6)


@pytest.mark.parametrize(
    ("strategy_type", "right", "credit"),
    [
        (StrategyType.BULL_PUT, Right.PUT, True),
        (StrategyType.BEAR_CALL, Right.CALL, True),
        (StrategyType.BULL_CALL, Right.CALL, False),
        (StrategyType.BEAR_PUT, Right.PUT, False),
    ],
)
def test_verticals(
    make_chain: ChainFactory, strategy_type: StrategyType, right: Right, credit: bool
) -> None:
    chain = make_chain(atm_vol=0.30)  # rich enough premium for a 16-delta vertical's credit
    spec = BuildSpec(min_credit_fraction=0.10)
    p = _build(chain, VerticalSpreadBuilder(strategy_type, spec))
    legs = p.strategy.legs
    assert {leg.contract.right for leg in legs} == {right}
    short = next(leg for leg in legs if leg.is_short)
    long_ = next(leg for leg in legs if leg.is_long)
    assert abs(short.contract.strike - long_.contract.strike) == 5.0
    further_out = (long_.contract.strike < short.contract.strike) == (right is Right.PUT)
    assert further_out is credit  # credit spreads buy the further wing, debit the nearer
    if credit:
        assert p.credit_mid >= 0.10 * 5
        assert p.max_loss == pytest.approx((5 - p.credit_mid) * 100, abs=1e-6)
        assert p.min_credit == pytest.approx(0.5)
    else:
        debit = -p.credit_mid
        assert 0 < debit <= 0.5 * 5
        assert p.max_loss == pytest.approx(debit * 100, abs=1e-6)
        assert p.max_profit == pytest.approx((5 - debit) * 100, abs=1e-6)
        assert p.max_debit == pytest.approx(2.5)
    (be,) = p.breakevens
    lo, hi = (
        (be, math.inf)
        if strategy_type in (StrategyType.BULL_PUT, StrategyType.BULL_CALL)
        else (0.0, be)
    )
    assert p.pop == pytest.approx(_lognormal_pop(chain, p, lo, hi), abs=1e-9)


def test_vertical_builder_refuses_other_types() -> None:
    with pytest.raises(DomainError, match="not a vertical"):
        VerticalSpreadBuilder(StrategyType.IRON_CONDOR)
    assert isinstance(builder_for(StrategyType.IRON_CONDOR), IronCondorBuilder)


def test_custom_broken_wing_condor(spy_chain: ChainSnapshot) -> None:
    rules = (
        LegRule.by_delta(Right.PUT, -1, 0.20),
        LegRule.wing(Right.PUT, 1, 0, -10.0),
        LegRule.by_delta(Right.CALL, -1, 0.12),
        LegRule.wing(Right.CALL, 1, 2, 5.0),
    )
    p = _build(spy_chain, CustomStrategyBuilder(rules, BuildSpec(min_credit_fraction=0.1)))
    assert p.strategy.strategy_type is StrategyType.CUSTOM
    assert p.width == 10.0
    assert p.max_loss == pytest.approx((10.0 - p.credit_mid) * 100, abs=1e-6)


def test_custom_long_straddle_from_spot_is_defined_risk(spy_chain: ChainSnapshot) -> None:
    rules = (LegRule.from_spot(Right.CALL, 1, 0.0), LegRule.from_spot(Right.PUT, 1, 0.0))
    p = _build(spy_chain, CustomStrategyBuilder(rules))
    strikes = {leg.contract.strike for leg in p.strategy.legs}
    assert strikes == {560.0}
    assert p.max_loss == pytest.approx(-p.credit_mid * 100, abs=1e-6)
    assert math.isinf(p.max_profit)
    assert len(p.breakevens) == 2


@pytest.mark.parametrize("right", [Right.PUT, Right.CALL])
def test_custom_naked_shorts_are_refused(spy_chain: ChainSnapshot, right: Right) -> None:
    # A naked put's loss is bounded (the stock can only reach 0) but it is not defined risk.
    r = _reject(spy_chain, CustomStrategyBuilder((LegRule.by_delta(right, -1, 0.16),)))
    assert r.reason is RejectReason.UNDEFINED_RISK
    ratio = (LegRule.by_delta(right, -2, 0.16), LegRule.wing(right, 1, 0, 5.0))
    r = _reject(spy_chain, CustomStrategyBuilder(ratio))
    assert r.reason is RejectReason.UNDEFINED_RISK


def test_leg_rules_refuse_ambiguous_or_forward_references() -> None:
    with pytest.raises(DomainError, match="exactly one"):
        LegRule(Right.PUT, -1, delta=0.16, offset_dollars=5.0)
    with pytest.raises(DomainError, match="earlier leg"):
        CustomStrategyBuilder((LegRule.wing(Right.PUT, 1, 0, -5.0),))
    with pytest.raises(DomainError, match="zero"):
        LegRule(Right.PUT, 0, delta=0.16)


# ---- rejections --------------------------------------------------------------------------


def _reject(chain: ChainSnapshot, builder: Builder) -> Rejection:
    r = builder.build(chain)
    assert isinstance(r, Rejection), r
    record = r.record()
    assert record["reason"] == r.reason.value
    assert record["outcome"] == "rejected"
    return r


def test_no_expiry_in_the_window(make_chain: ChainFactory) -> None:
    r = _reject(make_chain(days=(4, 11, 60)), IronCondorBuilder())
    assert r.reason is RejectReason.NO_EXPIRY_IN_WINDOW
    assert r.values["dte_min"] == 21


def test_no_strike_near_the_target_delta(make_chain: ChainFactory) -> None:
    # $25 strikes: neighbouring deltas are far apart, nothing within 0.01 of 0.16.
    chain = make_chain(strike_step=25.0, n_strikes=21, days=(39,))
    r = _reject(chain, IronCondorBuilder(BuildSpec(delta_tolerance=0.01)))
    assert r.reason is RejectReason.NO_STRIKE_IN_RANGE
    assert r.values["delta_tolerance"] == 0.01
    assert abs(r.values["nearest_delta"] - r.values["target_delta"]) > 0.01


def test_no_wing_strike_listed(make_chain: ChainFactory) -> None:
    # Only 9 strikes around spot: the put wing $50 below the short strike is not listed.
    chain = make_chain(strike_step=5.0, n_strikes=9, days=(39,), atm_vol=0.05)
    spec = BuildSpec(wing_width_dollars=50.0, delta_tolerance=0.5)
    r = _reject(chain, IronCondorBuilder(spec))
    assert r.reason is RejectReason.NO_STRIKE_IN_RANGE
    assert "strike listed" in r.detail


def _short_put(chain: ChainSnapshot) -> tuple[ExpiryChain, float]:
    p = _build(chain, IronCondorBuilder())
    leg = next(x for x in p.strategy.legs if x.is_short and not x.contract.is_call)
    return _expiry(chain, p), leg.contract.strike


@pytest.mark.parametrize(
    "status", [QuoteStatus.STALE, QuoteStatus.CROSSED, QuoteStatus.MISSING, QuoteStatus.ZERO_BID]
)
def test_an_unquotable_short_leg_refuses_the_trade(
    spy_chain: ChainSnapshot, status: QuoteStatus
) -> None:
    e, strike = _short_put(spy_chain)
    chain = edit_quotes(spy_chain, e.expiry, Right.PUT, [strike], status=status)
    r = _reject(chain, IronCondorBuilder())
    assert r.reason is RejectReason.INVALID_QUOTE
    assert status.name.lower() in r.detail
    assert f"{strike:g}P" in r.detail


def test_a_zero_bid_long_wing_may_be_bought_but_not_when_disallowed(
    spy_chain: ChainSnapshot,
) -> None:
    p = _build(spy_chain, IronCondorBuilder())
    wing = next(x for x in p.strategy.legs if x.is_long and not x.contract.is_call)
    e = _expiry(spy_chain, p)
    chain = edit_quotes(
        spy_chain,
        e.expiry,
        Right.PUT,
        [wing.contract.strike],
        bid=0.0,
        ask=0.05,
        status=QuoteStatus.ZERO_BID,
    )
    again = _build(chain, IronCondorBuilder())
    bought = next(x for x in again.strategy.legs if x.contract == wing.contract)
    assert bought.open_price == pytest.approx(0.025)
    strict = BuildSpec(liquidity=LiquidityConfig(allow_zero_bid_long_legs=False))
    r = _reject(chain, IronCondorBuilder(strict))
    assert r.reason is RejectReason.INVALID_QUOTE


def test_a_wide_market_is_illiquid(make_chain: ChainFactory) -> None:
    r = _reject(make_chain(spread_fraction=0.6, days=(39,)), IronCondorBuilder())
    assert r.reason is RejectReason.ILLIQUID
    assert r.values["spread"] > r.values["max_spread"]


def test_a_spread_of_exactly_the_limit_is_liquid(spy_chain: ChainSnapshot) -> None:
    spec = BuildSpec(
        min_credit_fraction=0.01,
        liquidity=LiquidityConfig(max_spread_dollars=0.10, max_spread_fraction=0.0),
    )
    builder = VerticalSpreadBuilder(StrategyType.BULL_PUT, spec)
    first = builder.build(spy_chain)
    assert isinstance(first, Rejection)  # the synthetic legs are wider than $0.10
    assert first.reason is RejectReason.ILLIQUID
    loose = _build(
        spy_chain, VerticalSpreadBuilder(StrategyType.BULL_PUT, BuildSpec(min_credit_fraction=0.01))
    )
    short_k = next(x for x in loose.strategy.legs if x.is_short).contract.strike
    expiry = first.expiry
    assert expiry is not None
    # In floats 1.25 - 1.15 and 0.55 - 0.45 exceed 0.10 by an ulp: still a $0.10 market.
    chain = edit_quotes(spy_chain, expiry, Right.PUT, [short_k], bid=1.15, ask=1.25)
    chain = edit_quotes(chain, expiry, Right.PUT, [short_k - 5], bid=0.45, ask=0.55)
    p = _build(chain, builder)
    assert p.credit_mid == pytest.approx(0.70)


def test_low_open_interest_is_illiquid_but_unknown_is_not(make_chain: ChainFactory) -> None:
    r = _reject(make_chain(open_interest=20.0, days=(39,)), IronCondorBuilder())
    assert r.reason is RejectReason.ILLIQUID
    assert r.values["open_interest"] == 20.0
    assert isinstance(IronCondorBuilder().build(make_chain(open_interest=None)), Proposal)


def test_credit_below_the_minimum(spy_chain: ChainSnapshot) -> None:
    r = _reject(spy_chain, IronCondorBuilder(BuildSpec(min_credit_fraction=0.6)))
    assert r.reason is RejectReason.CREDIT_TOO_LOW
    assert r.values["credit_mid"] < r.values["min_credit"] == pytest.approx(3.0)


def test_debit_above_the_maximum(spy_chain: ChainSnapshot) -> None:
    spec = BuildSpec(max_debit_fraction=0.05)
    r = _reject(spy_chain, VerticalSpreadBuilder(StrategyType.BULL_CALL, spec))
    assert r.reason is RejectReason.DEBIT_TOO_HIGH
    assert -r.values["credit_mid"] > r.values["max_debit"]


def test_wings_inside_the_shorts_are_an_invalid_structure(spy_chain: ChainSnapshot) -> None:
    r = _reject(spy_chain, IronCondorBuilder(BuildSpec(short_delta=0.10, wing_delta=0.30)))
    assert r.reason is RejectReason.INVALID_STRUCTURE


def test_explicit_expiry_and_strategy_id(spy_chain: ChainSnapshot) -> None:
    e = spy_chain.expiries[6]
    p = IronCondorBuilder().build(spy_chain, expiry=e, strategy_id="ic-42")
    assert isinstance(p, Proposal)
    assert p.expiry == e.expiry
    assert p.strategy.strategy_id == "ic-42"
    # Without an id the id is derived from the chain and legs: a replay gives the same one.
    first, second = _build(spy_chain, IronCondorBuilder()), _build(spy_chain, IronCondorBuilder())
    assert first.strategy.strategy_id == second.strategy.strategy_id

"""Invariants over random chains and targets: a built iron condor or vertical always has
max loss = (width - credit) x 100 x quantity, never a credit below the minimum, ordered
strikes on the listed grid and short deltas within tolerance; anything else is a Rejection
with a reason."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from v6.domain import StrategyStatus, StrategyType
from v6.strategies import (
    BuildSpec,
    ChainSnapshot,
    IronCondorBuilder,
    Proposal,
    Rejection,
    RejectReason,
    VerticalSpreadBuilder,
)
from v6.strategies.synthetic import synthetic_chain


@st.composite
def chains(draw: st.DrawFn) -> ChainSnapshot:
    """Realistic grids (strike step at most 1 % of spot, covering the strikes a 45-DTE
    structure needs) most of the time, and arbitrary narrow ones sometimes."""
    step = draw(st.sampled_from([0.5, 1.0, 2.5, 5.0]))
    spot = draw(st.floats(max(40.0, 100 * step), 900.0))
    vol = draw(st.floats(0.08, 0.9))
    days = draw(st.integers(21, 45))
    covering = 2 * int(5 * vol * (days / 365) ** 0.5 * spot / step) + 41
    n = draw(st.one_of(st.just(min(covering, 2001)), st.integers(5, 161)))
    return synthetic_chain(
        spot=spot,
        days=(days,),
        strike_step=step,
        n_strikes=n,
        atm_vol=vol,
        skew=draw(st.floats(-0.4, 0.1)),
        smile=draw(st.floats(0.0, 0.3)),
        put_vol_scale=draw(st.floats(0.6, 1.6)),
        spread_fraction=draw(st.floats(0.0, 0.3)),
        min_spread=draw(st.sampled_from([0.01, 0.02, 0.05])),
        open_interest=draw(st.sampled_from([None, 50.0, 5000.0, 5000.0])),
    )


@st.composite
def specs(draw: st.DrawFn) -> BuildSpec:
    return BuildSpec(
        short_delta=draw(st.floats(0.05, 0.35)),
        wing_width_dollars=draw(st.sampled_from([1.0, 2.5, 5.0, 10.0, 20.0, 50.0])),
        wing_delta=draw(st.one_of(st.none(), st.none(), st.floats(0.02, 0.1))),
        min_credit_fraction=draw(st.floats(0.02, 0.6)),
        delta_tolerance=draw(st.floats(0.01, 0.2)),
        quantity=draw(st.integers(1, 3)),
    )


def _check_credit_invariants(chain: ChainSnapshot, spec: BuildSpec, p: Proposal) -> None:
    s = p.strategy
    assert s.status is StrategyStatus.PENDING
    credit = s.credit_per_unit
    assert credit >= spec.min_credit_fraction * s.width
    assert credit > 0
    expected_loss = (s.width - credit) * 100 * spec.quantity
    assert p.max_loss == pytest.approx(expected_loss, rel=1e-12, abs=1e-6)
    assert p.max_profit == pytest.approx(credit * 100 * spec.quantity, rel=1e-12, abs=1e-6)
    assert p.credit_natural <= p.credit_mid + 1e-12
    assert 0.0 <= p.pop <= 1.0
    e = next(x for x in chain.expiries if x.expiry == p.expiry)
    listed = set(e.strikes.tolist())
    assert all(leg.contract.strike in listed for leg in s.legs)
    for leg in s.legs:
        if leg.is_short:
            i = int(np.flatnonzero(e.strikes == leg.contract.strike)[0])
            delta = abs(float(e.side(leg.contract.right).delta[i]))
            name = "call" if leg.contract.is_call else "put"
            assert abs(delta - float(s.metadata[f"target_delta_{name}"])) <= spec.delta_tolerance


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain=chains(), spec=specs())
def test_iron_condor_invariants(chain: ChainSnapshot, spec: BuildSpec) -> None:
    result = IronCondorBuilder(spec).build(chain)
    if isinstance(result, Rejection):
        assert isinstance(result.reason, RejectReason)
        assert result.detail
        if result.reason is RejectReason.CREDIT_TOO_LOW:
            assert result.values["credit_mid"] < result.values["min_credit"]
        return
    _check_credit_invariants(chain, spec, result)
    pl, ps, cs, cl = sorted(
        result.strategy.legs, key=lambda leg: (leg.contract.is_call, leg.contract.strike)
    )
    assert pl.contract.strike < ps.contract.strike < cs.contract.strike < cl.contract.strike
    credit = result.strategy.credit_per_unit
    assert result.breakevens == pytest.approx(
        (ps.contract.strike - credit, cs.contract.strike + credit), abs=1e-9
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chain=chains(),
    spec=specs(),
    strategy_type=st.sampled_from([StrategyType.BULL_PUT, StrategyType.BEAR_CALL]),
)
def test_credit_vertical_invariants(
    chain: ChainSnapshot, spec: BuildSpec, strategy_type: StrategyType
) -> None:
    result = VerticalSpreadBuilder(strategy_type, spec).build(chain)
    if isinstance(result, Rejection):
        assert isinstance(result.reason, RejectReason)
        return
    _check_credit_invariants(chain, spec, result)
    assert len(result.breakevens) == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chain=chains(),
    spec=specs(),
    strategy_type=st.sampled_from([StrategyType.BULL_CALL, StrategyType.BEAR_PUT]),
)
def test_debit_vertical_invariants(
    chain: ChainSnapshot, spec: BuildSpec, strategy_type: StrategyType
) -> None:
    result = VerticalSpreadBuilder(strategy_type, spec).build(chain)
    if isinstance(result, Rejection):
        assert isinstance(result.reason, RejectReason)
        return
    debit = -result.strategy.credit_per_unit
    assert 0 < debit <= spec.max_debit_fraction * result.width
    assert result.max_loss == pytest.approx(debit * 100 * spec.quantity, rel=1e-12, abs=1e-6)
    assert result.max_profit == pytest.approx(
        (result.width - debit) * 100 * spec.quantity, rel=1e-12, abs=1e-6
    )


def test_realistic_sweep_produces_condors_that_keep_the_invariants() -> None:
    """The property tests above accept rejections; this seeded sweep over realistic chains
    makes sure most draws do produce a condor, so the invariants are exercised."""
    rng = np.random.default_rng(7)
    produced = 0
    for _ in range(40):
        spot = float(rng.uniform(80, 700))
        step = 1.0 if spot < 300 else 2.5
        vol = float(rng.uniform(0.12, 0.45))
        chain = synthetic_chain(
            spot=spot,
            days=(int(rng.integers(21, 46)),),
            strike_step=step,
            n_strikes=2 * int(5 * vol * 0.35 * spot / step) + 41,
            atm_vol=vol,
            skew=float(rng.uniform(-0.3, 0.0)),
            put_vol_scale=float(rng.uniform(0.8, 1.4)),
        )
        spec = BuildSpec(
            short_delta=float(rng.uniform(0.10, 0.30)),
            wing_width_dollars=float(rng.choice([5.0, 10.0])),
            min_credit_fraction=float(rng.uniform(0.1, 0.3)),
            quantity=int(rng.integers(1, 4)),
        )
        result = IronCondorBuilder(spec).build(chain)
        if isinstance(result, Proposal):
            produced += 1
            _check_credit_invariants(chain, spec, result)
        else:
            assert result.reason is RejectReason.CREDIT_TOO_LOW, result.detail
    assert produced >= 20

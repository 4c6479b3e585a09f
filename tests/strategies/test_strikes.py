"""SmartStrikeSelector: the owner's skew rules exactly as written, and strike choice on the
real grid (nearest delta, wings at a dollar offset)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from v6.domain import Right
from v6.strategies import (
    ChainSnapshot,
    IronCondorBuilder,
    Proposal,
    QuoteStatus,
    SkewConfig,
    SkewInterpretation,
    SkewReading,
    SmartStrikeSelector,
    choose_expiry,
    interpret_skew,
)
from v6.strategies.strikes import closest_delta_index, offset_strike_index
from v6.strategies.synthetic import edit_quotes

from .conftest import ChainFactory

SEL = SmartStrikeSelector()
CFG = SkewConfig()


def reading(ratio: float) -> SkewReading:
    return SkewReading(ratio, interpret_skew(ratio, CFG))


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (1.25, SkewInterpretation.HIGH_PUT_SKEW),
        (1.2000001, SkewInterpretation.HIGH_PUT_SKEW),
        (1.2, SkewInterpretation.NEUTRAL),  # "above 1.2": the boundary itself is neutral
        (1.0, SkewInterpretation.NEUTRAL),
        (0.8, SkewInterpretation.NEUTRAL),
        (0.7999999, SkewInterpretation.HIGH_CALL_SKEW),
        (0.75, SkewInterpretation.HIGH_CALL_SKEW),
    ],
)
def test_skew_interpretation_thresholds(ratio: float, expected: SkewInterpretation) -> None:
    assert interpret_skew(ratio, CFG) is expected


def test_high_put_skew_raises_the_put_target_by_20_percent() -> None:
    targets = SEL.targets(0.16, reading(1.25))
    assert targets.put == pytest.approx(0.16 * 1.2)
    assert targets.put == pytest.approx(0.192)
    assert targets.call == 0.16


def test_high_call_skew_raises_the_call_target() -> None:
    targets = SEL.targets(0.16, reading(0.75))
    assert targets.call == pytest.approx(0.192)
    assert targets.put == 0.16


def test_the_boost_is_capped_at_030() -> None:
    assert SEL.adjust_target_delta_for_skew(0.28, Right.PUT, reading(1.25)) == 0.30
    assert SEL.adjust_target_delta_for_skew(0.25, Right.PUT, reading(1.25)) == 0.30
    # A target already above the cap is not pulled back out (the boost only moves inward).
    assert SEL.adjust_target_delta_for_skew(0.35, Right.PUT, reading(1.25)) == 0.35


def test_neutral_skew_or_disabled_awareness_changes_nothing() -> None:
    assert SEL.targets(0.16, reading(1.1)).put == 0.16
    off = SmartStrikeSelector(SkewConfig(enabled=False))
    assert off.targets(0.16, reading(1.5)).put == 0.16


@pytest.mark.parametrize("scale", [1.25, 0.75, 1.0])
def test_ratio_is_put_iv_over_call_iv_at_matched_delta(
    make_chain: ChainFactory, scale: float
) -> None:
    chain = make_chain(days=(39,), skew=0.0, smile=0.0, put_vol_scale=scale)
    expiry = chain.expiries[0]
    assert SEL.calculate_skew_ratio(expiry) == pytest.approx(scale, rel=1e-9)
    skew = SEL.skew(expiry)
    assert skew.ratio == pytest.approx(scale, rel=1e-9)
    assert skew.fallback is False


def test_a_skewed_smile_reads_as_put_skew(spy_chain: ChainSnapshot) -> None:
    expiry = choose_expiry(spy_chain, 21, 45)
    assert expiry is not None
    skew = SEL.skew(expiry)
    assert skew.ratio > 1.0  # puts bid, as in every equity index smile


def test_missing_iv_data_falls_back_to_neutral(make_chain: ChainFactory) -> None:
    chain = make_chain(days=(39,), put_vol_scale=1.5)
    e = chain.expiries[0]
    no_calls = edit_quotes(
        chain,
        e.expiry,
        Right.CALL,
        e.strikes.tolist(),
        status=QuoteStatus.MISSING,
        iv=math.nan,
    )
    expiry = no_calls.expiries[0]
    assert SEL.calculate_skew_ratio(expiry) == 1.0
    skew = SEL.skew(expiry)
    assert (skew.ratio, skew.interpretation, skew.fallback) == (
        1.0,
        SkewInterpretation.NEUTRAL,
        True,
    )
    assert SEL.targets(0.16, skew).put == 0.16


def test_builder_records_the_skew_and_targets_the_adjusted_delta(
    make_chain: ChainFactory,
) -> None:
    chain = make_chain(days=(39,), skew=0.0, smile=0.0, put_vol_scale=1.25)
    result = IronCondorBuilder().build(chain)
    assert isinstance(result, Proposal)
    meta = result.strategy.metadata
    assert meta["skew_ratio"] == pytest.approx(1.25)
    assert meta["skew_interpretation"] == "high_put_skew"
    assert meta["target_delta_put"] == pytest.approx(0.192)
    assert meta["target_delta_call"] == pytest.approx(0.16)
    short_put = next(
        leg for leg in result.strategy.legs if leg.is_short and not leg.contract.is_call
    )
    e = chain.expiries[0]
    i = int(np.flatnonzero(e.strikes == short_put.contract.strike)[0])
    # The chosen put is the listed strike nearest 0.192, not nearest 0.16.
    abs_put = np.abs(e.put.delta)
    assert abs(abs_put[i] - 0.192) == pytest.approx(np.min(np.abs(abs_put - 0.192)))
    assert abs(abs_put[i] - 0.192) < abs(abs_put[i] - 0.16)


def test_builder_with_missing_iv_records_the_neutral_fallback(make_chain: ChainFactory) -> None:
    chain = make_chain(days=(39,), put_vol_scale=1.5)  # puts far richer than calls
    e = chain.expiries[0]
    # Calls above 20 delta lose their quotes: no call IV brackets 25 delta any more, while
    # the 16-delta call and its wing stay quoted.
    near = e.strikes[np.abs(e.call.delta) > 0.20].tolist()
    chain = edit_quotes(chain, e.expiry, Right.CALL, near, status=QuoteStatus.MISSING)
    result = IronCondorBuilder().build(chain)
    assert isinstance(result, Proposal)
    meta = result.strategy.metadata
    assert meta["skew_ratio"] == 1.0
    assert meta["skew_interpretation"] == "neutral"
    assert meta["skew_fallback"] is True
    assert meta["target_delta_put"] == 0.16
    assert meta["target_delta_call"] == 0.16


finite_or_nan = st.one_of(st.floats(0.0, 1.0), st.just(math.nan))


@given(
    arrays(np.float64, st.integers(1, 40), elements=finite_or_nan),
    st.floats(0.01, 0.5),
)
def test_closest_delta_is_the_brute_force_nearest(abs_delta: np.ndarray, target: float) -> None:
    i = closest_delta_index(abs_delta, target)
    finite = [k for k in range(abs_delta.size) if math.isfinite(abs_delta[k])]
    if not finite:
        assert i is None
        return
    assert i is not None
    best = min(abs(abs_delta[k] - target) for k in finite)
    assert abs(abs_delta[i] - target) == best
    ties = [abs_delta[k] for k in finite if abs(abs_delta[k] - target) == best]
    assert abs_delta[i] == min(ties)  # a tie goes to the strike further out of the money


@given(
    st.lists(st.integers(1, 2000), min_size=1, max_size=30, unique=True),
    st.data(),
    st.floats(-50, 50).filter(lambda x: abs(x) > 1e-6),
)
def test_wing_strike_is_listed_on_the_right_side_and_nearest(
    cents: list[int], data: st.DataObject, offset: float
) -> None:
    strikes = np.array(sorted(c / 4 for c in cents), dtype=np.float64)
    anchor = data.draw(st.integers(0, strikes.size - 1))
    i = offset_strike_index(strikes, anchor, offset)
    side = [k for k in strikes if (k > strikes[anchor] if offset > 0 else k < strikes[anchor])]
    if not side:
        assert i is None
        return
    assert i is not None
    chosen = strikes[i]
    assert chosen in side
    target = strikes[anchor] + offset
    assert abs(chosen - target) == min(abs(k - target) for k in side)


def test_strike_for_delta_matches_a_scan_of_the_chain(spy_chain: ChainSnapshot) -> None:
    e = choose_expiry(spy_chain, 21, 45)
    assert e is not None
    for right in (Right.PUT, Right.CALL):
        for target in (0.05, 0.16, 0.30):
            pick = SEL.strike_for_delta(e, right, target)
            assert pick is not None
            scan = np.abs(np.abs(e.side(right).delta) - target)
            assert pick.miss == pytest.approx(np.nanmin(scan))
            assert pick.strike == e.strikes[pick.index]

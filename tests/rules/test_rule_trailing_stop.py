"""Rule 2, trailing stop: activation, volatility-scaled trail, whipsaw protection."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import pytest

from v6.domain import Action, QuoteValidity, Urgency
from v6.rules import DecisionEngine, EvaluationResult, RuleState, explain

from .kit import engine, market_view, run, strategy_view

E = engine(only="trailing_stop")


def walk(
    path: Sequence[float],
    eng: DecisionEngine = E,
    *,
    vol: float | None = 0.20,
    **view_kwargs: Any,
) -> list[EvaluationResult]:
    """Feed a path of P&L fractions through the engine, carrying the rule state."""
    state: RuleState | None = None
    out = []
    for x in path:
        sv = strategy_view(pnl_fraction=x, **view_kwargs)
        result = run(eng, sv, market_view(realized_vol=vol), state=state)
        state = result.state
        out.append(result)
    return out


def first_exit(results: list[EvaluationResult]) -> int | None:
    for i, r in enumerate(results):
        if r.decision.action is Action.CLOSE:
            return i
    return None


def test_never_fires_before_activation() -> None:
    results = walk([0.1, 0.3, 0.39, 0.0, -0.5, -1.0])
    assert first_exit(results) is None
    assert results[-1].state.trail_active is False
    assert results[-1].state.peak_pnl_fraction == 0.39


def test_fires_after_confirm_cycles_below_the_trail() -> None:
    # peak 62 %, trail 15 points below at 20 % vol -> 47 %; 41 % is within the 10-point buffer
    results = walk([0.1, 0.3, 0.62, 0.41, 0.41, 0.41])
    assert first_exit(results) == 5
    d = results[5].decision
    assert (d.rule, d.urgency) == ("trailing_stop", Urgency.HIGH)
    assert d.inputs["peak_pnl_fraction"] == 0.62
    assert d.inputs["breach_cycles"] == 3
    assert d.inputs["trail_level"] == pytest.approx(0.47)
    assert d.thresholds["confirm_cycles"] == 3
    assert (
        "P&L fell from 62 % to 41 % of max profit, below the 47 % trail, for 3 cycles" in explain(d)
    )
    assert explain(d).startswith("closed SPY iron condor")


def test_at_the_trail_is_not_a_breach_just_below_is() -> None:
    eng = engine({"trailing_stop.confirm_cycles": 1}, only="trailing_stop")
    stop = 0.5 - 0.15
    assert first_exit(walk([0.5, stop, stop], eng)) is None
    assert first_exit(walk([0.5, stop - 1e-9], eng)) == 1


def test_a_fall_beyond_the_buffer_closes_at_once() -> None:
    stop = 0.62 - 0.15
    assert first_exit(walk([0.62, stop - 0.10 - 1e-9])) == 1
    assert first_exit(walk([0.62, stop - 0.10])) is None  # exactly at the buffer: wait


def test_a_recovery_resets_the_whipsaw_counter() -> None:
    results = walk([0.62, 0.41, 0.41, 0.55, 0.41, 0.41])
    assert first_exit(results) is None
    assert [r.state.breach_cycles for r in results] == [0, 1, 2, 0, 1, 2]


def test_trail_distance_scales_with_volatility_and_is_clipped() -> None:
    # 40 % vol doubles the 15-point distance to 30 (the max): the trail is at 32 %
    assert first_exit(walk([0.62, 0.33, 0.33, 0.33], vol=0.40)) is None
    high = walk([0.62, 0.31, 0.31, 0.31], vol=0.40)
    assert first_exit(high) == 3
    assert high[3].decision.inputs["trail_distance"] == pytest.approx(0.30)
    # 5 % vol would give 3.75 points: clipped to the 8-point minimum
    low = walk([0.62, 0.53, 0.53, 0.53], vol=0.05)
    assert first_exit(low) == 3
    assert low[3].decision.inputs["trail_distance"] == pytest.approx(0.08)


def test_without_realised_vol_the_trail_uses_iv_then_the_base_distance() -> None:
    # IV 40 %: a 30-point distance, so 41 % is above the 32 % trail and 31 % below it
    assert first_exit(walk([0.62, 0.41, 0.41, 0.41], vol=None, iv_now=0.40)) is None
    iv = walk([0.62, 0.31, 0.31, 0.31], vol=None, iv_now=0.40)
    assert first_exit(iv) == 3
    assert iv[3].decision.inputs["vol_source"] == "implied"
    assert iv[3].decision.inputs["vol"] == 0.40
    base = engine({"trailing_stop.vol_scaling": False}, only="trailing_stop")
    fixed = walk([0.62, 0.41, 0.41, 0.41], base, vol=0.60)
    assert fixed[3].decision.action is Action.CLOSE
    assert fixed[3].decision.inputs["trail_distance"] == 0.15


def test_whipsaw_noisy_path_one_bad_mark_does_not_close_a_persistent_fall_does() -> None:
    """A winner marked with realistic noise and one bad (but valid-looking) mark inside the
    buffer keeps running; a fall that persists closes it on the confirming cycle."""
    rng = random.Random(7)
    climb = [0.02 * i + rng.gauss(0, 0.01) for i in range(32)]  # up to ~62 %
    noisy = [0.60 + rng.gauss(0, 0.02) for _ in range(40)]
    noisy[17] = 0.40  # one bad mark: below the ~47 % trail, within the buffer
    fall = [0.42, 0.41, 0.42, 0.41, 0.40]
    results = walk(climb + noisy + fall)
    exit_at = first_exit(results)
    assert exit_at == len(climb) + len(noisy) + 2  # the third cycle below the trail
    assert results[len(climb) + 17].state.breach_cycles == 1
    assert results[len(climb) + 18].state.breach_cycles == 0


def test_invalid_cycles_neither_advance_nor_reset_the_state() -> None:
    r1 = walk([0.62, 0.41, 0.41])
    stale = strategy_view(pnl_fraction=0.41, validity={1: QuoteValidity.STALE})
    during = run(E, stale, state=r1[-1].state)
    assert during.decision.is_hold
    assert not during.decision.data_valid
    assert during.state.breach_cycles == 2
    after = run(E, strategy_view(pnl_fraction=0.41), state=during.state)
    assert after.decision.action is Action.CLOSE

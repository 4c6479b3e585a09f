"""DecisionJournal: every non-HOLD decision journaled, HOLDs compacted per strategy."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.clock import VirtualClock
from v6.domain.decision import Action, Decision
from v6.errors import ConfigError
from v6.journal import DecisionJournal, HoldPolicy
from v6.journal.codec import from_row

from .helpers import T0, RecordingSink, hold, trailing_close

CYCLE = timedelta(seconds=30)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(T0)


def journal(clock: VirtualClock, sink: RecordingSink, interval_s: float = 900) -> DecisionJournal:
    return DecisionJournal(sink, clock, HoldPolicy(interval_s=interval_s))


def test_unchanged_holds_are_written_once_per_interval(clock: VirtualClock) -> None:
    sink = RecordingSink()
    j = journal(clock, sink, interval_s=900)
    for i in range(61):  # 30 minutes of 30-second cycles
        j.record(hold("ic-1", T0 + i * CYCLE))
    written = [from_row(r).decision.ts for r in sink.rows]
    assert written == [T0, T0 + timedelta(minutes=15), T0 + timedelta(minutes=30)]
    assert j.holds_skipped == 58


def test_every_non_hold_is_written_and_the_next_hold_too(clock: VirtualClock) -> None:
    sink = RecordingSink()
    j = journal(clock, sink)
    assert j.record(hold("ic-1", T0))
    assert not j.record(hold("ic-1", T0 + CYCLE))
    assert j.record(trailing_close("ic-1", T0 + 2 * CYCLE))
    assert j.record(trailing_close("ic-1", T0 + 3 * CYCLE))  # a repeated CLOSE is still written
    assert j.record(hold("ic-1", T0 + 4 * CYCLE))
    assert [r["action"] for r in sink.rows] == ["HOLD", "CLOSE", "CLOSE", "HOLD"]


@pytest.mark.parametrize(
    "changed",
    [
        hold("ic-1", T0 + CYCLE, data_valid=False),
        hold("ic-1", T0 + CYCLE, skipped="iv_crush,vix_exit"),
        hold("ic-1", T0 + CYCLE, rule="data_invalid"),
    ],
    ids=["data_valid", "skipped_rules", "rule"],
)
def test_a_changed_hold_is_written_at_once(clock: VirtualClock, changed: Decision) -> None:
    sink = RecordingSink()
    j = journal(clock, sink)
    j.record(hold("ic-1", T0))
    assert j.record(changed)
    assert j.record(hold("ic-1", T0 + 2 * CYCLE))  # and the change back as well
    assert len(sink.rows) == 3


def test_strategies_are_compacted_independently(clock: VirtualClock) -> None:
    sink = RecordingSink()
    j = journal(clock, sink)
    batch = [hold(s, T0) for s in ("a", "b", "c")]
    assert j.record_all(batch, cycle_id="cycle-1") == 3
    assert j.record_all([hold(s, T0 + CYCLE) for s in ("a", "b", "c")], cycle_id="c2") == 0
    j.forget("b")
    assert j.record_all([hold(s, T0 + 2 * CYCLE) for s in ("a", "b", "c")]) == 1
    assert {r["cycle_id"] for r in sink.rows[:3]} == {"cycle-1"}
    assert sink.rows[-1]["strategy_id"] == "b"


def test_intent_link_and_both_timestamps_are_recorded(clock: VirtualClock) -> None:
    sink = RecordingSink()
    j = journal(clock, sink)
    decision = trailing_close("ic-1", T0)
    clock.advance(timedelta(seconds=2))
    j.record(decision, cycle_id="c-9", intent_id="int-abc")
    record = from_row(sink.rows[0])
    assert record.decision == decision
    assert record.intent_id == "int-abc"
    assert record.cycle_id == "c-9"
    assert record.recorded_at == T0 + timedelta(seconds=2)  # ts_init: when journaled


def test_refused_rows_propagate_and_are_not_remembered(clock: VirtualClock) -> None:
    sink = RecordingSink(fail=True)
    j = journal(clock, sink)
    with pytest.raises(OSError, match="disk full"):
        j.record(hold("ic-1", T0))
    sink.fail = False
    assert j.record(hold("ic-1", T0 + CYCLE))  # the refused HOLD does not count as written


def test_nonfinite_inputs_are_journaled_as_unknown(clock: VirtualClock) -> None:
    sink = RecordingSink()
    j = journal(clock, sink)
    decision = trailing_close("ic-1", T0)
    bad = replace(
        decision, inputs={"pnl_fraction": float("nan"), "vol": float("inf"), "symbol": "SPY"}
    )
    j.record(bad)
    assert from_row(sink.rows[0]).decision.inputs == {
        "pnl_fraction": None,
        "vol": None,
        "symbol": "SPY",
    }


def test_policy_refuses_a_negative_interval() -> None:
    with pytest.raises(ConfigError, match="hold_interval_s"):
        HoldPolicy(interval_s=-1)


@settings(max_examples=80, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(1, 600),  # seconds to the next evaluation
            st.sampled_from(["hold", "hold", "hold", "invalid", "close"]),
            st.sampled_from(["a", "b"]),
        ),
        max_size=80,
    ),
    interval_s=st.sampled_from([0.0, 60.0, 900.0]),
)
def test_compaction_invariants(steps: list[tuple[int, str, str]], interval_s: float) -> None:
    """Every non-HOLD is written; the first decision per strategy is written; two consecutive
    journaled HOLD rows of a strategy with the same signature are at least the interval apart;
    a skipped HOLD always has an identical journaled HOLD less than the interval before it."""
    clock = VirtualClock(T0)
    sink = RecordingSink()
    j = journal(clock, sink, interval_s)
    ts = T0
    seen: list[tuple[Decision, bool]] = []
    for gap_s, kind, sid in steps:
        ts += timedelta(seconds=gap_s)
        if kind == "close":
            decision = trailing_close(sid, ts)
        else:
            decision = hold(sid, ts, data_valid=kind == "hold")
        seen.append((decision, j.record(decision)))
    for sid in ("a", "b"):
        mine = [(d, w) for d, w in seen if d.strategy_id == sid]
        if mine:
            assert mine[0][1]
        journaled: list[Decision] = []
        for decision, written in mine:
            if decision.action is not Action.HOLD:
                assert written
            if not written:
                prev = journaled[-1]
                assert prev.action is Action.HOLD
                assert j.signature(prev) == j.signature(decision)
                assert (decision.ts - prev.ts).total_seconds() < interval_s
            else:
                if journaled and decision.is_hold and journaled[-1].is_hold:
                    prev = journaled[-1]
                    if j.signature(prev) == j.signature(decision):
                        assert (decision.ts - prev.ts).total_seconds() >= interval_s
                journaled.append(decision)
    assert len(sink.rows) == sum(w for _, w in seen)

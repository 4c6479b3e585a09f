"""``--lag-entries N``: every entry reaches the execution engine exactly N grid steps after
it was decided; nothing else moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from v6.sim.backtest.entry_lag import DECIDED_AT_KEY
from v6.sim.backtest.runner import BacktestResult

from .kit import run

LAG = 3
STEP_MINUTES = 30


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[BacktestResult, BacktestResult]:
    base = run(tmp_path_factory.mktemp("lag0"), days=5, seed=31, step_minutes=STEP_MINUTES)
    lagged = run(
        tmp_path_factory.mktemp("lag3"),
        days=5,
        seed=31,
        step_minutes=STEP_MINUTES,
        lag_entries=LAG,
    )
    return base, lagged


def test_without_lag_entries_are_sent_when_decided(
    pair: tuple[BacktestResult, BacktestResult],
) -> None:
    base, _ = pair
    assert base.timings, "the run must enter something"
    for t in base.timings:
        assert t.submitted_step == t.decided_step
        assert t.submitted_at == t.decided_at


def test_each_entry_is_sent_exactly_n_steps_after_its_decision(
    pair: tuple[BacktestResult, BacktestResult],
) -> None:
    _, lagged = pair
    assert lagged.timings
    for t in lagged.timings:
        assert t.submitted_step - t.decided_step == LAG
        # within a session N steps of the grid are N x the step in clock time
        if t.submitted_at.date() == t.decided_at.date():
            gap = (t.submitted_at - t.decided_at).total_seconds()
            assert gap == LAG * STEP_MINUTES * 60


def test_the_first_entry_moves_by_exactly_n_steps(
    pair: tuple[BacktestResult, BacktestResult],
) -> None:
    """Until the first entry both runs are the same, so the first decision is the same and
    only its submission moves."""
    base, lagged = pair
    first, first_lagged = base.timings[0], lagged.timings[0]
    assert first_lagged.strategy_id == first.strategy_id
    assert first_lagged.decided_at == first.decided_at
    assert first_lagged.submitted_step == first.submitted_step + LAG


def test_a_lagged_entry_carries_its_decision_time(
    pair: tuple[BacktestResult, BacktestResult],
) -> None:
    _, lagged = pair
    rows = {r["strategy_id"]: r for r in lagged.memory.rows("strategies")}
    accepted = [t for t in lagged.timings if t.accepted]
    assert accepted
    for t in accepted:
        meta = rows[t.strategy_id]["metadata_json"] or ""
        assert DECIDED_AT_KEY in meta
        assert t.decided_at.isoformat() in meta


def test_negative_lag_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="lag-entries"):
        run(tmp_path, days=1, lag_entries=-1)

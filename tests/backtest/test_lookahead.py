"""The look-ahead guard: decision code cannot read market data from after the virtual now.
A feed whose source is ahead of the clock, a request for a future time, or a quote stamped
in the future raise ``LookAheadError``, and nothing in the engine swallows it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from v6.clock import VirtualClock
from v6.errors import HaltError
from v6.sim.backtest.guard import GuardedFeed, LookAheadError
from v6.sim.config import SimConfig
from v6.sim.market import MarketSimulator
from v6.workflows.entry import EntryReport, EntryWorkflow
from v6.workflows.feed import SimFeed

from .kit import run


def _market() -> tuple[MarketSimulator, VirtualClock, GuardedFeed]:
    sim = MarketSimulator(SimConfig(seed=3, step_minutes=30), max_days=2)
    first = sim.advance()
    assert first is not None
    clock = VirtualClock(first.ts)
    return sim, clock, GuardedFeed(SimFeed(sim), clock, lambda: sim.state.ts)


def _chain_kwargs() -> dict[str, object]:
    return {
        "dte_min": 20,
        "dte_max": 50,
        "quote_max_age": timedelta(seconds=10),
        "max_moneyness": 0.1,
    }


def test_reads_at_the_virtual_now_are_served() -> None:
    sim, clock, feed = _market()
    assert feed.spot("SPY") == sim.state.spots["SPY"]
    assert feed.vix() == pytest.approx(sim.state.vix)
    chain = feed.chain_snapshot("SPY", clock.now(), **_chain_kwargs())  # type: ignore[arg-type]
    assert chain is not None
    assert chain.ts == clock.now()
    assert feed.reads == 3


def test_a_source_ahead_of_the_clock_fails_every_read() -> None:
    """Someone advanced the market past the clock (a peek at the next step): the next read
    of any kind refuses, naming both times."""
    sim, clock, feed = _market()
    sim.advance()  # the market is now one step after the clock
    for read in (
        lambda: feed.spot("SPY"),
        feed.vix,
        lambda: feed.quotes([]),
        lambda: feed.chain_snapshot("SPY", clock.now(), **_chain_kwargs()),  # type: ignore[arg-type]
    ):
        with pytest.raises(LookAheadError, match="look-ahead") as info:
            read()
        assert clock.now().isoformat() in str(info.value)
    clock.set(sim.state.ts)  # the clock catches up: reads are fine again
    assert feed.spot("SPY") == sim.state.spots["SPY"]


def test_asking_for_a_future_time_fails() -> None:
    _sim, clock, feed = _market()
    later = clock.now() + timedelta(minutes=30)
    with pytest.raises(LookAheadError, match="asked for"):
        feed.chain_snapshot("SPY", later, **_chain_kwargs())  # type: ignore[arg-type]


def test_the_error_stops_trading() -> None:
    """A look-ahead is a bug in decision code: it must stop the run, not be refused and
    carried on from like bad market data."""
    assert issubclass(LookAheadError, HaltError)


def test_a_decision_reading_a_future_quote_fails_the_backtest_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entry code that asks for the chain 30 minutes ahead (the kind of bug a backtest
    must expose) ends the run with LookAheadError instead of trading on it."""
    original = EntryWorkflow._scan

    async def peeking_scan(
        self: EntryWorkflow, symbol: str, now: object, report: EntryReport
    ) -> None:
        ahead = self.svc.now() + timedelta(minutes=30)
        self.svc.feed.chain_snapshot(
            symbol,
            ahead,
            dte_min=21,
            dte_max=45,
            quote_max_age=timedelta(seconds=10),
            max_moneyness=0.25,
        )
        await original(self, symbol, now, report)  # type: ignore[arg-type]

    monkeypatch.setattr(EntryWorkflow, "_scan", peeking_scan)
    with pytest.raises(LookAheadError, match="asked for"):
        run(tmp_path, days=2)


def test_an_honest_run_reads_through_the_guard(tmp_path: Path) -> None:
    result = run(tmp_path, days=2)
    assert result.steps > 0
    assert result.counts["entries_by_type"]

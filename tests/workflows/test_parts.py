"""The engine's parts on their own: the Store adapter over real Delta tables, the entry
schedule, intents from decisions, settlement attribution, the journal replay, the operator
files and the simulator's vectorised chain snapshot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.config import TradingConfig
from v6.domain import Action, Decision, Fill, IntentKind, OrderAction, Urgency
from v6.domain.strategy import StrategyStatus, StrategyType
from v6.execution import rows as rb
from v6.risk.breaker import CircuitBreaker
from v6.risk.triggers import Observation
from v6.sim.calendar import TradingCalendar
from v6.sim.market import MarketSimulator
from v6.sim.market_data import SimMarketData
from v6.store import Lake, LakeReader, LakeWriter
from v6.store.port import LakeJournalReader, LakeStore
from v6.strategies import fetch_chain_snapshot
from v6.testing.factories import make_iron_condor
from v6.workflows.book import Book
from v6.workflows.config import EngineConfig
from v6.workflows.control import (
    breaker_from_json,
    breaker_to_json,
    pending_resumes,
    write_resume_request,
)
from v6.workflows.feed import SimFeed
from v6.workflows.health import HealthRecord, read_health, write_health
from v6.workflows.intents import exit_intent
from v6.workflows.recovery import infer_type, replay
from v6.workflows.schedule import EntrySchedule

TS = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _decision(action: Action, **thresholds: float) -> Decision:
    return Decision(
        "dec-1", "ic-1", action, Urgency.HIGH, "delta_risk", 7, TS, "why", {}, thresholds
    )


# -- the Store adapter -------------------------------------------------------------------------


def test_store_buffers_events_and_merges_state(tmp_path: Path) -> None:
    writer = LakeWriter(Lake(tmp_path / "lake"))
    store = LakeStore(writer, batch_rows=1000)
    reader = LakeReader(tmp_path / "lake")
    seen: list[str] = []
    store.observe("decisions", lambda table, rows: seen.extend(r["decision_id"] for r in rows))
    row = {"decision_id": "d1", "rule": "hold", "ts_event": TS, "ts_init": TS}
    store.append("decisions", [row])
    assert seen == ["d1"]
    assert not reader.exists("decisions") or reader.read("decisions").height == 0
    early = {"strategy_id": "s1", "status": "OPEN", "updated_at": TS}
    late = {"strategy_id": "s1", "status": "CLOSED", "updated_at": TS + timedelta(minutes=5)}
    store.append("strategies", [early])
    store.append("strategies", [late])
    store.flush()
    assert reader.read("decisions")["decision_id"].to_list() == ["d1"]
    states = reader.latest("strategies")
    assert states.height == 1
    assert states["status"].to_list() == ["CLOSED"]
    store.close()


def test_durable_rows_are_committed_before_returning(tmp_path: Path) -> None:
    writer = LakeWriter(Lake(tmp_path / "lake"))
    reader = LakeReader(tmp_path / "lake")
    durable = LakeStore(writer, durable=True)
    intent = {
        "order_ref": "i1",
        "intent_id": "i1",
        "status": "INTENDED",
        "ts_event": TS,
        "ts_init": TS,
    }
    durable.append_durable("orders", [intent])
    assert reader.read("orders")["order_ref"].to_list() == ["i1"]
    batched = LakeStore(writer, durable=False)
    batched.append_durable("orders", [{**intent, "order_ref": "i2", "intent_id": "i2"}])
    assert reader.read("orders").height == 1  # not yet: this store batches everything
    batched.flush()
    assert sorted(reader.read("orders")["order_ref"].to_list()) == ["i1", "i2"]
    journal = LakeJournalReader(reader)
    assert journal.rows("executions") == []
    assert {r["order_ref"] for r in journal.rows("orders") or []} == {"i1", "i2"}
    writer.close()


# -- the entry schedule ------------------------------------------------------------------------


def _ny(day: date, hh: int, mm: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ZoneInfo("America/New_York"))


def test_schedule_keeps_clear_of_open_and_close() -> None:
    cal = TradingCalendar()
    sched = EntrySchedule(cal, EngineConfig(), entry_scan_s=300)
    monday = date(2026, 3, 2)
    assert not sched.allowed(_ny(monday, 9, 45))  # inside the first 30 minutes
    assert sched.allowed(_ny(monday, 10, 0))
    assert sched.allowed(_ny(monday, 15, 30))
    assert not sched.allowed(_ny(monday, 15, 31))  # the last 30 minutes
    assert not sched.allowed(_ny(date(2026, 3, 1), 12, 0))  # a Sunday
    early = date(2026, 11, 27)  # the day after Thanksgiving closes at 13:00
    assert sched.allowed(_ny(early, 12, 30))
    assert not sched.allowed(_ny(early, 12, 31))
    windows = EngineConfig(entry_windows=("10:30-11:00", "14:00-14:30"))
    narrow = EntrySchedule(cal, windows, entry_scan_s=600)
    assert not narrow.allowed(_ny(monday, 12, 0))
    assert narrow.due(_ny(monday, 10, 30))
    narrow.mark(_ny(monday, 10, 30))
    assert not narrow.due(_ny(monday, 10, 35))
    assert narrow.due(_ny(monday, 10, 40))


def test_engine_config_refuses_impossible_schedules() -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        EngineConfig(entry_windows=("ten-eleven",))
    with pytest.raises(ValueError, match="end after"):
        EngineConfig(entry_windows=("11:00-10:00",))
    with pytest.raises(ValueError, match="390"):
        EngineConfig(skip_after_open_minutes=200, skip_before_close_minutes=200)
    assert TradingConfig().engine == EngineConfig()


# -- intents -----------------------------------------------------------------------------------


def test_close_negates_every_leg_and_hold_makes_nothing() -> None:
    ic = make_iron_condor(quantity=2)
    intent = exit_intent(ic, _decision(Action.CLOSE), TS)
    assert intent is not None
    assert intent.kind is IntentKind.CLOSE
    assert {(leg.contract, leg.quantity) for leg in intent.legs} == {
        (leg.contract, -leg.quantity) for leg in ic.legs
    }
    assert exit_intent(ic, _decision(Action.HOLD), TS) is None
    again = exit_intent(ic, _decision(Action.CLOSE), TS)
    assert again is not None
    assert again.intent_id == intent.intent_id


@settings(max_examples=60, deadline=None)
@given(units=st.integers(1, 12), asked=st.integers(-3, 20), hedge=st.booleans())
def test_reduce_takes_whole_units_off_every_leg(units: int, asked: int, hedge: bool) -> None:
    ic = make_iron_condor(quantity=units)
    decision = _decision(Action.HEDGE if hedge else Action.REDUCE, reduce_units=float(asked))
    intent = exit_intent(ic, decision, TS)
    assert intent is not None
    n = abs(intent.legs[0].quantity)
    assert 1 <= n <= units
    assert (intent.kind is IntentKind.CLOSE) == (n == units)
    for leg, inst in zip(ic.legs, intent.legs, strict=True):
        assert inst.contract == leg.contract
        assert inst.quantity == -(leg.quantity // units) * n


# -- settlements -------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(a=st.integers(1, 5), b=st.integers(1, 5), price=st.floats(0.0, 20.0))
def test_settlement_cash_is_shared_by_what_each_strategy_held(a: int, b: int, price: float) -> None:
    first = make_iron_condor(quantity=a, strategy_id="ic-a")
    second = make_iron_condor(quantity=b, strategy_id="ic-b")
    book = Book(strategies={"ic-a": first, "ic-b": second})
    short_put = first.legs[1].contract
    fill = Fill("x1", "sim:expiry", short_put, OrderAction.BUY, a + b, price, 0.0, TS, TS)
    done = book.settle([fill], TS)
    assert not done.orphans
    assert abs(sum(book.cash.values()) - fill.cash_flow) < 1e-6
    assert abs(book.cash["ic-a"] * b - book.cash["ic-b"] * a) < 1e-6
    for sid in ("ic-a", "ic-b"):
        assert short_put not in {leg.contract for leg in book.strategies[sid].legs}
        assert book.strategies[sid].strategy_type is StrategyType.CUSTOM  # a broken condor


def test_settlement_of_the_last_leg_closes_with_the_expiry_rule() -> None:
    from v6.testing.factories import make_vertical

    spread = make_vertical(
        StrategyType.BULL_PUT, 565.0, 560.0, short_price=1.2, long_price=0.7, strategy_id="v-1"
    )
    book = Book(strategies={"v-1": spread}, cash={"v-1": 50.0})
    fills = [
        Fill(
            f"x{i}",
            "sim:expiry",
            leg.contract,
            OrderAction.SELL if leg.quantity > 0 else OrderAction.BUY,
            abs(leg.quantity),
            0.0,
            0.0,
            TS,
            TS,
        )
        for i, leg in enumerate(spread.legs)
    ]
    done = book.settle(fills, TS)
    assert [t.rule for t in done.ended] == ["expiry"]
    assert book.strategies["v-1"].status is StrategyStatus.CLOSED
    assert done.ended[0].pnl == pytest.approx(50.0)


# -- replay ------------------------------------------------------------------------------------


def test_replay_rebuilds_a_closed_and_an_open_strategy_from_intents_and_fills() -> None:
    from v6.domain import Intent, LegInstruction, make_intent_id

    def intent(sid: str, kind: IntentKind, legs: list[tuple[object, int]], at: datetime) -> Intent:
        return Intent(
            make_intent_id(sid, kind, 1),
            kind,
            sid,
            tuple(LegInstruction(c, q) for c, q in legs),  # type: ignore[arg-type]
            at,
            reason=f"{'entry' if kind is IntentKind.OPEN else 'stop_loss'}: test",
        )

    ic = make_iron_condor(strategy_id="ic-1")
    opening = intent("ic-1", IntentKind.OPEN, [(leg.contract, leg.quantity) for leg in ic.legs], TS)
    closing = intent(
        "ic-1",
        IntentKind.CLOSE,
        [(leg.contract, -leg.quantity) for leg in ic.legs],
        TS + timedelta(hours=1),
    )
    other = make_iron_condor(580, 585, 620, 625, strategy_id="ic-2")
    second = intent(
        "ic-2", IntentKind.OPEN, [(leg.contract, leg.quantity) for leg in other.legs], TS
    )
    rows = []
    fills = []
    for n, (it, prices) in enumerate(
        (
            (opening, (0.6, 1.2, 1.1, 0.55)),
            (closing, (0.3, 0.5, 0.4, 0.2)),
            (second, (0.5, 1.0, 0.9, 0.4)),
        )
    ):
        at = it.created_at
        rows.append(rb.intent_row(it, status="INTENDED", mode="sim", ts=at))
        rows.append(rb.intent_row(it, status="FILLED", mode="sim", ts=at + timedelta(seconds=1)))
        for k, (leg, price) in enumerate(zip(it.legs, prices, strict=True)):
            side = OrderAction.BUY if leg.quantity > 0 else OrderAction.SELL
            fills.append(
                Fill(f"e{n}{k}", f"{it.intent_id}:C0", leg.contract, side, 1, price, 0.65, at, at)
            )
    journal_rows = [
        rb.execution_row(f, strategy_id=None, intent_id=None, mid_at_decision=None)
        for f in fills[:4]
    ]
    rep = replay(rows, journal_rows, [], fills[4:])  # some fills only the broker remembers
    assert rep.strategies["ic-1"].status is StrategyStatus.CLOSED
    assert rep.strategies["ic-2"].status is StrategyStatus.OPEN
    assert rep.strategies["ic-2"].strategy_type is StrategyType.IRON_CONDOR
    assert rep.cash["ic-1"] == pytest.approx(sum(f.cash_flow for f in fills[:8]))
    assert rep.infos[closing.intent_id].rule == "stop_loss"
    assert not rep.unfinished
    assert infer_type("x", ic.legs) is StrategyType.IRON_CONDOR


# -- operator files ----------------------------------------------------------------------------


def test_breaker_state_survives_a_restart() -> None:
    breaker = CircuitBreaker()
    state = breaker.update(Observation(equity=100_000.0, vix=50.0), TS)
    assert state.state.value != "active"
    restored = breaker_from_json(breaker_to_json(state))
    assert restored is not None
    assert restored.state is state.state
    assert set(restored.trips) == set(state.trips)
    assert restored.trackers.equity_high == 100_000.0


def test_health_record_and_resume_requests_round_trip(tmp_path: Path) -> None:
    record = HealthRecord(
        heartbeat=TS,
        clock_at=TS,
        pid=123,
        version="0.1",
        mode="sim",
        state="HALTED",
        state_reason="drawdown (halted)",
        started_at=TS,
        last_cycle_ms=1.5,
        cycles=7,
        counts={"open_strategies": 2},
        equity=99_000.0,
    )
    write_health(tmp_path / "health.json", record)
    assert read_health(tmp_path / "health.json") == record
    assert not record.alive(TS + timedelta(hours=1))
    write_resume_request(tmp_path, requested_at=TS, by="a", note="first")
    write_resume_request(tmp_path, requested_at=TS + timedelta(seconds=1), by="b", note="second")
    assert [r.note for r in pending_resumes(tmp_path)] == ["first", "second"]


# -- the simulator's chain snapshot ------------------------------------------------------------


@pytest.mark.asyncio
async def test_sim_chain_snapshot_equals_the_market_data_port() -> None:
    sim = MarketSimulator(max_days=1)
    for _ in range(12):
        sim.advance()
    feed = SimFeed(sim)
    age = timedelta(seconds=10)
    for symbol in sim.symbols:
        port = await fetch_chain_snapshot(
            SimMarketData(sim),
            symbol,
            now=sim.now(),
            dte_min=21,
            dte_max=45,
            rate=feed.rate,
            dividend_yield=feed.dividend_yield(symbol),
            quote_max_age=age,
        )
        fast = feed.chain_snapshot(
            symbol, sim.now(), dte_min=21, dte_max=45, quote_max_age=age, max_moneyness=0.25
        )
        assert fast is not None
        assert fast.spot == port.spot
        assert [e.expiry for e in fast.expiries] == [e.expiry for e in port.expiries]
        for a, b in zip(fast.expiries, port.expiries, strict=True):
            assert np.array_equal(a.strikes, b.strikes)
            for side in ("call", "put"):
                for name in ("bid", "ask", "iv", "delta", "status"):
                    x = getattr(getattr(a, side), name)
                    y = getattr(getattr(b, side), name)
                    assert np.array_equal(x, y, equal_nan=True), (symbol, side, name)


# -- the sim run's data directory --------------------------------------------------------------


def _orders_lake(root: Path, mode: str) -> None:
    writer = LakeWriter(Lake(root / "lake"))
    row = {"order_ref": "i1", "intent_id": "i1", "mode": mode, "ts_event": TS, "ts_init": TS}
    writer.append("orders", [row])
    writer.close()


def test_a_fresh_sim_run_archives_the_last_simulated_lake(tmp_path: Path) -> None:
    from v6.clock import WallClock
    from v6.errors import InputRejected
    from v6.workflows.runner import prepare_data_dir

    for _ in range(5):
        _orders_lake(tmp_path, "sim")
        prepare_data_dir(tmp_path, WallClock(), fresh=True)
        assert not (tmp_path / "lake").exists()
    archived = sorted((tmp_path / "archive").iterdir())
    assert len(archived) == 3  # the newest three are kept
    assert all(LakeReader(p).exists("orders") for p in archived)
    _orders_lake(tmp_path, "paper")
    with pytest.raises(InputRejected, match="paper"):
        prepare_data_dir(tmp_path, WallClock(), fresh=True)
    assert LakeReader(tmp_path / "lake").exists("orders")  # a real journal is never moved


def test_resume_needs_a_checkpointed_run(tmp_path: Path) -> None:
    from v6.clock import WallClock
    from v6.errors import InputRejected
    from v6.workflows.runner import SimOptions, SimRun

    with pytest.raises(InputRejected, match="nothing to resume"):
        SimRun(
            TradingConfig(), SimOptions(days=2, resume=True), data_dir=tmp_path, wall=WallClock()
        )

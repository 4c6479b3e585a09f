"""The engine's start against a broker that disagrees with the journal, and expiry
settlements: a broker position the journal does not know is adopted as an unmanaged CUSTOM
strategy (CRITICAL alert, never traded by rules); a position the journal holds but the broker
does not is taken off the book; a strategy whose legs expired closes with its realised P&L."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from v6.broker.sim import EXPIRY_ORDER_REF, PaperBroker
from v6.clock import VirtualClock, WallClock
from v6.domain import (
    ComboLeg,
    Fill,
    Intent,
    IntentKind,
    LegInstruction,
    OptionContract,
    OptionLeg,
    Order,
    OrderAction,
    OrderType,
    Right,
    Severity,
    Strategy,
    StrategyStatus,
    StrategyType,
    make_intent_id,
)
from v6.execution import rows as rb
from v6.execution.results import StepReport
from v6.sim.market import MarketSimulator
from v6.store import Lake, LakeReader, LakeWriter
from v6.store.port import LakeJournalReader, LakeStore
from v6.workflows.book import UNMANAGED
from v6.workflows.build import Adapters, build_engine
from v6.workflows.engine import Engine
from v6.workflows.feed import SimFeed
from v6.workflows.startup import start

from .kit import config, table


def _wire(root: Path) -> tuple[Engine, MarketSimulator, PaperBroker, LakeStore]:
    sim = MarketSimulator(max_days=3)
    for _ in range(12):
        sim.advance()
    clock = VirtualClock(sim.now())
    broker = PaperBroker(sim, clock)
    store = LakeStore(LakeWriter(Lake(root / "lake")), durable=False)
    engine = build_engine(
        config(),
        Adapters(
            clock=clock,
            wall=WallClock(),
            feed=SimFeed(sim),
            broker=broker,
            store=store,
            journal=LakeJournalReader(LakeReader(root / "lake")),
            drain=broker.drain_events,
        ),
        data_dir=root,
        mode="sim",
        calendar=sim.calendar,
    )
    return engine, sim, broker, store


def _put_spread(sim: MarketSimulator) -> tuple[OptionContract, OptionContract]:
    spot = sim.state.spots["SPY"]
    chain = sim.chain("SPY")
    assert chain is not None
    expiry = next(e for e in chain.expiries if (e - sim.state.session_day).days >= 25)
    short_k = float(round(spot * 0.95))
    return (
        OptionContract("SPY", expiry, short_k, Right.PUT),
        OptionContract("SPY", expiry, short_k - 5.0, Right.PUT),
    )


@pytest.mark.asyncio
async def test_an_unknown_broker_position_is_adopted_unmanaged(tmp_path: Path) -> None:
    engine, sim, broker, store = _wire(tmp_path)
    short, long_ = _put_spread(sim)
    manual = Order(  # placed at the broker by hand (no journaled intent): sells the spread
        "manual-1",
        "manual-1",
        (ComboLeg(short, 1, OrderAction.SELL), ComboLeg(long_, 1, OrderAction.BUY)),
        OrderAction.BUY,
        1,
        OrderType.LIMIT,
        limit_price=-0.01,
    )
    broker.submit(manual)
    assert {p.contract for p in broker.list_positions()} == {short, long_}
    report = await start(engine, LakeJournalReader(LakeReader(tmp_path / "lake")))
    assert len(report.adopted) == 1
    adopted = engine.svc.book.strategies[report.adopted[0]]
    assert adopted.strategy_type is StrategyType.CUSTOM
    assert adopted.metadata.get(UNMANAGED) is True
    assert {leg.contract: leg.quantity for leg in adopted.legs} == {short: -1, long_: 1}
    critical = [a for a in engine.svc.alerts.open_alerts() if a.alert.severity is Severity.CRITICAL]
    assert any(a.alert.key.startswith("adopted:") for a in critical)
    # it is never traded by the rules, whatever they decide, over a day of cycles
    for _ in range(70):
        state = sim.advance()
        assert state is not None
        engine.svc.clock.set(state.ts)  # type: ignore[attr-defined]
        broker.process()
        await engine.cycle()
    assert not [
        o
        for o in broker.list_open_orders()
        if set(o.order.signed_leg_quantities()) & {short, long_}
    ]
    assert {p.contract: p.quantity for p in broker.list_positions()}[short] == -1
    store.close()


@pytest.mark.asyncio
async def test_a_position_the_broker_no_longer_holds_leaves_the_book(tmp_path: Path) -> None:
    """The journal says an entry filled (its intent and fills), the broker holds nothing (the
    position was closed by hand while the engine was down): the broker wins, loudly."""
    engine, sim, _broker, store = _wire(tmp_path)
    short, long_ = _put_spread(sim)
    now = sim.now()
    intent = Intent(
        make_intent_id("bp-ghost", IntentKind.OPEN, 1),
        IntentKind.OPEN,
        "bp-ghost",
        (LegInstruction(short, -1), LegInstruction(long_, 1)),
        now,
        reason="entry: test",
    )
    store.append_durable("orders", [rb.intent_row(intent, status="INTENDED", mode="sim", ts=now)])
    store.append_durable("orders", [rb.intent_row(intent, status="FILLED", mode="sim", ts=now)])
    fills = [
        Fill("j1", f"{intent.intent_id}:C0", short, OrderAction.SELL, 1, 1.2, 0.68, now, now),
        Fill("j2", f"{intent.intent_id}:C0", long_, OrderAction.BUY, 1, 0.7, 0.68, now, now),
    ]
    rows = [
        rb.execution_row(f, strategy_id="bp-ghost", intent_id=None, mid_at_decision=None)
        for f in fills
    ]
    store.append("executions", rows)
    store.flush()
    report = await start(engine, LakeJournalReader(LakeReader(tmp_path / "lake")))
    assert sorted(report.missing) == sorted(f"bp-ghost:{c.key}" for c in (short, long_))
    assert not engine.svc.book.active()
    keys = {
        a.alert.key
        for a in engine.svc.alerts.open_alerts()
        if a.alert.severity is Severity.CRITICAL
    }
    assert {f"missing:{short.key}", f"missing:{long_.key}"} <= keys
    store.flush()
    journal = table(tmp_path, "strategies").filter(pl.col("strategy_id") == "bp-ghost")
    assert journal.sort("updated_at").tail(1)["status"].to_list() == ["CLOSED"]
    store.close()


@pytest.mark.asyncio
async def test_expired_legs_close_the_strategy_with_its_realised_pnl(tmp_path: Path) -> None:
    engine, sim, _broker, store = _wire(tmp_path)
    await start(engine, LakeJournalReader(LakeReader(tmp_path / "lake")))
    short, long_ = _put_spread(sim)
    spread = Strategy(
        "bp-1",
        StrategyType.BULL_PUT,
        (OptionLeg(short, -1, 1.20), OptionLeg(long_, 1, 0.70)),
        StrategyStatus.OPEN,
        sim.now(),
    )
    engine.svc.book.strategies["bp-1"] = spread
    engine.svc.book.cash["bp-1"] = 48.70  # the entry's fills: 50 credit less commissions
    now = sim.now() + timedelta(hours=1)
    fills = tuple(
        Fill(f"sim.expiry.{i}", EXPIRY_ORDER_REF, leg.contract, action, 1, 0.0, 0.0, now, now)
        for i, (leg, action) in enumerate(
            ((spread.legs[0], OrderAction.BUY), (spread.legs[1], OrderAction.SELL))
        )
    )
    ended = await engine.apply_step(StepReport(unmatched_fills=fills))
    assert [(t.strategy_id, t.rule) for t in ended] == [("bp-1", "expiry")]
    assert ended[0].pnl == pytest.approx(48.70)
    store.flush()
    journal = table(tmp_path, "strategies").filter(pl.col("strategy_id") == "bp-1")
    last = journal.sort("updated_at").tail(1).row(0, named=True)
    assert last["status"] == "CLOSED"
    assert last["exit_rule"] == "expiry"
    assert last["realized_pnl"] == pytest.approx(48.70)
    executions = table(tmp_path, "executions")
    assert set(executions["exec_id"]) >= {f.execution_id for f in fills}
    store.close()

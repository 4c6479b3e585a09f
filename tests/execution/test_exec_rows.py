"""The journal rows fit the store's table schemas: every row the engine writes during a busy
scenario passes the store's own converter once the proposed columns the schemas lack are
fitted away, and nothing but those proposed columns is unknown to the store."""

from __future__ import annotations

import pytest

from v6.domain import IntentKind
from v6.execution import ExecutionConfig, ProtectiveConfig, WalkSchedule
from v6.execution.mapping import leg_ref
from v6.execution.rows import PROPOSED_COLUMNS, fit_rows, intent_from_row, is_intent_row
from v6.ports.store import Row
from v6.store.convert import to_arrow
from v6.store.schemas import TABLES

from .conftest import open_condor
from .kit import condor_intent, make_world, pending_condor

pytestmark = pytest.mark.asyncio

QUICK = WalkSchedule(start_fraction=1.0, step_fraction=0.5, steps=1, step_timeout_seconds=10.0)
TABLE_NAMES = ("orders", "order_events", "executions", "strategies", "legs")
KNOWN = {name: frozenset(TABLES[name].column_names) for name in TABLE_NAMES}


async def busy_world_rows() -> dict[str, list[Row]]:
    """Entry, protective pair, a legged exit that fails and keeps what took risk off, a
    refused intent: most row kinds the engine writes."""
    config = ExecutionConfig(normal=QUICK, urgent=QUICK, protective=ProtectiveConfig(enabled=True))
    world = make_world(config)
    engine = world.engine()
    await open_condor(world, engine)
    engine.config = config.model_copy(update={"use_combos": False})
    exit_intent = condor_intent(kind=IntentKind.CLOSE, created_at=world.clock.now())
    world.broker.reject = lambda o: (
        (201, "no") if o.order_ref == leg_ref(exit_intent.intent_id, 0) else None
    )
    await engine.submit(exit_intent)
    await world.run(engine, 60, dt=2)
    world.gate.refuse = lambda intent: "kill switch"
    await engine.submit(condor_intent("ic-9"), pending_condor("ic-9"))
    return {name: world.store.all(name) for name in TABLE_NAMES}


async def test_rows_fit_the_store_schemas_after_fitting_proposed_columns() -> None:
    rows = await busy_world_rows()
    for name in TABLE_NAMES:
        assert rows[name], f"scenario wrote no {name} rows"
        unknown = {c for row in rows[name] for c in row} - KNOWN[name]
        assert unknown <= set(PROPOSED_COLUMNS.get(name, ())), (name, unknown)
        table = to_arrow(TABLES[name], fit_rows(name, rows[name], KNOWN))
        assert table.num_rows == len(rows[name])


async def test_an_engine_given_the_schemas_writes_only_known_columns() -> None:
    world = make_world(ExecutionConfig(normal=QUICK, urgent=QUICK))
    engine = world.engine(columns=KNOWN)
    await engine.submit(condor_intent(), pending_condor())
    await world.run(engine, 20, dt=2)
    for name in TABLE_NAMES:
        for row in world.store.all(name):
            assert set(row) <= KNOWN[name]


async def test_an_intent_row_rebuilds_the_intent() -> None:
    rows = await busy_world_rows()
    intents = [r for r in rows["orders"] if is_intent_row(r) and r["status"] == "INTENDED"]
    assert intents
    for row in intents:
        rebuilt = intent_from_row(row)
        assert rebuilt.intent_id == row["intent_id"]
        assert rebuilt.kind.value.upper() == row["kind"]
        assert rebuilt.created_at == row["ts_event"]
        assert {leg.contract.key for leg in rebuilt.legs}

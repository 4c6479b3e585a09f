"""The table declarations and the row conversion that guards every write."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.store import RowsRejected, to_arrow
from v6.store.schemas import TABLES, TS, TableSpec

from .helpers import T0, order_rows

REQUIRED = {
    "strategies",
    "legs",
    "orders",
    "order_events",
    "executions",
    "decisions",
    "alerts",
    "position_snapshots",
    "option_snapshots",
    "account_snapshots",
    "futures_snapshots",
    "strategy_predictions",
    "position_queue",
    "scheduler_tasks",
}


def test_every_required_table_is_declared() -> None:
    assert set(TABLES) == REQUIRED
    assert all(spec.name == name for name, spec in TABLES.items())


@pytest.mark.parametrize("spec", TABLES.values(), ids=lambda s: s.name)
def test_table_layout_rules(spec: TableSpec) -> None:
    # partitioned by trade_date (date32) only, never by contract
    assert spec.partition_by in ((), ("trade_date",))
    if spec.partition_by:
        assert spec.schema.field("trade_date").type == pa.date32()
    for name in spec.keys:
        assert not spec.schema.field(name).nullable
    if spec.kind == "event":
        for name in ("ts_event", "ts_init"):
            field = spec.schema.field(name)
            assert field.type == TS
            assert not field.nullable
        assert spec.order_by == "ts_init"
    else:
        assert spec.schema.field("updated_at").type == TS
        assert spec.partition_by == ()


def test_option_snapshots_zorder_and_large_tables_partitioned() -> None:
    assert TABLES["option_snapshots"].zorder_by == ("underlying", "expiry", "strike")
    for name in ("option_snapshots", "position_snapshots", "decisions"):
        assert TABLES[name].partition_by == ("trade_date",)


def test_spec_rejects_unknown_or_nullable_keys() -> None:
    schema = pa.schema([pa.field("id", pa.string()), pa.field("updated_at", TS, nullable=False)])
    with pytest.raises(ValueError, match="NOT NULL"):
        TableSpec("x", "state", schema, keys=("id",), order_by="updated_at", description="")
    with pytest.raises(ValueError, match="unknown columns"):
        TableSpec("x", "state", schema, keys=("nope",), order_by="updated_at", description="")


def test_to_arrow_fills_missing_columns_and_keeps_order() -> None:
    spec = TABLES["orders"]
    table = to_arrow(spec, [{"order_ref": "a", "ts_event": T0, "ts_init": T0}])
    assert table.schema == spec.schema
    assert table.column("limit_price").null_count == 1


def test_to_arrow_rejects_unknown_columns_and_null_keys() -> None:
    spec = TABLES["orders"]
    with pytest.raises(RowsRejected, match="unknown columns"):
        to_arrow(spec, [{"order_ref": "a", "ts_event": T0, "ts_init": T0, "bogus": 1}])
    with pytest.raises(RowsRejected, match="order_ref"):
        to_arrow(spec, [{"order_ref": None, "ts_event": T0, "ts_init": T0}])
    with pytest.raises(RowsRejected, match="ts_init"):
        to_arrow(spec, [{"order_ref": "a", "ts_event": T0}])
    with pytest.raises(RowsRejected, match="cannot be stored"):
        to_arrow(spec, pl.DataFrame({"order_ref": ["a"], "quantity": ["lots"]}))


def test_trade_date_is_the_new_york_date_of_the_event() -> None:
    spec = TABLES["orders"]
    # 02:00 UTC on the 6th is still the evening of the 5th in New York
    late = datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
    table = to_arrow(spec, [{"order_ref": "a", "ts_event": late, "ts_init": late}])
    assert table.column("trade_date").to_pylist() == [date(2026, 1, 5)]
    explicit = to_arrow(
        spec,
        [{"order_ref": "a", "ts_event": late, "ts_init": late, "trade_date": date(2026, 1, 9)}],
    )
    assert explicit.column("trade_date").to_pylist() == [date(2026, 1, 9)]


def test_polars_and_arrow_inputs_are_accepted() -> None:
    spec = TABLES["orders"]
    rows = order_rows(3)
    from_polars = to_arrow(spec, pl.DataFrame(rows))
    from_arrow = to_arrow(spec, pa.Table.from_pylist(rows))
    assert from_polars.equals(from_arrow)
    assert from_polars.num_rows == 3


@settings(max_examples=40, deadline=None)
@given(
    prices=st.lists(
        st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)), max_size=20
    ),
    offsets_s=st.lists(st.integers(min_value=0, max_value=10**8), min_size=20, max_size=20),
)
def test_to_arrow_round_trips_values(prices: list[float | None], offsets_s: list[int]) -> None:
    spec = TABLES["orders"]
    rows = [
        {
            "order_ref": f"o{i}",
            "limit_price": p,
            "ts_event": T0 + timedelta(seconds=offsets_s[i]),
            "ts_init": T0,
        }
        for i, p in enumerate(prices)
    ]
    table = to_arrow(spec, rows)
    assert table.column("limit_price").to_pylist() == prices
    assert table.column("ts_event").to_pylist() == [r["ts_event"] for r in rows]
    assert table.column("trade_date").null_count == 0

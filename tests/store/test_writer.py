"""Direct writes: idempotent batches, merges, time travel and schema evolution on real tables."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from v6.store import (
    BatchId,
    Lake,
    LakeReader,
    LakeWriter,
    RowsRejected,
    SchemaMigrationError,
    to_arrow,
)
from v6.store.schemas import ALERTS, SCHEMA_VERSION_PROPERTY, TABLES

from .helpers import FAST, T0, leg_rows, option_rows, order_rows


def test_replayed_batch_is_skipped(
    make_writer: Callable[..., LakeWriter], reader: LakeReader
) -> None:
    writer = make_writer()
    first = writer.append("orders", order_rows(3), batch=BatchId("feed", 1))
    replay = writer.append("orders", order_rows(3), batch=BatchId("feed", 1))
    older = writer.append("orders", order_rows(3, prefix="x"), batch=BatchId("feed", 0))
    assert not first.skipped
    assert first.version is not None
    assert replay.skipped
    assert older.skipped
    assert replay.version == first.version  # the version that holds the batch
    assert reader.read("orders").height == 3
    assert reader.version("orders") == first.version
    assert reader.transaction_version("orders", "feed") == 1
    nxt = writer.append("orders", order_rows(2, prefix="n"), batch=BatchId("feed", 2))
    assert not nxt.skipped
    assert reader.read("orders").height == 5


def test_replay_is_skipped_after_a_restart(lake: Lake, reader: LakeReader) -> None:
    first = LakeWriter(lake, FAST)
    first.append("orders", order_rows(2), batch=BatchId("feed", 7))
    auto = first.append("orders", order_rows(1, prefix="a"))
    first.close()
    second = LakeWriter(lake, FAST)
    assert second.append("orders", order_rows(2), batch=BatchId("feed", 7)).skipped
    # the writer's own sequence continues after the last committed one
    assert second.append("orders", order_rows(1, prefix="b")).batch.seq == auto.batch.seq + 1
    second.close()
    assert reader.read("orders").height == 4


def test_upsert_dedupes_source_and_newest_wins(
    make_writer: Callable[..., LakeWriter], reader: LakeReader
) -> None:
    writer = make_writer()
    writer.upsert("legs", leg_rows(3, strike=100.0))
    later = T0 + timedelta(minutes=1)
    # duplicate key in one batch (a merge would refuse it): the newest updated_at wins
    rows = [
        {"leg_id": "L0", "strike": 111.0, "right": "C", "updated_at": later},
        {"leg_id": "L0", "strike": 105.0, "right": "C", "updated_at": T0},
        {"leg_id": "L9", "strike": 90.0, "right": "P", "updated_at": later},
    ]
    writer.upsert("legs", rows)
    # a stale update (older updated_at) does not overwrite newer state
    writer.upsert("legs", [{"leg_id": "L0", "strike": 1.0, "updated_at": T0}])
    legs = reader.read("legs").sort("leg_id")
    assert legs["leg_id"].to_list() == ["L0", "L1", "L2", "L9"]
    assert legs.filter(pl.col("leg_id") == "L0")["strike"].item() == 111.0
    assert legs.filter(pl.col("leg_id") == "L0")["right"].item() == "C"


def test_upsert_into_partitioned_state_table_uses_partition_in_predicate(
    tmp_path: Path,
) -> None:
    spec = dataclasses.replace(
        ALERTS, name="alert_state", kind="state", order_by="ts_init", partition_by=("trade_date",)
    )
    lake = Lake(tmp_path / "lake", {"alert_state": spec})
    writer = LakeWriter(lake, FAST)
    day2 = T0 + timedelta(days=1)
    rows = [
        {"alert_id": "a", "status": "ACTIVE", "ts_event": T0, "ts_init": T0},
        {"alert_id": "a", "status": "ACTIVE", "ts_event": day2, "ts_init": day2},
    ]
    writer.upsert("alert_state", rows)
    writer.upsert(
        "alert_state",
        [{"alert_id": "a", "status": "RESOLVED", "ts_event": day2, "ts_init": day2}],
    )
    frame = LakeReader(lake.root, lake.specs).read("alert_state").sort("trade_date")
    # the key is (trade_date, alert_id): one row per day, only the second day updated
    assert frame["status"].to_list() == ["ACTIVE", "RESOLVED"]


def test_replace_overwrites_a_state_table(
    make_writer: Callable[..., LakeWriter], reader: LakeReader
) -> None:
    writer = make_writer()
    writer.upsert("legs", leg_rows(4))
    writer.replace("legs", leg_rows(2, strike=7.0))
    frame = reader.read("legs")
    assert frame.height == 2
    assert set(frame["strike"].to_list()) == {7.0}


def test_event_tables_are_append_only(make_writer: Callable[..., LakeWriter]) -> None:
    writer = make_writer()
    with pytest.raises(RowsRejected, match="append-only"):
        writer.upsert("orders", order_rows(1))
    with pytest.raises(RowsRejected, match="state table"):
        writer.buffer("legs", leg_rows(1))


def test_time_travel_by_version_and_timestamp(
    make_writer: Callable[..., LakeWriter], reader: LakeReader
) -> None:
    writer = make_writer()
    v1 = writer.append("orders", order_rows(2, prefix="a")).version
    time.sleep(0.03)
    between = datetime.now(UTC)
    time.sleep(0.03)
    v2 = writer.append("orders", order_rows(3, prefix="b")).version
    assert v1 is not None
    assert v2 is not None
    assert v2 > v1
    assert reader.read("orders", version=v1).height == 2
    assert reader.read("orders", version=v2).height == 5
    assert reader.version_at("orders", between) == v1
    at = reader.read("orders", as_of=between)
    assert sorted(at["order_ref"].to_list()) == ["a0", "a1"]
    assert reader.scan("orders", version=v1).select(pl.len()).collect().item() == 2
    history = reader.history("orders", limit=2)
    assert [c.version for c in history] == [v2, v1]
    assert history[0].rows == 3
    assert history[0].app_id == "v6/orders/direct"


def test_latest_derives_current_state_from_events(
    make_writer: Callable[..., LakeWriter], reader: LakeReader
) -> None:
    writer = make_writer()
    raised = {"alert_id": "a1", "status": "ACTIVE", "ts_event": T0, "ts_init": T0}
    other = {"alert_id": "a2", "status": "ACTIVE", "ts_event": T0, "ts_init": T0}
    later = T0 + timedelta(seconds=5)
    resolved = {**raised, "status": "RESOLVED", "ts_init": later}
    writer.append("alerts", [raised, other])
    writer.append("alerts", [resolved])
    state = reader.latest("alerts").sort("alert_id")
    assert state["status"].to_list() == ["RESOLVED", "ACTIVE"]
    assert state.columns == reader.read("alerts").columns


def test_adding_a_nullable_column_migrates_existing_table(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    v1 = LakeWriter(Lake(root, {"alerts": ALERTS}), FAST)
    old = v1.append("alerts", [{"alert_id": "old", "ts_event": T0, "ts_init": T0}]).version
    v1.close()
    evolved = dataclasses.replace(
        ALERTS, schema=ALERTS.schema.append(pa.field("owner", pa.string())), version=2
    )
    v2 = LakeWriter(Lake(root, {"alerts": evolved}), FAST)
    v2.append("alerts", [{"alert_id": "new", "owner": "ops", "ts_event": T0, "ts_init": T0}])
    reader = LakeReader(root, {"alerts": evolved})
    frame = reader.read("alerts").sort("alert_id")
    assert frame["owner"].to_list() == ["ops", None]
    assert reader.stats("alerts").schema_version == 2
    assert Lake(root).open("alerts").metadata().configuration[SCHEMA_VERSION_PROPERTY] == "2"
    # history still reads with the schema of its time
    assert "owner" not in reader.read("alerts", version=old).columns
    # a NOT NULL addition cannot be migrated safely and stops the writer from starting
    strict = dataclasses.replace(
        ALERTS,
        schema=evolved.schema.append(pa.field("must", pa.string(), nullable=False)),
        version=3,
    )
    with pytest.raises(SchemaMigrationError, match="must"):
        LakeWriter(Lake(root, {"alerts": strict}), FAST)


def test_partitioned_event_rows_land_in_their_trade_date(
    make_writer: Callable[..., LakeWriter], reader: LakeReader, lake: Lake
) -> None:
    writer = make_writer()
    day = T0.date()
    writer.append("option_snapshots", option_rows(5, day=day))
    writer.append("option_snapshots", option_rows(5, day=day + timedelta(days=1)))
    folders = sorted(p.name for p in lake.path("option_snapshots").glob("trade_date=*"))
    assert folders == [f"trade_date={day}", f"trade_date={day + timedelta(days=1)}"]
    assert reader.read("option_snapshots").height == 10


def test_upsert_after_an_outside_commit_does_not_conflict(
    make_writer: Callable[..., LakeWriter], reader: LakeReader, lake: Lake
) -> None:
    """Another process (e.g. `v6 db optimize`, a repair script) commits; the writer's next
    merge must not fail on its stale snapshot (delta-rs reports a conflict without a refresh)."""
    errors: list[BaseException] = []
    writer = make_writer(on_error=lambda _table, exc: errors.append(exc))
    for i in range(3):
        writer.upsert("legs", leg_rows(2, strike=float(i), ts=T0 + timedelta(seconds=i)))
    outside = to_arrow(TABLES["legs"], [{"leg_id": "L0", "strike": 1.0, "updated_at": T0}])
    (  # an outside merge rewrites the file the writer's next merge also rewrites
        lake.open("legs")
        .merge(outside, "t.leg_id = s.leg_id", source_alias="s", target_alias="t")
        .when_matched_update_all()
        .execute()
    )
    writer.upsert("legs", leg_rows(2, strike=9.0, ts=T0 + timedelta(minutes=1)))
    assert errors == []
    assert reader.read("legs")["strike"].to_list() == [9.0, 9.0]

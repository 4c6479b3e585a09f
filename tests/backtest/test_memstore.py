"""The in-memory journal behaves as the lake does: event rows in order, state rows merged by
key (the newer stamp wins, a tie goes to the later write), the same typed frames before and
after the one commit per table that saves it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6.errors import InputRejected
from v6.sim.backtest.memstore import MemoryReader, MemoryWriter
from v6.store.reader import LakeReader

T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def _strategy(sid: str, minutes: int, status: str) -> dict[str, object]:
    return {
        "strategy_id": sid,
        "status": status,
        "underlying": "SPY",
        "updated_at": T0 + timedelta(minutes=minutes),
    }


def _account(minutes: int, equity: float) -> dict[str, object]:
    ts = T0 + timedelta(minutes=minutes)
    return {
        "account_id": "SIM0001",
        "net_liquidation": equity,
        "trade_date": date(2026, 1, 5),
        "ts_event": ts,
        "ts_init": ts,
    }


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["s1", "s2", "s3"]), st.integers(0, 20), st.integers(0, 9)),
        min_size=1,
        max_size=30,
    )
)
def test_state_rows_keep_the_newest_per_key(writes: list[tuple[str, int, int]]) -> None:
    mem = MemoryWriter()
    for sid, minute, tag in writes:
        mem.upsert("strategies", [_strategy(sid, minute, f"S{tag}")])
    expected: dict[str, tuple[int, str]] = {}
    for sid, minute, tag in writes:  # a later write wins a tie, as the lake's merge does
        if sid not in expected or minute >= expected[sid][0]:
            expected[sid] = (minute, f"S{tag}")
    got = {r["strategy_id"]: (r["updated_at"], r["status"]) for r in mem.rows("strategies")}
    assert got == {s: (T0 + timedelta(minutes=m), tag) for s, (m, tag) in expected.items()}


def test_event_rows_are_kept_in_write_order_and_read_like_the_lake(tmp_path: Path) -> None:
    mem = MemoryWriter()
    mem.buffer("account_snapshots", [_account(1, 100.0), _account(2, 101.0)])
    mem.append("account_snapshots", [_account(3, 99.0)])
    mem.upsert("strategies", [_strategy("s1", 1, "OPEN"), _strategy("s2", 2, "OPEN")])
    mem.upsert("strategies", [_strategy("s1", 5, "CLOSED")])
    reader = MemoryReader(mem)
    assert reader.tables() == ["strategies", "account_snapshots"]
    assert reader.read("account_snapshots")["net_liquidation"].to_list() == [100.0, 101.0, 99.0]
    written = mem.save(tmp_path / "lake")
    assert written == {"strategies": 2, "account_snapshots": 3}
    lake = LakeReader(tmp_path / "lake")
    for table, key in (("strategies", "strategy_id"), ("account_snapshots", "ts_init")):
        saved = lake.read(table).sort(key)
        memory = reader.read(table).sort(key)
        assert saved.schema == memory.schema
        assert saved.equals(memory)
    assert reader.latest("strategies").sort("strategy_id")["status"].to_list() == [
        "CLOSED",
        "OPEN",
    ]
    with pytest.raises(InputRejected, match="already holds"):
        mem.save(tmp_path / "lake")


def test_kept_tables_only(tmp_path: Path) -> None:
    mem = MemoryWriter(keep=frozenset({"strategies"}))
    mem.buffer("account_snapshots", [_account(1, 100.0)])
    mem.upsert("strategies", [_strategy("s1", 1, "OPEN")])
    assert mem.tables() == ["strategies"]
    assert mem.dropped == 1
    assert not MemoryReader(mem).exists("account_snapshots")
    assert isinstance(MemoryReader(mem).read("strategies"), pl.DataFrame)


def test_closed_writer_refuses_rows() -> None:
    mem = MemoryWriter()
    mem.close()
    with pytest.raises(Exception, match="closed"):
        mem.buffer("account_snapshots", [_account(1, 100.0)])


def test_no_time_travel_in_memory() -> None:
    with pytest.raises(InputRejected, match="no versions"):
        MemoryReader(MemoryWriter()).read("strategies", version=1)

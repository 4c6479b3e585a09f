"""The fixture journal is deterministic by seed and internally consistent, like the engine's."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from v6.dashboard.fixtures import FixtureLake, write_fixture_lake
from v6.store.schemas import TABLES

from .conftest import table

FILLED = ("strategies", "legs", "orders", "order_events", "executions", "decisions", "alerts")
SNAPSHOTS = ("position_snapshots", "account_snapshots", "option_snapshots")


def test_same_seed_same_journal_other_seed_other_market(lake: FixtureLake, tmp_path: Path) -> None:
    again = write_fixture_lake(tmp_path / "a", seed=7, extras=False)
    other = write_fixture_lake(tmp_path / "b", seed=8, extras=False)
    for name in (*FILLED, *SNAPSHOTS):
        spec = TABLES[name]
        order = [*spec.keys, spec.order_by, *(["event_id"] if name == "order_events" else [])]
        mine = table(lake, name).sort(order)
        assert mine.height > 0, name
        assert mine.equals(table(again, name).sort(order)), name
    prices = ("account_snapshots", "net_liquidation")
    assert (
        not table(lake, prices[0])
        .get_column(prices[1])
        .equals(table(other, prices[0]).get_column(prices[1]))
    )


def test_account_greeks_are_the_sum_of_the_positions(lake: FixtureLake) -> None:
    acct = table(lake, "account_snapshots").sort("ts_event")
    snaps = table(lake, "position_snapshots")
    for row in acct.tail(5).iter_rows(named=True):
        at = snaps.filter(pl.col("ts_event") == row["ts_event"])
        assert row["open_strategies"] == at.height
        assert row["portfolio_delta"] == pytest.approx(at.get_column("delta").sum(), abs=1e-3)
        assert row["unrealized_pnl"] == pytest.approx(
            at.get_column("unrealized_pnl").sum(), abs=0.05
        )


def test_every_fill_belongs_to_an_order_and_every_leg_to_a_strategy(lake: FixtureLake) -> None:
    refs = set(table(lake, "orders").get_column("order_ref").to_list())
    assert set(table(lake, "executions").get_column("order_ref").to_list()) <= refs
    assert set(table(lake, "order_events").get_column("order_ref").to_list()) <= refs
    ids = set(table(lake, "strategies").get_column("strategy_id").to_list())
    assert set(table(lake, "legs").get_column("strategy_id").to_list()) == ids
    assert set(lake.open_ids) | set(lake.closed_ids) == ids

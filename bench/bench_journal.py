"""Benchmark of the decision journal, the alert manager and the query layer.

    .venv/bin/python bench/bench_journal.py [--quick]

Per monitoring cycle over 1,000 strategies (budget: a whole cycle under 50 ms of CPU): the
journal's HOLD compaction against journaling every HOLD (rows converted to Arrow as the writer
service does in the caller's thread); the alert manager's repeat path; and a decision lookup
by id through ``v6.queries`` against a plain polars ``read_delta`` + filter, same lake.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from v6.alerts import AlertManager
from v6.clock import VirtualClock
from v6.domain.alert import AlertType, Severity
from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.journal import DecisionJournal, HoldPolicy
from v6.queries import Queries
from v6.store import Lake, LakeWriter, WriterConfig
from v6.store.convert import to_arrow
from v6.store.schemas import TABLES

T0 = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
STRATEGIES = 1_000
INPUTS: dict[str, float | str | None] = {
    "symbol": "SPY",
    "strategy_type": "iron_condor",
    "expiry": "2026-12-18",
    "units": 1,
    "dte": 32,
    "underlying_price": 601.25,
    "pnl": 155.0,
    "pnl_fraction": 0.41,
    "max_profit": 380.0,
    "max_loss": 620.0,
    "entry_credit": 3.8,
}


class ArrowSink:
    """What ``WriterService.buffer`` costs the caller: conversion and validation to Arrow."""

    def __init__(self) -> None:
        self.rows = 0

    def buffer(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self.rows += to_arrow(TABLES[table], rows).num_rows


def holds(ts: datetime, *, action: Action = Action.HOLD) -> list[Decision]:
    return [
        Decision(
            decision_id=f"dec-{i:06d}-{ts:%H%M%S}",
            strategy_id=f"ic-{i:05d}",
            action=action,
            urgency=Urgency.LOW,
            rule="hold" if action is Action.HOLD else "take_profit",
            priority=0,
            ts=ts,
            reason="no rule fired",
            inputs=INPUTS,
        )
        for i in range(STRATEGIES)
    ]


def best_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return min(times) if repeats < 5 else statistics.median(times)


def journal_rows(repeats: int) -> list[dict[str, Any]]:
    clock = VirtualClock(T0)
    compacting = DecisionJournal(ArrowSink(), clock, HoldPolicy(interval_s=900))
    everything = DecisionJournal(ArrowSink(), clock, HoldPolicy(interval_s=0))
    compacting.record_all(holds(T0))
    everything.record_all(holds(T0))
    cycles = [holds(T0 + timedelta(seconds=30 * (k + 1))) for k in range(repeats)]
    it_a, it_b = iter(cycles), iter(list(cycles))
    ours = best_ms(lambda: compacting.record_all(next(it_a)), repeats)
    naive = best_ms(lambda: everything.record_all(next(it_b)), repeats)
    closes = [holds(T0 + timedelta(hours=1, seconds=k), action=Action.CLOSE) for k in range(3)]
    it_c = iter(closes)
    all_rows = best_ms(lambda: compacting.record_all(next(it_c)), 3)
    return [
        {
            "case": f"journal cycle, {STRATEGIES} quiet strategies",
            "ours_ms": ours,
            "reference": "every HOLD journaled",
            "ref_ms": naive,
        },
        {
            "case": f"journal cycle, {STRATEGIES} CLOSE rows written",
            "ours_ms": all_rows,
            "reference": "cycle budget",
            "ref_ms": 50.0,
        },
    ]


def alert_rows(repeats: int) -> list[dict[str, Any]]:
    manager = AlertManager(VirtualClock(T0), sink=ArrowSink())
    for i in range(STRATEGIES):
        manager.raise_alert(AlertType.BAD_DATA, Severity.WARNING, f"stale:{i}", "stale quote")

    def repeat_all() -> None:
        for i in range(STRATEGIES):
            manager.raise_alert(AlertType.BAD_DATA, Severity.WARNING, f"stale:{i}", "stale")

    return [
        {
            "case": f"{STRATEGIES} repeated alerts (de-duplicated)",
            "ours_ms": best_ms(repeat_all, repeats),
            "reference": "cycle budget",
            "ref_ms": 50.0,
        }
    ]


def lookup_rows(days: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        lake = Lake(data_dir / "lake", {"decisions": TABLES["decisions"]})
        writer = LakeWriter(lake, WriterConfig(sync_on_start=False))
        journal = DecisionJournal(writer, VirtualClock(T0), HoldPolicy(interval_s=0))
        for day in range(days):
            journal.record_all(holds(T0 + timedelta(days=day)))
            writer.flush()
        writer.close()
        target = holds(T0 + timedelta(days=days // 2))[STRATEGIES // 2].decision_id
        queries = Queries.for_data_dir(data_dir)
        path = str(lake.path("decisions"))
        ours = best_ms(lambda: queries.decision(target), 5)
        raw = best_ms(lambda: pl.read_delta(path).filter(pl.col("decision_id") == target), 5)
    return [
        {
            "case": f"decision by id ({days * STRATEGIES:,} rows, {days} days)",
            "ours_ms": ours,
            "reference": "polars read_delta+filter",
            "ref_ms": raw,
        }
    ]


def run(quick: bool) -> list[dict[str, Any]]:
    repeats = 5 if quick else 20
    rows = journal_rows(repeats) + alert_rows(repeats) + lookup_rows(10 if quick else 60)
    print(f"{'case':48} {'ours ms':>9}  {'reference':26} {'ref ms':>9} {'ratio':>7}")
    for r in rows:
        ratio = r["ours_ms"] / r["ref_ms"] if r["ref_ms"] else float("nan")
        print(
            f"{r['case']:48} {r['ours_ms']:9.2f}  {r['reference']:26} "
            f"{r['ref_ms']:9.2f} {ratio:7.2f}"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    run(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())

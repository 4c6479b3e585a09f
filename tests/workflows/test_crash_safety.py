"""Crash safety: kill the engine process with SIGKILL at random points of checkpointed runs
(including right after an order was sent, before it filled), restart it, and check what the
design promises: no order sent twice, no fill lost, the book equal to the broker's positions,
and the strategies still monitored after the restart.

What this proves: the paper broker lives in the engine's process, so ``CheckpointBroker``
saves it after every call that changes it (as a real broker keeps its state when we die) and
the deterministic simulator is fast-forwarded to the saved step. The test therefore proves the
journal / broker reconciliation of a restarted engine; it does not model a market that moves
while no engine runs.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from v6.clock import VirtualClock
from v6.domain.contracts import OptionContract
from v6.domain.quote import Quote
from v6.execution.mapping import parse_ref
from v6.execution.rows import intent_from_row, is_intent_row
from v6.workflows.checkpoint import load_broker
from v6.workflows.runner import BROKER_FILE

from .kit import close, fill_cash, latest, table

CHILD = Path(__file__).with_name("crash_child.py")
DAYS = 3
START_CASH = 100_000.0
LAST_DAY = "2026-01-07"  # the third session from the simulator's default start


def _child(data_dir: Path, seed: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD), str(data_dir), str(DAYS), str(seed), *extra],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _chain(
    data_dir: Path, seed: int, kills: list[tuple[str, int]]
) -> tuple[int, dict[str, object]]:
    """Run, kill, resume, ... then finish; returns (processes killed, final summary)."""
    killed = 0
    first = True
    for kind, at in kills:
        args = ["--kill-at", str(at), "--kill-on", kind] + ([] if first else ["--resume"])
        done = _child(data_dir, seed, *args)
        first = False
        if done.returncode == 0:
            return killed, json.loads(done.stdout.strip().splitlines()[-1])
        assert done.returncode == -9, done.stderr[-2000:]
        killed += 1
    done = _child(data_dir, seed, "--resume")
    assert done.returncode == 0, done.stderr[-2000:]
    return killed, json.loads(done.stdout.strip().splitlines()[-1])


class _NoQuotes:
    """The saved broker's quote source for reading its books (nothing is quoted)."""

    def quote(self, contract: OptionContract) -> Quote | None:
        return None

    def underlying_price(self, symbol: str) -> float | None:
        return None


def _verify(data_dir: Path) -> None:
    clock = VirtualClock(datetime(2000, 1, 3, tzinfo=UTC))
    broker, saved_at = load_broker(data_dir / BROKER_FILE, _NoQuotes(), clock)
    clock.set(saved_at)
    fills = broker.list_executions()
    executions = table(data_dir, "executions")
    journaled = set(executions["exec_id"].to_list())
    # no lost fill: everything the broker executed is in the journal, each once
    assert {f.execution_id for f in fills} <= journaled
    assert executions["exec_id"].n_unique() == executions.height
    assert close(fill_cash(executions), broker.account_summary().cash - START_CASH)
    # no duplicate order: every order reference was sent once (its durable SENDING row)
    orders = table(data_dir, "orders")
    sending = orders.filter(pl.col("status") == "SENDING")
    assert sending["order_ref"].n_unique() == sending.height
    # and no intent traded more than it asked for
    targets = {}
    for row in orders.filter(pl.col("status") == "INTENDED").iter_rows(named=True):
        if is_intent_row(row):
            intent = intent_from_row(row)
            targets[intent.intent_id] = {leg.contract: leg.quantity for leg in intent.legs}
    traded: dict[str, dict[object, int]] = defaultdict(lambda: defaultdict(int))
    for f in fills:
        parsed = parse_ref(f.order_ref)
        if parsed is not None:
            traded[parsed.intent_id][f.contract] += f.signed_quantity
    for iid, by_contract in traded.items():
        for contract, qty in by_contract.items():
            assert abs(qty) <= abs(targets[iid][contract]), (iid, contract, qty)
    # the book equals the broker: current legs of the open strategies vs broker positions
    strategies = latest(data_dir, "strategies")
    open_ids = strategies.filter(pl.col("status").is_in(["OPEN", "CLOSING"]))["strategy_id"]
    legs = latest(data_dir, "legs").filter(pl.col("strategy_id").is_in(open_ids.to_list()))
    newest = legs.group_by("strategy_id").agg(pl.col("updated_at").max().alias("newest"))
    current = legs.join(newest, on="strategy_id").filter(pl.col("updated_at") == pl.col("newest"))
    book: dict[str, int] = defaultdict(int)
    for row in current.iter_rows(named=True):
        book[str(row["symbol"])] += int(row["quantity"])
    held = {p.contract.key: p.quantity for p in broker.list_positions()}
    assert {k: v for k, v in book.items() if v} == held
    # still monitored: every strategy open at the end has a decision in the last cycles
    decisions = table(data_dir, "decisions")
    end = decisions["ts_event"].max()
    assert end is not None
    for sid in open_ids.to_list():
        mine = decisions.filter(pl.col("strategy_id") == sid)
        assert mine.height > 0, sid
        assert mine["ts_event"].max() >= end - timedelta(minutes=16), sid


def _kills(rng: random.Random) -> list[tuple[str, int]]:
    """Five kill points: right after an order reached the broker (before its fill), and after
    a random save (a step boundary, a fill, a cancel, a price step...)."""
    return [
        ("place", rng.randint(1, 2)),
        ("any", rng.randint(15, 70)),
        ("place", 1),
        ("any", rng.randint(15, 70)),
        ("any", rng.randint(15, 70)),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("chain", [1, 2, 3, 4])
def test_killed_runs_recover(chain: int, tmp_path: Path) -> None:
    """Four chains of five kills each: twenty kill points on the same seeded market."""
    rng = random.Random(chain)
    killed, summary = _chain(tmp_path, 7, _kills(rng))
    assert killed == 5
    _verify(tmp_path)
    assert summary["last_day"] == LAST_DAY  # the run went on to its end


def test_one_kill_between_order_and_fill(tmp_path: Path) -> None:
    """The fast version: one kill right after the first order reached the broker."""
    killed, summary = _chain(tmp_path, 7, [("place", 1)])
    assert killed == 1
    recon = summary["reconcile"]
    assert isinstance(recon, dict)
    assert recon["working"] + recon["filled"] + recon["expired"] >= 1
    _verify(tmp_path)

"""Benchmark of the execution engine against the design brief's budgets (same run).

    .venv/bin/python bench/bench_execution.py [--quick]

There is no reference library for an intent-to-order engine, so the comparison column is the
budget this code must fit inside: a monitoring cycle over 1,000 strategies (50 ms) and a
backtest step (one simulated year of 5-minute steps per 10 s: ~509 us for the WHOLE engine).
Measures, with 1,000 condor entries working at the paper broker: ``step()`` when no price step
is due (the common case), ``step()`` when every order re-prices (1,000 modifications through
the broker), and one ``submit`` (gate, quote checks, durable journal row, place).
``run(quick)`` returns the rows for other tools.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from v6.broker.sim import PaperBroker, PaperBrokerConfig
from v6.clock import VirtualClock
from v6.domain import (
    Intent,
    IntentKind,
    LegInstruction,
    OptionContract,
    Quote,
    Right,
    make_intent_id,
)
from v6.execution import ExecutionConfig, ExecutionEngine, GateDecision, WalkSchedule

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
STEP_BUDGET_US = 10e6 / (252 * 78)
CYCLE_BUDGET_US = 50_000.0
TIMEOUT_S = 30.0


class Quotes:
    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.book: dict[OptionContract, tuple[float, float]] = {}

    def quote(self, contract: OptionContract) -> Quote | None:
        entry = self.book.get(contract)
        return None if entry is None else Quote(entry[0], entry[1], self.clock.now())

    def underlying_price(self, symbol: str) -> float | None:
        return 500.0


class NullStore:
    """Accepts rows and drops them: the store's own cost is benchmarked in bench_store."""

    def append(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        return None

    def append_durable(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        return None

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None


class Approve:
    def check(self, intent: Intent) -> GateDecision:
        return GateDecision(True)


class NoAlerts:
    def raise_alert(self, *args: Any) -> None:
        return None


def condor(i: int, quotes: Quotes) -> Intent:
    expiry = date(2026, 3, 20) + timedelta(weeks=i % 4)
    k = 400.0 + 5 * (i % 40)
    legs = []
    for strike, right, sign in (
        (k - 30, "P", 1),
        (k - 25, "P", -1),
        (k + 25, "C", -1),
        (k + 30, "C", 1),
    ):
        contract = OptionContract("SPY", expiry, strike, Right(right))
        price = 1.0 + (0.5 if sign < 0 else 0.0)
        quotes.book[contract] = (price, price + 0.10)
        legs.append(LegInstruction(contract, sign))
    return Intent(
        make_intent_id(f"ic-{i}", IntentKind.OPEN, 1), IntentKind.OPEN, f"ic-{i}", tuple(legs), T0
    )


def build(n: int) -> tuple[ExecutionEngine, VirtualClock, Quotes]:
    clock = VirtualClock(T0)
    quotes = Quotes(clock)
    broker = PaperBroker(quotes, clock, PaperBrokerConfig(starting_cash=1e9))
    # One tick per step (half-spread 0.20, 5% of it), stopping short of the natural: every
    # due step modifies every order for the first ~17 steps, and nothing ever fills.
    schedule = WalkSchedule(
        step_fraction=0.05, steps=100_000, step_timeout_seconds=TIMEOUT_S, worst_fraction=0.9
    )
    config = ExecutionConfig(normal=schedule, urgent=schedule)
    engine = ExecutionEngine(
        broker, NullStore(), clock, quotes, Approve(), NoAlerts(), config, drain=broker.drain_events
    )

    async def submit_all() -> None:
        for i in range(n):
            await engine.submit(condor(i, quotes))
        await engine.step()

    asyncio.run(submit_all())
    return engine, clock, quotes


def timed(make: Callable[[], Awaitable[object]], repeats: int, before: Callable[[], None]) -> float:
    async def go() -> list[float]:
        samples = []
        for _ in range(repeats):
            before()
            started = time.perf_counter()
            await make()
            samples.append((time.perf_counter() - started) * 1e6)
        return samples

    return statistics.median(asyncio.run(go()))


def run(quick: bool = False) -> list[dict[str, Any]]:
    repeats = 10 if quick else 50
    n = 1_000
    engine, clock, quotes = build(n)
    assert engine.active_intents == n
    rows: list[dict[str, Any]] = [
        {
            "operation": f"step(), {n:,} working intents, nothing due",
            "ours_us": timed(engine.step, repeats, lambda: None),
            "budget_us": CYCLE_BUDGET_US,
        },
        {
            "operation": f"step(), {n:,} intents all re-pricing (modify)",
            "ours_us": timed(
                engine.step, min(repeats, 15), lambda: clock.advance(timedelta(seconds=TIMEOUT_S))
            ),
            "budget_us": CYCLE_BUDGET_US,
        },
    ]
    counter = iter(range(n, 10**9))
    rows.append(
        {
            "operation": "submit() one condor (gate, quotes, journal, place)",
            "ours_us": timed(
                lambda: engine.submit(condor(next(counter), quotes)), repeats, lambda: None
            ),
            "budget_us": STEP_BUDGET_US,
        }
    )
    print(f"{'operation':<52} {'ours (us)':>12} {'budget (us)':>12} {'ours/budget':>12}")
    for row in rows:
        row["ratio"] = row["ours_us"] / row["budget_us"]
        print(
            f"{row['operation']:<52} {row['ours_us']:>12.1f} {row['budget_us']:>12.1f} "
            f"{row['ratio']:>12.3f}"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    run(quick=parser.parse_args().quick)


if __name__ == "__main__":
    main()

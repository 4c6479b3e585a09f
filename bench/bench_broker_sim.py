"""Benchmark of the paper broker against the design brief's budgets (same run).

    .venv/bin/python bench/bench_broker_sim.py [--quick]

There is no reference library for an in-process paper broker, so the comparison column is the
budget this code must leave room inside: a backtest step (one simulated year of 5-minute steps
per 10 s means ~509 us for the WHOLE engine per step) and a monitoring cycle over 1,000
strategies (50 ms). Measures: ``process()`` with working orders that do not fill, a combo
submit that fills at once, ``account_summary()`` and ``what_if`` over a 1,000-condor book.
``run(quick)`` returns the rows for other tools.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from v6.broker.sim import PaperBroker, PaperBrokerConfig
from v6.clock import VirtualClock
from v6.domain import (
    ComboLeg,
    OptionContract,
    Order,
    OrderAction,
    OrderType,
    Quote,
    Right,
    TimeInForce,
)

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
STEP_BUDGET_US = 10e6 / (252 * 78)  # whole engine, per 5-minute step
CYCLE_BUDGET_US = 50_000.0  # monitoring cycle over 1,000 strategies
BUY, SELL = OrderAction.BUY, OrderAction.SELL


class Quotes:
    """A plain dict quote source (the simulator's own cost is not measured here)."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.book: dict[OptionContract, tuple[float, float]] = {}
        self.spots = {"SPY": 500.0, "QQQ": 450.0}

    def quote(self, contract: OptionContract) -> Quote | None:
        entry = self.book.get(contract)
        return None if entry is None else Quote(entry[0], entry[1], self.clock.now())

    def underlying_price(self, symbol: str) -> float | None:
        return self.spots.get(symbol)


def condor_legs(symbol: str, expiry: date, center: float, offset: int) -> tuple[ComboLeg, ...]:
    k = center + 5 * (offset % 40)
    return (
        ComboLeg(OptionContract(symbol, expiry, k - 30, Right.PUT), 1, BUY),
        ComboLeg(OptionContract(symbol, expiry, k - 25, Right.PUT), 1, SELL),
        ComboLeg(OptionContract(symbol, expiry, k + 25, Right.CALL), 1, SELL),
        ComboLeg(OptionContract(symbol, expiry, k + 30, Right.CALL), 1, BUY),
    )


def build(strategies: int) -> tuple[PaperBroker, Quotes, list[tuple[ComboLeg, ...]]]:
    clock = VirtualClock(T0)
    quotes = Quotes(clock)
    config = PaperBrokerConfig(starting_cash=1e9)
    broker = PaperBroker(quotes, clock, config)
    expiries = [date(2026, 3, 20) + timedelta(weeks=w) for w in range(4)]
    structures: list[tuple[ComboLeg, ...]] = []
    for i in range(strategies):
        symbol = "SPY" if i % 2 else "QQQ"
        legs = condor_legs(symbol, expiries[i % 4], quotes.spots[symbol], i)
        for leg in legs:
            distance = abs(leg.contract.strike - quotes.spots[symbol])
            price = max(0.05, 6.0 - distance / 8)
            quotes.book[leg.contract] = (price, price + 0.05)
        structures.append(legs)
    for i, legs in enumerate(structures):
        broker.submit(Order(f"open{i}", f"open{i}", legs, BUY, 1, limit_price=5.0))
    broker.drain_events()
    return broker, quotes, structures


def timed(fn: Callable[[], object], repeats: int) -> float:
    """Median microseconds per call over ``repeats`` calls."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


def run(quick: bool = False) -> list[dict[str, Any]]:
    repeats = 20 if quick else 100
    strategies = 1_000
    broker, _, structures = build(strategies)
    rows: list[dict[str, Any]] = []

    # 50 strategies guarded at the broker: a GTC take-profit and a stop per closing combo,
    # in one OCA group each; none is reached, so every step evaluates all 100.
    for i in range(50):
        closing = tuple(
            ComboLeg(leg.contract, leg.ratio, SELL if leg.action is BUY else BUY)
            for leg in structures[i]
        )
        common: dict[str, Any] = {"tif": TimeInForce.GTC, "oca_group": f"exit{i}"}
        tp = Order(f"tp{i}", f"tp{i}", closing, BUY, 1, limit_price=-9.0, **common)
        sl = Order(f"sl{i}", f"sl{i}", closing, BUY, 1, OrderType.STOP, stop_price=9.0, **common)
        broker.submit(tp)
        broker.submit(sl)
    rows.append(
        {
            "operation": "process() with 100 resting GTC/OCA combos",
            "ours_us": timed(broker.process, repeats),
            "budget_us": STEP_BUDGET_US,
        }
    )

    counter = iter(range(10**9))

    def submit_fill() -> None:
        n = next(counter)
        broker.submit(Order(f"x{n}", f"x{n}", structures[n % 50], BUY, 1, limit_price=5.0))

    rows.append(
        {
            "operation": "submit + fill 4-leg combo (1k-condor book)",
            "ours_us": timed(submit_fill, repeats),
            "budget_us": STEP_BUDGET_US,
        }
    )
    broker.drain_events()
    rows.append(
        {
            "operation": f"account_summary() ({strategies:,} condors)",
            "ours_us": timed(broker.account_summary, max(5, repeats // 10)),
            "budget_us": CYCLE_BUDGET_US,
        }
    )
    probe = Order("probe", "probe", structures[0], BUY, 1, limit_price=5.0)
    rows.append(
        {
            "operation": f"what-if margin ({strategies:,} condors)",
            "ours_us": timed(lambda: broker._account.margin_before_after(probe, 1), repeats),
            "budget_us": CYCLE_BUDGET_US,
        }
    )
    print(f"{'operation':<46} {'ours (us)':>12} {'budget (us)':>12} {'ours/budget':>12}")
    for row in rows:
        row["ratio"] = row["ours_us"] / row["budget_us"]
        print(
            f"{row['operation']:<46} {row['ours_us']:>12.1f} {row['budget_us']:>12.1f} "
            f"{row['ratio']:>12.3f}"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    run(quick=parser.parse_args().quick)


if __name__ == "__main__":
    main()

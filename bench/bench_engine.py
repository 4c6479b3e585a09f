"""The engine: one monitoring cycle over 1,000 open iron condors (quotes for every leg,
marks, Greeks, P&L, risk snapshot, circuit breaker, the twelve rules, hedging plan, decision
journaling and snapshot buffering: CPU ms per cycle), the engine process's memory with those
1,000 strategies (RSS, psutil), and ``v6 run`` over a simulated year (wall time, simulated
days per second). Each is printed beside its budget from the design brief and the ratio.

Usage: python bench/bench_engine.py [--quick]     (quick: 200 condors, a 20-day run)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from v6.broker.sim import PaperBroker, PaperBrokerConfig
from v6.clock import VirtualClock, WallClock
from v6.config import TradingConfig, load_config
from v6.domain import OptionContract, OptionLeg, Right, Strategy, StrategyStatus, StrategyType
from v6.rules.builder import ENTRY_IV_KEY
from v6.sim.market import MarketSimulator
from v6.store import Lake, LakeReader, WriterService
from v6.store.port import LakeJournalReader, LakeStore
from v6.workflows.build import Adapters, build_engine
from v6.workflows.engine import Engine
from v6.workflows.feed import SimFeed
from v6.workflows.runner import SimOptions, SimRun

BUDGET_CYCLE_MS = 50.0
BUDGET_RSS_MB = 500.0
BUDGET_YEAR_S = 10.0  # "one simulated trading year per 10 s of wall time" (backtest budget)

ROOMY: dict[str, Any] = {
    # a book of 1,000 condors must fit the limits, so the cycle measured is the quiet one
    "limits.max_open_strategies": 100_000,
    "limits.max_per_symbol": 100_000,
    "limits.max_per_strategy_type.iron_condor": 100_000,
    "limits.max_abs_delta": 1e9,
    "limits.max_abs_gamma": 1e9,
    "limits.max_abs_theta_per_day": 1e9,
    "limits.max_abs_vega_per_vol_point": 1e9,
    "limits.max_daily_loss": 1e9,
    "limits.max_loss_per_trade": 1e9,
    "limits.max_margin_use": 1.0,
    "limits.max_concentration": 1.0,
    "risk.hedge.enabled": False,
}


def _book(sim: MarketSimulator, n: int, rng: random.Random) -> list[Strategy]:
    """``n`` listed 1-lot condors, shorts 4-10 % out, $5 wings, 28-60 DTE, opened at mid."""
    today = sim.state.session_day
    out: list[Strategy] = []
    chains = {s: sim.chain(s) for s in sim.symbols}
    for i in range(n):
        symbol = sim.symbols[i % len(sim.symbols)]
        chain = chains[symbol]
        assert chain is not None
        expiries = [e for e in chain.expiries if 28 <= (e - today).days <= 60]
        expiry = expiries[i % len(expiries)]
        strikes = set(chain.strikes[expiry])
        spot = sim.state.spots[symbol]
        while True:
            ps = round(spot * (1 - rng.uniform(0.04, 0.10)))
            cs = round(spot * (1 + rng.uniform(0.04, 0.10)))
            ks = (ps - 5.0, float(ps), float(cs), cs + 5.0)
            if all(k in strikes for k in ks):
                break
        rights = (Right.PUT, Right.PUT, Right.CALL, Right.CALL)
        contracts = [OptionContract(symbol, expiry, k, r) for k, r in zip(ks, rights, strict=True)]
        quotes = sim.option_quotes(contracts)
        legs = tuple(
            OptionLeg(c, q, round(quotes[c.key].mid, 4))
            for c, q in zip(contracts, (1, -1, -1, 1), strict=True)
        )
        out.append(
            Strategy(
                f"bench-{i:05d}",
                StrategyType.IRON_CONDOR,
                legs,
                StrategyStatus.OPEN,
                opened_at=sim.now(),
                metadata={ENTRY_IV_KEY: 0.2},
            )
        )
    return out


def _engine(root: Path, n: int) -> tuple[Engine, MarketSimulator, LakeStore, VirtualClock]:
    cfg = load_config(None, env={}, overrides={**ROOMY, "data_dir": str(root)})
    sim = MarketSimulator(max_days=5)
    for _ in range(20):
        sim.advance()
    clock = VirtualClock(sim.now())
    # the book is not at the broker (it is placed in the engine directly): enough cash keeps
    # the account's equity positive with 1,000 short condors marked against it
    broker = PaperBroker(sim, clock, PaperBrokerConfig(starting_cash=10_000_000.0))
    store = LakeStore(WriterService(Lake(root / "lake")), durable=False)
    engine = build_engine(
        cfg,
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
        health_every_s=1e9,
        flush_every_s=1e9,
    )
    for s in _book(sim, n, random.Random(5)):
        engine.svc.book.strategies[s.strategy_id] = s
        engine.svc.execution.track(s)
    return engine, sim, store, clock


async def _cycles(n: int, repeats: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        engine, sim, store, clock = _engine(Path(tmp), n)
        proc = psutil.Process()
        times: list[float] = []
        for k in range(repeats + 1):
            state = sim.advance()
            assert state is not None
            clock.set(state.ts)
            t0 = time.process_time()
            await engine.monitoring.run(f"bench-{k}")
            dt = (time.process_time() - t0) * 1e3
            if k:  # the first cycle computes each strategy's exact payoff facts once
                times.append(dt)
        gc.collect()
        rss = proc.memory_info().rss / 2**20
        held = len(engine.svc.book.active())
        store.close()
    return {"cycle_ms": statistics.median(times), "rss_mb": rss, "held": float(held)}


def _run_days(days: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TradingConfig()
        run = SimRun(cfg, SimOptions(days=days), data_dir=Path(tmp), wall=WallClock())
        t0 = time.perf_counter()
        result = asyncio.run(run.run())
        wall = time.perf_counter() - t0
    return {"wall_s": wall, "cycles": float(result.cycles), "cpu_ms": result.cpu_ms_per_cycle}


def run(quick: bool = False) -> list[dict[str, Any]]:
    n = 200 if quick else 1000
    days = 20 if quick else 250
    cyc = asyncio.run(_cycles(n, 5 if quick else 15))
    sim = _run_days(days)
    year_s = sim["wall_s"] * 252 / days
    rows: list[dict[str, Any]] = [
        {
            "case": f"monitoring cycle, {int(cyc['held'])} open condors (CPU ms)",
            "ours": cyc["cycle_ms"],
            "budget": BUDGET_CYCLE_MS * n / 1000,
            "unit": "ms",
        },
        {
            "case": f"engine process RSS with {int(cyc['held'])} open condors (MB)",
            "ours": cyc["rss_mb"],
            "budget": BUDGET_RSS_MB,
            "unit": "MB",
        },
        {
            "case": f"v6 run --days {days}: wall time (s)",
            "ours": sim["wall_s"],
            "budget": BUDGET_YEAR_S * days / 252,
            "unit": "s",
        },
        {
            "case": "  simulated days per second",
            "ours": days / sim["wall_s"],
            "budget": 252 / BUDGET_YEAR_S,
            "unit": "days/s",
            "higher_is_better": True,
        },
        {
            "case": "  CPU per engine cycle (ms)",
            "ours": sim["cpu_ms"],
            "budget": None,
            "unit": "ms",
        },
        {"case": "  one simulated year at this rate (s)", "ours": year_s, "budget": BUDGET_YEAR_S},
    ]
    _print(rows)
    return rows


def _print(rows: list[dict[str, Any]]) -> None:
    header = f"{'case':<58} {'v6':>10} {'budget':>10} {'v6 / budget':>12}"
    print(header)
    print("-" * len(header))
    for r in rows:
        budget = r.get("budget")
        ratio = "" if not budget else f"{r['ours'] / budget:12.2f}"
        shown = "" if budget is None else f"{budget:10.2f}"
        print(f"{r['case']:<58} {r['ours']:10.2f} {shown:>10} {ratio}")
    print(
        "budgets: design brief (cycle 50 ms per 1,000 strategies, 500 MB, a trading year per "
        "10 s); v6 run includes the journal (Delta commits on a writer thread) and the paper "
        "broker."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 condors and a 20-day run")
    run(quick=parser.parse_args().quick)


__all__ = ["run"]

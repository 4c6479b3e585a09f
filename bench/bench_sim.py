"""Speed of the embedded market simulator, as `v6 run` and `v6 backtest` drive it.

Workload per simulated market day (3 underlyings SPY/QQQ/IWM, 5-minute steps, 79 grid
points): at the session open a chain scan quotes every listed contract of each underlying
(~8,000 SPY, ~7,500 QQQ, ~3,800 IWM) and picks 40 "held" contracts (condor-like legs near
30 DTE); every step those 40 are quoted (``Quote`` objects with IV and Greeks built) together
with the 3 underlyings. Target: >= 250 market-days in < 10 s on one core.

Beside it, the time of one full SPY chain quote against a naive per-option loop with vollib's
``black_scholes_merton`` price plus analytical Greeks over the same contracts and vols, timed
in the same run. Usage: python bench/bench_sim.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np
from vollib.black_scholes_merton import black_scholes_merton as vl_price  # type: ignore[import-untyped]
from vollib.black_scholes_merton.greeks import analytical as vl_greeks  # type: ignore[import-untyped]

from v6.domain.contracts import OptionContract
from v6.sim.chain import QuoteBatch
from v6.sim.config import SimConfig
from v6.sim.market import MarketSimulator

HELD = 40


def _pick_held(sim: MarketSimulator, scans: dict[str, QuoteBatch]) -> list[OptionContract]:
    """Condor-like legs: per symbol, the expiry nearest 30 DTE, |delta| 0.10-0.30 strikes."""
    picked: list[OptionContract] = []
    per_symbol = -(-HELD // len(scans))
    grids = {s: sim.chain_grid(s) for s in scans}
    for symbol, batch in scans.items():
        grid = grids[symbol]
        assert grid is not None
        dte = batch.t_years * 365.0
        target = batch.expiry_ordinal[np.argmin(np.abs(dte - 30.0))]
        rows = np.flatnonzero(
            (batch.expiry_ordinal == target)
            & (np.abs(batch.delta) > 0.10)
            & (np.abs(batch.delta) < 0.30)
        )
        step = max(1, rows.size // per_symbol)
        picked.extend(grid.contract(int(i)) for i in rows[::step][:per_symbol])
    return picked[:HELD]


def simulate(days: int, seed: int = 7) -> dict[str, Any]:
    """Run the daily workload; returns timings split by activity."""
    t_start = time.perf_counter()
    sim = MarketSimulator(SimConfig(seed=seed), max_days=days)
    held: list[OptionContract] = []
    scan_s = held_s = 0.0
    steps = scanned = quoted = 0
    session = -1
    while (state := sim.advance()) is not None:
        steps += 1
        if sim.session_index != session:
            session = sim.session_index
            t0 = time.perf_counter()
            scans = {s: b for s in state.spots if (b := sim.quote_chain(s)) is not None}
            scanned += sum(len(b) for b in scans.values())
            held = _pick_held(sim, scans)
            scan_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        quotes = sim.option_quotes(held)
        built = [quotes[k] for k in quotes]
        for symbol in state.spots:
            sim.underlying_quote(symbol)
        quoted += len(built)
        held_s += time.perf_counter() - t0
    total = time.perf_counter() - t_start
    return {
        "days": days,
        "steps": steps,
        "total_s": total,
        "days_per_s": days / total,
        "chain_scan_s": scan_s,
        "held_quotes_s": held_s,
        "path_and_rest_s": total - scan_s - held_s,
        "contracts_scanned": scanned,
        "quotes_built": quoted,
    }


def chain_latency(repeats: int) -> dict[str, Any]:
    """One full SPY chain: our vectorised quote vs a per-option vollib loop (same inputs)."""
    sim = MarketSimulator(SimConfig(seed=7), max_days=1)
    state = sim.advance()
    assert state is not None
    batch = sim.quote_chain("SPY")
    assert batch is not None
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        sim.quote_chain("SPY")
        times.append(time.perf_counter() - t0)
    ours = statistics.median(times)

    spot, rate, q = state.spots["SPY"], sim.cfg.risk_free_rate, sim.dividend_yield("SPY")
    ks, ts, vs = batch.strike.tolist(), batch.t_years.tolist(), batch.iv.tolist()
    flags = ["c" if c else "p" for c in batch.is_call.tolist()]
    t0 = time.perf_counter()
    ref_price = []
    for flag, k, t_raw, v in zip(flags, ks, ts, vs, strict=True):
        t = max(t_raw, 1e-6)
        ref_price.append(vl_price(flag, spot, k, t, rate, v, q))
        vl_greeks.delta(flag, spot, k, t, rate, v, q)
        vl_greeks.gamma(flag, spot, k, t, rate, v, q)
        vl_greeks.theta(flag, spot, k, t, rate, v, q)
        vl_greeks.vega(flag, spot, k, t, rate, v, q)
    ref = time.perf_counter() - t0
    # Agreement check: our theoretical prices equal vollib's wherever no intrinsic floor bites.
    diff = np.abs(np.maximum(np.array(ref_price), 0) - batch.theo)
    european = batch.theo > np.maximum(
        np.where(batch.is_call, spot - batch.strike, batch.strike - spot), 0
    )
    return {
        "contracts": len(batch),
        "ours_ms": ours * 1e3,
        "vollib_loop_ms": ref * 1e3,
        "ratio": ref / ours,
        "max_price_diff": float(diff[european].max()),
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Measure, print a table, and return one dict per measurement."""
    days = 60 if quick else 250
    sim_row = simulate(days)
    chain_row = chain_latency(5 if quick else 21)
    print(f"simulated {sim_row['days']} market-days ({sim_row['steps']} steps) on one core")
    print(f"{'measure':<44}{'v6.sim':>14}{'reference':>16}{'ratio':>10}")
    print("-" * 84)
    print(f"{'market-days per second':<44}{sim_row['days_per_s']:>14.1f}{'target 25':>16}{'':>10}")
    print(f"{'wall time for the run (s)':<44}{sim_row['total_s']:>14.2f}{'':>16}{'':>10}")
    print(
        f"{'  chain scans, 3 symbols/day (s)':<44}{sim_row['chain_scan_s']:>14.2f}"
        f"{sim_row['contracts_scanned']:>16,d}{'':>10}"
    )
    print(
        f"{'  40 held quotes + 3 underlyings/step (s)':<44}{sim_row['held_quotes_s']:>14.2f}"
        f"{sim_row['quotes_built']:>16,d}{'':>10}"
    )
    print(f"{'  paths, listings, stepping (s)':<44}{sim_row['path_and_rest_s']:>14.2f}")
    label = f"one SPY chain quote, {chain_row['contracts']:,d} contracts (ms)"
    print(
        f"{label:<44}{chain_row['ours_ms']:>14.2f}{chain_row['vollib_loop_ms']:>16.1f}"
        f"{chain_row['ratio']:>9.0f}x"
    )
    print(
        f"(vollib loop: price + delta, gamma, theta, vega per option; max |price diff| "
        f"{chain_row['max_price_diff']:.1e} $)"
    )
    extrapolated = 250 / sim_row["days_per_s"]
    print(f"250 market-days would take {extrapolated:.1f} s (target < 10 s)")
    return [{"case": "simulate", **sim_row}, {"case": "chain_quote", **chain_row}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 days instead of 250")
    args = parser.parse_args()
    run(quick=args.quick)


if __name__ == "__main__":
    main()

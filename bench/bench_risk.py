"""v6.risk on a book of open iron condors: portfolio Greeks + the 7 x 7 stress matrix, beside
a naive per-leg, per-scenario Python loop (scalar BSM with math.erfc, and vollib on a sample),
in the same run; and the pre-trade gate's latency per intent.

Book: N iron condors over SPY / QQQ / IWM, 5 expiries (7-63 DTE), shorts 3-8 % out, $5 wings,
quotes carrying IVs from a skewed smile. "x faster" is the naive time over ours.
Usage: python bench/bench_risk.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from vollib.black_scholes_merton import black_scholes_merton as vl_price

from v6.config.sections import TradingLimitsConfig
from v6.domain import (
    Intent,
    IntentKind,
    LegInstruction,
    OptionContract,
    OptionLeg,
    Portfolio,
    Quote,
    Right,
    Strategy,
    StrategyStatus,
    StrategyType,
)
from v6.risk import (
    BreakerState,
    CircuitBreaker,
    GateContext,
    MarketInputs,
    Observation,
    PortfolioLimitsChecker,
    PortfolioRiskCalculator,
    PreTradeGate,
    RiskConfig,
    RiskSnapshot,
    StressConfig,
    stress_matrix,
)
from v6.risk.market import ExpiryClock

TS = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SPOTS = {"SPY": 580.0, "QQQ": 500.0, "IWM": 220.0}
RATE = 0.04


def _smile(spot: float, strike: float) -> float:
    m = math.log(strike / spot)
    return max(0.08, 0.18 - 0.6 * m + 1.5 * m * m)


def build_book(n: int, *, distinct: bool) -> tuple[list[Strategy], MarketInputs]:
    """``distinct``: every leg a different contract (strikes on a 1-cent grid: the worst case
    for pricing); else condors share a realistic $1 strike grid and so share contracts."""
    expiries = [(TS + timedelta(days=d)).date() for d in (7, 21, 35, 49, 63)]
    symbols = list(SPOTS)
    strategies: list[Strategy] = []
    contracts: dict[str, OptionContract] = {}
    for i in range(n):
        sym = symbols[i % 3]
        spot = SPOTS[sym]
        expiry = expiries[(i // 3) % 5]
        if distinct:
            d = 0.03 + 0.05 * i / n
            ps, cs = round(spot * (1 - d), 2), round(spot * (1 + d), 2)
        else:
            d = 0.03 + 0.01 * (i % 6)
            ps, cs = round(spot * (1 - d)), round(spot * (1 + d))
        legs = []
        for k, right, q, px in (
            (ps - 5, Right.PUT, 1, 0.6),
            (ps, Right.PUT, -1, 1.2),
            (cs, Right.CALL, -1, 1.1),
            (cs + 5, Right.CALL, 1, 0.55),
        ):
            c = OptionContract(sym, expiry, float(k), right)
            contracts[c.key] = c
            legs.append(OptionLeg(c, q * (1 + i % 3), px))
        strategies.append(
            Strategy(f"ic-{i}", StrategyType.IRON_CONDOR, tuple(legs), StrategyStatus.OPEN, TS)
        )
    clock = ExpiryClock()
    quotes = {}
    for key, c in contracts.items():
        spot = SPOTS[c.symbol]
        iv = _smile(spot, c.strike)
        p = _scalar_price(c.is_call, spot, c.strike, clock.t_years(c.expiry, TS), RATE, iv)
        quotes[key] = Quote(bid=max(p - 0.02, 0.0), ask=p + 0.02, ts=TS, iv=iv)
    return strategies, MarketInputs(ts=TS, spots=dict(SPOTS), quotes=quotes, rate=RATE)


def _n(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _scalar_price(call: bool, s: float, k: float, t: float, r: float, vol: float) -> float:
    sd = vol * math.sqrt(t)
    d1 = (math.log(s / k) + r * t) / sd + sd / 2
    d2 = d1 - sd
    if call:
        return s * _n(d1) - k * math.exp(-r * t) * _n(d2)
    return k * math.exp(-r * t) * _n(-d2) - s * _n(-d1)


def _scalar_greeks(
    call: bool, s: float, k: float, t: float, r: float, vol: float
) -> tuple[float, ...]:
    sd = vol * math.sqrt(t)
    d1 = (math.log(s / k) + r * t) / sd + sd / 2
    pdf = math.exp(-d1 * d1 / 2) / math.sqrt(2 * math.pi)
    d2 = d1 - sd
    w = 1.0 if call else -1.0
    delta = w * _n(w * d1)
    gamma = pdf / (s * sd)
    theta = (-s * pdf * vol / (2 * math.sqrt(t)) - w * r * k * math.exp(-r * t) * _n(w * d2)) / 365
    return delta, gamma, theta, s * pdf * math.sqrt(t) / 100


def naive_evaluation(
    strategies: list[Strategy],
    market: MarketInputs,
    grid: StressConfig,
    price: Callable[..., float],
) -> tuple[list[float], list[list[float]]]:
    """Per leg: Greeks, then per scenario a full revaluation, all in plain Python loops."""
    clock = ExpiryClock()
    greeks = [0.0, 0.0, 0.0, 0.0]
    pnl = [[0.0] * len(grid.vol_shifts_points) for _ in grid.moves]
    for s in strategies:
        for leg in s.legs:
            c = leg.contract
            spot = market.spots[c.symbol]
            iv = market.quotes[c.key].iv or 0.2
            t = clock.t_years(c.expiry, market.ts)
            w = leg.quantity * c.multiplier
            for j, g in enumerate(_scalar_greeks(c.is_call, spot, c.strike, t, RATE, iv)):
                greeks[j] += w * g
            base = price(c.is_call, spot, c.strike, t, RATE, iv)
            for a, move in enumerate(grid.moves):
                for b, shift in enumerate(grid.vol_shifts_points):
                    vol = max(iv + shift / 100, grid.min_vol)
                    shocked = price(c.is_call, spot * (1 + move), c.strike, t, RATE, vol)
                    pnl[a][b] += w * (shocked - base)
    return greeks, pnl


def _vollib(call: bool, s: float, k: float, t: float, r: float, vol: float) -> float:
    return float(vl_price("c" if call else "p", s, k, t, r, vol, 0.0))


def _median(fn: Callable[[], object], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _open_intent(i: int) -> Intent:
    expiry = (TS + timedelta(days=35)).date()
    legs = tuple(
        LegInstruction(OptionContract("SPY", expiry, float(k), r), q)
        for k, r, q in (
            (540, Right.PUT, 1),
            (545, Right.PUT, -1),
            (615, Right.CALL, -1),
            (620, Right.CALL, 1),
        )
    )
    return Intent(f"open-{i}", IntentKind.OPEN, f"new-{i}", legs, TS, limit_price=-1.0)


def _evaluation_rows(
    n: int, repeats: int, cfg: RiskConfig, *, distinct: bool
) -> tuple[list[dict[str, Any]], Portfolio, Any, MarketInputs]:
    strategies, market = build_book(n, distinct=distinct)
    calc = PortfolioRiskCalculator(cfg)
    portfolio = Portfolio(tuple(strategies), 1e6, 1e6, TS)
    risk = calc.compute(portfolio, market)
    grid = cfg.stress
    book = f"{n} ICs, {risk.book.n_contracts:,} contracts"
    t_greeks = _median(lambda: calc.compute(portfolio, market), repeats)
    t_stress = _median(lambda: stress_matrix(risk, grid), repeats)
    t_both = _median(lambda: stress_matrix(calc.compute(portfolio, market), grid), repeats)
    t0 = time.perf_counter()
    PortfolioRiskCalculator(cfg).compute(portfolio, market)
    t_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    naive_g, naive_pnl = naive_evaluation(strategies, market, grid, _scalar_price)
    t_naive = time.perf_counter() - t0
    sample = strategies[: max(1, n // 20)]
    t0 = time.perf_counter()
    naive_evaluation(sample, market, grid, _vollib)
    t_vollib = (time.perf_counter() - t0) * n / len(sample)
    ours = stress_matrix(risk, grid).pnl
    shape = (len(grid.moves), len(grid.vol_shifts_points))
    diff = max(abs(ours[a, b] - naive_pnl[a][b]) for a in range(shape[0]) for b in range(shape[1]))
    rows = [
        {"case": f"greeks ({book}; book cached)", "ours_ms": t_greeks * 1e3},
        {"case": f"greeks ({book}; first cycle)", "ours_ms": t_cold * 1e3},
        {"case": f"stress 7x7 ({book})", "ours_ms": t_stress * 1e3},
        {
            "case": f"greeks + stress ({book})",
            "ours_ms": t_both * 1e3,
            "reference": "naive per-leg loop, math.erfc BSM",
            "ref_ms": t_naive * 1e3,
            "ratio": t_naive / t_both,
            "max_pnl_diff_usd": diff,
            "delta_diff": abs(risk.greeks.delta - naive_g[0]),
        },
        {
            "case": f"greeks + stress ({book})",
            "ours_ms": t_both * 1e3,
            "reference": f"naive per-leg loop, vollib (1/{n // len(sample)})",
            "ref_ms": t_vollib * 1e3,
            "ratio": t_vollib / t_both,
        },
    ]
    return rows, portfolio, risk, market


def run(quick: bool = False) -> list[dict[str, Any]]:
    n = 100 if quick else 1000
    repeats = 5 if quick else 21
    cfg = RiskConfig()
    rows, *_ = _evaluation_rows(n, repeats, cfg, distinct=True)
    shared, portfolio, risk, market = _evaluation_rows(n, repeats, cfg, distinct=False)
    rows += shared
    rows += _gate_rows(portfolio, risk, market, cfg, quick)
    _print(rows)
    return rows


def _gate_rows(
    portfolio: Portfolio, risk: Any, market: MarketInputs, cfg: RiskConfig, quick: bool
) -> list[dict[str, Any]]:
    snap = RiskSnapshot(portfolio, risk, market)
    roomy = TradingLimitsConfig(  # limits the 1,000-condor book fits in: the approval path
        max_open_strategies=5000,
        max_per_symbol=5000,
        max_per_strategy_type=dict.fromkeys(StrategyType, 5000),
        max_abs_delta=1e9,
        max_abs_gamma=1e9,
        max_abs_theta_per_day=1e9,
        max_abs_vega_per_vol_point=1e9,
        max_daily_loss=1e9,
        max_loss_per_trade=1e9,
        max_margin_use=1.0,
        max_concentration=1.0,
    )
    checker = PortfolioLimitsChecker(roomy, cfg)
    ctx = GateContext(TS, snap, BreakerState())
    gate = PreTradeGate(checker, lambda: ctx, cfg)
    intents = [_open_intent(i) for i in range(200 if quick else 2000)]
    close = next(iter(portfolio.strategies))
    unwind = Intent(
        "close-0",
        IntentKind.CLOSE,
        close.strategy_id,
        tuple(LegInstruction(leg.contract, -leg.quantity) for leg in close.legs),
        TS,
    )
    fresh = PortfolioLimitsChecker(checker.limits, cfg)
    t0 = time.perf_counter()
    fresh.check(intents[0], snap)
    t_first = time.perf_counter() - t0
    assert checker.check(intents[0], snap).approved
    t0 = time.perf_counter()
    for i in intents:
        gate.check(i)
    t_open = (time.perf_counter() - t0) / len(intents)
    t0 = time.perf_counter()
    for _ in intents:
        gate.check(unwind)
    t_close = (time.perf_counter() - t0) / len(intents)
    breaker = CircuitBreaker()
    obs = Observation(equity=1e6, daily_pnl=-10.0, vix=18.0)
    t0 = time.perf_counter()
    for k in range(len(intents)):
        breaker.update(obs, TS + timedelta(seconds=k))
    t_breaker = (time.perf_counter() - t0) / len(intents)
    n = risk.book.n_strategies
    return [
        {"case": f"gate: first check after a new snapshot ({n} held)", "ours_ms": t_first * 1e3},
        {"case": f"gate: OPEN iron condor, per intent ({n} held)", "ours_ms": t_open * 1e3},
        {"case": f"gate: CLOSE (pro-rata unwind), per intent ({n} held)", "ours_ms": t_close * 1e3},
        {"case": "circuit breaker update", "ours_ms": t_breaker * 1e3},
    ]


def _print(rows: list[dict[str, Any]]) -> None:
    header = f"{'case':<58} {'v6 ms':>9}  {'reference':<36} {'ref ms':>10} {'x faster':>9}"
    print(header)
    print("-" * len(header))
    for r in rows:
        ref = r.get("reference", "")
        ref_ms = f"{r['ref_ms']:10.1f}" if "ref_ms" in r else " " * 10
        ratio = f"{r['ratio']:9.0f}" if "ratio" in r else ""
        print(f"{r['case']:<58} {r['ours_ms']:9.3f}  {ref:<36} {ref_ms} {ratio}")
    agree = [r for r in rows if "max_pnl_diff_usd" in r]
    for r in agree:
        print(
            f"{r['case']}: agrees with the naive loop to ${r['max_pnl_diff_usd']:.1e} (stress "
            f"P&L) and {r['delta_diff']:.1e} (delta)"
        )
    print("vollib is timed on a sample of the book (1/20) and scaled to the whole book.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 condors, fewer repeats")
    run(quick=parser.parse_args().quick)

"""Strategy building and scoring: v6.strategies against a naive scalar baseline, in one run.

Workload: 3 underlyings (SPY, QQQ, IWM), each an 8,000-option chain (40 expiries x 100
strikes x call/put, skewed smile, IVs in the quotes as IB sends them but no Greeks). Per
underlying: compute the chain's deltas, measure skew, build an iron condor and the 4
verticals on the expiry in the 21-45 DTE window, score them and choose. Budget: 50 ms total.

* ours: ``fill_missing_greeks`` (one vectorised kernel call per chain) + ``StrategySelector``.
* naive: the same decisions written the obvious way: deltas one option at a time with vollib
  for every strike of the chain, then Python loops for strikes, skew, prices and POP.
* naive, window only: the naive scan restricted to the expiries in the DTE window.

"t / ours" is a case's time over ours for the same scope (how many times slower).
Usage: python bench/bench_strategies.py [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vollib.black_scholes_merton.greeks import analytical as vl_greeks

from v6.domain import Regime, Right
from v6.strategies import (
    ChainSnapshot,
    MarketContext,
    Proposal,
    StrategySelector,
    fill_missing_greeks,
)
from v6.strategies.synthetic import synthetic_chain

BUDGET_MS = 50.0
DAYS = (*range(1, 11), *range(14, 92, 7), *range(119, 731, 34))  # 10 + 12 + 18 = 40 expiries
UNDERLYINGS = (("SPY", 560.0, 1.0, 0.16), ("QQQ", 480.0, 1.0, 0.21), ("IWM", 220.0, 1.0, 0.22))
DTE_MIN, DTE_MAX, SHORT_DELTA, WIDTH, MIN_CREDIT = 21, 45, 0.16, 5.0, 0.25


def make_chains() -> list[ChainSnapshot]:
    """Raw chains: quotes and IVs, Greeks not yet computed."""
    assert len(DAYS) == 40
    return [
        synthetic_chain(
            symbol=sym,
            spot=spot,
            days=DAYS,
            strike_step=step,
            n_strikes=100,
            atm_vol=vol,
            complete=False,
        )
        for sym, spot, step, vol in UNDERLYINGS
    ]


def ours(
    chains: list[ChainSnapshot], selector: StrategySelector, window_only: bool = False
) -> list[Proposal | None]:
    context = MarketContext(Regime.NORMAL)
    window = (DTE_MIN, DTE_MAX) if window_only else None
    return [selector.select(fill_missing_greeks(c, window), context).chosen for c in chains]


# ---- the naive baseline ----------------------------------------------------------------------


@dataclass
class _Pick:
    expiry: int
    strikes: tuple[float, ...]
    credit: float
    score: float


def _delta(right: Right, s: float, k: float, t: float, r: float, v: float, q: float) -> float:
    flag = "c" if right is Right.CALL else "p"
    return float(vl_greeks.delta(flag, s, k, t, r, v, q))


def naive(chains: list[ChainSnapshot], window_only: bool) -> list[_Pick | None]:
    """Scan strikes one option at a time (vollib deltas), choose and score in Python."""
    out: list[_Pick | None] = []
    for c in chains:
        s, r, q = c.spot, c.rate, c.dividend_yield
        deltas: dict[tuple[int, Right, int], float] = {}
        for ei, e in enumerate(c.expiries):
            if window_only and not DTE_MIN <= c.dte(e) <= DTE_MAX:
                continue
            for right in (Right.CALL, Right.PUT):
                side = e.side(right)
                for i, k in enumerate(e.strikes.tolist()):
                    iv = float(side.iv[i])
                    if iv > 0 and math.isfinite(iv):
                        deltas[(ei, right, i)] = _delta(right, s, k, e.t_years, r, iv, q)
        window = [ei for ei, e in enumerate(c.expiries) if DTE_MIN <= c.dte(e) <= DTE_MAX]
        if not window:
            out.append(None)
            continue
        ei = max(window, key=lambda j: c.dte(c.expiries[j]))
        e = c.expiries[ei]
        ratio = _naive_skew(e, deltas, ei)
        best: _Pick | None = None
        for shape in ("ic", "bull_put", "bear_call", "bull_call", "bear_put"):
            pick = _naive_build(c, e, ei, deltas, shape, ratio)
            if pick is not None and (best is None or pick.score > best.score):
                best = pick
        out.append(best)
    return out


def _naive_skew(e: Any, deltas: dict[tuple[int, Right, int], float], ei: int) -> float:
    def iv_at(right: Right) -> float:
        pts = sorted(
            (abs(deltas[(ei, right, i)]), float(e.side(right).iv[i]))
            for i in range(e.strikes.size)
            if (ei, right, i) in deltas
        )
        for (d0, v0), (d1, v1) in itertools.pairwise(pts):
            if d0 <= 0.25 <= d1 and d1 > d0:
                return v0 + (v1 - v0) * (0.25 - d0) / (d1 - d0)
        return math.nan

    ratio = iv_at(Right.PUT) / iv_at(Right.CALL)
    return 1.0 if math.isnan(ratio) else ratio


def _closest(
    e: Any, deltas: dict[tuple[int, Right, int], float], ei: int, right: Right, target: float
) -> int:
    best, best_miss = -1, math.inf
    for i in range(e.strikes.size):
        d = deltas.get((ei, right, i))
        if d is not None and abs(abs(d) - target) < best_miss:
            best, best_miss = i, abs(abs(d) - target)
    return best


def _mid(e: Any, right: Right, i: int) -> float:
    side = e.side(right)
    return (float(side.bid[i]) + float(side.ask[i])) / 2


def _naive_build(
    c: ChainSnapshot,
    e: Any,
    ei: int,
    deltas: dict[tuple[int, Right, int], float],
    shape: str,
    ratio: float,
) -> _Pick | None:
    put_t = min(SHORT_DELTA * 1.2, 0.30) if ratio > 1.2 else SHORT_DELTA
    call_t = min(SHORT_DELTA * 1.2, 0.30) if ratio < 0.8 else SHORT_DELTA
    strikes = e.strikes.tolist()
    legs: list[tuple[Right, int, int]] = []  # (right, index, signed quantity)
    for right, target, sign in (
        (Right.PUT, put_t, -1.0 if shape in ("ic", "bull_put") else 1.0),
        (Right.CALL, call_t, 1.0 if shape in ("ic", "bear_call") else -1.0),
    ):
        if shape not in ("ic",) and (right is Right.PUT) != (shape in ("bull_put", "bear_put")):
            continue
        short = _closest(e, deltas, ei, right, target)
        want = strikes[short] + sign * WIDTH
        if want not in strikes:
            return None
        legs += [(right, short, -1), (right, strikes.index(want), 1)]
    credit = -sum(q * _mid(e, right, i) for right, i, q in legs)
    is_credit = shape in ("ic", "bull_put", "bear_call")
    if is_credit and credit < MIN_CREDIT * WIDTH:
        return None
    max_loss = (WIDTH - credit) if is_credit else -credit
    max_profit = credit if is_credit else WIDTH + credit
    if max_loss <= 0:
        return None
    # POP: lognormal between breakevens at the ATM IV (nearest-strike call IV).
    atm = min(range(len(strikes)), key=lambda i: abs(strikes[i] - c.spot))
    vol = float(e.call.iv[atm])
    sd = vol * math.sqrt(e.t_years)
    mu = math.log(c.spot) + (c.rate - c.dividend_yield - vol * vol / 2) * e.t_years

    def cdf(x: float) -> float:
        return 0.5 * math.erfc(-(math.log(x) - mu) / (sd * math.sqrt(2)))

    shorts = {right: strikes[i] for right, i, q in legs if q < 0}
    if shape == "ic":
        pop = cdf(shorts[Right.CALL] + credit) - cdf(shorts[Right.PUT] - credit)
    elif shape == "bull_put":
        pop = 1 - cdf(shorts[Right.PUT] - credit)
    elif shape == "bear_call":
        pop = cdf(shorts[Right.CALL] + credit)
    else:
        long_k = next(strikes[i] for _r, i, q in legs if q > 0)
        be = long_k - credit if shape == "bull_call" else long_k + credit
        pop = 1 - cdf(be) if shape == "bull_call" else cdf(be)
    for right, i, _q in legs:  # leg Greeks one option at a time, as the naive code would
        flag = "c" if right is Right.CALL else "p"
        iv = float(e.side(right).iv[i])
        args = (flag, c.spot, strikes[i], e.t_years, c.rate, iv, c.dividend_yield)
        vl_greeks.gamma(*args), vl_greeks.theta(*args), vl_greeks.vega(*args)
    score = 0.25 * min(max_profit / max_loss / 0.5, 1) + 0.30 * pop + 0.45 * 0.5
    return _Pick(ei, tuple(strikes[i] for _r, i, _q in legs), credit, score)


# ---- the run ---------------------------------------------------------------------------------


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Time ours and the baselines on the same chains; print and return one row each."""
    chains = make_chains()
    options = sum(c.option_count for c in chains)
    selector = StrategySelector()
    completed = [fill_missing_greeks(c) for c in chains]
    context = MarketContext(Regime.NORMAL)
    rep_fast, rep_slow = (11, 2) if quick else (51, 5)

    full_ms = _median_ms(lambda: ours(chains, selector), rep_fast)
    fill_ms = _median_ms(lambda: [fill_missing_greeks(c) for c in chains], rep_fast)
    select_ms = _median_ms(lambda: [selector.select(c, context) for c in completed], rep_fast)
    window_ms = _median_ms(lambda: ours(chains, selector, window_only=True), rep_fast)
    naive_window_ms = _median_ms(lambda: naive(chains, window_only=True), rep_slow)
    naive_ms = _median_ms(lambda: naive(chains, window_only=False), max(1, rep_slow - 1))

    chosen = ours(chains, selector)
    picks = naive(chains, window_only=True)
    same = all(
        p is not None
        and o is not None
        and sorted(p.strikes) == sorted(leg.contract.strike for leg in o.strategy.legs)
        for o, p in zip(chosen, picks, strict=True)
    )
    rows = [
        _row("ours: every strike's deltas + select", full_ms, full_ms, options),
        _row("  of which fill_missing_greeks", fill_ms, None, options),
        _row("  of which select (3 x 5 candidates)", select_ms, None, options),
        _row("naive vollib: every strike's deltas", naive_ms, full_ms, options),
        _row("ours: window expiries' deltas + select", window_ms, window_ms, options),
        _row("naive vollib: window expiries' deltas", naive_window_ms, window_ms, options),
    ]
    rows[0]["within_budget"] = full_ms < BUDGET_MS
    rows[0]["same_choice_as_naive"] = same
    _print(rows, options, same)
    return rows


def _row(case: str, ms: float, ours_ms: float | None, options: int) -> dict[str, Any]:
    """``x_vs_ours``: this case's time over ours for the same scope (1.0 on our rows)."""
    ratio = ms / ours_ms if ours_ms else None
    return {"case": case, "ms": ms, "x_vs_ours": ratio, "options": options}


def _print(rows: list[dict[str, Any]], options: int, same: bool) -> None:
    print(
        f"3 underlyings, {options:,} options, IC + 4 verticals each "
        f"(budget {BUDGET_MS:.0f} ms for ours)"
    )
    print(f"{'case':<46} {'ms':>10} {'t / ours':>9}")
    for r in rows:
        ratio = "" if r["x_vs_ours"] is None else f"{r['x_vs_ours']:.1f}"
        print(f"{r['case']:<46} {r['ms']:>10.2f} {ratio:>9}")
    verdict = "within" if rows[0]["ms"] < BUDGET_MS else "OVER"
    print(f"ours {rows[0]['ms']:.2f} ms: {verdict} the {BUDGET_MS:.0f} ms budget")
    print(f"chosen strikes identical to the naive baseline's: {'yes' if same else 'no'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (CI smoke)")
    run(quick=parser.parse_args().quick)


if __name__ == "__main__":
    main()

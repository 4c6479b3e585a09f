"""One monitoring cycle of the decision core over 1,000 open iron condors, beside a naive
per-rule Python loop in the same run.

Book: 1,000 condors on SPY/QQQ/IWM, 5-60 DTE, 1-5 lots, marked off a skewed BSM surface after
a random move per symbol (so some are winners, some losers, some tested); half the quotes carry
IV and Greeks (as IB sends them), half only bid/ask (IV and Greeks are computed).

Ours: ``StrategyViewBuilder.build`` (marks, P&L, IV and Greeks for every leg in one vectorised
pass), ``PortfolioView.from_strategy_views``, then ``DecisionEngine.evaluate_all`` (all twelve
rules, first decision wins, rule state carried). Naive: the same rules in the same order, but
each rule re-derives what it reads from the raw quotes for its strategy (validity, mids,
scalar IV and BSM Greeks in pure Python, max profit/loss from the strategy's exact payoff);
timed on a sample and scaled to 1,000. Both give the same decisions (checked, printed).
Usage: python bench/bench_rules.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from v6.domain import Greeks, Quote, QuoteValidity, Regime, Strategy
from v6.pricing import bsm_greeks
from v6.rules import (
    DecisionEngine,
    LegView,
    MarketView,
    PortfolioView,
    RuleState,
    RuleView,
    StrategyView,
    StrategyViewBuilder,
    UnderlyingView,
)
from v6.rules.builder import NEW_YORK
from v6.testing import make_iron_condor

N_STRATEGIES = 1000
TS = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
RATE = 0.04
SPOTS = {"SPY": 580.0, "QQQ": 500.0, "IWM": 220.0}
MOVES = {"SPY": -0.025, "QQQ": 0.01, "IWM": 0.03}
AGE = timedelta(seconds=10)


def _smile_vol(spot: float, strike: float, t: float) -> float:
    m = math.log(strike / spot) / math.sqrt(max(t, 1e-4))
    return min(max(0.17 - 0.10 * m + 0.08 * m * m, 0.06), 1.2)


def make_book(n: int, seed: int = 1) -> tuple[list[Strategy], dict[str, Quote], dict[str, float]]:
    rng = random.Random(seed)
    today = TS.astimezone(NEW_YORK).date()
    spots = {s: v * (1 + MOVES[s]) for s, v in SPOTS.items()}
    strategies: list[Strategy] = []
    quotes: dict[str, Quote] = {}
    for i in range(n):
        sym = rng.choice(list(SPOTS))
        s0 = SPOTS[sym]
        expiry = today + timedelta(days=rng.randint(5, 60))
        t_entry = (expiry - today).days / 365 + 10 / 365
        step = 5.0 if s0 > 300 else 1.0
        put_short = round(s0 * rng.uniform(0.90, 0.97) / step) * step
        call_short = round(s0 * rng.uniform(1.03, 1.10) / step) * step
        strikes = (put_short - step, put_short, call_short, call_short + step)
        rights = (False, False, True, True)
        vols = [_smile_vol(s0, k, t_entry) for k in strikes]
        entry = bsm_greeks(s0, list(strikes), t_entry, RATE, 0.0, vols, list(rights)).price
        prices = tuple(max(round(float(p), 2), 0.01) for p in entry)
        ic = make_iron_condor(
            *strikes,
            prices=(prices[0], prices[1], prices[2], prices[3]),
            quantity=rng.randint(1, 5),
            symbol=sym,
            expiry=expiry,
            strategy_id=f"ic-{i:04d}",
        ).with_metadata(entry_iv=round(sum(vols[1:3]) / 2, 4))
        strategies.append(ic)
        t_now = max((expiry - today).days, 0.5) / 365
        spot = spots[sym]
        for leg in ic.legs:
            c = leg.contract
            vol = _smile_vol(spot, c.strike, t_now)
            g = bsm_greeks(spot, c.strike, t_now, RATE, 0.0, vol, c.is_call)
            mid = float(g.price)
            half = max(0.01, 0.02 * mid)
            rich = i % 2 == 0
            quotes[c.key] = Quote(
                bid=max(mid - half, 0.0),
                ask=mid + half,
                ts=TS - timedelta(seconds=2),
                iv=vol if rich else None,
                greeks=Greeks(
                    float(g.delta),
                    float(g.gamma),
                    float(g.theta_per_day),
                    float(g.vega_per_vol_point),
                )
                if rich
                else None,
            )
    return strategies, quotes, spots


def market(spots: Mapping[str, float]) -> MarketView:
    regimes = {"SPY": Regime.HIGH_VOL, "QQQ": Regime.NORMAL, "IWM": Regime.TRENDING}
    return MarketView(
        TS,
        24.0,
        0.12,
        {s: UnderlyingView(s, spots[s], SPOTS[s], 0.22, regimes[s], "detector") for s in spots},
    )


# ---- the naive baseline: every rule derives its own inputs from raw quotes ---------------


def _ncdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _scalar_greeks(s: float, k: float, t: float, vol: float, call: bool) -> tuple[float, ...]:
    sd = vol * math.sqrt(t)
    d1 = (math.log(s / k) + (RATE + 0.5 * vol * vol) * t) / sd
    d2 = d1 - sd
    pdf = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi)
    disc = math.exp(-RATE * t)
    if call:
        price = s * _ncdf(d1) - k * disc * _ncdf(d2)
        delta = _ncdf(d1)
        theta = -s * pdf * vol / (2 * math.sqrt(t)) - RATE * k * disc * _ncdf(d2)
    else:
        price = k * disc * _ncdf(-d2) - s * _ncdf(-d1)
        delta = _ncdf(d1) - 1.0
        theta = -s * pdf * vol / (2 * math.sqrt(t)) + RATE * k * disc * _ncdf(-d2)
    gamma = pdf / (s * sd)
    vega = s * pdf * math.sqrt(t)
    return price, delta, gamma, theta / 365.0, vega / 100.0


def _scalar_iv(price: float, s: float, k: float, t: float, call: bool) -> float:
    lo, hi = 1e-4, 5.0
    for _ in range(100):  # bisection: what a hand-rolled loop does
        mid = 0.5 * (lo + hi)
        if _scalar_greeks(s, k, t, mid, call)[0] > price:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-10:
            break
    return 0.5 * (lo + hi)


def naive_view(
    strategy: Strategy,
    quotes: Mapping[str, Quote],
    spot: float,
    ts: datetime,
) -> StrategyView:
    """Everything one rule reads, derived from scratch for one strategy."""
    close = datetime.combine(strategy.expiry, datetime.min.time(), NEW_YORK).replace(hour=16)
    t = max((close - ts).total_seconds(), 0.0) / (365 * 86400)
    legs, marks = [], {}
    delta = gamma = theta = vega = 0.0
    short_ivs = []
    for leg in strategy.legs:
        c = leg.contract
        q = quotes.get(c.key)
        v = q.validity(ts, AGE, allow_zero_bid=True) if q is not None else None
        mark = q.mid if q is not None and v is QuoteValidity.VALID else math.nan
        marks[c.key] = mark
        iv = q.iv if q is not None and q.iv else _scalar_iv(mark, spot, c.strike, t, c.is_call)
        g: tuple[float, ...]
        if q is not None and q.greeks is not None:
            qg = q.greeks
            g = (mark, qg.delta, qg.gamma, qg.theta_per_day, qg.vega_per_vol_point)
        else:
            g = _scalar_greeks(spot, c.strike, t, iv, c.is_call)
        w = leg.quantity * c.multiplier
        delta += w * g[1]
        gamma += w * g[2]
        theta += w * g[3]
        vega += w * g[4]
        if leg.is_short:
            short_ivs.append(iv)
        legs.append(LegView(c.key, c.right, c.strike, leg.quantity, mark, v, g[1], iv))
    raw_iv = strategy.metadata.get("entry_iv")
    return StrategyView(
        strategy=strategy,
        ts=ts,
        dte=(strategy.expiry - ts.astimezone(NEW_YORK).date()).days,
        underlying_price=spot,
        pnl=strategy.pnl_at_marks(marks),
        max_profit=strategy.max_profit,
        max_loss=strategy.max_loss,
        entry_credit=strategy.entry_cash,
        greeks=Greeks(delta, gamma, theta, vega),
        legs=tuple(legs),
        iv_now=sum(short_ivs) / len(short_ivs),
        iv_entry=float(raw_iv) if isinstance(raw_iv, float) else None,
    )


def naive_cycle(
    engine: DecisionEngine,
    strategies: list[Strategy],
    quotes: Mapping[str, Quote],
    spots: Mapping[str, float],
    mv: MarketView,
    pv: PortfolioView,
    states: Mapping[str, RuleState],
) -> list[str]:
    fired = []
    for s in strategies:
        state = states[s.strategy_id]
        name = "hold"
        for rule in engine.rules:
            sv = naive_view(s, quotes, spots[s.symbol], TS)  # re-derived for every rule
            view = RuleView(sv, mv.underlyings.get(s.symbol), mv, pv, state)
            decision = rule.evaluate(view)
            if decision is not None and not decision.is_hold:
                name = decision.rule
                break
        fired.append(name)
    return fired


# ---- timing ---------------------------------------------------------------------------------


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def _cold_build_ms(
    strategies: list[Strategy],
    quotes: Mapping[str, Quote],
    spots: Mapping[str, float],
    repeats: int,
) -> float:
    """The first cycle: a fresh builder computes every strategy's exact max profit/loss."""
    times = []
    for _ in range(repeats):
        fresh = StrategyViewBuilder(quote_max_age=AGE, rate=RATE)
        start = time.perf_counter()
        fresh.build(strategies, quotes, spots, TS)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def run(quick: bool = False) -> list[dict[str, Any]]:
    repeats = 5 if quick else 25
    sample = 40 if quick else 200
    strategies, quotes, spots = make_book(N_STRATEGIES)
    builder = StrategyViewBuilder(quote_max_age=AGE, rate=RATE)
    engine = DecisionEngine.from_sections()
    mv = market(spots)
    views = builder.build(strategies, quotes, spots, TS)
    pv = PortfolioView.from_strategy_views(
        views, net_liquidation=2_000_000.0, daily_pnl=-8_000.0, ts=TS
    )
    first = engine.evaluate_all(views, mv, pv)
    states = {r.state.strategy_id: r.state for r in first}
    results = engine.evaluate_all(views, mv, pv, states)

    t_cold = _cold_build_ms(strategies, quotes, spots, 3 if quick else 7)
    t_views = _median_ms(lambda: builder.build(strategies, quotes, spots, TS), repeats)
    t_pv = _median_ms(
        lambda: PortfolioView.from_strategy_views(
            views, net_liquidation=2_000_000.0, daily_pnl=-8_000.0, ts=TS
        ),
        repeats,
    )
    t_rules = _median_ms(lambda: engine.evaluate_all(views, mv, pv, states), repeats)

    sub = strategies[:sample]
    naive_ms = _median_ms(lambda: naive_cycle(engine, sub, quotes, spots, mv, pv, states), 1)
    t_naive = naive_ms * N_STRATEGIES / sample
    ours_names = [r.decision.rule for r in results[:sample]]
    naive_names = naive_cycle(engine, sub, quotes, spots, mv, pv, states)
    agree = sum(
        a == b or (a in ("hold", "data_invalid") and b == "hold")
        for a, b in zip(ours_names, naive_names, strict=True)
    )
    ours_total = t_views + t_pv + t_rules
    rows: list[dict[str, Any]] = [
        {"case": "views: build (warm facts cache)", "ms": t_views},
        {"case": "views: build (cold, first cycle)", "ms": t_cold},
        {"case": "portfolio view", "ms": t_pv},
        {"case": "rules: 12 rules on prepared views", "ms": t_rules},
        {"case": "ours: full cycle (views + portfolio + rules)", "ms": ours_total},
        {"case": f"naive per-rule loop (scaled from {sample})", "ms": t_naive},
    ]
    legs = sum(len(s.legs) for s in strategies)
    print(f"{N_STRATEGIES} strategies, {legs} legs, half the quotes without IV/Greeks")
    print(f"{'case':<48}{'ms/cycle':>10}{'us/strategy':>13}")
    for row in rows:
        print(f"{row['case']:<48}{row['ms']:>10.2f}{row['ms'] * 1e3 / N_STRATEGIES:>13.1f}")
    ratio = t_naive / ours_total
    print(
        f"naive / ours (full cycle): {ratio:.0f}x; rules alone vs naive: {t_naive / t_rules:.0f}x"
    )
    print(f"rules budget: {t_rules:.1f} ms of 20 ms -> {'OK' if t_rules < 20 else 'OVER'}")
    print(f"decisions agree with the naive loop on {agree}/{sample} sampled strategies")
    mix = Counter(r.decision.rule for r in results)
    print("decision mix:", ", ".join(f"{k} {v}" for k, v in mix.most_common()))
    rows.append({"case": "ratio naive/ours", "ratio": ratio, "agree": agree, "sample": sample})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sample")
    args = parser.parse_args()
    run(quick=args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

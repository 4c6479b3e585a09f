"""Properties: the gate never approves an opening intent that leaves a limit breached (checked
against the after-trade portfolio recomputed from scratch), unwinds of a breached portfolio are
always approved, and the breaker never leaves HALTED without its cool-down or a resume."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from v6.config.sections import TradingLimitsConfig
from v6.domain import OptionLeg, Strategy, StrategyStatus, StrategyType
from v6.risk import (
    BreakersConfig,
    CircuitBreaker,
    CorrelationGroups,
    GateContext,
    Observation,
    PortfolioLimitsChecker,
    PortfolioRiskCalculator,
    PreTradeGate,
    RiskConfig,
    TradingState,
    Trigger,
    correlation_groups,
)
from v6.risk.config import BrokerBreaker, DailyLossBreaker

from .kit import (
    SPOTS,
    TS,
    close_of,
    condor,
    contract,
    contracts_of,
    model_market,
    open_of,
    portfolio,
    snapshot,
)

SYMBOLS = ("SPY", "QQQ", "IWM")


@st.composite
def structures(draw: st.DrawFn, sid: str) -> Strategy:
    symbol = draw(st.sampled_from(SYMBOLS))
    qty = draw(st.integers(1, 3))
    spot = SPOTS[symbol]
    kind = draw(st.sampled_from(["ic", "bull_put", "bear_call"]))
    d = draw(st.sampled_from([0.02, 0.04, 0.06, 0.08]))
    w = draw(st.sampled_from([2.0, 5.0, 10.0]))
    if kind == "ic":
        return condor(symbol, sid=sid, qty=qty, distance=d, width=w)
    short = float(round(spot * (1 - d))) if kind == "bull_put" else float(round(spot * (1 + d)))
    long_ = short - w if kind == "bull_put" else short + w
    stype = StrategyType.BULL_PUT if kind == "bull_put" else StrategyType.BEAR_CALL
    right = "P" if kind == "bull_put" else "C"
    legs = (
        OptionLeg(contract(short, right, symbol), -qty, 1.0),
        OptionLeg(contract(long_, right, symbol), qty, 0.5),
    )
    return Strategy(sid, stype, legs, StrategyStatus.OPEN, TS)


@st.composite
def books(draw: st.DrawFn, min_size: int = 0) -> list[Strategy]:
    n = draw(st.integers(min_size, 6))
    return [draw(structures(f"s{i}")) for i in range(n)]


def _cap(lo: float, hi: float, loose: float) -> st.SearchStrategy[float]:
    """Half the time a loose limit, so that both approvals and refusals are common."""
    return st.one_of(st.just(loose), st.floats(lo, hi))


@st.composite
def limit_sets(draw: st.DrawFn) -> TradingLimitsConfig:
    mlt = draw(_cap(200, 3000, 1e6))
    return TradingLimitsConfig(
        max_open_strategies=draw(st.integers(1, 10)),
        max_per_symbol=draw(st.integers(1, 8)),
        max_per_strategy_type={t: draw(st.integers(0, 8)) for t in StrategyType},
        max_abs_delta=draw(_cap(5, 300, 1e6)),
        max_abs_gamma=draw(_cap(0.5, 50, 1e6)),
        max_abs_theta_per_day=draw(_cap(5, 500, 1e6)),
        max_abs_vega_per_vol_point=draw(_cap(20, 1000, 1e6)),
        max_daily_loss=mlt * 2,
        max_loss_per_trade=mlt,
        max_margin_use=draw(_cap(0.05, 1.0, 1.0)),
        max_concentration=draw(_cap(0.3, 1.0, 1.0)),
    )


def _groups(flag: bool) -> CorrelationGroups:
    return CorrelationGroups.of([{"SPY", "QQQ"}]) if flag else CorrelationGroups.singletons()


def _with_open_prices_at_mids(s: Strategy, mids: dict[str, float]) -> Strategy:
    legs = tuple(OptionLeg(leg.contract, leg.quantity, mids[leg.contract.key]) for leg in s.legs)
    return Strategy(s.strategy_id, s.strategy_type, legs, StrategyStatus.OPEN, TS)


def _violations(
    after: list[Strategy],
    new: Strategy,
    lim: TradingLimitsConfig,
    cfg: RiskConfig,
    groups: CorrelationGroups,
    net_liq: float,
    iv: float,
) -> list[str]:
    """Every limit the after-trade portfolio breaks, recomputed from scratch."""
    market = model_market(contracts_of(after), iv=iv)
    risk = PortfolioRiskCalculator(cfg).compute(portfolio(after, net_liq), market)
    out = []
    n = len(after)
    if n > lim.max_open_strategies:
        out.append("open")
    by_group: dict[str, list[Strategy]] = {}
    for s in after:
        by_group.setdefault(groups.key(s.symbol), []).append(s)
    if len(by_group[groups.key(new.symbol)]) > lim.max_per_symbol:
        out.append("per_symbol")
    t_cap = lim.max_per_strategy_type.get(new.strategy_type, lim.max_open_strategies)
    if sum(s.strategy_type is new.strategy_type for s in after) > t_cap:
        out.append("per_type")
    g = risk.greeks
    for name, value, cap in (
        ("delta", g.delta, lim.max_abs_delta),
        ("gamma", g.gamma, lim.max_abs_gamma),
        ("theta", g.theta_per_day, lim.max_abs_theta_per_day),
        ("vega", g.vega_per_vol_point, lim.max_abs_vega_per_vol_point),
    ):
        if abs(value) > cap * (1 + 1e-9):
            out.append(name)
    if max(new.max_loss, 0.0) > lim.max_loss_per_trade * (1 + 1e-9):
        out.append("max_loss")
    margin = sum(max(s.max_loss, 0.0) for s in after)
    if margin / net_liq > lim.max_margin_use * (1 + 1e-9):
        out.append("margin")
    if -risk.pnl.today > lim.max_daily_loss * (1 + 1e-9):  # the new one opens at mid: P&L 0
        out.append("daily_loss")
    if n >= cfg.concentration_min_strategies:
        risk_by = {k: sum(max(s.max_loss, 0.0) for s in v) for k, v in by_group.items()}
        if max(risk_by.values()) / sum(risk_by.values()) > lim.max_concentration * (1 + 1e-9):
            out.append("concentration")
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    held=books(),
    candidate=structures("cand"),
    lim=limit_sets(),
    grouped=st.booleans(),
    net_liq=st.floats(3_000, 200_000),
    iv=st.floats(0.12, 0.40),
)
def test_gate_never_approves_an_open_that_leaves_a_limit_breached(
    held: list[Strategy],
    candidate: Strategy,
    lim: TradingLimitsConfig,
    grouped: bool,
    net_liq: float,
    iv: float,
) -> None:
    cfg = RiskConfig(concentration_min_strategies=3)
    groups = _groups(grouped)
    market = model_market(contracts_of([*held, candidate]), iv=iv)
    snap = snapshot(held, market, net_liq=net_liq, groups=groups, cfg=cfg)
    res = PortfolioLimitsChecker(lim, cfg).check(open_of(candidate), snap)
    mids = {k: q.mid for k, q in market.quotes.items()}
    new = _with_open_prices_at_mids(candidate, mids)
    broken = _violations([*held, new], new, lim, cfg, groups, net_liq, iv)
    event("approved" if res.approved else f"refused: {','.join(sorted(set(broken)))[:40]}")
    if res.approved:
        assert broken == [], res.checks
    else:
        assert broken, res.reason  # it refused for a reason that is really there


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    held=books(min_size=1),
    lim=limit_sets(),
    pick=st.integers(0, 10),
    units_frac=st.floats(0.01, 1.0),
    state=st.sampled_from(list(TradingState)),
)
def test_unwinds_of_a_breached_portfolio_are_always_approved(
    held: list[Strategy],
    lim: TradingLimitsConfig,
    pick: int,
    units_frac: float,
    state: TradingState,
) -> None:
    tight = lim.model_copy(
        update={"max_open_strategies": 1, "max_abs_delta": 0.01, "max_margin_use": 0.01}
    )
    snap = snapshot(held, model_market(contracts_of(held)), net_liq=5_000.0)
    target = held[pick % len(held)]
    units = max(1, math.ceil(target.units * units_frac))
    unwind = close_of(target, units=units)
    breaker = CircuitBreaker()
    bstate = {
        TradingState.ACTIVE: breaker.state,
        TradingState.REDUCING: breaker.step(breaker.state, Observation(vix=80.0), TS),
        TradingState.HALTED: breaker.halt(breaker.state, TS, "test"),
    }[state]
    gate = PreTradeGate(PortfolioLimitsChecker(tight), lambda: GateContext(TS, snap, bstate))
    assert gate.check(unwind).approved


_HALTING = {Trigger.DAILY_LOSS: 600.0, Trigger.BROKER_DISCONNECTED: 300.0}


@settings(max_examples=80, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(1, 700),
            st.sampled_from([None, -100.0, -100.0, -2500.0]),
            st.sampled_from([True, True, True, False]),
            st.integers(0, 19),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_breaker_leaves_halted_only_after_cool_down_or_resume(
    steps: list[tuple[int, float | None, bool, int]],
) -> None:
    cfg = BreakersConfig(
        daily_loss=DailyLossBreaker(cooldown_s=600.0),
        broker=BrokerBreaker(grace_s=0.0, cooldown_s=300.0),
    )
    cb = CircuitBreaker(cfg, TradingLimitsConfig())
    now = TS
    seen: list[tuple[object, bool, bool]] = []  # (ts, daily loss present, broker down)
    for dt, pnl, connected, roll in steps:
        now += timedelta(seconds=dt)
        if roll == 0:
            cb.request_resume(now, "test")
        elif roll == 1:
            cb.request_halt(now, "test")
        seen.append((now, pnl is not None and -pnl >= 2000.0, not connected))
        cb.update(Observation(daily_pnl=pnl, broker_connected=connected), now)
    for t in cb.state.history:
        if t.from_state is not TradingState.HALTED or t.to_state is TradingState.HALTED:
            continue
        if t.trigger is Trigger.RESUME:
            continue
        event(f"left HALTED after {t.trigger.value} cool-down")
        assert t.trigger in _HALTING, t  # a manual halt is never released but by a resume
        cooldown = timedelta(seconds=_HALTING[t.trigger])
        col = 1 if t.trigger is Trigger.DAILY_LOSS else 2
        present = [ts for ts, *flags in seen if flags[col - 1] and ts <= t.ts]
        assert present, t
        assert t.ts - max(present) >= cooldown, t  # type: ignore[operator]


@settings(max_examples=40, deadline=None)
@given(
    betas=st.lists(st.floats(-2, 2), min_size=2, max_size=5),
    noise=st.floats(0.0, 2.0),
    threshold=st.floats(0.1, 0.99),
)
def test_correlation_groups_join_every_pair_at_or_above_the_threshold(
    betas: list[float], noise: float, threshold: float
) -> None:
    rng = np.random.default_rng(3)
    market = rng.normal(0, 0.01, 60)
    returns = {
        f"S{i}": (b * market + noise * rng.normal(0, 0.01, 60)).tolist()
        for i, b in enumerate(betas)
    }
    groups = correlation_groups(returns, threshold, lookback=60, min_observations=20)
    members = [s for g in groups.groups for s in g]
    assert len(members) == len(set(members))  # a partition
    for (a, b), c in groups.correlations.items():
        if not math.isnan(c) and c >= threshold:
            assert groups.group_of(a) == groups.group_of(b)
    assert all(len(g) > 1 for g in groups.groups)

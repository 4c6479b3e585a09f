"""PortfolioLimitsChecker: every limit rejects the breaching intent with its numbers in the
reason, and lets a risk-reducing intent through.

Per-share Greeks are set by hand on the quotes, so every number is checkable on paper:
held bull put 550/545 per unit: delta +8, gamma -0.2, theta +3, vega -5;
new bull put 560/555 per unit: delta +9, gamma -0.1, theta +2, vega -3;
bear call 600/605 per unit: delta -10, gamma -0.2, theta +3, vega -6.
"""

from __future__ import annotations

import numpy as np
import pytest

from v6.domain import IntentKind, Quote, StrategyType
from v6.risk import (
    CorrelationGroups,
    LimitName,
    MarketInputs,
    PnLInputs,
    RiskConfig,
    RiskSnapshot,
)
from v6.testing.factories import make_vertical

from .kit import (
    RATE,
    SPOTS,
    TS,
    bull_put,
    checker,
    close_of,
    contract,
    greek_quote,
    intent,
    open_of,
    snapshot,
)

_TABLE: dict[float, tuple[str, float, float, float, float, float]] = {
    550: ("P", 2.10, -0.30, 0.010, -0.15, 0.50),
    545: ("P", 1.30, -0.22, 0.008, -0.12, 0.45),
    560: ("P", 3.00, -0.40, 0.012, -0.18, 0.55),
    555: ("P", 2.40, -0.31, 0.011, -0.16, 0.52),
    600: ("C", 1.50, 0.30, 0.010, -0.14, 0.48),
    605: ("C", 1.00, 0.20, 0.008, -0.11, 0.42),
}


def _base(symbol: str) -> float:
    """Strike playing the role of SPY 550 on ``symbol`` (same offsets, same widths)."""
    return 550.0 if symbol == "SPY" else float(round(550 * SPOTS[symbol] / 580))


def _market() -> MarketInputs:
    quotes: dict[str, Quote] = {}
    for sym in ("SPY", "QQQ", "IWM"):
        for k, (right, mid, d, g, th, v) in _TABLE.items():
            strike = _base(sym) + (k - 550)
            quotes[contract(strike, right, sym).key] = greek_quote(mid, d, g, th, v)
    return MarketInputs(ts=TS, spots=dict(SPOTS), quotes=quotes, rate=RATE)


def _held(qty: int = 1, sid: str = "h1", symbol: str = "SPY"):  # type: ignore[no-untyped-def]
    b = _base(symbol)
    return bull_put(symbol, b, b - 5, sid=sid, qty=qty, prices=(2.0, 1.2))


def _new(qty: int = 1, sid: str = "new", symbol: str = "SPY"):  # type: ignore[no-untyped-def]
    b = _base(symbol)
    return bull_put(symbol, b + 10, b + 5, sid=sid, qty=qty, prices=(3.0, 2.4))


def _bear_call(qty: int = 1, sid: str = "bc"):  # type: ignore[no-untyped-def]
    return make_vertical(
        StrategyType.BEAR_CALL,
        600,
        605,
        short_price=1.5,
        long_price=1.0,
        quantity=qty,
        strategy_id=sid,
    )


def _snap(held: list, **kw: object) -> RiskSnapshot:  # type: ignore[type-arg]
    return snapshot(held, _market(), **kw)  # type: ignore[arg-type]


# -- counts ----------------------------------------------------------------------------------


def test_open_strategies_limit() -> None:
    held = _held()
    snap = _snap([held])
    chk = checker(max_open_strategies=1)
    res = chk.check(open_of(_new(), limit_price=-0.6), snap)
    assert not res.approved
    assert res.reason == "open strategies limit: would be 2, limit 1"
    (b,) = res.blocking
    assert (b.name, b.before, b.after, b.limit) == (LimitName.OPEN_STRATEGIES, 1, 2, 1)
    assert res.data()["limit_name"] == "open_strategies"
    assert res.data()["value_after"] == 2
    assert chk.check(close_of(held), snap).approved


def test_per_underlying_limit_and_correlated_groups() -> None:
    snap = _snap([_held()])
    chk = checker(max_per_symbol=1)
    res = chk.check(open_of(_new(), -0.6), snap)
    assert not res.approved
    assert res.reason == "per-underlying limit (SPY): would be 2, limit 1"
    qqq = open_of(_new(symbol="QQQ"), -0.6)
    assert chk.check(qqq, snap).approved
    grouped = _snap([_held()], groups=CorrelationGroups.of([{"SPY", "QQQ"}]))
    res = chk.check(qqq, grouped)
    assert res.reason == "per-underlying limit (QQQ+SPY): would be 2, limit 1"
    assert chk.check(close_of(_held()), grouped).approved


def test_per_strategy_type_limit() -> None:
    snap = _snap([_held()])
    chk = checker(max_per_strategy_type={StrategyType.BULL_PUT: 1, StrategyType.BEAR_CALL: 1})
    res = chk.check(open_of(_new(), -0.6), snap)
    assert res.reason == "per-strategy-type limit (bull_put): would be 2, limit 1"
    assert chk.check(open_of(_bear_call(), -0.5), snap).approved
    assert chk.check(close_of(_held()), snap).approved


def test_strategy_type_is_taken_from_intent_metadata_when_given() -> None:
    snap = _snap([])
    chk = checker(max_per_strategy_type={StrategyType.BULL_PUT: 0, StrategyType.CUSTOM: 0})
    new = _new()
    legs = [(leg.contract, leg.quantity) for leg in new.legs]
    declared = intent(
        IntentKind.OPEN, "x", legs, limit_price=-0.6, metadata={"strategy_type": "custom"}
    )
    res = chk.check(declared, snap)
    assert "per-strategy-type limit (custom)" in res.reason
    inferred = chk.check(intent(IntentKind.OPEN, "y", legs, limit_price=-0.6), snap)
    assert "per-strategy-type limit (bull_put): would be 1, limit 0" in inferred.reason


# -- concentration and correlation ------------------------------------------------------------


def test_concentration_limit_and_correlated_underlyings() -> None:
    cfg = RiskConfig(concentration_min_strategies=2)
    held = [_held(sid="s1"), _held(sid="i1", symbol="IWM")]
    snap = _snap(held, cfg=cfg)
    chk = checker(cfg, max_concentration=0.6)
    # SPY: 420 held + 440 new (5 wide, 0.60 credit) of 1280 total
    res = chk.check(open_of(_new(), -0.6), snap)
    assert not res.approved
    assert res.reason == "concentration limit (SPY): would hold 67.2 % of risk, limit 60.0 %"
    assert res.blocking[0].after == pytest.approx(860 / 1280)
    # a QQQ trade spreads the risk ... unless QQQ moves with SPY
    qqq = open_of(_new(symbol="QQQ"), -0.6)
    assert chk.check(qqq, snap).approved
    grouped = _snap(held, cfg=cfg, groups=CorrelationGroups.of([{"SPY", "QQQ"}]))
    res = chk.check(qqq, grouped)
    assert res.reason == "concentration limit (QQQ+SPY): would hold 67.2 % of risk, limit 60.0 %"
    # a close of the IWM spread concentrates risk in SPY, but a close is never blocked
    assert chk.check(close_of(held[1]), snap).approved


def test_concentration_waits_for_enough_strategies() -> None:
    snap = _snap([])
    res = checker(max_concentration=0.35).check(open_of(_new(), -0.6), snap)
    assert res.approved
    assert LimitName.CONCENTRATION not in {c.name for c in res.checks}


# -- Greeks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit_field", "limit", "text"),
    [
        ("max_abs_delta", 90.0, "delta limit: would be +98.0, limit 90"),
        ("max_abs_gamma", 1.0, "gamma limit: would be -1.2, limit 1"),
        ("max_abs_theta_per_day", 20.0, "theta/day limit: would be +23.0, limit 20"),
        ("max_abs_vega_per_vol_point", 30.0, "vega/vol point limit: would be -35.0, limit 30"),
    ],
)
def test_greek_limits_reject_with_numbers(limit_field: str, limit: float, text: str) -> None:
    snap = _snap([_held()])
    chk = checker(**{limit_field: limit, "max_loss_per_trade": 5000.0, "max_daily_loss": 5000.0})
    res = chk.check(open_of(_new(qty=10), -0.6), snap)
    assert not res.approved
    assert res.reason == text
    assert chk.check(open_of(_new(qty=1), -0.6), snap).approved


def test_hedge_that_improves_a_breached_delta_passes_one_that_worsens_it_does_not() -> None:
    held = _held(qty=4)  # delta +32
    snap = _snap([held])
    chk = checker(max_abs_delta=20.0)
    better = open_of(_bear_call())  # delta -10 -> +22, still above 20 but better
    better = intent(IntentKind.HEDGE, "bc", [(c.contract, c.quantity) for c in better.legs])
    res = chk.check(better, snap)
    assert res.approved
    delta = next(c for c in res.checks if c.name is LimitName.DELTA)
    assert (delta.before, delta.after) == (pytest.approx(32.0), pytest.approx(22.0))
    worse = intent(IntentKind.HEDGE, "np", [(leg.contract, leg.quantity) for leg in _new().legs])
    res = chk.check(worse, snap)
    assert not res.approved
    assert res.reason == "delta limit: would be +41.0, limit 20"


def test_partial_close_is_judged_only_by_limits_it_worsens() -> None:
    held = _held(qty=2)
    snap = _snap([held])
    chk = checker(max_open_strategies=1, max_abs_vega_per_vol_point=5.0)  # vega -10: breached
    # buy back the short 550 puts only: count unchanged, vega -10 + 2 x 50 = +90 (worse)
    short_only = intent(IntentKind.CLOSE, held.strategy_id, [(contract(550), 2)])
    res = chk.check(short_only, snap)
    assert not res.approved
    assert res.reason == "vega/vol point limit: would be +90.0, limit 5"
    # sell the long 545 puts only: vega -10 - 90 = -100, also worse, and the short puts are
    # left naked: max loss 2 x (550 x 100 - 200 credit kept)
    long_only = chk.check(intent(IntentKind.CLOSE, held.strategy_id, [(contract(545), -2)]), snap)
    assert "max loss per trade limit (h1): would be $109,600, limit $1,000" in long_only.reason
    # a whole close, or a pro-rata reduction, is exempt
    assert chk.check(close_of(held), snap).approved
    assert chk.check(close_of(held, units=1, kind=IntentKind.REDUCE), snap).exempt


# -- money ---------------------------------------------------------------------------------------


def test_max_loss_per_trade() -> None:
    snap = _snap([_held()])
    chk = checker(max_loss_per_trade=400.0)
    res = chk.check(open_of(_new(), -0.6), snap)
    assert res.reason == "max loss per trade limit (new): would be $440, limit $400"
    assert res.blocking[0].after == pytest.approx(440.0)
    assert chk.check(open_of(_new(), -1.2), snap).approved  # a 1.20 credit: max loss 380
    assert chk.check(close_of(_held()), snap).approved


def test_max_loss_uses_marks_without_a_limit_and_the_width_without_either() -> None:
    snap = _snap([])
    chk = checker(max_loss_per_trade=1000.0)
    res = chk.check(open_of(_new()), snap)  # marks: 3.00 - 2.40 = 0.60 credit
    mlt = next(c for c in res.checks if c.name is LimitName.MAX_LOSS_PER_TRADE)
    assert mlt.after == pytest.approx(440.0)
    far = bull_put("SPY", 400, 390, sid="far")  # no quotes at all for these strikes
    res = chk.check(open_of(far), snap)
    assert not res.approved
    assert res.reason.startswith("risk data unavailable: SPY 2026-12-18 400P: no quote")


def test_margin_use_limit() -> None:
    snap = _snap([_held()], net_liq=2000.0)
    chk = checker(max_margin_use=0.5)
    res = chk.check(open_of(_new(qty=2), -0.6), snap)
    assert res.reason == "margin use limit: would be 65.0 % of net liquidation, limit 50.0 %"
    assert chk.check(open_of(_new(qty=1), -0.6), snap).approved  # 860 / 2000 = 43 %
    assert chk.check(close_of(_held()), snap).approved


def test_buying_power_limit() -> None:
    snap = _snap([_held()], buying_power=500.0)
    chk = checker()
    res = chk.check(open_of(_new(qty=2), -0.6), snap)
    assert res.reason == "buying power limit: would need $880, available $500"
    assert chk.check(open_of(_new(qty=1), -0.6), snap).approved
    assert chk.check(close_of(_held()), snap).approved


def test_daily_loss_blocks_opens_not_closes() -> None:
    snap = _snap([_held()], pnl=PnLInputs(realised_today=-2500.0))
    chk = checker(max_daily_loss=2000.0)
    res = chk.check(open_of(_new(), -0.6), snap)
    # open P&L of the held spread is 2 x ((2.00 - 2.10) + (1.30 - 1.20)) x 100 = 0
    assert res.reason == "daily loss limit: loss today $2,500, limit $2,000"
    assert chk.check(close_of(_held()), snap).approved
    hedge = intent(
        IntentKind.HEDGE, "bc", [(leg.contract, leg.quantity) for leg in _bear_call().legs]
    )
    assert chk.check(hedge, snap).approved  # the loss is not the hedge's doing


# -- shape and data ---------------------------------------------------------------------------


def test_several_breaches_are_all_named() -> None:
    snap = _snap([_held()], net_liq=2000.0)
    res = checker(max_open_strategies=1, max_margin_use=0.3).check(open_of(_new(), -0.6), snap)
    assert {c.name for c in res.blocking} == {LimitName.OPEN_STRATEGIES, LimitName.MARGIN_USE}
    assert res.reason.count(";") == 1


def test_structural_refusals() -> None:
    snap = _snap([_held()])
    chk = checker()
    ghost = intent(IntentKind.CLOSE, "nope", [(contract(550), 1)])
    assert chk.check(ghost, snap).reason == "close of strategy nope, which is not open"
    mixed = intent(IntentKind.OPEN, "m", [(contract(550), -1), (contract(480, symbol="QQQ"), 1)])
    assert "several underlyings" in chk.check(mixed, snap).reason
    wrong = intent(IntentKind.REDUCE, "h1", [(contract(480, symbol="QQQ"), 1)])
    assert "not on SPY" in chk.check(wrong, snap).reason


def test_invalid_portfolio_greeks_block_opens_but_not_unwinds() -> None:
    held = _held()
    market = _market()
    quotes = dict(market.quotes)
    del quotes[contract(545).key]
    bad = snapshot([held], MarketInputs(ts=TS, spots=market.spots, quotes=quotes, rate=RATE))
    chk = checker()
    res = chk.check(open_of(_new(), -0.6), bad)
    assert not res.approved
    assert "portfolio Greeks not computable" in res.reason
    assert chk.check(close_of(held), bad).approved


def test_groups_from_returns_use_the_configured_threshold() -> None:
    rng = np.random.default_rng(11)
    spy = rng.normal(0, 0.01, 40)
    returns = {
        "SPY": spy.tolist(),
        "QQQ": (1.2 * spy + rng.normal(0, 0.002, 40)).tolist(),
        "IWM": rng.normal(0, 0.01, 40).tolist(),
    }
    groups = checker(correlation_threshold=0.8).groups_from_returns(returns)
    assert groups.key("QQQ") == "QQQ+SPY"
    assert groups.key("IWM") == "IWM"
    assert groups.correlations[("QQQ", "SPY")] > 0.95
    assert checker(correlation_threshold=0.999).groups_from_returns(returns).groups == ()

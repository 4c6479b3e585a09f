"""StrategyViewBuilder: marks, P&L, Greeks from quotes or computed, validity, caching."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from v6.domain import Greeks, Quote, QuoteValidity, Strategy
from v6.pricing import bsm_greeks, bsm_price
from v6.rules import ENTRY_IV_KEY, StrategyViewBuilder
from v6.testing import make_iron_condor, make_quote

from .kit import TS

SPOT = 580.0
VOL = 0.22
RATE = 0.04
AGE = timedelta(seconds=10)


def _t_years(strategy: Strategy, ts: datetime = TS) -> float:
    close = datetime(2026, 12, 18, 21, 0, tzinfo=UTC)  # 16:00 New York (EST) on expiry
    assert strategy.expiry == close.date()
    return (close - ts).total_seconds() / (365 * 86400)


def model_quotes(
    strategy: Strategy,
    *,
    with_iv: bool = True,
    with_greeks: bool = False,
    half_spread: float = 0.02,
    ts: datetime = TS,
) -> dict[str, Quote]:
    """Quotes priced off one flat vol, optionally carrying IV and Greeks."""
    out = {}
    t = _t_years(strategy, ts)
    for leg in strategy.legs:
        c = leg.contract
        g = bsm_greeks(SPOT, c.strike, t, RATE, 0.0, VOL, c.is_call)
        mid = float(g.price)
        greeks = (
            Greeks(
                float(g.delta),
                float(g.gamma),
                float(g.theta_per_day),
                float(g.vega_per_vol_point),
            )
            if with_greeks
            else None
        )
        out[c.key] = make_quote(
            mid - half_spread, mid + half_spread, ts=ts, iv=VOL if with_iv else None, greeks=greeks
        )
    return out


def builder() -> StrategyViewBuilder:
    return StrategyViewBuilder(quote_max_age=AGE, rate=RATE, div_yield=0.0)


IC = make_iron_condor().with_metadata(**{ENTRY_IV_KEY: 0.25})


def test_marks_are_mids_and_pnl_matches_the_strategy_math() -> None:
    quotes = model_quotes(IC)
    (v,) = builder().build([IC], quotes, {"SPY": SPOT}, TS)
    mids = {k: q.mid for k, q in quotes.items()}
    assert [leg.mark for leg in v.legs] == [mids[leg.contract.key] for leg in IC.legs]
    assert v.pnl == pytest.approx(IC.pnl_at_marks(mids), abs=1e-9)
    assert (v.max_profit, v.max_loss, v.entry_credit) == (IC.max_profit, IC.max_loss, 115.0)
    assert v.pnl_fraction == pytest.approx(v.pnl / 115.0)
    assert v.dte == 28
    assert v.underlying_price == SPOT
    assert v.iv_entry == 0.25
    assert v.issues == ()


def test_greeks_are_computed_when_quotes_lack_them_and_match_the_quotes_when_present() -> None:
    computed = builder().build([IC], model_quotes(IC), {"SPY": SPOT}, TS)[0]
    given = builder().build([IC], model_quotes(IC, with_greeks=True), {"SPY": SPOT}, TS)[0]
    for field in ("delta", "gamma", "theta_per_day", "vega_per_vol_point"):
        assert getattr(computed.greeks, field) == pytest.approx(
            getattr(given.greeks, field), rel=1e-9, abs=1e-9
        )
    t = _t_years(IC)
    per_leg = bsm_greeks(
        SPOT,
        np.array([leg.contract.strike for leg in IC.legs]),
        t,
        RATE,
        0.0,
        VOL,
        np.array([leg.contract.is_call for leg in IC.legs]),
    )
    qty = np.array([leg.quantity for leg in IC.legs]) * 100
    assert computed.greeks.delta == pytest.approx(float((per_leg.delta * qty).sum()))
    assert [leg.delta for leg in computed.legs] == pytest.approx(list(per_leg.delta))


def test_quote_greeks_are_taken_as_given() -> None:
    quotes = {
        k: replace(q, greeks=Greeks(0.5, 0.01, -0.1, 0.2)) for k, q in model_quotes(IC).items()
    }
    v = builder().build([IC], quotes, {"SPY": SPOT}, TS)[0]
    assert v.greeks.delta == pytest.approx(sum(0.5 * leg.quantity * 100 for leg in IC.legs))


def test_iv_is_implied_from_the_mid_when_the_quote_has_none() -> None:
    t = _t_years(IC)
    quotes = {}
    for leg in IC.legs:
        c = leg.contract
        mid = float(bsm_price(SPOT, c.strike, t, RATE, 0.0, VOL, c.is_call))
        quotes[c.key] = make_quote(mid - 0.01, mid + 0.01, iv=None)
    v = builder().build([IC], quotes, {"SPY": SPOT}, TS)[0]
    assert [leg.iv for leg in v.legs] == pytest.approx([VOL] * 4, rel=1e-9)
    assert v.iv_now == pytest.approx(VOL, rel=1e-9)


def test_iv_now_is_the_short_legs_average() -> None:
    quotes = model_quotes(IC)
    ivs = dict(zip([leg.contract.key for leg in IC.legs], (0.30, 0.24, 0.18, 0.16), strict=True))
    quotes = {k: replace(q, iv=ivs[k]) for k, q in quotes.items()}
    v = builder().build([IC], quotes, {"SPY": SPOT}, TS)[0]
    assert v.iv_now == pytest.approx(0.21)


def test_bad_quotes_become_core_issues() -> None:
    quotes = model_quotes(IC)
    keys = [leg.contract.key for leg in IC.legs]
    quotes[keys[0]] = replace(quotes[keys[0]], ts=TS - timedelta(seconds=11))
    quotes[keys[1]] = replace(quotes[keys[1]], bid=2.0, ask=1.0)
    del quotes[keys[2]]
    v = builder().build([IC], quotes, {"SPY": SPOT}, TS)[0]
    assert [leg.validity for leg in v.legs] == [
        QuoteValidity.STALE,
        QuoteValidity.CROSSED,
        None,
        QuoteValidity.VALID,
    ]
    assert math.isnan(v.pnl)
    core = [str(i) for i in v.issues if i.need is None]
    assert core == [
        f"leg {keys[0]}: quote stale",
        f"leg {keys[1]}: quote crossed",
        f"leg {keys[2]}: no quote",
    ]


def test_a_zero_bid_wing_is_still_marked() -> None:
    quotes = model_quotes(IC)
    key = IC.legs[0].contract.key
    quotes[key] = replace(quotes[key], bid=0.0, ask=0.10)
    v = builder().build([IC], quotes, {"SPY": SPOT}, TS)[0]
    assert v.legs[0].mark == 0.05
    assert v.issues == ()


def test_missing_spot_is_a_core_issue() -> None:
    v = builder().build([IC], model_quotes(IC), {}, TS)[0]
    assert any(i.need is None and "spot" in i.subject for i in v.issues)


def test_dte_counts_new_york_calendar_days() -> None:
    late = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)  # still Nov 20 in New York
    quotes = model_quotes(IC, ts=late)
    assert builder().build([IC], quotes, {"SPY": SPOT}, late)[0].dte == 28


def test_overrides_for_entry_iv_and_roll_credit() -> None:
    v = builder().build(
        [IC],
        model_quotes(IC),
        {"SPY": SPOT},
        TS,
        roll_credits={"ic-1": 42.0},
        entry_ivs={"ic-1": 0.3},
    )[0]
    assert (v.roll_credit_estimate, v.iv_entry) == (42.0, 0.3)
    plain = make_iron_condor()
    assert builder().build([plain], model_quotes(plain), {"SPY": SPOT}, TS)[0].iv_entry is None


def test_batch_equals_one_by_one_and_the_facts_cache_follows_changes() -> None:
    b = builder()
    others = [
        make_iron_condor(550.0, 555.0, 610.0, 615.0, strategy_id="ic-2"),
        make_iron_condor(strategy_id="ic-3", quantity=3),
    ]
    all_quotes = {**model_quotes(IC)}
    for s in others:
        all_quotes.update(model_quotes(s))
    batch = b.build([IC, *others], all_quotes, {"SPY": SPOT}, TS)
    singles = [builder().build([s], all_quotes, {"SPY": SPOT}, TS)[0] for s in (IC, *others)]
    assert batch == singles
    assert b.facts(IC) is b.facts(IC)
    changed = make_iron_condor(strategy_id="ic-1", quantity=2)
    assert b.facts(changed).max_profit == 230.0
    b.forget("ic-1")
    assert b.build([], {}, {}, TS) == []

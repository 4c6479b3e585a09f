"""Invariants over generated views: a deeper loss never turns a stop into a hold, equal inputs
give equal decisions, and no rule fires on a non-finite input it reads."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from v6.config.sections import ProfitTargets, TradingLimitsConfig
from v6.domain import Action, Greeks, Regime
from v6.rules import MarketView, PortfolioView, RuleState, RuleView, StrategyView, build_rules

from .kit import engine, market_view, portfolio_view, rules_config, strategy_view, underlying

NAN = math.nan
finite_pnl = st.floats(min_value=-450.0, max_value=100.0)
regimes = st.sampled_from([*Regime, None])


@dataclass(frozen=True)
class Scenario:
    """Every number a view is built from; ``nan`` names the ones replaced by NaN."""

    pnl: float
    dte: int
    spot: float
    prev_close: float
    delta: float
    gamma: float
    vega: float
    short_delta: float
    iv_now: float
    iv_entry: float
    vix: float
    vix_change: float
    realized_vol: float
    regime: Regime | None
    roll_credit: float
    net_liq: float
    daily_pnl: float
    quantity: int
    nan: frozenset[str] = frozenset()

    def value(self, name: str) -> Any:
        return NAN if name in self.nan else getattr(self, name)

    def views(self) -> tuple[StrategyView, MarketView, PortfolioView]:
        v = self.value
        sv = strategy_view(
            pnl=v("pnl"),
            dte=self.dte,
            spot=v("spot"),
            greeks=Greeks(v("delta"), v("gamma"), 2.0, v("vega")),
            leg_deltas=(-0.05, -v("short_delta"), 0.1, 0.05),
            iv_now=v("iv_now"),
            iv_entry=v("iv_entry"),
            roll_credit=v("roll_credit"),
            quantity=self.quantity,
        )
        und = underlying(
            spot=v("spot"),
            prev_close=v("prev_close"),
            realized_vol=v("realized_vol"),
            regime=self.regime,
        )
        mv = market_view(vix=v("vix"), vix_change_1d=v("vix_change"), underlyings=(und,))
        pv = portfolio_view([sv], net_liquidation=v("net_liq"), daily_pnl=v("daily_pnl"))
        return sv, mv, pv


def scenario_strategy(**overrides: Any) -> st.SearchStrategy[Scenario]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "pnl": finite_pnl,
        "dte": st.integers(min_value=0, max_value=60),
        "spot": st.floats(min_value=480.0, max_value=620.0),
        "prev_close": st.floats(min_value=480.0, max_value=620.0),
        "delta": st.floats(min_value=-60.0, max_value=60.0),
        "gamma": st.floats(min_value=-4.0, max_value=1.0),
        "vega": st.floats(min_value=-40.0, max_value=5.0),
        "short_delta": st.floats(min_value=0.01, max_value=0.6),
        "iv_now": st.floats(min_value=0.05, max_value=0.8),
        "iv_entry": st.floats(min_value=0.05, max_value=0.8),
        "vix": st.floats(min_value=9.0, max_value=60.0),
        "vix_change": st.floats(min_value=-0.3, max_value=0.6),
        "realized_vol": st.floats(min_value=0.03, max_value=0.9),
        "regime": regimes,
        "roll_credit": st.floats(min_value=-50.0, max_value=80.0),
        "net_liq": st.floats(min_value=5_000.0, max_value=500_000.0),
        "daily_pnl": st.floats(min_value=-20_000.0, max_value=5_000.0),
        "quantity": st.integers(min_value=1, max_value=5),
    }
    fields.update(overrides)
    return st.builds(Scenario, **fields)


scenarios = scenario_strategy()
# a losing condor well inside its strikes, away from expiry and from catastrophe
losing = scenario_strategy(
    pnl=st.floats(min_value=-310.0, max_value=-150.0),
    dte=st.integers(min_value=22, max_value=60),
    spot=st.floats(min_value=510.0, max_value=590.0),
    prev_close=st.just(550.0),
    daily_pnl=st.just(0.0),
    net_liq=st.just(1_000_000.0),
    quantity=st.just(1),
)

# rules that read each input, so never fire when it is NaN even called directly ...
DIRECT: dict[str, frozenset[str]] = {
    "pnl": frozenset(
        {"trailing_stop", "dynamic_take_profit", "take_profit", "stop_loss", "iv_crush"}
    ),
    "delta": frozenset({"delta_risk"}),
    "short_delta": frozenset({"delta_risk"}),
    "gamma": frozenset({"gamma_risk"}),
    "spot": frozenset({"gamma_risk"}),
    "iv_now": frozenset({"iv_crush"}),
    "iv_entry": frozenset({"iv_crush"}),
    "vix": frozenset({"vix_exit"}),
    "roll_credit": frozenset({"dte_roll"}),
    "vix_change": frozenset({"vix_exit"}),
    "net_liq": frozenset(),
    "daily_pnl": frozenset(),
    "prev_close": frozenset(),
    "realized_vol": frozenset(),
    "vega": frozenset(),
}
# ... and the rules the engine's gate blocks on top (a whole input group is distrusted)
GREEK_RULES = frozenset({"delta_risk", "gamma_risk"})
GATED: dict[str, frozenset[str]] = {
    **DIRECT,
    "delta": GREEK_RULES,
    "short_delta": GREEK_RULES,
    "gamma": GREEK_RULES,
    "vega": GREEK_RULES,
    "net_liq": frozenset({"portfolio_limits"}),
    "daily_pnl": frozenset({"portfolio_limits"}),
}
CORE = frozenset({"pnl", "spot"})
CATASTROPHE_TRIGGER_OF = {
    "pnl": "position_loss",
    "net_liq": "account_loss",
    "daily_pnl": "account_loss",
    "prev_close": "gap",
    "spot": "strike_breach",
}


@given(s=losing, deeper=st.floats(min_value=0.0, max_value=2_000.0), adjusted=st.booleans())
def test_a_deeper_loss_never_turns_a_stop_loss_close_into_a_hold(
    s: Scenario, deeper: float, adjusted: bool
) -> None:
    eng = engine({"stop_loss.vol_adjusted": adjusted})
    alone = engine({"stop_loss.vol_adjusted": adjusted}, only="stop_loss")
    sv, mv, pv = s.views()
    first = eng.evaluate(sv, mv, pv).decision
    assume(first.rule == "stop_loss")
    assert first.action is Action.CLOSE
    worse = Scenario(**{**s.__dict__, "pnl": s.pnl - deeper})
    sv2, mv2, pv2 = worse.views()
    assert eng.evaluate(sv2, mv2, pv2).decision.action is Action.CLOSE
    assert alone.evaluate(sv2, mv2, pv2).decision.rule == "stop_loss"


@given(
    s=scenarios,
    peak=st.none() | st.floats(min_value=-1.0, max_value=1.0),
    active=st.booleans(),
    breaches=st.integers(min_value=0, max_value=5),
)
def test_equal_inputs_give_equal_results(
    s: Scenario, peak: float | None, active: bool, breaches: int
) -> None:
    state = RuleState("ic-1", peak, active, breaches)
    eng = engine()
    a = eng.evaluate(*s.views(), state=state)
    b = engine().evaluate(*s.views(), state=RuleState("ic-1", peak, active, breaches))
    assert a == b
    assert a.decision.decision_id == b.decision.decision_id


@given(
    s=scenarios,
    nan=st.frozensets(st.sampled_from(sorted(DIRECT)), min_size=1, max_size=4),
    peak=st.floats(min_value=0.4, max_value=1.0),
)
def test_no_rule_fires_on_a_nan_input_it_reads(
    s: Scenario, nan: frozenset[str], peak: float
) -> None:
    bad = Scenario(**{**s.__dict__, "nan": nan})
    sv, mv, pv = bad.views()
    gated = frozenset().union(*(GATED[name] for name in nan))
    direct = frozenset().union(*(DIRECT[name] for name in nan))
    # through the engine
    result = engine().evaluate(sv, mv, pv, RuleState("ic-1", peak, True, 9))
    d = result.decision
    if nan & CORE:
        assert (d.rule, d.data_valid) == ("data_invalid", False)
    else:
        assert d.rule not in gated
    # and each rule on its own, without the engine's gate (a trail armed to fire)
    state = RuleState("ic-1", peak, True, 9)
    view = RuleView(sv, mv.underlyings["SPY"], mv, pv, state)
    for rule in build_rules(rules_config(), ProfitTargets(), TradingLimitsConfig()):
        fired = rule.evaluate(view)
        if fired is None or fired.action is Action.HOLD:
            continue
        assert rule.name not in direct, (rule.name, nan)
        if rule.name == "catastrophe":
            triggers = str(fired.inputs["triggers"]).split(",")
            for name in nan:
                assert CATASTROPHE_TRIGGER_OF.get(name) not in triggers, (name, triggers)

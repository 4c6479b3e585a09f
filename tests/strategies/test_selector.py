"""StrategySelector: candidates scored component by component, regime fit, variance weights,
and a recorded reason for every choice (or for choosing nothing)."""

from __future__ import annotations

import pytest

from v6.config import TradingConfig, VarianceAnalysisConfig, load_config, variance_weight
from v6.domain import Regime, StrategyType
from v6.strategies import (
    BuildSpec,
    ChainSnapshot,
    IronCondorBuilder,
    MarketContext,
    PredictionStats,
    Proposal,
    Rejection,
    ScoringConfig,
    StrategiesConfig,
    StrategySelector,
    Trend,
    VarianceWeights,
)

from .conftest import ChainFactory

IC, BP, BC = StrategyType.IRON_CONDOR, StrategyType.BULL_PUT, StrategyType.BEAR_CALL
BULL_CALL, BEAR_PUT = StrategyType.BULL_CALL, StrategyType.BEAR_PUT
LOOSE = BuildSpec(min_credit_fraction=0.10)  # lets 16-delta verticals through on SPY


def test_normal_market_chooses_the_condor_and_explains_why(spy_chain: ChainSnapshot) -> None:
    result = StrategySelector().select(spy_chain, MarketContext(Regime.NORMAL))
    assert [c.strategy_type for c in result.candidates] == [IC, BP, BC, BULL_CALL, BEAR_PUT]
    assert result.chosen is not None
    assert result.chosen.strategy_type is IC
    assert "chose iron_condor" in result.reason
    assert "normal" in result.reason
    best = max((c for c in result.candidates if c.eligible), key=lambda c: c.score)
    assert best.proposal is result.chosen
    for c in result.candidates:
        if isinstance(c.result, Rejection):
            assert c.components is None
            assert c.score == 0.0
            assert c.result.reason.value in c.note
        else:
            assert c.components is not None
    record = result.record()
    assert record["chosen"] == "iron_condor"
    assert record["regime"] == "normal"
    assert "skew_ratio" in record


def test_components_are_unit_scores_and_the_total_is_their_product(
    spy_chain: ChainSnapshot,
) -> None:
    selector = StrategySelector(spec=LOOSE)
    result = selector.select(spy_chain, MarketContext(Regime.LOW_VOL))
    scored = [c for c in result.candidates if c.components is not None]
    assert len(scored) >= 3
    w = ScoringConfig()
    for c in scored:
        comp = c.components
        assert comp is not None
        parts = (comp.reward_risk, comp.pop, comp.iv, comp.skew, comp.liquidity)
        assert all(0.0 <= x <= 1.0 for x in parts)
        weights = (
            w.weight_reward_risk,
            w.weight_pop,
            w.weight_iv,
            w.weight_skew,
            w.weight_liquidity,
        )
        base = sum(a * b for a, b in zip(weights, parts, strict=True)) / sum(weights)
        assert comp.base == pytest.approx(base)
        assert comp.total == pytest.approx(base * comp.regime_fit * comp.variance_weight)
        assert comp.regime_fit == w.fit(result.context.fit_key, c.strategy_type)
        proposal = c.proposal
        assert proposal is not None
        assert comp.pop == pytest.approx(proposal.pop)
        assert c.record()["score"] == comp.total


def test_crash_regime_enters_nothing(spy_chain: ChainSnapshot) -> None:
    result = StrategySelector(spec=LOOSE).select(spy_chain, MarketContext(Regime.CRASH))
    assert result.chosen is None
    assert "crash" in result.reason
    assert any(c.proposal is not None for c in result.candidates)
    assert all(not c.eligible for c in result.candidates)
    assert result.record()["chosen"] == "none"


def test_trend_up_favours_the_bull_put_and_trend_down_the_bear_call(
    make_chain: ChainFactory,
) -> None:
    chain = make_chain(atm_vol=0.25, skew=0.0, smile=0.0)
    selector = StrategySelector(spec=LOOSE)
    up = selector.select(chain, MarketContext(Regime.TRENDING, Trend.UP))
    down = selector.select(chain, MarketContext(Regime.TRENDING, Trend.DOWN))
    assert up.chosen is not None
    assert up.chosen.strategy_type is BP
    assert down.chosen is not None
    assert down.chosen.strategy_type is BC
    assert "trending_up" in up.reason


def test_a_minimum_score_nobody_reaches_means_none(spy_chain: ChainSnapshot) -> None:
    cfg = StrategiesConfig(scoring=ScoringConfig(min_score=0.99))
    result = StrategySelector(cfg).select(spy_chain, MarketContext(Regime.RANGE_BOUND))
    assert result.chosen is None
    assert "below the minimum 0.990" in result.reason


def test_all_candidates_rejected_is_reported(make_chain: ChainFactory) -> None:
    result = StrategySelector().select(make_chain(days=(4, 60)), MarketContext(Regime.NORMAL))
    assert result.chosen is None
    assert result.expiry is None
    assert result.skew is None
    assert "every candidate was rejected" in result.reason
    assert "no_expiry_in_window" in result.reason


def test_skew_is_measured_once_and_shared_by_every_candidate(spy_chain: ChainSnapshot) -> None:
    result = StrategySelector(spec=LOOSE).select(spy_chain, MarketContext(Regime.NORMAL))
    proposals = [c.proposal for c in result.candidates if c.proposal is not None]
    assert len(proposals) >= 2
    assert all(p.skew is result.skew for p in proposals)
    assert {p.expiry for p in proposals} == {result.expiry}


def test_iv_rank_scores_credit_high_and_debit_low(spy_chain: ChainSnapshot) -> None:
    result = StrategySelector(spec=LOOSE).select(
        spy_chain, MarketContext(Regime.NORMAL, iv_rank=0.9)
    )
    comps = {c.strategy_type: c.components for c in result.candidates if c.components}
    assert comps[IC] is not None
    assert comps[IC].iv == pytest.approx(0.9)
    debit = comps.get(BULL_CALL) or comps.get(BEAR_PUT)
    assert debit is not None
    assert debit.iv == pytest.approx(0.1)


# ---- variance weights ------------------------------------------------------------------------


def test_variance_weights_follow_the_owner_formula() -> None:
    cfg = VarianceAnalysisConfig()
    stats = {
        IC: PredictionStats(count=12, mae=0.40),
        BP: PredictionStats(count=12, mae=0.10),
        BC: PredictionStats(count=3, mae=0.90),  # too few predictions: weight stays 1
    }
    w = VarianceWeights.from_config(cfg, stats)
    assert w.weight(IC, Regime.NORMAL) == 0.5  # max(0.5, 1 - min(0.40/0.40, 0.5))
    assert w.weight(BP, Regime.NORMAL) == pytest.approx(variance_weight(0.10, cfg))
    assert w.weight(BP, Regime.NORMAL) == pytest.approx(0.75)
    assert w.weight(BC, Regime.NORMAL) == 1.0
    assert w.weight(BULL_CALL, Regime.NORMAL) == 1.0


def test_static_weights_win_and_regime_adjustments_multiply() -> None:
    cfg = load_config(
        None,
        env={},
        overrides={
            "variance_analysis.strategy_weights": {"iron_condor": 0.8},
            "variance_analysis.regime_adjustments": {"high_vol": {"iron_condor": 0.5}},
        },
    ).variance_analysis
    w = VarianceWeights.from_config(cfg, {IC: PredictionStats(count=50, mae=0.4)})
    assert w.weight(IC, Regime.NORMAL) == 0.8
    assert w.weight(IC, Regime.HIGH_VOL) == pytest.approx(0.4)
    disabled = VarianceWeights.from_config(cfg.model_copy(update={"enabled": False}))
    assert disabled.weight(IC, Regime.HIGH_VOL) == 1.0


def test_variance_weights_scale_scores_and_can_change_the_choice(
    spy_chain: ChainSnapshot,
) -> None:
    context = MarketContext(Regime.NORMAL)
    plain = StrategySelector(spec=LOOSE).select(spy_chain, context)
    halved = StrategySelector(spec=LOOSE, weights=VarianceWeights({IC: 0.5})).select(
        spy_chain, context
    )
    ic_plain = next(c for c in plain.candidates if c.strategy_type is IC)
    ic_half = next(c for c in halved.candidates if c.strategy_type is IC)
    assert ic_half.score == pytest.approx(0.5 * ic_plain.score)
    vetoed = StrategySelector(spec=LOOSE, weights=VarianceWeights({IC: 0.0})).select(
        spy_chain, context
    )
    assert vetoed.chosen is None or vetoed.chosen.strategy_type is not IC
    ic_vetoed = next(c for c in vetoed.candidates if c.strategy_type is IC)
    assert not ic_vetoed.eligible
    assert "variance weight" in ic_vetoed.note


def test_from_config_wires_entry_strategies_and_variance_sections(
    spy_chain: ChainSnapshot,
) -> None:
    cfg = load_config(
        None,
        env={},
        overrides={
            "entry.short_delta": 0.20,
            "strategies.candidates": ["iron_condor", "bull_put"],
            "variance_analysis.strategy_weights": {"bull_put": 0.6},
        },
    )
    selector = StrategySelector.from_config(cfg, quantity=2)
    assert selector.spec.short_delta == 0.20
    assert selector.spec.quantity == 2
    assert [b.strategy_type for b in selector.builders] == [IC, BP]
    assert selector.weights.weight(BP, Regime.NORMAL) == 0.6
    result = selector.select(spy_chain, MarketContext(Regime.NORMAL))
    assert isinstance(result.chosen, Proposal)
    assert result.chosen.strategy.metadata["base_target_delta"] == 0.20
    assert isinstance(StrategySelector.from_config(TradingConfig()), StrategySelector)


def test_custom_builders_can_be_scored(spy_chain: ChainSnapshot) -> None:
    selector = StrategySelector(builders=[IronCondorBuilder(BuildSpec(short_delta=0.10))])
    result = selector.select(spy_chain, MarketContext(Regime.RANGE_BOUND))
    assert [c.strategy_type for c in result.candidates] == [IC]

"""Candidate scores, component by component, so the journal shows why one strategy beat
another: ``score = base * regime_fit * variance_weight`` where ``base`` is the weighted mean
of reward/risk, probability of profit, IV level, skew fit and liquidity (each 0-1).

Regime fit and the prediction-variance weight multiply rather than add: a fit of 0 (crash)
or a weight of 0 must veto a candidate however good its numbers look.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from v6.config.sections import VarianceAnalysisConfig
from v6.config.variance import variance_weight
from v6.domain.regime import Regime
from v6.domain.strategy import MetadataValue, StrategyType
from v6.strategies.config import FitKey, ScoringConfig, fit_key
from v6.strategies.results import Proposal
from v6.strategies.strikes import SkewInterpretation
from v6.strategies.structure import DEBIT_TYPES

_IC, _BP, _BC = StrategyType.IRON_CONDOR, StrategyType.BULL_PUT, StrategyType.BEAR_CALL
_BULL_CALL, _BEAR_PUT = StrategyType.BULL_CALL, StrategyType.BEAR_PUT

SKEW_FIT: dict[SkewInterpretation, dict[StrategyType, float]] = {
    # Selling the expensive side or buying the cheap side fits; the reverse does not.
    SkewInterpretation.HIGH_PUT_SKEW: {
        _IC: 0.75,
        _BP: 1.0,
        _BC: 0.25,
        _BULL_CALL: 0.75,
        _BEAR_PUT: 0.25,
    },
    SkewInterpretation.HIGH_CALL_SKEW: {
        _IC: 0.75,
        _BP: 0.25,
        _BC: 1.0,
        _BULL_CALL: 0.25,
        _BEAR_PUT: 0.75,
    },
    SkewInterpretation.NEUTRAL: {},
}
NEUTRAL_SKEW_FIT = 0.5


class Trend(StrEnum):
    """Direction of a trending market, if the regime detector knows it."""

    UP = "up"
    DOWN = "down"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class MarketContext:
    """What the selector knows about an underlying beyond its chain.

    ``iv_rank`` (0-1) is where today's IV sits in its one-year range, when the caller has
    the history; without it the ATM IV level itself is scored.
    """

    regime: Regime
    trend: Trend = Trend.NONE
    iv_rank: float | None = None

    @property
    def fit_key(self) -> FitKey:
        return fit_key(self.regime, self.trend.value)


@dataclass(frozen=True, slots=True)
class PredictionStats:
    """Closed predictions of one strategy type: their count and mean absolute error (as a
    fraction of max profit), from the prediction-variance analysis."""

    count: int
    mae: float


@dataclass(frozen=True, slots=True)
class VarianceWeights:
    """Selection weights from prediction-variance analysis (phase 9-05): per strategy type,
    times an optional per-regime adjustment; absent entries mean 1.0."""

    by_type: Mapping[StrategyType, float] = field(default_factory=dict)
    by_regime: Mapping[Regime, Mapping[StrategyType, float]] = field(default_factory=dict)

    def weight(self, strategy_type: StrategyType, regime: Regime) -> float:
        base = self.by_type.get(strategy_type, 1.0)
        return base * self.by_regime.get(regime, {}).get(strategy_type, 1.0)

    @staticmethod
    def from_config(
        cfg: VarianceAnalysisConfig,
        stats: Mapping[StrategyType, PredictionStats] | None = None,
    ) -> VarianceWeights:
        """Static ``strategy_weights`` win; otherwise a type with at least
        ``min_predictions`` closed predictions gets ``variance_weight(mae)``
        (``max(0.5, 1 - min(mae / 0.40, 0.5))`` by default); otherwise 1.0. Disabled
        analysis means every weight is 1.0."""
        if not cfg.enabled:
            return VarianceWeights()
        by_type: dict[StrategyType, float] = {}
        for t, st in (stats or {}).items():
            if st.count >= cfg.min_predictions:
                by_type[t] = variance_weight(st.mae, cfg)
        by_type.update(cfg.strategy_weights)
        by_regime = {r: dict(row) for r, row in cfg.regime_adjustments.items()}
        return VarianceWeights(by_type, by_regime)


@dataclass(frozen=True, slots=True)
class ScoreComponents:
    """Each component in [0, 1]; ``base`` their weighted mean; ``total`` the final score."""

    reward_risk: float
    pop: float
    iv: float
    skew: float
    liquidity: float
    regime_fit: float
    variance_weight: float
    base: float
    total: float

    def as_dict(self) -> dict[str, MetadataValue]:
        return {
            "score_reward_risk": self.reward_risk,
            "score_pop": self.pop,
            "score_iv": self.iv,
            "score_skew": self.skew,
            "score_liquidity": self.liquidity,
            "score_regime_fit": self.regime_fit,
            "score_variance_weight": self.variance_weight,
            "score_base": self.base,
            "score": self.total,
        }


def _unit(x: float) -> float:
    return 0.0 if math.isnan(x) else min(max(x, 0.0), 1.0)


def iv_level(proposal: Proposal, context: MarketContext, cfg: ScoringConfig) -> float:
    """0-1: high IV favours selling premium, low IV buying it."""
    if context.iv_rank is not None and math.isfinite(context.iv_rank):
        level = _unit(context.iv_rank)
    else:
        level = _unit((proposal.atm_iv - cfg.iv_low) / (cfg.iv_high - cfg.iv_low))
    return 1.0 - level if proposal.strategy_type in DEBIT_TYPES else level


def score(
    proposal: Proposal,
    context: MarketContext,
    cfg: ScoringConfig,
    weights: VarianceWeights,
) -> ScoreComponents:
    """Every component of ``proposal``'s score in ``context`` (pure)."""
    t = proposal.strategy_type
    rr = _unit(proposal.reward_to_risk / cfg.reward_risk_full)
    pop = _unit(proposal.pop)
    iv = iv_level(proposal, context, cfg)
    skew = SKEW_FIT[proposal.skew.interpretation].get(t, NEUTRAL_SKEW_FIT)
    liquidity = _unit(1.0 - proposal.crossing_cost)
    w = (
        cfg.weight_reward_risk,
        cfg.weight_pop,
        cfg.weight_iv,
        cfg.weight_skew,
        cfg.weight_liquidity,
    )
    base = (w[0] * rr + w[1] * pop + w[2] * iv + w[3] * skew + w[4] * liquidity) / sum(w)
    fit = cfg.fit(context.fit_key, t)
    vw = weights.weight(t, context.regime)
    return ScoreComponents(rr, pop, iv, skew, liquidity, fit, vw, base, base * fit * vw)

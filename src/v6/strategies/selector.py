"""``StrategySelector``: per underlying, measure skew once, build every candidate structure on
the same expiry, score the proposals, and choose one to enter, or none, with every candidate's
score components and the reason for the choice kept for the decision journal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from v6.domain.strategy import MetadataValue, StrategyType
from v6.strategies.builders import Builder, builder_for
from v6.strategies.chain import ChainSnapshot, choose_expiry
from v6.strategies.config import StrategiesConfig
from v6.strategies.metrics import expiry_atm_iv
from v6.strategies.results import BuildResult, Proposal, Rejection
from v6.strategies.rules import BuildSpec
from v6.strategies.scoring import (
    MarketContext,
    PredictionStats,
    ScoreComponents,
    VarianceWeights,
    score,
)
from v6.strategies.strikes import SkewReading, SmartStrikeSelector

if TYPE_CHECKING:
    from collections.abc import Mapping

    from v6.config.models import TradingConfig


@dataclass(frozen=True, slots=True)
class Candidate:
    """One structure considered: what the builder returned and, if proposed, its score."""

    strategy_type: StrategyType
    result: BuildResult
    components: ScoreComponents | None
    eligible: bool
    note: str

    @property
    def score(self) -> float:
        return self.components.total if self.components is not None else 0.0

    @property
    def proposal(self) -> Proposal | None:
        return self.result if isinstance(self.result, Proposal) else None

    def record(self) -> dict[str, MetadataValue]:
        out = self.result.record()
        if self.components is not None:
            out.update(self.components.as_dict())
        out["eligible"] = self.eligible
        out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class SelectionResult:
    """The selector's decision for one underlying: all candidates, the choice, and why."""

    symbol: str
    ts: datetime
    context: MarketContext
    expiry: date | None
    skew: SkewReading | None
    candidates: tuple[Candidate, ...]
    chosen: Proposal | None
    reason: str

    def record(self) -> dict[str, MetadataValue]:
        """The decision in flat fields (each candidate's own record via ``candidates``)."""
        out: dict[str, MetadataValue] = {
            "symbol": self.symbol,
            "ts": self.ts.isoformat(),
            "regime": self.context.regime.value,
            "trend": self.context.trend.value,
            "chosen": self.chosen.strategy_type.value if self.chosen else "none",
            "reason": self.reason,
        }
        if self.expiry is not None:
            out["expiry"] = self.expiry.isoformat()
        if self.skew is not None:
            out.update(self.skew.metadata())
        for c in self.candidates:
            out[f"score_{c.strategy_type.value}"] = c.score
        return out


class StrategySelector:
    """Scores candidate strategies per underlying and chooses which to enter, or none."""

    __slots__ = ("builders", "cfg", "spec", "strike_selector", "weights")

    def __init__(
        self,
        cfg: StrategiesConfig | None = None,
        spec: BuildSpec | None = None,
        weights: VarianceWeights | None = None,
        builders: Sequence[Builder] | None = None,
    ) -> None:
        self.cfg = cfg or StrategiesConfig()
        self.spec = spec or BuildSpec(
            delta_tolerance=self.cfg.delta_tolerance,
            preferred_dte=self.cfg.preferred_dte,
            wing_delta=self.cfg.wing_delta,
            max_debit_fraction=self.cfg.max_debit_fraction,
            liquidity=self.cfg.liquidity,
            skew=self.cfg.skew,
        )
        self.weights = weights or VarianceWeights()
        self.strike_selector = SmartStrikeSelector(self.spec.skew)
        self.builders: tuple[Builder, ...] = tuple(
            builders
            if builders is not None
            else (builder_for(t, self.spec, self.strike_selector) for t in self.cfg.candidates)
        )

    @staticmethod
    def from_config(
        config: TradingConfig,
        stats: Mapping[StrategyType, PredictionStats] | None = None,
        *,
        quantity: int = 1,
    ) -> StrategySelector:
        """The selector the entry workflow uses: entry + strategies sections, and variance
        weights from config (static weights, or ``stats`` from the variance analysis)."""
        strategies: StrategiesConfig = config.strategies
        return StrategySelector(
            strategies,
            BuildSpec.from_config(config.entry, strategies, quantity=quantity),
            VarianceWeights.from_config(config.variance_analysis, stats),
        )

    def select(self, chain: ChainSnapshot, context: MarketContext) -> SelectionResult:
        """Build and score every candidate on ``chain``; choose the best eligible one."""
        spec = self.spec
        expiry = choose_expiry(chain, spec.dte_min, spec.dte_max, spec.preferred_dte)
        skew = self.strike_selector.skew(expiry) if expiry is not None else None
        atm = expiry_atm_iv(chain, expiry) if expiry is not None else None
        candidates = tuple(
            self._candidate(b.build(chain, expiry=expiry, skew=skew, atm_iv=atm), context)
            for b in self.builders
        )
        chosen, reason = self._choose(candidates, context)
        return SelectionResult(
            symbol=chain.symbol,
            ts=chain.ts,
            context=context,
            expiry=expiry.expiry if expiry is not None else None,
            skew=skew,
            candidates=candidates,
            chosen=chosen,
            reason=reason,
        )

    def _candidate(self, result: BuildResult, context: MarketContext) -> Candidate:
        if isinstance(result, Rejection):
            note = f"rejected: {result.reason.value}: {result.detail}"
            return Candidate(result.strategy_type, result, None, False, note)
        comp = score(result, context, self.cfg.scoring, self.weights)
        min_score = self.cfg.scoring.min_score
        if comp.regime_fit <= 0:
            note = f"does not fit the {context.fit_key.value} regime"
        elif comp.variance_weight <= 0:
            note = "variance weight is 0"
        elif comp.total < min_score:
            note = f"score {comp.total:.3f} below the minimum {min_score:.3f}"
        else:
            return Candidate(result.strategy_type, result, comp, True, f"score {comp.total:.3f}")
        return Candidate(result.strategy_type, result, comp, False, note)

    def _choose(
        self, candidates: tuple[Candidate, ...], context: MarketContext
    ) -> tuple[Proposal | None, str]:
        eligible = [c for c in candidates if c.eligible]
        if eligible:
            best = max(eligible, key=lambda c: c.score)  # first listed wins a tie
            others = sorted((c for c in eligible if c is not best), key=lambda c: -c.score)
            runner = (
                f" over {others[0].strategy_type.value} ({others[0].score:.3f})" if others else ""
            )
            reason = (
                f"chose {best.strategy_type.value} (score {best.score:.3f}){runner} in the "
                f"{context.fit_key.value} regime"
            )
            return best.proposal, reason
        proposed = [c for c in candidates if c.components is not None]
        if not proposed:
            reasons = ", ".join(
                f"{c.strategy_type.value} {c.result.reason.value}"
                for c in candidates
                if isinstance(c.result, Rejection)
            )
            return None, f"none: every candidate was rejected ({reasons})"
        if all(c.components is not None and c.components.regime_fit <= 0 for c in proposed):
            return None, f"none: no strategy fits the {context.fit_key.value} regime"
        best = max(proposed, key=lambda c: c.score)
        return None, (
            f"none: best candidate {best.strategy_type.value} scored {best.score:.3f}, below "
            f"the minimum {self.cfg.scoring.min_score:.3f}"
        )

"""Strategy construction and choice: pure builders over a ``ChainSnapshot`` (iron condors,
verticals, custom leg rules), skew-aware delta targeting (``SmartStrikeSelector``) and
candidate scoring (``StrategySelector``). Only ``fetch_chain_snapshot`` touches a port.

The package namespace is lazy: ``v6.config`` imports ``v6.strategies.config`` while it is
itself loading, so this ``__init__`` must neither import the builders (NumPy/SciPy would then
load with every config read) nor let ``v6.strategies.config`` start before ``v6.config``
exists. Hence ``import v6.config`` first and names resolved on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import v6.config  # noqa: F401  (load order: see the module docstring)

if TYPE_CHECKING:
    from v6.strategies.builders import (
        Builder,
        CustomStrategyBuilder,
        IronCondorBuilder,
        VerticalSpreadBuilder,
        builder_for,
    )
    from v6.strategies.chain import (
        ChainSnapshot,
        ExpiryChain,
        QuoteStatus,
        SideQuotes,
        choose_expiry,
        fill_missing_greeks,
        snapshot,
        status_from_arrays,
        status_from_validity,
    )
    from v6.strategies.config import (
        FitKey,
        LiquidityConfig,
        ScoringConfig,
        SkewConfig,
        StrategiesConfig,
    )
    from v6.strategies.fetch import fetch_chain_snapshot, years_to_expiry
    from v6.strategies.metrics import expiry_atm_iv, lognormal_cdf, probability_of_profit
    from v6.strategies.results import BuildResult, Proposal, Rejection, RejectReason
    from v6.strategies.rules import BuildSpec, LegRule
    from v6.strategies.scoring import (
        MarketContext,
        PredictionStats,
        ScoreComponents,
        Trend,
        VarianceWeights,
        score,
    )
    from v6.strategies.selector import Candidate, SelectionResult, StrategySelector
    from v6.strategies.strikes import (
        DeltaTargets,
        SkewInterpretation,
        SkewReading,
        SmartStrikeSelector,
        StrikePick,
        boosted_delta,
        interpret_skew,
    )
    from v6.strategies.structure import DEBIT_TYPES, VERTICAL_TYPES, build_structure

_EXPORTS: dict[str, str] = {
    "DEBIT_TYPES": "v6.strategies.structure",
    "VERTICAL_TYPES": "v6.strategies.structure",
    "Builder": "v6.strategies.builders",
    "CustomStrategyBuilder": "v6.strategies.builders",
    "IronCondorBuilder": "v6.strategies.builders",
    "VerticalSpreadBuilder": "v6.strategies.builders",
    "build_structure": "v6.strategies.structure",
    "builder_for": "v6.strategies.builders",
    "ChainSnapshot": "v6.strategies.chain",
    "ExpiryChain": "v6.strategies.chain",
    "QuoteStatus": "v6.strategies.chain",
    "SideQuotes": "v6.strategies.chain",
    "choose_expiry": "v6.strategies.chain",
    "fill_missing_greeks": "v6.strategies.chain",
    "snapshot": "v6.strategies.chain",
    "status_from_arrays": "v6.strategies.chain",
    "status_from_validity": "v6.strategies.chain",
    "FitKey": "v6.strategies.config",
    "LiquidityConfig": "v6.strategies.config",
    "ScoringConfig": "v6.strategies.config",
    "SkewConfig": "v6.strategies.config",
    "StrategiesConfig": "v6.strategies.config",
    "fetch_chain_snapshot": "v6.strategies.fetch",
    "years_to_expiry": "v6.strategies.fetch",
    "expiry_atm_iv": "v6.strategies.metrics",
    "lognormal_cdf": "v6.strategies.metrics",
    "probability_of_profit": "v6.strategies.metrics",
    "BuildResult": "v6.strategies.results",
    "Proposal": "v6.strategies.results",
    "Rejection": "v6.strategies.results",
    "RejectReason": "v6.strategies.results",
    "BuildSpec": "v6.strategies.rules",
    "LegRule": "v6.strategies.rules",
    "MarketContext": "v6.strategies.scoring",
    "PredictionStats": "v6.strategies.scoring",
    "ScoreComponents": "v6.strategies.scoring",
    "Trend": "v6.strategies.scoring",
    "VarianceWeights": "v6.strategies.scoring",
    "score": "v6.strategies.scoring",
    "Candidate": "v6.strategies.selector",
    "SelectionResult": "v6.strategies.selector",
    "StrategySelector": "v6.strategies.selector",
    "DeltaTargets": "v6.strategies.strikes",
    "SkewInterpretation": "v6.strategies.strikes",
    "SkewReading": "v6.strategies.strikes",
    "SmartStrikeSelector": "v6.strategies.strikes",
    "StrikePick": "v6.strategies.strikes",
    "boosted_delta": "v6.strategies.strikes",
    "interpret_skew": "v6.strategies.strikes",
}


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'v6.strategies' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEBIT_TYPES",
    "VERTICAL_TYPES",
    "BuildResult",
    "BuildSpec",
    "Builder",
    "Candidate",
    "ChainSnapshot",
    "CustomStrategyBuilder",
    "DeltaTargets",
    "ExpiryChain",
    "FitKey",
    "IronCondorBuilder",
    "LegRule",
    "LiquidityConfig",
    "MarketContext",
    "PredictionStats",
    "Proposal",
    "QuoteStatus",
    "RejectReason",
    "Rejection",
    "ScoreComponents",
    "ScoringConfig",
    "SelectionResult",
    "SideQuotes",
    "SkewConfig",
    "SkewInterpretation",
    "SkewReading",
    "SmartStrikeSelector",
    "StrategiesConfig",
    "StrategySelector",
    "StrikePick",
    "Trend",
    "VarianceWeights",
    "VerticalSpreadBuilder",
    "boosted_delta",
    "build_structure",
    "builder_for",
    "choose_expiry",
    "expiry_atm_iv",
    "fetch_chain_snapshot",
    "fill_missing_greeks",
    "interpret_skew",
    "lognormal_cdf",
    "probability_of_profit",
    "score",
    "snapshot",
    "status_from_arrays",
    "status_from_validity",
    "years_to_expiry",
]

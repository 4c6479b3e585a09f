"""The prediction-variance weight of a strategy type (owner's formula, phase 9-05):
``weight = max(min_weight, 1 - min(mae / mae_scale, max_reduction))``, by default
``max(0.5, 1 - min(mae / 0.40, 0.5))``. Pure, so selection and backtests share it.
"""

from __future__ import annotations

import math

from v6.config.sections import VarianceAnalysisConfig
from v6.errors import DomainError


def variance_weight(mae: float, cfg: VarianceAnalysisConfig) -> float:
    """Selection weight in [max(min_weight, 1 - max_reduction), 1] for a strategy type whose
    predictions missed by mean absolute error ``mae`` (a fraction of max profit, >= 0).

    The weight falls linearly from 1 as ``mae`` grows, by at most ``max_reduction`` and never
    below ``min_weight``; a perfect predictor keeps full weight.
    """
    if not math.isfinite(mae) or mae < 0:
        raise DomainError(f"mae must be a finite number >= 0, got {mae!r}")
    reduction = min(mae / cfg.mae_scale, cfg.max_reduction)
    return max(cfg.min_weight, 1.0 - reduction)

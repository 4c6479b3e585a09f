"""Prediction-variance analysis (phase 9-05), pure over a frame of ``strategy_predictions``
rows: how far predicted returns missed the actual ones (MAE/MSE, as a fraction of max
profit) and how well the predicted probability of profit was calibrated, by strategy type,
by regime and by both; and the selection weights that follow from it,
``weight = max(0.5, 1 - min(mae / 0.40, 0.5))`` with at least 10 closed predictions in the
last 30 days (all from ``VarianceAnalysisConfig``), else 1.0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import polars as pl

from v6.config.sections import VarianceAnalysisConfig
from v6.config.variance import variance_weight
from v6.domain.regime import Regime
from v6.domain.strategy import StrategyType
from v6.errors import InputRejected
from v6.strategies.scoring import PredictionStats, VarianceWeights

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class VarianceStats:
    """How one group's closed predictions compared with what happened.

    Errors are ``predicted - actual`` return fractions (P&L over max profit): ``mae`` is what
    the weight formula reads. The win-probability part is a calibration check: the Brier
    score ``mean((p - won)^2)`` and the gap between the mean predicted probability and the
    actual win rate (positive = too optimistic).
    """

    count: int
    mae: float
    mse: float
    bias: float
    """Mean of predicted - actual return fraction (positive = predictions too optimistic)."""
    pnl_mae_dollars: float
    win_probability_count: int
    win_probability_brier: float
    win_probability_mae: float
    mean_predicted_win_probability: float
    actual_win_rate: float
    mean_hold_days: float

    @property
    def calibration_gap(self) -> float:
        return self.mean_predicted_win_probability - self.actual_win_rate


@dataclass(frozen=True, slots=True)
class VarianceAnalysis:
    """Closed predictions with ``as_of - lookback_days <= exited_at <= as_of``, grouped.

    Rows whose strategy type or regime is not one of ours count in ``overall`` only and are
    listed in ``unknown_labels`` (an unrecognised label must not change a weight silently).
    """

    as_of: datetime
    lookback_days: int
    overall: VarianceStats | None
    by_strategy_type: Mapping[StrategyType, VarianceStats] = field(default_factory=dict)
    by_regime: Mapping[Regime, VarianceStats] = field(default_factory=dict)
    by_regime_and_type: Mapping[Regime, Mapping[StrategyType, VarianceStats]] = field(
        default_factory=dict
    )
    unknown_labels: tuple[str, ...] = ()

    def to_frame(self) -> pl.DataFrame:
        """One row per group (``group`` = overall | strategy_type | regime | regime_type)."""
        rows: list[dict[str, object]] = []

        def add(group: str, regime: str | None, stype: str | None, st: VarianceStats) -> None:
            rows.append(
                {
                    "group": group,
                    "regime": regime,
                    "strategy_type": stype,
                    "count": st.count,
                    "mae": st.mae,
                    "mse": st.mse,
                    "bias": st.bias,
                    "pnl_mae_dollars": st.pnl_mae_dollars,
                    "win_probability_brier": st.win_probability_brier,
                    "mean_predicted_win_probability": st.mean_predicted_win_probability,
                    "actual_win_rate": st.actual_win_rate,
                    "mean_hold_days": st.mean_hold_days,
                }
            )

        if self.overall is not None:
            add("overall", None, None, self.overall)
        for t, st in self.by_strategy_type.items():
            add("strategy_type", None, t.value, st)
        for r, st in self.by_regime.items():
            add("regime", r.value, None, st)
        for r, row in self.by_regime_and_type.items():
            for t, st in row.items():
                add("regime_type", r.value, t.value, st)
        return pl.DataFrame(rows, infer_schema_length=None)


def _utc(ts: datetime) -> datetime:
    if ts.tzinfo is None:
        raise InputRejected("as_of must be timezone-aware")
    return ts.astimezone(UTC)


def closed_predictions(frame: pl.DataFrame, as_of: datetime, lookback_days: int) -> pl.DataFrame:
    """Predictions with an actual result, exited within the lookback window ending at
    ``as_of`` (both ends included; later exits are ignored, so a replayed past date sees
    only what was known then)."""
    if lookback_days <= 0:
        raise InputRejected(f"lookback_days must be > 0, got {lookback_days!r}")
    end = _utc(as_of)
    start = end - timedelta(days=lookback_days)
    if frame.is_empty():
        return frame
    exited = pl.col("exited_at").dt.convert_time_zone("UTC")
    return frame.filter(
        pl.col("actual_return_fraction").is_not_null()
        & pl.col("predicted_return_fraction").is_not_null()
        & exited.is_not_null()
        & (exited >= start)
        & (exited <= end)
    )


def _stats(group: pl.DataFrame) -> VarianceStats:
    err = group["predicted_return_fraction"] - group["actual_return_fraction"]
    won = (group["actual_pnl"] > 0).cast(pl.Float64)
    p = group["predicted_win_probability"]
    has_p = p.is_not_null() & won.is_not_null()
    pp, ww = p.filter(has_p), won.filter(has_p)
    hold = (group["exited_at"] - group["entered_at"]).dt.total_seconds() / SECONDS_PER_DAY

    def mean(s: pl.Series) -> float:
        s = s.drop_nulls()
        return float(s.mean()) if s.len() else math.nan  # type: ignore[arg-type]

    return VarianceStats(
        count=group.height,
        mae=mean(err.abs()),
        mse=mean(err**2),
        bias=mean(err),
        pnl_mae_dollars=mean((group["predicted_pnl"] - group["actual_pnl"]).abs()),
        win_probability_count=int(pp.len()),
        win_probability_brier=mean((pp - ww) ** 2),
        win_probability_mae=mean((pp - ww).abs()),
        mean_predicted_win_probability=mean(pp),
        actual_win_rate=mean(won),
        mean_hold_days=mean(hold),
    )


def _label(enum: type[StrategyType] | type[Regime], value: object) -> StrategyType | Regime | None:
    try:
        return enum(str(value))
    except ValueError:
        return None


def analyze_prediction_variance(
    frame: pl.DataFrame, as_of: datetime, lookback_days: int = 30
) -> VarianceAnalysis:
    """MAE/MSE and win-probability calibration of the closed predictions in the window, by
    strategy type, by regime and by (regime, strategy type). ``frame`` holds
    ``strategy_predictions`` rows (the latest per prediction)."""
    closed = closed_predictions(frame, as_of, lookback_days)
    if closed.is_empty():
        return VarianceAnalysis(_utc(as_of), lookback_days, None)
    unknown: set[str] = set()
    by_type: dict[StrategyType, VarianceStats] = {}
    by_regime: dict[Regime, VarianceStats] = {}
    by_both: dict[Regime, dict[StrategyType, VarianceStats]] = {}
    for (raw,), group in closed.group_by(["strategy_type"], maintain_order=True):
        t = _label(StrategyType, raw)
        if isinstance(t, StrategyType):
            by_type[t] = _stats(group)
        else:
            unknown.add(f"strategy_type={raw}")
    for (raw,), group in closed.group_by(["regime"], maintain_order=True):
        r = _label(Regime, raw)
        if isinstance(r, Regime):
            by_regime[r] = _stats(group)
        else:
            unknown.add(f"regime={raw}")
    for (raw_r, raw_t), group in closed.group_by(["regime", "strategy_type"], maintain_order=True):
        r, t = _label(Regime, raw_r), _label(StrategyType, raw_t)
        if isinstance(r, Regime) and isinstance(t, StrategyType):
            by_both.setdefault(r, {})[t] = _stats(group)
    return VarianceAnalysis(
        as_of=_utc(as_of),
        lookback_days=lookback_days,
        overall=_stats(closed),
        by_strategy_type=MappingProxyType(dict(sorted(by_type.items()))),
        by_regime=MappingProxyType(dict(sorted(by_regime.items()))),
        by_regime_and_type=MappingProxyType(
            {r: MappingProxyType(dict(sorted(row.items()))) for r, row in sorted(by_both.items())}
        ),
        unknown_labels=tuple(sorted(unknown)),
    )


def _weight(st: VarianceStats, cfg: VarianceAnalysisConfig) -> float:
    if st.count < cfg.min_predictions or math.isnan(st.mae):
        return 1.0
    return variance_weight(st.mae, cfg)


def strategy_weights(
    analysis: VarianceAnalysis, cfg: VarianceAnalysisConfig
) -> dict[StrategyType, float]:
    """Computed weight per strategy type seen in the window (1.0 with fewer than
    ``min_predictions``): the shape of ``VarianceWeights.by_type`` and of the config's
    ``strategy_weights``. Static config weights are *not* applied here; see
    ``variance_weights``."""
    return {t: _weight(st, cfg) for t, st in analysis.by_strategy_type.items()}


def regime_strategy_weights(
    analysis: VarianceAnalysis, cfg: VarianceAnalysisConfig
) -> dict[Regime, dict[StrategyType, float]]:
    """Computed weight per (regime, strategy type) from that regime's predictions alone, in
    the shape of ``VarianceWeights.by_regime`` / the config's ``regime_adjustments``."""
    return {
        r: {t: _weight(st, cfg) for t, st in row.items()}
        for r, row in analysis.by_regime_and_type.items()
    }


def prediction_stats(analysis: VarianceAnalysis) -> dict[StrategyType, PredictionStats]:
    """What ``StrategySelector.from_config(config, stats)`` takes."""
    return {
        t: PredictionStats(count=st.count, mae=st.mae)
        for t, st in analysis.by_strategy_type.items()
        if not math.isnan(st.mae)
    }


def variance_weights(
    analysis: VarianceAnalysis, cfg: VarianceAnalysisConfig, *, per_regime: bool = True
) -> VarianceWeights:
    """The selector's ``VarianceWeights``: ``VarianceWeights.from_config`` over this
    analysis (static ``strategy_weights`` win, config ``regime_adjustments`` multiply), and,
    with ``per_regime``, a regime with enough predictions of a type replaces that type's
    overall weight by its own: ``weight(type, regime)`` becomes the regime weight times the
    configured adjustment. Types with a static weight (or an overall weight of 0) keep it in
    every regime.
    """
    base = VarianceWeights.from_config(cfg, prediction_stats(analysis))
    if not cfg.enabled or not per_regime:
        return base
    by_regime = {r: dict(row) for r, row in base.by_regime.items()}
    for r, row in analysis.by_regime_and_type.items():
        for t, st in row.items():
            overall = base.by_type.get(t, 1.0)
            if t in cfg.strategy_weights or st.count < cfg.min_predictions or overall <= 0:
                continue
            adjust = by_regime.get(r, {}).get(t, 1.0)
            by_regime.setdefault(r, {})[t] = variance_weight(st.mae, cfg) / overall * adjust
    return VarianceWeights(base.by_type, by_regime)

"""``StrategyPredictionsTable`` (phase 9-05): what the entry workflow predicted for a strategy
(P&L, probability of profit, hold time, in its regime) stored at entry in the
``strategy_predictions`` table, the actual result filled in at exit, and the variance analysis
and selection weights read back from it.

Writes go through the writer handed in (a ``LakeWriter``/``WriterService`` upsert, or the
``Store`` port, which buffers state rows and merges them at its next flush); reads go through
a ``LakeReader``. Rows are always written whole: a merge replaces every column of a matched
row, so an exit update carries the entry's prediction with it. Time comes from arguments.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

import polars as pl

from v6.analytics import variance as va
from v6.config.sections import VarianceAnalysisConfig
from v6.domain.regime import Regime
from v6.domain.strategy import StrategyType
from v6.errors import DomainError, InputRejected
from v6.ports.store import Store
from v6.store.reader import LakeReader
from v6.strategies.scoring import PredictionStats, VarianceWeights

TABLE = "strategy_predictions"

MAX_PROFIT_COLUMN = "predicted_max_profit"
HOLD_DAYS_COLUMN = "predicted_hold_days"
"""Written when the table's schema has them (not in schema v1): with the max profit stored,
an exit after a restart needs no ``max_profit`` argument."""


class UpsertWriter(Protocol):
    """What is needed of ``LakeWriter`` / ``WriterService``: merge rows by key, now."""

    def upsert(
        self, table: str, rows: Sequence[Mapping[str, Any]], *, durable: bool = ...
    ) -> object: ...


PredictionSink = Store | UpsertWriter


class Outcome(StrEnum):
    WIN = "WIN"
    LOSS = "LOSS"
    SCRATCH = "SCRATCH"


def _aware(ts: datetime, name: str) -> datetime:
    if ts.tzinfo is None:
        raise InputRejected(f"{name} must be timezone-aware")
    return ts.astimezone(UTC)


def _finite(value: float, name: str) -> float:
    if not math.isfinite(value):
        raise DomainError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def prediction_id_for(strategy_id: str) -> str:
    """The deterministic prediction id of a strategy (one prediction per strategy; a rolled
    position is a new strategy), so a replayed entry rewrites the same row."""
    if not strategy_id:
        raise InputRejected("strategy_id must not be empty")
    return f"pred-{strategy_id}"


@dataclass(frozen=True, slots=True)
class Prediction:
    """What was expected of a strategy when it was entered. Money in dollars for the whole
    position; ``predicted_return_fraction`` is P&L over max profit, the unit of the MAE."""

    strategy_id: str
    strategy_type: StrategyType
    underlying: str
    regime: Regime
    entered_at: datetime
    predicted_pnl_dollars: float
    max_profit_dollars: float
    max_loss_dollars: float
    win_probability: float
    expected_hold_days: float | None = None
    skew_ratio: float | None = None
    iv_rank: float | None = None
    prediction_id: str = ""
    """Defaults to ``prediction_id_for(strategy_id)``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "entered_at", _aware(self.entered_at, "entered_at"))
        if not self.prediction_id:
            object.__setattr__(self, "prediction_id", prediction_id_for(self.strategy_id))
        _finite(self.predicted_pnl_dollars, "predicted_pnl_dollars")
        if _finite(self.max_profit_dollars, "max_profit_dollars") <= 0:
            raise DomainError(f"max_profit_dollars must be > 0, got {self.max_profit_dollars!r}")
        if _finite(self.max_loss_dollars, "max_loss_dollars") < 0:
            raise DomainError(f"max_loss_dollars must be >= 0, got {self.max_loss_dollars!r}")
        if not 0.0 <= _finite(self.win_probability, "win_probability") <= 1.0:
            raise DomainError(f"win_probability must be in [0, 1], got {self.win_probability!r}")
        if (
            self.expected_hold_days is not None
            and _finite(self.expected_hold_days, "expected_hold_days") < 0
        ):
            raise DomainError("expected_hold_days must be >= 0")

    @property
    def predicted_return_fraction(self) -> float:
        return self.predicted_pnl_dollars / self.max_profit_dollars

    def row(self, now: datetime) -> dict[str, Any]:
        return {
            "prediction_id": self.prediction_id,
            "strategy_id": self.strategy_id,
            "strategy_type": self.strategy_type.value,
            "underlying": self.underlying,
            "regime": self.regime.value,
            "predicted_pnl": self.predicted_pnl_dollars,
            "predicted_return_fraction": self.predicted_return_fraction,
            "predicted_win_probability": self.win_probability,
            "predicted_max_loss": self.max_loss_dollars,
            MAX_PROFIT_COLUMN: self.max_profit_dollars,
            HOLD_DAYS_COLUMN: self.expected_hold_days,
            "skew_ratio": self.skew_ratio,
            "iv_rank": self.iv_rank,
            "entered_at": self.entered_at,
            "actual_pnl": None,
            "actual_return_fraction": None,
            "outcome": None,
            "exit_reason": None,
            "exited_at": None,
            "updated_at": _aware(now, "now"),
        }


@dataclass(frozen=True, slots=True)
class PredictionResult:
    """The actual side of a prediction, as written at exit."""

    prediction_id: str
    actual_pnl_dollars: float
    actual_return_fraction: float
    outcome: Outcome
    exit_reason: str
    exited_at: datetime
    predicted_return_fraction: float | None

    @property
    def error(self) -> float | None:
        """Predicted minus actual return fraction (what the MAE averages)."""
        if self.predicted_return_fraction is None:
            return None
        return self.predicted_return_fraction - self.actual_return_fraction


class StrategyPredictionsTable:
    """Predictions at entry, actuals at exit, and the variance analysis over them.

    Keeps the rows of predictions it recorded until their exit (bounded by the open
    positions) so an exit right after entry does not depend on the writer having flushed.
    """

    __slots__ = ("_columns", "_open", "config", "reader", "scratch_tolerance_dollars", "sink")

    def __init__(
        self,
        sink: PredictionSink,
        reader: LakeReader,
        config: VarianceAnalysisConfig | None = None,
        *,
        scratch_tolerance_dollars: float = 0.0,
    ) -> None:
        self.sink = sink
        self.reader = reader
        self.config = config or VarianceAnalysisConfig()
        self.scratch_tolerance_dollars = scratch_tolerance_dollars
        self._columns = frozenset(reader.lake.spec(TABLE).schema.names)
        self._open: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ writes
    def _write(self, row: Mapping[str, Any]) -> None:
        stored = {k: v for k, v in row.items() if k in self._columns}
        if isinstance(self.sink, Store):
            self.sink.append(TABLE, [stored])
        else:
            self.sink.upsert(TABLE, [stored])

    def record_prediction(self, prediction: Prediction, *, now: datetime) -> str:
        """Store ``prediction`` (at entry); returns its id for the strategy's metadata."""
        row = prediction.row(now)
        self._write(row)
        self._open[prediction.prediction_id] = row
        return prediction.prediction_id

    def update_actuals(
        self,
        prediction_id: str,
        *,
        actual_pnl_dollars: float,
        exited_at: datetime,
        exit_reason: str,
        now: datetime,
        max_profit_dollars: float | None = None,
    ) -> PredictionResult:
        """Fill in what happened (at exit). ``max_profit_dollars`` turns the P&L into a
        return fraction; it may be left out when this table recorded the prediction or the
        stored row can tell it. Raises InputRejected for an unknown prediction."""
        pnl = _finite(actual_pnl_dollars, "actual_pnl_dollars")
        exited = _aware(exited_at, "exited_at")
        base = self._open.get(prediction_id) or self._stored_row(prediction_id)
        if base is None:
            raise InputRejected(f"no prediction {prediction_id!r} in {TABLE}")
        entered = base.get("entered_at")
        if isinstance(entered, datetime) and exited < _aware(entered, "entered_at"):
            raise DomainError(f"prediction {prediction_id}: exit {exited} before entry {entered}")
        stamp = _aware(now, "now")
        last = base.get("updated_at")
        if isinstance(last, datetime) and stamp < _aware(last, "updated_at"):
            # the writer's merge keeps the newer row: an older stamp would be dropped silently
            raise InputRejected(f"prediction {prediction_id}: now {stamp} is before {last}")
        scale = self._max_profit(base, max_profit_dollars)
        tol = self.scratch_tolerance_dollars
        outcome = Outcome.WIN if pnl > tol else Outcome.LOSS if pnl < -tol else Outcome.SCRATCH
        row = dict(base)
        row.update(
            actual_pnl=pnl,
            actual_return_fraction=pnl / scale,
            outcome=outcome.value,
            exit_reason=exit_reason,
            exited_at=exited,
            updated_at=stamp,
        )
        self._write(row)
        self._open.pop(prediction_id, None)
        predicted = base.get("predicted_return_fraction")
        return PredictionResult(
            prediction_id=prediction_id,
            actual_pnl_dollars=pnl,
            actual_return_fraction=pnl / scale,
            outcome=outcome,
            exit_reason=exit_reason,
            exited_at=exited,
            predicted_return_fraction=None if predicted is None else float(predicted),
        )

    @staticmethod
    def _max_profit(base: Mapping[str, Any], given: float | None) -> float:
        candidates: list[float | None] = [given, base.get(MAX_PROFIT_COLUMN)]
        pnl, frac = base.get("predicted_pnl"), base.get("predicted_return_fraction")
        if pnl is not None and frac:  # predicted_pnl / (predicted_pnl / max_profit)
            candidates.append(float(pnl) / float(frac))
        for value in candidates:
            if value is not None and math.isfinite(value) and value > 0:
                return float(value)
        raise DomainError(
            f"prediction {base.get('prediction_id')}: max profit unknown; pass max_profit_dollars"
        )

    def _stored_row(self, prediction_id: str) -> dict[str, Any] | None:
        frame = self.frame().filter(pl.col("prediction_id") == prediction_id)
        return frame.row(0, named=True) if frame.height else None

    # ------------------------------------------------------------------ reads
    def frame(self) -> pl.DataFrame:
        """Every prediction as stored now (latest row per id; empty if no table yet)."""
        if not self.reader.exists(TABLE):
            spec = self.reader.lake.spec(TABLE)
            return pl.DataFrame(pl.from_arrow(spec.schema.empty_table()))
        return self.reader.latest(TABLE)

    def analyze_prediction_variance(
        self, as_of: datetime, *, lookback_days: int | None = None
    ) -> va.VarianceAnalysis:
        """MAE/MSE and win-probability calibration by strategy type and by regime over the
        predictions closed in the ``lookback_days`` (config: 30) before ``as_of``."""
        days = lookback_days if lookback_days is not None else self.config.lookback_days
        return va.analyze_prediction_variance(self.frame(), as_of, days)

    def get_strategy_weights(self, as_of: datetime) -> dict[StrategyType, float]:
        """Weight per strategy type: ``max(0.5, 1 - min(mae / 0.40, 0.5))`` with at least
        ``min_predictions`` in the lookback, else 1.0 (``VarianceWeights.by_type`` shape)."""
        return va.strategy_weights(self.analyze_prediction_variance(as_of), self.config)

    def get_regime_strategy_weights(
        self, as_of: datetime
    ) -> dict[Regime, dict[StrategyType, float]]:
        """The same weight per (regime, strategy type) (``VarianceWeights.by_regime`` shape)."""
        return va.regime_strategy_weights(self.analyze_prediction_variance(as_of), self.config)

    def prediction_stats(self, as_of: datetime) -> dict[StrategyType, PredictionStats]:
        """Count and MAE per type, for ``StrategySelector.from_config(config, stats)``."""
        return va.prediction_stats(self.analyze_prediction_variance(as_of))

    def variance_weights(self, as_of: datetime, *, per_regime: bool = True) -> VarianceWeights:
        """Weights ready for ``StrategySelector(weights=...)`` (see ``variance_weights``)."""
        analysis = self.analyze_prediction_variance(as_of)
        return va.variance_weights(analysis, self.config, per_regime=per_regime)

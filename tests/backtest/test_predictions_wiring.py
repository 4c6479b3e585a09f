"""Prediction tracking in the engine: a prediction per filled entry, its actual result at
exit, and the strategy selector's variance weights recomputed from them when
``variance_analysis.enabled``."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from v6.analytics.predictions import StrategyPredictionsTable, prediction_id_for
from v6.config import variance_weight
from v6.domain.greeks import Greeks
from v6.domain.regime import Regime
from v6.domain.strategy import Strategy, StrategyStatus, StrategyType
from v6.sim.backtest.memstore import MemoryReader, MemoryWriter
from v6.sim.backtest.runner import BacktestResult
from v6.store.port import LakeStore
from v6.strategies.results import Proposal
from v6.strategies.scoring import VarianceWeights
from v6.strategies.strikes import SkewInterpretation, SkewReading
from v6.testing.factories import DEFAULT_TS, make_iron_condor
from v6.workflows.book import ClosedTrade
from v6.workflows.predictions import PredictionTracker, expected_pnl

from .kit import config, run

QUICK = {"variance_analysis.min_predictions": 3, "variance_analysis.lookback_days": 60}


@pytest.fixture(scope="module")
def traded(tmp_path_factory: pytest.TempPathFactory) -> BacktestResult:
    return run(tmp_path_factory.mktemp("pred"), config(**QUICK), days=30, seed=12)


def test_every_filled_entry_has_a_prediction_and_every_exit_its_actual(
    traded: BacktestResult,
) -> None:
    reader = MemoryReader(traded.memory)
    strategies = reader.latest("strategies").filter(pl.col("opened_at").is_not_null())
    predictions = reader.latest("strategy_predictions")
    assert strategies.height > 0
    assert set(predictions["strategy_id"]) == set(strategies["strategy_id"])
    for row in predictions.iter_rows(named=True):
        assert Regime(row["regime"]) in Regime
        assert 0.0 <= row["predicted_win_probability"] <= 1.0
        assert math.isfinite(row["predicted_pnl"])
        assert row["predicted_hold_days"] >= 1
    closed = strategies.filter(pl.col("realized_pnl").is_not_null())
    assert closed.height > 0
    actual = dict(zip(predictions["strategy_id"], predictions["actual_pnl"], strict=True))
    for sid, pnl in zip(closed["strategy_id"], closed["realized_pnl"], strict=True):
        assert actual[sid] == pytest.approx(pnl)


def test_the_selector_uses_the_variance_weights_when_enabled(traded: BacktestResult) -> None:
    assert traded.weights.by_type, "enough closed predictions: computed weights"
    assert all(0.5 <= w <= 1.0 for w in traded.weights.by_type.values())


def test_the_selector_ignores_predictions_when_disabled(tmp_path: Path) -> None:
    off = run(tmp_path, config(**QUICK, **{"variance_analysis.enabled": False}), days=30, seed=12)
    assert off.weights == VarianceWeights()
    assert MemoryReader(off.memory).exists("strategy_predictions")  # still recorded


def _proposal(sid: str) -> Proposal:
    """A $5 condor for a $1.15 credit, as a builder would propose it."""
    strategy = make_iron_condor(strategy_id=sid, status=StrategyStatus.PENDING)
    return Proposal(
        strategy=strategy,
        dte=35,
        t_years=35 / 365,
        credit_mid=1.15,
        credit_natural=1.05,
        max_profit=115.0,
        max_loss=385.0,
        breakevens=(563.85, 601.15),
        pop=0.7,
        atm_iv=0.16,
        greeks=Greeks(),
        skew=SkewReading(1.0, SkewInterpretation.NEUTRAL),
    )


def _tracker(**extra: object) -> tuple[PredictionTracker, StrategyPredictionsTable]:
    cfg = config(**QUICK, **extra)
    mem = MemoryWriter()
    store = LakeStore(mem, durable=False)
    table = StrategyPredictionsTable(store, MemoryReader(mem), cfg.variance_analysis)
    return PredictionTracker(table, cfg, store), table


def test_weights_follow_the_prediction_error() -> None:
    """Four condors predicted to earn and all lose their max profit: MAE of the return
    fraction is large, so the condor weight drops to the configured floor."""
    tracker, _ = _tracker()
    t0 = DEFAULT_TS
    for k in range(4):
        proposal = _proposal(f"ic{k}")
        tracker.expect(proposal, "normal", t0)
        opened = proposal.strategy.with_status(StrategyStatus.OPEN, at=t0)
        tracker.after_step([opened], [], t0)
        trade = ClosedTrade(
            opened.strategy_id,
            opened.symbol,
            StrategyType.IRON_CONDOR.value,
            StrategyStatus.CLOSED,
            -proposal.max_profit,
            "stop_loss",
            t0,
            t0 + timedelta(days=k + 1),
        )
        tracker.after_step([], [trade], t0 + timedelta(days=k + 1))
    weights = tracker.weights(t0 + timedelta(days=10))
    weight = weights.by_type[StrategyType.IRON_CONDOR]
    assert weight < 1.0
    cfg = config(**QUICK).variance_analysis
    assert weight >= cfg.min_weight
    cfg_all = config(**QUICK)
    predicted = expected_pnl(_proposal("x"), Regime.NORMAL, cfg_all) / 115.0
    assert weight == pytest.approx(variance_weight(abs(predicted - (-1.0)), cfg))
    # outside the lookback window nothing is known: back to the configured weights
    assert tracker.weights(t0 + timedelta(days=200)) == VarianceWeights.from_config(cfg)


def test_a_cancelled_entry_records_nothing() -> None:
    tracker, table = _tracker()
    t0 = DEFAULT_TS
    proposal = _proposal("never")
    tracker.expect(proposal, "normal", t0)
    cancelled: Strategy = proposal.strategy.with_status(StrategyStatus.CANCELLED, at=t0)
    tracker.after_step([cancelled], [], t0)
    assert table.frame().filter(pl.col("prediction_id") == prediction_id_for("never")).is_empty()

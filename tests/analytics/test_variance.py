"""Variance analysis and selection weights on hand-built prediction errors: the seed formula
``max(0.5, 1 - min(mae / 0.40, 0.5))``, the 10-prediction minimum, the 30-day lookback, and
mappings the StrategySelector consumes as they are."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from v6.analytics.variance import (
    analyze_prediction_variance,
    prediction_stats,
    regime_strategy_weights,
    strategy_weights,
    variance_weights,
)
from v6.config.sections import VarianceAnalysisConfig
from v6.domain.regime import Regime
from v6.domain.strategy import StrategyType
from v6.strategies.scoring import VarianceWeights

from .helpers import AS_OF, prediction_row, predictions_frame

IC, BP = StrategyType.IRON_CONDOR, StrategyType.BULL_PUT
CFG = VarianceAnalysisConfig()


def rows(
    n: int,
    error: float,
    *,
    days_ago: float = 1.0,
    start: int = 0,
    strategy_type: str = "iron_condor",
    regime: str = "normal",
    win_probability: float = 0.7,
) -> list[dict[str, Any]]:
    when = AS_OF - timedelta(days=days_ago)
    return [
        prediction_row(
            start + i,
            error=error,
            exited_at=when,
            strategy_type=strategy_type,
            regime=regime,
            win_probability=win_probability,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("mae", "weight"),
    [(0.0, 1.0), (0.1, 0.75), (0.2, 0.5), (0.3, 0.5), (0.05, 0.875)],
)
def test_weight_follows_the_seed_formula(mae: float, weight: float) -> None:
    # half the errors positive, half negative: the MAE is |error| whatever the bias
    frame = predictions_frame(rows(5, mae) + rows(5, -mae, start=5))
    analysis = analyze_prediction_variance(frame, AS_OF, CFG.lookback_days)
    assert analysis.by_strategy_type[IC].mae == pytest.approx(mae)
    assert analysis.by_strategy_type[IC].bias == pytest.approx(0.0, abs=1e-12)
    assert strategy_weights(analysis, CFG) == {IC: pytest.approx(weight)}


def test_fewer_than_ten_predictions_keep_full_weight() -> None:
    analysis = analyze_prediction_variance(predictions_frame(rows(9, 0.3)), AS_OF, 30)
    assert analysis.by_strategy_type[IC].count == 9
    assert strategy_weights(analysis, CFG) == {IC: 1.0}
    assert (
        VarianceWeights.from_config(CFG, prediction_stats(analysis)).weight(IC, Regime.NORMAL)
        == 1.0
    )


def test_lookback_window_is_respected() -> None:
    old = rows(10, 0.2, days_ago=31)  # outside the 30 days before AS_OF
    recent = rows(10, 0.0, days_ago=2, start=100)
    future = rows(10, 0.4, days_ago=-1, start=200)  # after AS_OF: not known yet
    frame = predictions_frame(old + recent + future)
    now = analyze_prediction_variance(frame, AS_OF, 30)
    assert now.by_strategy_type[IC].count == 10
    assert strategy_weights(now, CFG) == {IC: 1.0}
    earlier = analyze_prediction_variance(frame, AS_OF - timedelta(days=5), 30)
    assert earlier.by_strategy_type[IC].count == 10  # only the old ones, then
    assert strategy_weights(earlier, CFG) == {IC: 0.5}
    wider = analyze_prediction_variance(frame, AS_OF, 45)
    assert wider.by_strategy_type[IC].mae == pytest.approx(0.1)


def test_open_predictions_are_ignored() -> None:
    open_row = prediction_row(50, error=0.0, exited_at=AS_OF)
    open_row.update(actual_pnl=None, actual_return_fraction=None, exited_at=None, outcome=None)
    frame = predictions_frame([*rows(3, 0.1), open_row])
    assert analyze_prediction_variance(frame, AS_OF, 30).overall.count == 3  # type: ignore[union-attr]


def test_win_probability_calibration_by_hand() -> None:
    # p = 0.8 everywhere; actual fraction 0.5 - error: errors 0.2 win, 0.7 lose
    frame = predictions_frame(
        rows(2, 0.2, win_probability=0.8) + rows(2, 0.7, win_probability=0.8, start=10)
    )
    st = analyze_prediction_variance(frame, AS_OF, 30).overall
    assert st is not None
    assert st.actual_win_rate == pytest.approx(0.5)
    assert st.win_probability_brier == pytest.approx((0.2**2 + 0.8**2) / 2)
    assert st.calibration_gap == pytest.approx(0.3)  # too optimistic by 30 points
    assert st.mse == pytest.approx((0.2**2 + 0.7**2) / 2)
    assert st.pnl_mae_dollars == pytest.approx(45.0)  # max profit 100
    assert st.mean_hold_days == pytest.approx(10.0)


def test_by_regime_and_regime_weights() -> None:
    frame = predictions_frame(
        rows(10, 0.1, regime="normal")
        + rows(10, 0.3, regime="high_vol", start=10)
        + rows(12, 0.0, strategy_type="bull_put", regime="normal", start=20)
    )
    analysis = analyze_prediction_variance(frame, AS_OF, 30)
    assert analysis.by_regime[Regime.NORMAL].count == 22
    assert analysis.by_strategy_type[IC].mae == pytest.approx(0.2)
    assert strategy_weights(analysis, CFG) == {IC: pytest.approx(0.5), BP: 1.0}
    assert regime_strategy_weights(analysis, CFG) == {
        Regime.NORMAL: {IC: pytest.approx(0.75), BP: 1.0},
        Regime.HIGH_VOL: {IC: pytest.approx(0.5)},
    }
    w = variance_weights(analysis, CFG)
    assert w.weight(IC, Regime.NORMAL) == pytest.approx(0.75)  # the regime's own record
    assert w.weight(IC, Regime.HIGH_VOL) == pytest.approx(0.5)
    assert w.weight(IC, Regime.LOW_VOL) == pytest.approx(0.5)  # no data there: overall
    assert w.weight(StrategyType.BEAR_CALL, Regime.NORMAL) == 1.0
    flat = variance_weights(analysis, CFG, per_regime=False)
    assert flat.weight(IC, Regime.NORMAL) == pytest.approx(0.5)


def test_static_weights_and_regime_adjustments_from_config() -> None:
    frame = predictions_frame(rows(10, 0.1) + rows(10, 0.3, regime="high_vol", start=10))
    analysis = analyze_prediction_variance(frame, AS_OF, 30)
    static = VarianceAnalysisConfig(strategy_weights={IC: 0.9})
    w = variance_weights(analysis, static)
    assert w.weight(IC, Regime.NORMAL) == 0.9
    assert w.weight(IC, Regime.HIGH_VOL) == 0.9
    adjusted = VarianceAnalysisConfig(regime_adjustments={Regime.NORMAL: {IC: 0.5}})
    w = variance_weights(analysis, adjusted)
    assert w.weight(IC, Regime.NORMAL) == pytest.approx(0.75 * 0.5)
    disabled = VarianceAnalysisConfig(enabled=False)
    assert variance_weights(analysis, disabled).weight(IC, Regime.HIGH_VOL) == 1.0


def test_unknown_labels_are_reported_not_weighted() -> None:
    frame = predictions_frame(rows(10, 0.3, strategy_type="strangle"))
    analysis = analyze_prediction_variance(frame, AS_OF, 30)
    assert analysis.by_strategy_type == {}
    assert analysis.unknown_labels == ("strategy_type=strangle",)
    assert analysis.overall is not None
    assert analysis.overall.count == 10
    assert set(analysis.to_frame()["group"].to_list()) == {"overall", "regime"}

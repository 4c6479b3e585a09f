"""StrategyPredictionsTable on a real Delta lake: predictions written at entry, actuals at
exit (whole rows, so nothing predicted is lost), read back after a restart, and the weights
handed to the StrategySelector."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from v6.analytics.predictions import (
    Outcome,
    Prediction,
    StrategyPredictionsTable,
    prediction_id_for,
)
from v6.config.sections import VarianceAnalysisConfig
from v6.domain.regime import Regime
from v6.domain.strategy import StrategyType
from v6.errors import DomainError, InputRejected
from v6.store import LakeReader
from v6.store.port import LakeStore

from .conftest import MakeWriter
from .helpers import AS_OF

TABLE = "strategy_predictions"
IC = StrategyType.IRON_CONDOR
ENTRY = AS_OF - timedelta(days=12)


def prediction(i: int, *, pnl: float = 50.0, regime: Regime = Regime.NORMAL) -> Prediction:
    return Prediction(
        strategy_id=f"s{i}",
        strategy_type=IC,
        underlying="SPY",
        regime=regime,
        entered_at=ENTRY + timedelta(minutes=i),
        predicted_pnl_dollars=pnl,
        max_profit_dollars=100.0,
        max_loss_dollars=400.0,
        win_probability=0.7,
        expected_hold_days=14.0,
        skew_ratio=1.1,
        iv_rank=0.4,
    )


def test_round_trip_through_the_lake_writer(tmp_path: Path, make_writer: MakeWriter) -> None:
    writer = make_writer(tmp_path, [TABLE])
    table = StrategyPredictionsTable(writer, LakeReader(tmp_path))
    pid = table.record_prediction(prediction(1), now=ENTRY)
    assert pid == prediction_id_for("s1")
    stored = table.frame().row(0, named=True)
    assert stored["predicted_return_fraction"] == pytest.approx(0.5)
    assert stored["actual_pnl"] is None
    assert stored["regime"] == "normal"
    result = table.update_actuals(
        pid, actual_pnl_dollars=-30.0, exited_at=AS_OF, exit_reason="stop_loss", now=AS_OF
    )
    assert result.outcome is Outcome.LOSS
    assert result.actual_return_fraction == pytest.approx(-0.3)
    assert result.error == pytest.approx(0.8)
    rows = table.frame()
    assert rows.height == 1  # updated in place, not appended
    row = rows.row(0, named=True)
    # the exit row carries the entry's prediction (a merge replaces every column)
    assert row["predicted_pnl"] == 50.0
    assert row["skew_ratio"] == 1.1
    assert row["iv_rank"] == 0.4
    assert row["actual_return_fraction"] == pytest.approx(-0.3)
    assert row["outcome"] == "LOSS"
    assert row["exit_reason"] == "stop_loss"
    assert row["exited_at"] == AS_OF
    assert row["entered_at"] == ENTRY + timedelta(minutes=1)


def test_update_after_a_restart_reads_the_stored_row(
    tmp_path: Path, make_writer: MakeWriter
) -> None:
    writer = make_writer(tmp_path, [TABLE])
    StrategyPredictionsTable(writer, LakeReader(tmp_path)).record_prediction(
        prediction(1), now=ENTRY
    )
    StrategyPredictionsTable(writer, LakeReader(tmp_path)).record_prediction(
        prediction(2, pnl=0.0), now=ENTRY
    )
    fresh = StrategyPredictionsTable(writer, LakeReader(tmp_path))  # nothing cached
    # max profit recovered from predicted P&L / predicted return fraction
    got = fresh.update_actuals(
        "pred-s1", actual_pnl_dollars=80.0, exited_at=AS_OF, exit_reason="tp", now=AS_OF
    )
    assert got.actual_return_fraction == pytest.approx(0.8)
    assert got.outcome is Outcome.WIN
    # the stored predicted max profit makes a zero predicted P&L recoverable too
    got = fresh.update_actuals(
        "pred-s2", actual_pnl_dollars=0.0, exited_at=AS_OF, exit_reason="dte", now=AS_OF
    )
    assert got.outcome is Outcome.SCRATCH
    with pytest.raises(InputRejected, match="no prediction"):
        fresh.update_actuals(
            "pred-nope", actual_pnl_dollars=1.0, exited_at=AS_OF, exit_reason="x", now=AS_OF
        )


def test_store_port_buffers_and_weights_reach_the_selector(
    tmp_path: Path, make_writer: MakeWriter
) -> None:
    """Through the ``Store`` port the rows merge at flush; 10 closed predictions missing
    by 0.1 give the iron condor weight 0.75 in the selector."""
    store = LakeStore(make_writer(tmp_path, [TABLE]), durable=False)
    table = StrategyPredictionsTable(store, LakeReader(tmp_path), VarianceAnalysisConfig())
    for i in range(10):
        pid = table.record_prediction(prediction(i), now=ENTRY)
        table.update_actuals(  # predicted 0.5, actual 0.4 or 0.6: |error| 0.1
            pid,
            actual_pnl_dollars=40.0 if i % 2 else 60.0,
            exited_at=AS_OF - timedelta(days=1),
            exit_reason="tp",
            now=AS_OF,
        )
    assert table.frame().is_empty()  # buffered until the store flushes
    store.flush()
    assert table.frame().height == 10
    assert table.get_strategy_weights(AS_OF) == {IC: pytest.approx(0.75)}
    assert table.get_regime_strategy_weights(AS_OF) == {Regime.NORMAL: {IC: pytest.approx(0.75)}}
    stats = table.prediction_stats(AS_OF)
    assert stats[IC].count == 10
    assert stats[IC].mae == pytest.approx(0.1)
    assert table.variance_weights(AS_OF).weight(IC, Regime.NORMAL) == pytest.approx(0.75)
    # 31 days on, the window is empty again
    assert table.get_strategy_weights(AS_OF + timedelta(days=31)) == {}
    analysis = table.analyze_prediction_variance(AS_OF)
    assert analysis.by_regime[Regime.NORMAL].count == 10


def test_selector_from_config_takes_the_stats(tmp_path: Path, make_writer: MakeWriter) -> None:
    from v6.config.models import TradingConfig
    from v6.strategies.selector import StrategySelector

    writer = make_writer(tmp_path, [TABLE])
    table = StrategyPredictionsTable(writer, LakeReader(tmp_path))
    for i in range(10):
        pid = table.record_prediction(prediction(i), now=ENTRY)
        table.update_actuals(
            pid, actual_pnl_dollars=10.0, exited_at=AS_OF, exit_reason="tp", now=AS_OF
        )  # |0.5 - 0.1| = 0.4: the largest reduction
    selector = StrategySelector.from_config(TradingConfig(), table.prediction_stats(AS_OF))
    assert selector.weights.weight(IC, Regime.NORMAL) == pytest.approx(0.5)


def test_empty_table_and_bad_predictions(tmp_path: Path, make_writer: MakeWriter) -> None:
    writer = make_writer(tmp_path, [TABLE])
    never_written = StrategyPredictionsTable(writer, LakeReader(tmp_path / "elsewhere"))
    assert never_written.frame().is_empty()  # no table yet: empty, with the table's columns
    assert "actual_return_fraction" in never_written.frame().columns
    table = StrategyPredictionsTable(writer, LakeReader(tmp_path))
    assert table.get_strategy_weights(AS_OF) == {}
    assert table.analyze_prediction_variance(AS_OF).overall is None
    with pytest.raises(DomainError, match="max_profit"):
        Prediction("s", IC, "SPY", Regime.NORMAL, ENTRY, 1.0, 0.0, 1.0, 0.5)
    with pytest.raises(DomainError, match="win_probability"):
        Prediction("s", IC, "SPY", Regime.NORMAL, ENTRY, 1.0, 1.0, 1.0, 1.5)
    with pytest.raises(InputRejected, match="timezone"):
        Prediction("s", IC, "SPY", Regime.NORMAL, ENTRY.replace(tzinfo=None), 1.0, 1.0, 1.0, 0.5)
    pid = table.record_prediction(prediction(1), now=ENTRY)
    with pytest.raises(DomainError, match="before entry"):
        table.update_actuals(
            pid,
            actual_pnl_dollars=1.0,
            exited_at=ENTRY - timedelta(days=1),
            exit_reason="x",
            now=AS_OF,
        )


def test_an_update_stamped_before_the_entry_row_is_refused(
    tmp_path: Path, make_writer: MakeWriter
) -> None:
    """The merge keeps the newer row, so an older ``now`` would be dropped without a word."""
    table = StrategyPredictionsTable(make_writer(tmp_path, [TABLE]), LakeReader(tmp_path))
    pid = table.record_prediction(prediction(1), now=AS_OF)
    with pytest.raises(InputRejected, match="before"):
        table.update_actuals(
            pid,
            actual_pnl_dollars=1.0,
            exited_at=AS_OF,
            exit_reason="x",
            now=AS_OF - timedelta(seconds=1),
        )

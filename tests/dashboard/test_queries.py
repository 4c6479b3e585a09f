"""The dashboard's queries (``v6.queries`` account, positions, orders, risk, health, backtests)
against the fixture journal read directly with polars, plus their edge cases and invariants."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from v6.config.sections import ProfitTargets
from v6.dashboard.fixtures import FixtureLake
from v6.queries import account, backtests, health, orders, positions, risk
from v6.queries.proximity import closest_rule
from v6.risk.config import RiskConfig
from v6.rules.config import RulesConfig
from v6.store.reader import LakeReader

from .conftest import table


@pytest.fixture(scope="module")
def reader(lake: FixtureLake) -> LakeReader:
    return LakeReader(lake.lake_dir)


def test_daily_pnl_adds_up_to_the_change_in_net_liquidation(
    lake: FixtureLake, reader: LakeReader
) -> None:
    nl = table(lake, "account_snapshots").sort("ts_event").get_column("net_liquidation")
    days = account.daily_pnl(reader)
    assert days.get_column("pnl").sum() == pytest.approx(nl[-1] - nl[0])
    assert days.height == table(lake, "account_snapshots").get_column("trade_date").n_unique()


def test_drawdown_is_never_positive_and_zero_at_new_highs(reader: LakeReader) -> None:
    curve = account.equity_curve(reader)
    assert (curve.get_column("drawdown") <= 0).all()
    at_high = curve.filter(pl.col("net_liquidation") == pl.col("peak"))
    assert (at_high.get_column("drawdown") == 0).all()


def test_realised_pnl_falls_back_to_the_cash_of_the_fills(
    lake: FixtureLake, reader: LakeReader
) -> None:
    frame = account.strategy_pnl(reader).filter(pl.col("status") == "CLOSED")
    fills = table(lake, "executions")
    for row in frame.iter_rows(named=True):
        mine = fills.filter(pl.col("strategy_id") == row["strategy_id"])
        sign = pl.when(pl.col("side") == "SLD").then(1.0).otherwise(-1.0)
        cash = mine.select(
            (sign * pl.col("price") * pl.col("quantity") * 100 - pl.col("commission")).sum()
        ).item()
        assert row["realized"] == pytest.approx(cash, abs=0.01), row["strategy_id"]
    by_type = account.pnl_by(reader, "strategy_type")
    assert by_type.get_column("total").sum() == pytest.approx(
        float(frame.get_column("realized").sum())
        + float(account.strategy_pnl(reader)["unrealized"].sum())
    )


def test_positions_flag_only_short_legs_in_the_money_near_expiry(reader: LakeReader) -> None:
    items = positions.open_positions(reader)
    for p in items:
        for leg in p.legs:
            assert leg.flagged == bool(
                leg.quantity < 0 and leg.in_the_money and p.dte is not None and p.dte <= 7
            )
    ladder = positions.expiry_ladder(items)
    assert sum(b.strategies for b in ladder) == len(items)
    assert sum(b.max_loss for b in ladder) == pytest.approx(sum(p.max_loss or 0 for p in items))


def test_legs_without_quotes_get_model_marks(tmp_path: Path, lake: FixtureLake) -> None:
    import shutil

    copy = tmp_path / "lake"
    shutil.copytree(lake.lake_dir, copy)
    shutil.rmtree(copy / "option_snapshots")
    items = positions.open_positions(LakeReader(copy))
    legs = [leg for p in items for leg in p.legs]
    assert legs
    assert {leg.mark_source for leg in legs} == {"model"}
    assert all(leg.mark is not None and leg.mark >= 0 for leg in legs)
    quoted = {
        leg.leg_id: leg
        for p in positions.open_positions(LakeReader(lake.lake_dir))
        for leg in p.legs
    }
    assert {quoted[leg.leg_id].mark_source for leg in legs} == {"sim"}


def test_working_orders_exclude_filled_and_finished_intents(
    lake: FixtureLake, reader: LakeReader
) -> None:
    working = orders.working_orders(reader, as_of=lake.as_of)
    assert [o.order_ref for o in working] == [lake.working_order_ref]
    events = table(lake, "order_events")
    filled = set(events.filter(pl.col("status") == "Filled").get_column("order_ref").to_list())
    assert not filled & {o.order_ref for o in working}
    created = table(lake, "orders").filter(pl.col("order_ref") == lake.working_order_ref)
    first: datetime = min(created.get_column("ts_event").to_list())
    assert working[0].age_s == (lake.as_of - first).total_seconds()


def test_fills_carry_slippage_and_rejections_carry_codes(
    lake: FixtureLake, reader: LakeReader
) -> None:
    frame = orders.fills(reader, limit=None)
    assert frame.height == table(lake, "executions").height
    assert frame.get_column("slippage_dollars").sum() == pytest.approx(
        table(lake, "executions").get_column("slippage_dollars").sum()
    )
    rejected = orders.rejections(reader)
    assert 201 in rejected.get_column("error_code").to_list()
    assert "REFUSED" in rejected.get_column("status").to_list()


def test_exposure_total_is_the_sum_of_underlyings(reader: LakeReader) -> None:
    rows = risk.exposure(positions.open_positions(reader), RiskConfig())
    parts, total = rows[:-1], rows[-1]
    assert total.underlying == "TOTAL"
    for field in ("delta", "gamma", "theta_per_day", "vega_per_vol_point", "max_loss"):
        assert getattr(total, field) == pytest.approx(sum(getattr(e, field) for e in parts))
    assert sum(e.concentration or 0 for e in parts) == pytest.approx(1.0)


def test_stress_matrix_is_zero_at_no_shock(lake: FixtureLake, reader: LakeReader) -> None:
    result = risk.stress(positions.open_positions(reader), RiskConfig(), as_of=lake.as_of)
    assert result is not None
    assert result.problems == ()
    assert result.matrix.cell(0.0, 0.0) == pytest.approx(0.0, abs=1e-9)
    assert result.strategies == len(lake.open_ids)


def test_correlations_are_symmetric_with_unit_diagonal(reader: LakeReader) -> None:
    corr = risk.correlations(reader, threshold=0.8)
    assert corr.symbols == ("IWM", "QQQ", "SPY")
    for i in range(len(corr.symbols)):
        assert corr.matrix[i][i] == pytest.approx(1.0)
        for j in range(len(corr.symbols)):
            assert corr.matrix[i][j] == pytest.approx(corr.matrix[j][i])


# ---------------------------------------------------------------- health


def test_health_reads_the_engines_own_format(tmp_path: Path) -> None:
    beat = datetime(2026, 11, 20, 20, 55, tzinfo=UTC)
    raw = {
        "heartbeat": beat.isoformat(),
        "clock_at": beat.isoformat(),
        "pid": 4242,
        "version": "0.1.0",
        "mode": "paper",
        "state": "halted",
        "state_reason": "daily loss",
        "started_at": (beat - timedelta(hours=1)).isoformat(),
        "last_cycle_ms": 12.5,
        "cycles": 7,
        "counts": {"open_strategies": 3},
        "kill_switch": True,
        "broker_connected": False,
        "extra": {"anything": 1},
    }
    (tmp_path / "health.json").write_text(json.dumps(raw), encoding="utf-8")
    record = health.read_health(tmp_path)
    assert record is not None
    assert (record.heartbeat_at, record.mode, record.trading_state) == (beat, "paper", "HALTED")
    assert record.last_cycle_s == pytest.approx(0.0125)
    assert (record.kill_switch, record.broker_connected, record.state_reason) == (
        True,
        False,
        "daily loss",
    )
    assert record.age_s(beat + timedelta(seconds=30)) == 30
    assert record.raw["extra"] == {"anything": 1}


def test_health_missing_and_broken_files(tmp_path: Path) -> None:
    assert health.read_health(tmp_path) is None
    (tmp_path / "health.json").write_text("{not json", encoding="utf-8")
    broken = health.read_health(tmp_path)
    assert broken is not None
    assert broken.error is not None
    assert "not JSON" in broken.error


def test_recent_errors_newest_first_skipping_noise(tmp_path: Path) -> None:
    log = tmp_path / "v6.jsonl"
    lines = [
        {"ts": "2026-11-20T10:00:00+00:00", "level": "ERROR", "logger": "a", "msg": "first"},
        "this line is not json",
        {"ts": "2026-11-20T10:01:00+00:00", "level": "INFO", "logger": "a", "msg": "fine"},
        {"ts": "2026-11-20T10:02:00+00:00", "level": "CRITICAL", "logger": "b", "msg": "second"},
    ]
    log.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
        encoding="utf-8",
    )
    found = health.recent_errors(log)
    assert [e.message for e in found] == ["second", "first"]
    assert health.recent_errors(tmp_path / "missing.jsonl") == []


def test_engine_process_reports_this_process(tmp_path: Path) -> None:
    import os

    now = datetime.now(UTC)
    info = health.engine_process(os.getpid(), now)
    assert info is not None
    assert info.alive
    assert info.rss_bytes is not None
    assert info.rss_bytes > 0
    assert info.uptime_s is not None
    assert info.uptime_s > 0
    assert health.engine_process(None, now) is None


# ---------------------------------------------------------------- backtests


def test_runs_are_listed_newest_first_and_broken_ones_kept(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    (runs / "old").mkdir(parents=True)
    (runs / "old" / "manifest.json").write_text(
        json.dumps({"name": "old", "created_at": "2026-01-01T00:00:00Z", "metrics": {"sharpe": 1}})
    )
    (runs / "new").mkdir()
    (runs / "new" / "manifest.json").write_text(
        json.dumps({"created_at": "2026-02-01T00:00:00+00:00", "variants": ["a", "b"]})
    )
    (runs / "new" / "equity.csv").write_text("date,a,b\n2026-01-01,1,2\n2026-01-02,3,4\n")
    (runs / "bad").mkdir()
    (runs / "bad" / "manifest.json").write_text("[1, 2")
    found = backtests.list_runs(tmp_path)
    assert [r.path.name for r in found[:2]] == ["new", "old"]
    assert found[0].kind == "comparison"
    assert found[1].metrics == {"sharpe": 1.0}
    assert found[2].error is not None
    curve = backtests.run_equity(found[0])
    assert curve.height == 4
    assert sorted(curve.get_column("series").unique().to_list()) == ["a", "b"]
    assert backtests.list_runs(tmp_path / "nowhere") == []


# ---------------------------------------------------------------- proximity


RULES, TARGETS = RulesConfig(), ProfitTargets()


@given(st.floats(0.0, 0.49), st.floats(0.0, 0.49))
def test_take_profit_closeness_grows_with_profit(a: float, b: float) -> None:
    low, high = sorted((a, b))
    near_low = closest_rule({"pnl_fraction": low}, RULES, TARGETS)
    near_high = closest_rule({"pnl_fraction": high}, RULES, TARGETS)
    assert near_low is not None
    assert near_high is not None
    assert near_low.rule == near_high.rule == "take_profit"
    assert near_low.closeness <= near_high.closeness


@given(st.floats(-5.0, 1.0), st.integers(0, 60), st.floats(1.0, 500.0))
def test_closeness_is_never_negative_and_the_maximum(frac: float, dte: int, credit: float) -> None:
    values = {
        "pnl_fraction": frac,
        "pnl": frac * credit,
        "entry_credit": credit,
        "dte": float(dte),
        "max_loss": 500.0 - credit if credit < 500 else 1.0,
    }
    best = closest_rule(values, RULES, TARGETS, regime="high_vol")
    assert best is not None
    assert best.closeness >= 0
    for rule_values in ({"pnl_fraction": frac}, {"dte": float(dte)}):
        other = closest_rule(rule_values, RULES, TARGETS, regime="high_vol")
        assert other is not None
        assert other.closeness <= best.closeness + 1e-12


def test_a_fired_rule_wins_with_its_own_thresholds() -> None:
    values = {"pnl_fraction": 0.62, "dte": 30.0}
    fired = closest_rule(
        values, RULES, TARGETS, fired_rule="take_profit", fired_thresholds={"target_fraction": 0.5}
    )
    assert fired is not None
    assert fired.fired
    assert fired.rule == "take_profit"
    assert "62 %" in fired.detail
    assert "50 %" in fired.detail


def test_dte_only_counts_against_the_exit_date() -> None:
    exit_dte = float(RULES.dte_roll.roll_dte)  # the roll handles the managed exit date
    at_exit = closest_rule({"dte": exit_dte}, RULES, TARGETS)
    far = closest_rule({"dte": 2 * exit_dte}, RULES, TARGETS)
    assert at_exit is not None
    assert far is not None
    assert at_exit.closeness == 1.0
    assert far.closeness == pytest.approx(0.5)


def test_an_analytics_run_folder_is_read_through_run_folder(
    tmp_path: Path, lake: FixtureLake
) -> None:
    import shutil

    from v6.analytics.runfolder import RunFolder, RunManifest

    manifest = RunManifest(
        config={},
        seed=3,
        scenario="crash-day",
        days=30,
        created_at=datetime(2026, 11, 21, tzinfo=UTC),
        version="0.1.0",
        metrics={"sharpe_ratio": 1.25, "total_return": 0.031, "monthly": {"2026-11": 0.01}},
    )
    folder = RunFolder.create(tmp_path / "runs" / "mc-1", manifest)
    shutil.rmtree(folder.lake_root)
    shutil.copytree(lake.lake_dir, folder.lake_root)
    (run,) = backtests.list_runs(tmp_path)
    assert run.error is None
    assert run.lake_dir == folder.lake_root
    assert run.metrics == {"sharpe_ratio": 1.25, "total_return": 0.031}
    assert "crash-day" in run.name
    curve = backtests.run_equity(run)
    days = table(lake, "account_snapshots").get_column("trade_date").n_unique()
    assert curve.height == days
    last_nl = table(lake, "account_snapshots").sort("ts_event").get_column("net_liquidation")[-1]
    assert curve.get_column("equity")[-1] == pytest.approx(last_nl)

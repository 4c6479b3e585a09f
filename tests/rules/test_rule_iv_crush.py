"""Rule 9, IV crush: IV fell since entry and enough P&L is in."""

from __future__ import annotations

import math

from v6.domain import Action, Severity, StrategyType
from v6.rules import explain
from v6.testing import make_vertical

from .kit import engine, run, strategy_view

E = engine({"iv_crush.min_iv_drop_fraction": 0.25}, only="iv_crush")


def test_fires_at_both_thresholds_not_below_either() -> None:
    # IV 25 % -> 18.75 % is exactly a 25 % drop; P&L 25 of the $100 max profit
    d = run(E, strategy_view(iv_entry=0.25, iv_now=0.1875, pnl=25.0)).decision
    assert (d.action, d.rule, d.priority) == (Action.CLOSE, "iv_crush", 9)
    assert d.inputs["iv_drop_fraction"] == 0.25
    assert (d.inputs["iv_entry"], d.inputs["iv_now"]) == (0.25, 0.1875)
    assert d.thresholds == {"min_iv_drop_fraction": 0.25, "min_pnl_fraction": 0.25}
    assert "IV fell from 25.0 % at entry to 18.8 % (25 % drop, threshold 25 %)" in explain(d)
    assert run(E, strategy_view(iv_entry=0.25, iv_now=0.1876, pnl=25.0)).decision.is_hold
    assert run(E, strategy_view(iv_entry=0.25, iv_now=0.1875, pnl=24.9)).decision.is_hold


def test_default_threshold_is_a_30_percent_drop() -> None:
    eng = engine(only="iv_crush")
    assert run(eng, strategy_view(iv_entry=0.20, iv_now=0.12, pnl=40.0)).decision.action is (
        Action.CLOSE
    )
    assert run(eng, strategy_view(iv_entry=0.20, iv_now=0.15, pnl=40.0)).decision.is_hold


def test_vega_profit_estimate_is_journaled() -> None:
    d = run(E, strategy_view(iv_entry=0.25, iv_now=0.15, pnl=40.0)).decision
    assert d.inputs["vega_pnl_estimate"] == -12.0 * (0.15 - 0.25) * 100.0


def test_no_entry_iv_means_not_applicable_without_an_alert() -> None:
    result = run(E, strategy_view(iv_entry=None, iv_now=0.1, pnl=50.0))
    assert result.decision.is_hold
    assert result.decision.data_valid
    assert result.severity is None
    assert result.skipped_rules == ("iv_crush",)


def test_nan_iv_now_warns() -> None:
    result = run(E, strategy_view(iv_now=math.nan, pnl=50.0))
    assert result.decision.is_hold
    assert not result.decision.data_valid
    assert result.severity is Severity.WARNING


def test_debit_trades_are_not_short_vol() -> None:
    spread = make_vertical(
        StrategyType.BULL_CALL, 560.0, 555.0, short_price=1.0, long_price=3.0, strategy_id="d1"
    )
    sv = strategy_view(strategy=spread, iv_entry=0.3, iv_now=0.1, pnl=200.0)
    assert run(E, sv).decision.is_hold

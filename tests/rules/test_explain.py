"""Plain-language explanations, rebuilt from a decision's numbers alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from v6.domain import Action, Decision, Urgency
from v6.rules import describe, explain

from .kit import TS, engine, market_view, run, strategy_view


def _journaled(d: Decision) -> Decision:
    """A decision as read back from a table: plain dicts, reason lost."""
    return replace(d, inputs=dict(d.inputs), thresholds=dict(d.thresholds), reason="")


def test_the_issue_example_reads_as_written() -> None:
    d = Decision(
        decision_id="d",
        strategy_id="ic-1",
        action=Action.CLOSE,
        urgency=Urgency.HIGH,
        rule="trailing_stop",
        priority=2,
        ts=TS,
        inputs={
            "symbol": "SPY",
            "strategy_type": "iron_condor",
            "expiry": "2026-12-18",
            "pnl_fraction": 0.41,
            "peak_pnl_fraction": 0.62,
            "trail_level": 0.45,
            "breach_cycles": 3,
        },
        thresholds={"confirm_cycles": 3, "breach_buffer_fraction": 0.1},
    )
    assert explain(d) == (
        "closed SPY iron condor 2026-12-18 because trailing stop: P&L fell from 62 % to 41 % "
        "of max profit, below the 45 % trail, for 3 cycles"
    )


def test_every_rule_explains_itself_from_journaled_numbers() -> None:
    cases = {
        "catastrophe": (strategy_view(pnl=-330.0), None),
        "time_exit": (strategy_view(dte=21), None),
        "take_profit": (strategy_view(pnl=55.0), None),
        "stop_loss": (strategy_view(pnl=-210.0), None),
        "iv_crush": (strategy_view(iv_entry=0.3, iv_now=0.15, pnl=30.0), None),
        "dte_roll": (strategy_view(dte=20, roll_credit=12.0), None),
        "vix_exit": (strategy_view(), market_view(vix=50.0)),
    }
    for rule, (sv, mv) in cases.items():
        d = run(engine(only=rule), sv, mv).decision
        assert d.rule == rule
        text = explain(_journaled(d))
        assert text == explain(d)
        assert text.startswith(("closed SPY iron condor", "rolled SPY iron condor")), text
        assert describe(d.rule, d.inputs, d.thresholds) == d.reason


def test_unknown_rules_fall_back_to_the_raw_numbers() -> None:
    text = describe("custom", {"x": 1.5}, {"limit": 1.0})
    assert text == "inputs x=1.5; thresholds limit=1.0"


def test_hold_and_data_invalid_read_naturally() -> None:
    hold = run(engine(), strategy_view(pnl=10.0)).decision
    assert explain(hold).startswith("held SPY iron condor")
    assert "no rule fired (P&L 10 % of max profit, 30 DTE)" in explain(hold)
    stale = strategy_view(spot=float("nan"), ts=TS + timedelta(seconds=5))
    bad = run(engine(), stale).decision
    assert (
        "because its data could not be trusted: spot SPY: not a positive finite price"
        in explain(bad)
    )

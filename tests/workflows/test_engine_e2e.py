"""End to end on the simulator: a seeded 45-session run enters condors and verticals, exits
by several rules, respects every limit at every cycle, journals every fill the broker made,
reports a summary that adds up, and gives the same summary for the same seed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from v6.domain.strategy import StrategyType
from v6.workflows.runner import RunResult

from .kit import TEST_OVERRIDES, close, config, fill_cash, latest, run_sim, table

DAYS = 45
VERTICALS = {t.value for t in StrategyType} - {"iron_condor", "custom"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, RunResult, Path]:
    first = tmp_path_factory.mktemp("e2e-a")
    second = tmp_path_factory.mktemp("e2e-b")
    return run_sim(first, DAYS, seed=7), run_sim(second, DAYS, seed=7), first


def test_enters_condors_and_verticals(runs: tuple[RunResult, RunResult, Path]) -> None:
    entries = runs[0].summary.entries_by_type
    assert entries.get("iron_condor", 0) > 0
    assert set(entries) & VERTICALS, entries


def test_exits_by_several_rules(runs: tuple[RunResult, RunResult, Path]) -> None:
    exits = runs[0].summary.exits_by_rule
    assert len(exits) >= 3, exits
    assert sum(exits.values()) == runs[0].summary.trades


def test_limits_hold_at_every_cycle(runs: tuple[RunResult, RunResult, Path]) -> None:
    """Every monitoring cycle's snapshot rows: never more open strategies than the limits
    allow, in total, per underlying and per type."""
    data_dir = runs[2]
    limits = config().limits
    snaps = table(data_dir, "position_snapshots")
    types = latest(data_dir, "strategies").select("strategy_id", "strategy_type")
    frame = snaps.join(types, on="strategy_id", how="left")
    assert frame.height > 0
    per_cycle = frame.group_by("cycle_id").len()
    assert per_cycle["len"].max() <= limits.max_open_strategies
    per_symbol = frame.group_by("cycle_id", "underlying").len()
    assert per_symbol["len"].max() <= limits.max_per_symbol
    per_type = frame.group_by("cycle_id", "strategy_type").len()
    for row in per_type.iter_rows(named=True):
        cap = limits.max_per_strategy_type.get(StrategyType(row["strategy_type"]))
        assert cap is None or row["len"] <= cap, row
    assert TEST_OVERRIDES["limits.max_per_strategy_type.iron_condor"] == 2


def test_every_broker_fill_is_journaled_once(runs: tuple[RunResult, RunResult, Path]) -> None:
    result, _, data_dir = runs
    executions = table(data_dir, "executions")
    assert executions["exec_id"].n_unique() == executions.height
    start = result.summary.starting_equity
    assert close(fill_cash(executions), result.account.cash - start)


def test_summary_adds_up(runs: tuple[RunResult, RunResult, Path]) -> None:
    """Account P&L = closed trades' P&L (journal, from fills) + what the open strategies made
    so far (their fills plus their legs' value at the broker's marks)."""
    result, _, data_dir = runs
    s = result.summary
    assert close(s.pnl, result.account.net_liquidation - s.starting_equity)
    strategies = latest(data_dir, "strategies")
    ended = strategies.filter(pl.col("status").is_in(["CLOSED", "ROLLED"]))
    assert close(s.trade_pnl, float(ended["realized_pnl"].sum()))
    assert s.trades == ended.height
    assert s.wins == ended.filter(pl.col("realized_pnl") > 0).height
    by_strategy = table(data_dir, "executions").unique(subset=["exec_id"])
    per_closed = (
        by_strategy.filter(pl.col("strategy_id").is_in(ended["strategy_id"].to_list()))
        .with_columns(
            cash=pl.when(pl.col("side") == "BOT").then(-1.0).otherwise(1.0)
            * pl.col("quantity")
            * pl.col("price")
            * pl.col("multiplier")
            - pl.col("commission")
        )
        .group_by("strategy_id")
        .agg(pl.col("cash").sum())
    )
    journal = dict(ended.select("strategy_id", "realized_pnl").iter_rows())
    for sid, cash in per_closed.iter_rows():
        assert close(cash, journal[sid]), sid
    # every fill belongs to a closed or an open strategy: the rest of the account's P&L is
    # the open strategies' fills plus their legs' value at the broker's marks
    open_ids = strategies.filter(pl.col("status").is_in(["OPEN", "CLOSING"]))["strategy_id"]
    open_fills = by_strategy.filter(pl.col("strategy_id").is_in(open_ids.to_list()))
    market_value = result.account.net_liquidation - result.account.cash
    assert close(s.pnl, s.trade_pnl + fill_cash(open_fills) + market_value)


def test_decisions_explain_every_exit(runs: tuple[RunResult, RunResult, Path]) -> None:
    data_dir = runs[2]
    decisions = table(data_dir, "decisions")
    acting = decisions.filter(pl.col("action") != "HOLD")
    ended = latest(data_dir, "strategies").filter(pl.col("status").is_in(["CLOSED", "ROLLED"]))
    rules = Counter(ended["exit_rule"].to_list())
    for rule in rules:
        if rule in ("expiry", "external"):
            continue
        assert acting.filter(pl.col("rule") == rule).height > 0, rule
    linked = acting.filter(pl.col("intent_id").is_not_null())
    assert linked.height > 0


def test_same_seed_same_summary(runs: tuple[RunResult, RunResult, Path]) -> None:
    assert runs[0].summary.as_dict() == runs[1].summary.as_dict()


def test_a_filled_roll_reopens_or_says_why(runs: tuple[RunResult, RunResult, Path]) -> None:
    """The closing half of a roll (kind ROLL) is followed, once filled, by an OPEN of the
    new position (origin roll_open) or by a journaled reason why not."""
    data_dir = runs[2]
    orders = table(data_dir, "orders")
    intents = orders.filter(pl.col("order_ref") == pl.col("intent_id"))
    filled_rolls = intents.filter((pl.col("kind") == "ROLL") & (pl.col("status") == "FILLED"))
    reopened = intents.filter(
        (pl.col("kind") == "OPEN")
        & (pl.col("status") == "INTENDED")
        & pl.col("reason").str.starts_with("roll_open")
    )
    entry_notes = table(data_dir, "decisions").filter(
        (pl.col("rule") == "entry") & pl.col("reason").str.starts_with("roll of")
    )
    assert filled_rolls.height > 0, "the seeded run should roll at 21 DTE at least once"
    assert reopened.height + entry_notes.height >= filled_rolls.height

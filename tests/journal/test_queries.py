"""Decisions through a real Delta lake and back through the query layer: lookups by id and
prefix, filters, replays, and the plain-language explanation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from v6.clock import VirtualClock
from v6.domain.decision import Action, Decision
from v6.journal import DecisionJournal
from v6.queries import AmbiguousId, DecisionNotFound, Queries
from v6.store import Lake, LakeWriter, WriterConfig
from v6.store.schemas import TABLES

from .helpers import T0, hold, trailing_close

CONFIG = WriterConfig(sync_on_start=False, commit_backoff_s=0.001)


@dataclass(frozen=True, slots=True)
class Journaled:
    close_a: Decision
    close_b: Decision


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def writer(data_dir: Path) -> Iterator[LakeWriter]:
    specs = {n: TABLES[n] for n in ("decisions", "strategies")}
    w = LakeWriter(Lake(data_dir / "lake", specs), CONFIG)
    yield w
    w.close()


@pytest.fixture
def journaled(writer: LakeWriter) -> Journaled:
    """Two days of decisions for two strategies, journaled like the engine would."""
    clock = VirtualClock(T0)
    j = DecisionJournal(writer, clock)
    day2 = T0 + timedelta(days=1)
    close_a = trailing_close("ic-a", T0 + timedelta(minutes=5))
    close_b = trailing_close("ic-b", day2, inputs=False)
    j.record_all([hold("ic-a", T0), hold("ic-b", T0)], cycle_id="c1")
    j.record(close_a, cycle_id="c2", intent_id="int-1")
    j.record(close_b, cycle_id="c3")
    j.record(close_b, cycle_id="c3")  # a replayed cycle journals the same decision again
    writer.upsert(
        "strategies",
        [
            {
                "strategy_id": "ic-b",
                "strategy_type": "iron_condor",
                "underlying": "QQQ",
                "status": "CLOSING",
                "expiry": date(2026, 12, 18),
                "updated_at": day2,
            }
        ],
    )
    writer.flush()
    return Journaled(close_a, close_b)


def test_decision_round_trips_exactly(data_dir: Path, journaled: Journaled) -> None:
    close_a = journaled.close_a
    record = Queries.for_data_dir(data_dir).decision(close_a.decision_id)
    assert record.decision == close_a
    assert record.intent_id == "int-1"
    assert record.cycle_id == "c2"
    assert record.trade_date == T0.date()


def test_lookup_by_prefix_and_clear_errors(data_dir: Path, journaled: Journaled) -> None:
    queries = Queries.for_data_dir(data_dir)
    close_a = journaled.close_a
    full = close_a.decision_id
    assert queries.decision(full[:12]).decision_id == full
    with pytest.raises(AmbiguousId):
        queries.decision("dec-")
    with pytest.raises(DecisionNotFound, match="dec-nope"):
        queries.decision("dec-nope")


def test_filters_and_replays(data_dir: Path, journaled: Journaled) -> None:
    queries = Queries.for_data_dir(data_dir)
    everything = queries.decisions()
    assert len(everything) == 4  # the replayed CLOSE appears once
    assert [r.decision.ts for r in everything] == sorted(
        (r.decision.ts for r in everything), reverse=True
    )
    assert {r.decision.strategy_id for r in queries.decisions(strategy_id="ic-a")} == {"ic-a"}
    closes = queries.decisions(action=Action.CLOSE)
    assert {r.decision.action for r in closes} == {Action.CLOSE}
    assert len(closes) == 2
    assert len(queries.decisions(rule="hold")) == 2
    day2 = T0 + timedelta(days=1)
    assert [r.decision.strategy_id for r in queries.decisions(since=day2)] == ["ic-b"]
    assert len(queries.decisions(until=day2)) == 3
    assert len(queries.decisions(limit=1)) == 1


def test_explanation_names_the_position_rule_and_numbers(
    data_dir: Path, journaled: Journaled
) -> None:
    close_a = journaled.close_a
    e = Queries.for_data_dir(data_dir).explain(close_a.decision_id)
    for part in ("SPY iron condor 2026-12-18", "trailing stop", "62 %", "41 %", "45 %", "3 cycles"):
        assert part in e.sentence
    assert ("confirm_cycles", "3") in e.thresholds
    assert ("peak_pnl_fraction", "0.62") in e.inputs


def test_explanation_takes_the_label_from_the_strategy_table(
    data_dir: Path, journaled: Journaled
) -> None:
    close_b = journaled.close_b
    e = Queries.for_data_dir(data_dir).explain(close_b.decision_id)
    assert "QQQ iron condor 2026-12-18" in e.sentence
    assert e.strategy is not None
    assert e.strategy.status == "CLOSING"


def test_empty_lake_reads_as_nothing(tmp_path: Path) -> None:
    queries = Queries.for_data_dir(tmp_path / "nothing")
    assert queries.decisions() == []
    assert queries.alerts(include_resolved=True) == []
    with pytest.raises(DecisionNotFound, match="no decisions have been journaled"):
        queries.decision("dec-0000")

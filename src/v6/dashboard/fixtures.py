"""A small but complete journal for the dashboard's tests, screenshots and demos: a month of
an options book on SPY, QQQ and IWM (open and closed condors and verticals, their legs,
orders, order events, fills, decisions, alerts and snapshots) written through ``LakeWriter``,
plus the engine's heartbeat file, a JSON log and two saved backtest runs.

Deterministic by seed; marks and Greeks come from ``v6.pricing`` so the numbers agree with
each other the way the engine's do (position Greeks sum to the account's, P&L to net liq).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from v6.dashboard.fixture.book import Book
from v6.dashboard.fixture.files import write_health, write_log, write_runs
from v6.dashboard.fixture.rows import Journal
from v6.dashboard.fixture.story import tell
from v6.store.lake import Lake
from v6.store.writer import LakeWriter, WriterConfig

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class FixtureLake:
    """Where the fixture was written and the ids a test or demo needs to find things."""

    data_dir: Path
    as_of: datetime
    open_ids: tuple[str, ...]
    closed_ids: tuple[str, ...]
    flagged_id: str
    working_order_ref: str
    alert_ids: Mapping[str, str] = field(default_factory=dict)

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"


def _write(lake_dir: Path, rows: Mapping[str, list[Row]]) -> None:
    writer = LakeWriter(Lake(lake_dir), WriterConfig(writer_id="fixture", sync_on_start=False))
    try:
        for table, items in rows.items():
            if writer.lake.spec(table).kind == "state":
                writer.upsert(table, items)
            else:
                writer.append(table, items)
    finally:
        writer.close()


def write_fixture_lake(
    data_dir: Path,
    *,
    seed: int = 7,
    end: date = date(2026, 11, 20),
    days: int = 30,
    heartbeat_at: datetime | None = None,
    pid: int | None = None,
    extras: bool = True,
) -> FixtureLake:
    """Write the fixture journal under ``data_dir/lake`` (plus ``health.json``, the JSON log
    and ``runs/`` when ``extras``). ``heartbeat_at`` defaults to the last snapshot time."""
    book = Book(seed, end, days)
    journal = Journal(book)
    story = tell(book, journal)
    _write(data_dir / "lake", journal.rows)
    as_of = book.times[-1]
    if extras:
        write_health(
            data_dir,
            heartbeat_at=heartbeat_at or as_of,
            clock_at=as_of,
            pid=pid,
            data_age_s={"SPY": 1.2, "QQQ": 1.6, "IWM": 74.0},
            counts=story.counts,
        )
        write_log(data_dir, as_of)
        write_runs(data_dir, seed=seed, end=end)
    return FixtureLake(
        data_dir=data_dir,
        as_of=as_of,
        open_ids=story.open_ids,
        closed_ids=story.closed_ids,
        flagged_id=story.flagged_id,
        working_order_ref=story.working_order_ref,
        alert_ids=story.alert_ids,
    )

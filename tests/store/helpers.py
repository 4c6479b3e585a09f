"""Helpers for the store tests: an injectable clock, row factories, fault injection."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from v6.store import WriterConfig

T0 = datetime(2026, 1, 5, 15, 30, tzinfo=UTC)
FAST = WriterConfig(sync_on_start=False, commit_backoff_s=0.001, flush_retry_backoff_s=1.0)


@dataclass(slots=True)
class FakeClock:
    """Monotonic seconds the test advances by hand (no sleeping)."""

    now_s: float = 1000.0

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


@dataclass(slots=True)
class Sleeps:
    """Records back-off sleeps instead of sleeping."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def order_rows(n: int, *, prefix: str = "o", ts: datetime = T0) -> list[dict[str, Any]]:
    return [
        {
            "order_ref": f"{prefix}{i}",
            "intent_id": f"intent-{prefix}{i}",
            "strategy_id": "s1",
            "kind": "OPEN",
            "action": "SELL",
            "order_type": "LMT",
            "limit_price": 1.25 + i / 100,
            "quantity": 1 + i % 3,
            "status": "INTENDED",
            "ts_event": ts,
            "ts_init": ts,
        }
        for i in range(n)
    ]


def option_rows(n: int, *, day: date | None = None, marker: int = 0) -> list[dict[str, Any]]:
    day = day or T0.date()
    ts = datetime.combine(day, T0.timetz())
    return [
        {
            "con_id": 1_000_000 + i,
            "underlying": ("SPY", "QQQ", "IWM")[i % 3],
            "expiry": day + timedelta(days=30 + i % 4),
            "strike": 400.0 + i % 50,
            "right": "C" if i % 2 else "P",
            "bid": 1.0,
            "ask": 1.1,
            "volume": marker,
            "iv": 0.2,
            "delta": 0.3,
            "ts_event": ts,
            "ts_init": ts,
        }
        for i in range(n)
    ]


def leg_rows(n: int, *, strike: float = 100.0, ts: datetime = T0) -> list[dict[str, Any]]:
    return [
        {"leg_id": f"L{i}", "strategy_id": "s1", "strike": strike, "right": "P", "updated_at": ts}
        for i in range(n)
    ]


LEFTOVER = re.compile(r"#\d+$")


def leftovers_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if LEFTOVER.search(p.name)]


def parquet_files(table_path: Path) -> list[Path]:
    return [p for p in table_path.rglob("*.parquet") if "_delta_log" not in p.parts]


def break_table(path: Path) -> Path:
    """Make every write to the table fail for real: its folder is replaced by a plain file."""
    moved = path.with_name(path.name + ".moved")
    os.rename(path, moved)
    path.write_text("not a directory")
    return moved


def repair_table(path: Path, moved: Path) -> None:
    path.unlink()
    os.rename(moved, path)

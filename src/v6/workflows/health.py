"""The engine's heartbeat record (``data/health.json``): who is running, in which mode and
trading state, how long the last cycle took and what it has done. Written every cycle (in a
simulation at most a few times a second of wall time: the virtual clock races ahead) and read
by ``v6 status`` and the dashboard. Health as data, not as a log line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from v6.workflows.control import read_json, write_json_atomic

STALE_AFTER_S = 120.0
"""A heartbeat older than this (wall time) means the engine is not running."""


@dataclass(frozen=True, slots=True)
class HealthRecord:
    heartbeat: datetime
    """Wall-clock time of this record (what staleness is judged by)."""
    clock_at: datetime
    """The engine's clock (virtual in a simulation)."""
    pid: int
    version: str
    mode: str
    state: str
    """ACTIVE / REDUCING / HALTED (kill switch counts as HALTED) / STOPPED / FINISHED."""
    state_reason: str
    started_at: datetime
    last_cycle_ms: float
    cycles: int
    counts: Mapping[str, int | float] = field(default_factory=dict)
    """open_strategies, pending_entries, working_intents, entries, exits, rejections, ..."""
    equity: float | None = None
    daily_pnl: float | None = None
    kill_switch: bool = False
    broker_connected: bool = True
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("heartbeat", "clock_at", "started_at"):
            out[key] = getattr(self, key).isoformat()
        out["counts"] = dict(self.counts)
        return out

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> HealthRecord | None:
        try:
            return HealthRecord(
                heartbeat=datetime.fromisoformat(str(data["heartbeat"])),
                clock_at=datetime.fromisoformat(str(data["clock_at"])),
                pid=int(data["pid"]),
                version=str(data.get("version", "")),
                mode=str(data.get("mode", "")),
                state=str(data.get("state", "")),
                state_reason=str(data.get("state_reason", "")),
                started_at=datetime.fromisoformat(str(data["started_at"])),
                last_cycle_ms=float(data.get("last_cycle_ms") or 0.0),
                cycles=int(data.get("cycles") or 0),
                counts=dict(data.get("counts") or {}),
                equity=_opt_float(data.get("equity")),
                daily_pnl=_opt_float(data.get("daily_pnl")),
                kill_switch=bool(data.get("kill_switch", False)),
                broker_connected=bool(data.get("broker_connected", True)),
                note=str(data.get("note", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def age_s(self, now: datetime) -> float:
        return (now - self.heartbeat).total_seconds()

    def alive(self, now: datetime) -> bool:
        """Fresh heartbeat from a state that means running."""
        return self.state not in ("STOPPED", "FINISHED") and self.age_s(now) <= STALE_AFTER_S


def _opt_float(x: object) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None


def write_health(path: Path, record: HealthRecord) -> None:
    write_json_atomic(path, record.to_json())


def read_health(path: Path) -> HealthRecord | None:
    data = read_json(path)
    return None if data is None else HealthRecord.from_json(data)


__all__ = ["STALE_AFTER_S", "HealthRecord", "read_health", "write_health"]

"""Files the engine shares with the operator: the health record it writes every cycle, the
resume requests ``v6 resume`` drops, and the circuit breaker's memory across restarts.

Each is one small JSON file under the data directory, written to a hidden temporary name and
renamed, so a reader never sees half a file. The CLI and the dashboard only read them (or drop
a request); the engine is their only writer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from v6.risk.breaker import BreakerState, TradingState, Trigger, Trip
from v6.risk.triggers import Trackers

RESUME_DIR = ("requests", "resume")
ENGINE_STATE_FILE = "engine_state.json"


def write_json_atomic(path: Path, data: Mapping[str, Any], *, sync: bool = False) -> None:
    """Write ``data`` as JSON to ``path`` via a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(data, f, default=str, sort_keys=True)
        if sync:
            f.flush()
            os.fsync(f.fileno())
    tmp.replace(path)


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; None if missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# -- resume requests --------------------------------------------------------------------------


def resume_dir(data_dir: Path) -> Path:
    return data_dir.joinpath(*RESUME_DIR)


def write_resume_request(data_dir: Path, *, requested_at: datetime, by: str, note: str) -> Path:
    """Drop a request the running (or next) engine applies: leave HALTED/REDUCING."""
    stamp = requested_at.strftime("%Y%m%dT%H%M%S%f")
    path = resume_dir(data_dir) / f"{stamp}-{os.getpid()}.json"
    write_json_atomic(
        path, {"requested_at": requested_at.isoformat(), "by": by, "note": note}, sync=True
    )
    return path


@dataclass(frozen=True, slots=True)
class ResumeRequest:
    path: Path
    requested_at: datetime | None
    by: str
    note: str


def pending_resumes(data_dir: Path) -> list[ResumeRequest]:
    """Requests waiting, oldest first (unreadable files are still requests: a resume asked
    for is a resume asked for; its details are just unknown)."""
    folder = resume_dir(data_dir)
    if not folder.is_dir():
        return []
    out: list[ResumeRequest] = []
    for path in sorted(folder.glob("*.json")):
        data = read_json(path) or {}
        when = data.get("requested_at")
        try:
            ts = datetime.fromisoformat(when) if isinstance(when, str) else None
        except ValueError:
            ts = None
        out.append(ResumeRequest(path, ts, str(data.get("by", "")), str(data.get("note", ""))))
    return out


# -- the breaker across restarts --------------------------------------------------------------


def breaker_to_json(state: BreakerState) -> dict[str, Any]:
    return {
        "state": state.state.value,
        "since": None if state.since is None else state.since.isoformat(),
        "trips": [
            {
                "trigger": t.trigger.value,
                "demands": t.demands.value,
                "tripped_at": t.tripped_at.isoformat(),
                "cleared_at": None if t.cleared_at is None else t.cleared_at.isoformat(),
                "cooldown_s": t.cooldown.total_seconds(),
                "manual": t.manual,
                "values": dict(t.values.items()),
            }
            for t in state.trips.values()
        ],
        "equity_high": state.trackers.equity_high,
        "loss_streak": state.trackers.loss_streak,
    }


def breaker_from_json(data: Mapping[str, Any]) -> BreakerState | None:
    """The saved breaker, its trips still holding (their conditions are re-checked on the
    next observation and released after their cool-downs as usual). None if unusable."""
    try:
        trips: dict[Trigger, Trip] = {}
        for item in data.get("trips", []):
            trigger = Trigger(item["trigger"])
            cleared = item.get("cleared_at")
            trips[trigger] = Trip(
                trigger,
                TradingState(item["demands"]),
                datetime.fromisoformat(item["tripped_at"]),
                dict(item.get("values") or {}),
                {},
                datetime.fromisoformat(cleared) if cleared else None,
                timedelta(seconds=float(item.get("cooldown_s", 0.0))),
                bool(item.get("manual", False)),
            )
        since = data.get("since")
        high = data.get("equity_high")
        return BreakerState(
            TradingState(data.get("state", "active")),
            datetime.fromisoformat(since) if since else None,
            trips,
            frozenset(),
            Trackers(
                equity_high=float(high) if isinstance(high, int | float) else None,
                loss_streak=int(data.get("loss_streak") or 0),
            ),
        )
    except (KeyError, TypeError, ValueError):
        return None


__all__ = [
    "ENGINE_STATE_FILE",
    "ResumeRequest",
    "breaker_from_json",
    "breaker_to_json",
    "pending_resumes",
    "read_json",
    "resume_dir",
    "write_json_atomic",
    "write_resume_request",
]

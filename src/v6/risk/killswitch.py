"""The kill switch: a flag file under the data directory (``data/KILL``) that anyone can create
(``touch data/KILL``, ``v6`` commands, the API below) and the engine polls every cycle.

While it exists the gate refuses everything except flattening closes, and ``plan_kill`` tells
the engine what to do: cancel every working order and, if asked, close every position. The
file may be empty (``touch``) or hold JSON ``{"reason", "set_at", "flatten", "set_by"}``; an
unreadable file still counts as set, since a half-written flag must not mean "keep trading".
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from v6.domain.orders import Intent, IntentKind, LegInstruction, Urgency, make_intent_id
from v6.domain.portfolio import Portfolio
from v6.risk.config import KillSwitchConfig

KILL_ORIGIN = "kill_switch"


@dataclass(frozen=True, slots=True)
class KillSwitchStatus:
    """A set kill switch. ``flatten`` None: the file did not say (the config decides)."""

    reason: str = ""
    set_at: datetime | None = None
    flatten: bool | None = None
    set_by: str = ""


class KillSwitch:
    """The flag file. Cheap to poll: one ``stat`` when clear, one small read when set."""

    __slots__ = ("path",)

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def from_config(data_dir: Path, cfg: KillSwitchConfig) -> KillSwitch:
        return KillSwitch(data_dir / cfg.file_name)

    def is_set(self) -> bool:
        return self.path.exists()

    def read(self) -> KillSwitchStatus | None:
        """The status if set, else None."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError:
            return KillSwitchStatus(reason="kill switch file unreadable")
        try:
            data = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError:
            return KillSwitchStatus(reason=raw.strip()[:200])
        if not isinstance(data, dict):
            return KillSwitchStatus(reason=str(data)[:200])
        set_at = data.get("set_at")
        flatten = data.get("flatten")
        try:
            when = datetime.fromisoformat(set_at) if isinstance(set_at, str) else None
        except ValueError:
            when = None
        return KillSwitchStatus(
            reason=str(data.get("reason", "")),
            set_at=when,
            flatten=flatten if isinstance(flatten, bool) else None,
            set_by=str(data.get("set_by", "")),
        )

    def set(
        self, *, now: datetime, reason: str, flatten: bool | None = None, by: str = "operator"
    ) -> KillSwitchStatus:
        """Create the flag atomically (temporary file, fsync, rename)."""
        status = KillSwitchStatus(reason, now, flatten, by)
        body = json.dumps(
            {"reason": reason, "set_at": now.isoformat(), "flatten": flatten, "set_by": by}
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.path)
        return status

    def clear(self) -> bool:
        """Remove the flag; True if it was set."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


@dataclass(frozen=True, slots=True)
class KillPlan:
    """What the engine must do now: cancel these orders, send these closes (through the gate)."""

    active: bool
    cancel_order_refs: tuple[str, ...] = ()
    close_intents: tuple[Intent, ...] = ()
    reason: str = ""


def plan_kill(
    status: KillSwitchStatus | None,
    working_order_refs: Sequence[str],
    portfolio: Portfolio,
    now: datetime,
    *,
    flatten_default: bool = False,
) -> KillPlan:
    """Decide what a set kill switch requires. Close intents have ids derived from the switch's
    ``set_at`` (else ``now``), so polling again while the same flag is set repeats the same ids
    and the execution engine never sends a close twice."""
    if status is None:
        return KillPlan(active=False)
    flatten = flatten_default if status.flatten is None else status.flatten
    stamp = (status.set_at or now).isoformat()
    closes: list[Intent] = []
    if flatten:
        for s in portfolio.active:
            closes.append(
                Intent(
                    intent_id=make_intent_id(s.strategy_id, IntentKind.CLOSE, f"kill:{stamp}"),
                    kind=IntentKind.CLOSE,
                    strategy_id=s.strategy_id,
                    legs=tuple(LegInstruction(leg.contract, -leg.quantity) for leg in s.legs),
                    created_at=now,
                    urgency=Urgency.IMMEDIATE,
                    reason=f"kill switch: {status.reason or 'set'}",
                    metadata={"origin": KILL_ORIGIN},
                )
            )
    what = "cancel working orders and flatten" if flatten else "cancel working orders"
    return KillPlan(
        active=True,
        cancel_order_refs=tuple(working_order_refs),
        close_intents=tuple(closes),
        reason=f"kill switch set ({status.reason or 'no reason given'}): {what}",
    )

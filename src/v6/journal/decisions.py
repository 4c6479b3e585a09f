"""DecisionJournal: every decision that did something goes to the ``decisions`` table, with the
numbers it saw; HOLDs, which most cycles produce for every strategy, are compacted.

A HOLD row is written for a strategy when it is the first decision seen for it, when the
previous journaled decision was not a HOLD, when the HOLD's *signature* changed (its rule, its
``data_valid`` flag, or one of ``HoldPolicy.signature_keys`` in its inputs, by default the
rules skipped for missing data), or when ``HoldPolicy.interval_s`` has passed (decision time)
since the last journaled row. So a quiet position costs four rows an hour instead of 120.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from v6.alerts.manager import RowSink
from v6.domain.decision import Action, Decision
from v6.errors import ConfigError
from v6.journal.codec import TABLE, to_row
from v6.ports.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HoldPolicy:
    """How HOLDs are compacted: at most one unchanged HOLD row per strategy per ``interval_s``
    seconds of decision time; a change in any of ``signature_keys`` (input names) forces one."""

    interval_s: float = 900.0
    signature_keys: tuple[str, ...] = ("skipped_rules",)

    def __post_init__(self) -> None:
        if not self.interval_s >= 0:
            raise ConfigError([f"journal.hold_interval_s: expected >= 0, got {self.interval_s}"])


@dataclass(frozen=True, slots=True)
class _Journaled:
    """What the journal last wrote for one strategy."""

    action: Action
    ts: datetime
    signature: tuple[object, ...]


class DecisionJournal:
    """Writes decisions through a buffered ``RowSink`` (the lake writer); not thread-safe.

    A sink error (e.g. ``HaltError`` when the journal backlog is full) propagates to the engine,
    and the decisions it refused count as not journaled, so the next HOLD is written again.
    """

    def __init__(self, sink: RowSink, clock: Clock, policy: HoldPolicy | None = None) -> None:
        self._sink = sink
        self._clock = clock
        self.policy = policy or HoldPolicy()
        self._last: dict[str, _Journaled] = {}
        self.holds_skipped = 0
        """HOLD decisions compacted away since start."""

    def signature(self, decision: Decision) -> tuple[object, ...]:
        keys = self.policy.signature_keys
        return (decision.rule, decision.data_valid, *(decision.inputs.get(k) for k in keys))

    def should_journal(self, decision: Decision) -> bool:
        """True if ``decision`` gets a row (always for non-HOLDs); no side effects."""
        return self._wanted(decision, self._last.get(decision.strategy_id))

    def record(
        self, decision: Decision, *, cycle_id: str | None = None, intent_id: str | None = None
    ) -> bool:
        """Journal one decision (subject to HOLD compaction); True if a row was buffered."""
        intent_ids = {decision.decision_id: intent_id} if intent_id else None
        return self.record_all([decision], cycle_id=cycle_id, intent_ids=intent_ids) == 1

    def record_all(
        self,
        decisions: Iterable[Decision],
        *,
        cycle_id: str | None = None,
        intent_ids: Mapping[str, str] | None = None,
    ) -> int:
        """Journal a cycle's decisions as one buffered batch; returns the rows written.

        ``intent_ids`` maps a decision id to the order intent it produced.
        """
        now = self._clock.now()
        links = intent_ids or {}
        rows: list[dict[str, Any]] = []
        marks: dict[str, _Journaled] = {}
        skipped = 0
        for decision in decisions:
            sid = decision.strategy_id
            if not self._wanted(decision, marks.get(sid) or self._last.get(sid)):
                skipped += 1
                continue
            rows.append(
                to_row(
                    decision,
                    recorded_at=now,
                    cycle_id=cycle_id,
                    intent_id=links.get(decision.decision_id),
                )
            )
            marks[sid] = _Journaled(decision.action, decision.ts, self.signature(decision))
        if rows:
            self._sink.buffer(TABLE, rows)
            self._last.update(marks)
        self.holds_skipped += skipped
        return len(rows)

    def forget(self, strategy_id: str) -> None:
        """Drop the memory of a closed strategy (keeps the journal's memory bounded)."""
        self._last.pop(strategy_id, None)

    def _wanted(self, decision: Decision, last: _Journaled | None) -> bool:
        if not decision.is_hold or last is None or last.action is not Action.HOLD:
            return True
        if last.signature != self.signature(decision):
            return True
        elapsed_s = (decision.ts - last.ts).total_seconds()
        return elapsed_s < 0 or elapsed_s >= self.policy.interval_s

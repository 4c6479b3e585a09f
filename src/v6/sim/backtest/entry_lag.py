"""``--lag-entries N``: every entry the engine decides on is sent N grid steps later.

The look-ahead re-run from freqtrade (peers.md §5): a strategy whose edge comes from data it
should not have seen collapses when its entries are delayed, an honest one barely moves.
``LaggedEntryWorkflow`` is the engine's own ``EntryWorkflow`` with one change: a proposal the
scan chose (origin ``entry``) is held instead of submitted, and N grid steps later, in that
cycle's entry slot (after monitoring has priced the book, so the gate judges it on a fresh
snapshot), it goes through the unchanged submission path: the risk gate on the portfolio of
that moment, then the execution engine, whose price walk starts from that moment's market.
The decision's strikes and minimum credit are kept. A held entry counts as the day's entry
for its symbol (as a submitted one does); a release the gate refuses is counted and logged
like any refused entry.

Every entry's decision and submission times are recorded (``timings``), lag or not, so a test
can check that each one moved by exactly N steps. Exits, rolls and hedges are never delayed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from v6.strategies.chain import ChainSnapshot
from v6.strategies.results import Proposal
from v6.workflows.entry import EntryReport, EntryWorkflow
from v6.workflows.intents import ENTRY

DECIDED_AT_KEY = "entry_decided_at"
"""Metadata of a lagged entry's strategy: when the entry was decided (ISO)."""


@dataclass(frozen=True, slots=True)
class EntryTiming:
    """One entry: when it was decided and when it was sent to the gate and the broker."""

    strategy_id: str
    decided_at: datetime
    decided_step: int
    submitted_at: datetime
    submitted_step: int
    accepted: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class _Held:
    proposal: Proposal
    chain: ChainSnapshot
    regime: str
    decided_at: datetime
    step: int


class LaggedEntryWorkflow(EntryWorkflow):
    """The engine's entry workflow with entries held ``steps`` grid steps (0: none held).
    ``advance()`` once per grid step (the runner does)."""

    __slots__ = ("_held", "step_index", "steps", "timings")

    def __init__(self, base: EntryWorkflow, steps: int) -> None:
        if steps < 0:
            raise ValueError(f"lag must be >= 0 steps, got {steps}")
        super().__init__(base.svc, base.schedule, base.rolls, base.selector)
        self.steps = steps
        self.step_index = 0
        self.timings: list[EntryTiming] = []
        self._held: list[_Held] = []

    def advance(self) -> None:
        """The runner moved to the next grid step."""
        self.step_index += 1

    @property
    def held(self) -> int:
        return len(self._held)

    def _due_held(self) -> list[_Held]:
        return [h for h in self._held if h.step + self.steps <= self.step_index]

    # -- the entry workflow, with the hold -------------------------------------------------

    def due(self, now: datetime) -> bool:
        return bool(self._due_held()) or super().due(now)

    async def run(self) -> EntryReport:
        due = self._due_held()
        if due:
            self._held = [h for h in self._held if h not in due]
            for h in due:
                await self._send(h.proposal, h.chain, h.regime, h.decided_at, h.step, lagged=True)
        if not super().due(self.svc.now()):
            return EntryReport()
        return await super().run()

    async def submit(
        self, proposal: Proposal, chain: ChainSnapshot, now: datetime, origin: str, regime: str
    ) -> str | None:
        if origin != ENTRY:
            return await super().submit(proposal, chain, now, origin, regime)
        if self.steps == 0:
            return await self._send(proposal, chain, regime, now, self.step_index, lagged=False)
        self._held.append(_Held(proposal, chain, regime, now, self.step_index))
        return None  # decided: it counts as the day's entry for its symbol

    async def _send(
        self,
        proposal: Proposal,
        chain: ChainSnapshot,
        regime: str,
        decided_at: datetime,
        decided_step: int,
        *,
        lagged: bool,
    ) -> str | None:
        now = self.svc.now()
        if lagged:
            strategy = proposal.strategy.with_metadata(**{DECIDED_AT_KEY: decided_at.isoformat()})
            proposal = replace(proposal, strategy=strategy)
        why = await super().submit(proposal, chain, now, ENTRY, regime)
        self.timings.append(
            EntryTiming(
                strategy_id=proposal.strategy.strategy_id,
                decided_at=decided_at,
                decided_step=decided_step,
                submitted_at=now,
                submitted_step=self.step_index,
                accepted=why is None,
                reason=why or "",
            )
        )
        if why is not None and lagged:
            self.svc.book.rejections[f"entry (lagged): {why[:60]}"] += 1
        return why


__all__ = ["DECIDED_AT_KEY", "EntryTiming", "LaggedEntryWorkflow"]

"""What the execution engine reports back: the outcome of each intent, what one step did, and
what reconciliation found at a restart. Plain frozen values for workflows and the journal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from v6.domain.orders import Fill
from v6.domain.strategy import Strategy


class Outcome(StrEnum):
    """How an intent ended. Journaled upper-case in the ``orders`` table's ``status``."""

    FILLED = "filled"
    PARTIAL = "partial"
    """Some units filled (a combo cancelled after a partial fill, or a risk-reducing legging
    that stopped): the position is consistent and defined-risk."""
    CANCELLED = "cancelled"
    """Nothing filled after the last price step (or no tradable quote to price on)."""
    REJECTED = "rejected"
    ROLLED_BACK = "rolled_back"
    """Legging failed part-way; everything that filled was unwound: flat again."""
    STRANDED = "stranded"
    """Legging failed and the unwind ran out of attempts: a defined-risk remainder is held and a
    critical alert asks a human to look."""
    REFUSED = "refused"
    """Never reached the broker: the risk gate or the quote check said no."""
    SUPERSEDED = "superseded"
    """An exit that became moot: a protective order filled first."""
    EXPIRED = "expired"
    """Journaled before a restart, never sent, not resent (``unsent_after_restart``)."""

    @property
    def traded(self) -> bool:
        return self in (Outcome.FILLED, Outcome.PARTIAL, Outcome.STRANDED)


@dataclass(frozen=True, slots=True)
class IntentResult:
    """The end of one intent: outcome, why, and the net contracts it left traded (by key)."""

    intent_id: str
    strategy_id: str
    outcome: Outcome
    reason: str
    net_filled: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """Answer to ``submit``: accepted (orders will follow) or not, and why."""

    intent_id: str
    accepted: bool
    reason: str = ""
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class StepReport:
    """What one ``step()`` did."""

    finished: tuple[IntentResult, ...] = ()
    strategies: tuple[Strategy, ...] = ()
    """Strategies whose status or legs changed on confirmed fills, newest state."""
    unmatched_fills: tuple[Fill, ...] = ()
    """Executions of orders that are not ours (expiry settlements, assignments, manual)."""
    orders_placed: int = 0
    orders_modified: int = 0
    orders_cancelled: int = 0


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What a restart found at the broker for each journaled, unfinished intent."""

    working: tuple[str, ...] = ()
    """Intents with orders still working: managed again from now on."""
    filled: tuple[str, ...] = ()
    """Intents that filled completely while we were down (their fills are now journaled)."""
    unsent: tuple[str, ...] = ()
    """Intents journaled with nothing working and nothing filled at the broker."""
    resent: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()
    interrupted: tuple[str, ...] = ()
    """Legging attempts cut by the crash: aborted and unwound (or kept if risk-reducing)."""
    partial: tuple[str, ...] = ()
    recorded_fills: tuple[Fill, ...] = ()
    """Executions found at the broker that the journal did not have yet."""
    protected: tuple[str, ...] = ()
    """Strategies whose resting protective pair was found and adopted."""
    reprotected: tuple[str, ...] = ()
    """Open strategies that had no live pair and got a new one."""
    orphan_orders: tuple[str, ...] = ()
    """Working broker orders with no journaled intent (never ours, or a journal was lost)."""
    finished: tuple[IntentResult, ...] = ()
    strategies: tuple[Strategy, ...] = ()

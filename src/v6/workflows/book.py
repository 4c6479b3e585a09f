"""The engine's book: every strategy it manages, the money each one made or lost (from the
journaled fills, commissions included), why each one ended, and the intents in flight.

Strategy states only move on what the execution engine reports (confirmed fills) and on
expiry settlements; P&L is the sum of the strategy's fills as journaled, never an estimate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from v6.domain.contracts import OptionContract
from v6.domain.orders import Fill, IntentKind
from v6.domain.strategy import Strategy, StrategyStatus
from v6.execution.lifecycle import LAST_INTENT, remaining
from v6.ports.store import Row

UNMANAGED = "unmanaged"
"""Strategy metadata flag: adopted from the broker at a restart, never traded by rules."""
ENDED = (StrategyStatus.CLOSED, StrategyStatus.ROLLED, StrategyStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class IntentInfo:
    """What the engine knows about an intent it submitted: for whom, what kind, and why."""

    intent_id: str
    strategy_id: str
    kind: IntentKind
    rule: str
    """The rule (or origin: ``entry``, ``auto_hedge``, ``kill_switch``) behind the intent."""
    decision_id: str | None = None
    roll_window: tuple[int, int] | None = None
    """For the closing half of a roll: the DTE window of the position to open once filled."""


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """A strategy that ended, with its realised P&L (dollars, commissions included)."""

    strategy_id: str
    symbol: str
    strategy_type: str
    status: StrategyStatus
    pnl: float
    rule: str
    opened_at: datetime | None
    closed_at: datetime


def fill_cash(row: Mapping[str, object]) -> float:
    """Dollars in (+) or out (-) of one journaled execution row, commission included."""
    qty = float(row.get("quantity") or 0.0)  # type: ignore[arg-type]
    price = float(row.get("price") or 0.0)  # type: ignore[arg-type]
    mult = float(row.get("multiplier") or 100)  # type: ignore[arg-type]
    commission = float(row.get("commission") or 0.0)  # type: ignore[arg-type]
    sign = 1.0 if row.get("side") == "BOT" else -1.0
    return -sign * qty * price * mult - commission


class StrategyMap(dict[str, Strategy]):
    """A dict that counts its changes, so per-cycle views of it are cached safely."""

    version = 0

    def __setitem__(self, key: str, value: Strategy) -> None:
        self.version += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.version += 1
        super().__delitem__(key)

    def setdefault(self, key: str, default: Strategy) -> Strategy:
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: str, *default: Strategy) -> Strategy:  # type: ignore[override]
        self.version += 1
        return super().pop(key, *default)

    def update(self, *args: Any, **kwargs: Strategy) -> None:
        self.version += 1
        super().update(*args, **kwargs)

    def clear(self) -> None:
        self.version += 1
        super().clear()


@dataclass(slots=True)
class Book:
    """Mutable state of the engine loop (one owner: the engine task)."""

    strategies: dict[str, Strategy] = field(default_factory=StrategyMap)
    cash: dict[str, float] = field(default_factory=dict)
    """Sum of fill cash flows per strategy id."""
    intents: dict[str, IntentInfo] = field(default_factory=dict)
    working: dict[str, str] = field(default_factory=dict)
    """strategy id -> intent id in flight (entries and exits)."""
    closed: list[ClosedTrade] = field(default_factory=list)
    entries: Counter[str] = field(default_factory=Counter)
    """Filled entries by strategy type."""
    exits: Counter[str] = field(default_factory=Counter)
    """Ended strategies by the rule that ended them."""
    rejections: Counter[str] = field(default_factory=Counter)
    """Entry or exit attempts that did not happen, by reason category."""
    seen_exec: set[str] = field(default_factory=set)
    _active: tuple[int, list[Strategy]] = (-1, [])

    def __post_init__(self) -> None:
        if not isinstance(self.strategies, StrategyMap):
            self.strategies = StrategyMap(self.strategies)

    # -- queries ----------------------------------------------------------------------------

    def active(self) -> list[Strategy]:
        """Open or closing strategies, in id order (deterministic cycles). Cached until the
        book changes: a cycle asks several times."""
        strategies = self.strategies
        version = strategies.version if isinstance(strategies, StrategyMap) else -2
        if self._active[0] != version or version < 0:
            self._active = (version, [s for _, s in sorted(strategies.items()) if s.is_active])
        return list(self._active[1])

    def managed(self) -> list[Strategy]:
        return [s for s in self.active() if not s.metadata.get(UNMANAGED)]

    def pending_entries(self) -> list[Strategy]:
        """Strategies whose entry is in flight (not yet filled)."""
        return [
            s
            for sid, s in sorted(self.strategies.items())
            if s.status is StrategyStatus.PENDING and sid in self.working
        ]

    def open_pnl_realised(self, strategy_id: str) -> float:
        return self.cash.get(strategy_id, 0.0)

    def held(self) -> dict[OptionContract, int]:
        """Net contracts the active strategies hold (what the broker should show)."""
        out: dict[OptionContract, int] = {}
        for s in self.active():
            for leg in s.legs:
                out[leg.contract] = out.get(leg.contract, 0) + leg.quantity
        return {c: q for c, q in out.items() if q}

    # -- updates ----------------------------------------------------------------------------

    def on_execution_rows(self, table: str, rows: Sequence[Row]) -> None:
        """Store observer for ``executions``: accumulate each strategy's cash flows."""
        for row in rows:
            exec_id = str(row.get("exec_id"))
            if exec_id in self.seen_exec:
                continue
            self.seen_exec.add(exec_id)
            sid = row.get("strategy_id")
            if sid:
                self.cash[str(sid)] = self.cash.get(str(sid), 0.0) + fill_cash(row)

    def register(self, info: IntentInfo) -> None:
        self.intents[info.intent_id] = info
        self.working[info.strategy_id] = info.intent_id

    def finished(self, intent_id: str, strategy_id: str) -> IntentInfo | None:
        if self.working.get(strategy_id) == intent_id:
            del self.working[strategy_id]
        return self.intents.get(intent_id)

    def update(self, strategies: Iterable[Strategy], at: datetime) -> list[ClosedTrade]:
        """Take the newest states; returns the trades that ended with this update."""
        ended: list[ClosedTrade] = []
        for s in strategies:
            before = self.strategies.get(s.strategy_id)
            self.strategies[s.strategy_id] = s
            was_open = before is not None and before.status not in ENDED
            if s.status is StrategyStatus.OPEN and (
                before is None or before.status is StrategyStatus.PENDING
            ):
                self.entries[s.strategy_type.value] += 1
            if s.status in (StrategyStatus.CLOSED, StrategyStatus.ROLLED) and (
                was_open or before is None
            ):
                ended.append(self._close(s, at))
        return ended

    def _close(self, s: Strategy, at: datetime) -> ClosedTrade:
        last = s.metadata.get(LAST_INTENT)
        info = self.intents.get(str(last)) if last is not None else None
        rule = str(s.metadata.get("exit_rule") or (info.rule if info is not None else "external"))
        trade = ClosedTrade(
            s.strategy_id,
            s.symbol,
            s.strategy_type.value,
            s.status,
            self.cash.get(s.strategy_id, 0.0),
            rule,
            s.opened_at,
            at,
        )
        self.closed.append(trade)
        self.exits[rule] += 1
        return trade

    def settle(self, fills: Sequence[Fill], at: datetime) -> Settlement:
        """Attribute settlement fills (expiry, assignment) to the strategies holding the
        contracts, lowest strategy id first: legs removed (CLOSED when nothing is left,
        ``exit_rule`` = expiry) and each fill's cash shared by the quantity each one held.
        Updates ``strategies`` and ``cash``; fills nobody held are returned as orphans."""
        out = Settlement()
        for fill in fills:
            left = fill.signed_quantity
            for s in self.active():
                for leg in s.legs:
                    if leg.contract != fill.contract or left == 0:
                        continue
                    take = -leg.quantity if abs(leg.quantity) <= abs(left) else left
                    if take * left <= 0:
                        continue
                    moved = remaining(s, {fill.contract: take}, at)
                    if not moved.is_active:
                        moved = moved.with_metadata(exit_rule="expiry")
                    self.strategies[s.strategy_id] = moved
                    out.changed[s.strategy_id] = moved
                    share = fill.cash_flow * abs(take) / fill.quantity
                    self.cash[s.strategy_id] = self.cash.get(s.strategy_id, 0.0) + share
                    out.holders.setdefault(fill.execution_id, s.strategy_id)
                    if not moved.is_active:
                        out.ended.append(self._close(moved, at))
                    left -= take
                    break
            if left != 0:
                out.orphans.append(fill)
            self.seen_exec.add(fill.execution_id)
        return out


@dataclass(slots=True)
class Settlement:
    """What ``Book.settle`` did."""

    changed: dict[str, Strategy] = field(default_factory=dict)
    holders: dict[str, str] = field(default_factory=dict)
    """execution id -> the (first) strategy it settled, for the journal row."""
    orphans: list[Fill] = field(default_factory=list)
    ended: list[ClosedTrade] = field(default_factory=list)


def units_text(strategies: Sequence[Strategy]) -> str:
    return ", ".join(f"{s.strategy_id} x{s.units}" for s in strategies)


__all__ = [
    "ENDED",
    "UNMANAGED",
    "Book",
    "ClosedTrade",
    "IntentInfo",
    "Settlement",
    "fill_cash",
    "units_text",
]

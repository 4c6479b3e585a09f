"""The engine's side of the journal: which rows go to which table, durably or buffered.

Durable (``Store.append_durable``, committed and fsynced before returning): intent rows and
order rows, always before the order is sent, and each intent's outcome. Buffered
(``Store.append``): status changes, price-walk steps, executions, strategy states and refusals;
all of those can be recovered from the broker (or never reached it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from v6.domain.contracts import OptionContract
from v6.domain.orders import Fill, Intent, Order, OrderEvent
from v6.domain.strategy import Strategy
from v6.execution import rows as rb
from v6.ports.clock import Clock
from v6.ports.store import Store


class Journal:
    """Row building plus the store calls; one per engine."""

    __slots__ = ("_clock", "_columns", "_seq", "_store", "mode")

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        mode: str,
        columns: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._columns = columns
        self._seq = 0
        self.mode = mode

    def durable(self, table: str, rows: Sequence[rb.Row]) -> None:
        """Commit and sync now; raises ``DurabilityError`` (a halt) if that is impossible."""
        if rows:
            self._store.append_durable(table, rb.fit_rows(table, rows, self._columns))

    def append(self, table: str, rows: Sequence[rb.Row]) -> None:
        if rows:
            self._store.append(table, rb.fit_rows(table, rows, self._columns))

    def _event_id(self, ref: str, ts: datetime) -> str:
        self._seq += 1
        return f"{ref}|{ts.strftime('%Y%m%dT%H%M%S%f')}|{self._seq}"

    # -- rows ---------------------------------------------------------------------------------

    def intent_row(
        self,
        intent: Intent,
        status: str,
        *,
        reason: str | None = None,
        mid: float | None = None,
    ) -> rb.Row:
        return rb.intent_row(
            intent,
            status=status,
            mode=self.mode,
            ts=self._clock.now(),
            reason=reason,
            mid_at_decision=mid,
        )

    def order_row(self, order: Order, intent: Intent, role: str) -> rb.Row:
        return rb.order_row(order, intent, mode=self.mode, ts=self._clock.now(), role=role)

    def intent_status(
        self, intent: Intent, status: str, reason: str, *, durable: bool = False
    ) -> None:
        """A later state of an intent. An outcome is durable: an order cancelled unfilled
        leaves no trace in the broker's executions or open orders, so only this row tells a
        restart that the intent was sent and is over (not "never sent")."""
        row = [self.intent_row(intent, status, reason=reason)]
        if durable:
            self.durable("orders", row)
        else:
            self.append("orders", row)

    def order_event(self, event: OrderEvent, limit_price: float | None) -> None:
        row = rb.order_event_row(
            event, event_id=self._event_id(event.order_ref, event.ts_init), limit_price=limit_price
        )
        self.append("order_events", [row])

    def walk(self, order: Order, step: int) -> None:
        now = self._clock.now()
        row = rb.walk_row(order, step=step, event_id=self._event_id(order.order_ref, now), ts=now)
        self.append("order_events", [row])

    def fills(
        self,
        fills: Iterable[Fill],
        *,
        strategy_id: str | None,
        intent_id: str | None,
        mids: Mapping[OptionContract, float] | None = None,
    ) -> None:
        self.append(
            "executions",
            [
                rb.execution_row(
                    f,
                    strategy_id=strategy_id,
                    intent_id=intent_id,
                    mid_at_decision=None if mids is None else mids.get(f.contract),
                )
                for f in fills
            ],
        )

    def strategies(
        self, strategies: Iterable[Strategy], *, intent_id: str | None, reason: str | None
    ) -> None:
        now = self._clock.now()
        items = list(strategies)
        self.append(
            "strategies",
            [rb.strategy_row(s, ts=now, intent_id=intent_id, reason=reason) for s in items],
        )
        self.append("legs", [row for s in items for row in rb.leg_rows(s, ts=now)])

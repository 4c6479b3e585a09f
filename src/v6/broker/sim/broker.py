"""The paper broker: IB's order semantics over a simulated market, stepped by the runner.

It implements ``v6.ports.Broker``. The runner advances the clock, then calls ``process()`` so
working orders are evaluated against the ``QuoteSource``, and ``end_of_day(day)`` at each
session close (DAY orders expire, expiries settle, optional early assignment). Nothing sleeps
and every random draw comes from one seeded generator, so a run is reproducible and as fast
as the caller can step it. Sync methods (``submit``, ``cancel``...) are for the backtest
runner; the async port methods are thin wrappers over them.

Stream order per order: PendingSubmit, then Submitted or Rejected; for each execution the
per-leg ``Fill``s come before the PartiallyFilled/Filled status that counts them. OCA: the
first execution (even partial) of an order cancels every other working order of its group.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from v6.broker.sim.account import PaperAccount
from v6.broker.sim.book import EventLog, WorkingOrder
from v6.broker.sim.commissions import split_commission
from v6.broker.sim.config import PaperBrokerConfig
from v6.broker.sim.expiry import Settlement, SettlementKind, early_assignments, expiry_settlements
from v6.broker.sim.fill_model import (
    effective_action,
    evaluate_order,
    leg_prices,
    pricing_view,
    taker_level,
)
from v6.broker.sim.quotes import ComboMarket, QuoteSource, TradableQuotes, combo_market
from v6.domain.orders import (
    Fill,
    Order,
    OrderAction,
    OrderEvent,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from v6.domain.portfolio import Position
from v6.errors import DataQualityError
from v6.ports.broker import AccountSummary, BrokerEvent, OpenOrder
from v6.ports.clock import Clock

# IB error codes the paper broker reproduces (text as close to IB's as is useful).
ERR_DUPLICATE_ORDER = 103
ERR_MODIFY_MISMATCH = 105
ERR_NO_SECURITY = 200
ERR_REJECTED = 201
ERR_CANCELLED = 202
ERR_VALIDATION = 321

EXPIRY_ORDER_REF = "sim:expiry"
"""``order_ref`` of the fills that book an expiration (no order of ours caused them)."""
ASSIGNMENT_ORDER_REF = "sim:assignment"
"""``order_ref`` of the fills that book an early assignment."""


@dataclass(frozen=True, slots=True)
class EndOfDayReport:
    """What the session close did, for the runner to journal."""

    day: date
    expired_orders: tuple[str, ...]
    assignments: tuple[Fill, ...]
    settlements: tuple[Fill, ...]
    reasons: Mapping[str, str] = field(default_factory=dict)
    """Why each assignment or settlement happened, by execution id (for the journal)."""


class PaperBroker:
    """In-process broker with IB's order, combo, commission and margin behaviour."""

    def __init__(
        self, quotes: QuoteSource, clock: Clock, config: PaperBrokerConfig | None = None
    ) -> None:
        self.config = config if config is not None else PaperBrokerConfig()
        self._quotes = quotes
        self._clock = clock
        self._rng = random.Random(self.config.seed)
        self._tz = ZoneInfo(self.config.session_timezone)
        self._max_age = timedelta(seconds=self.config.max_quote_age_seconds)
        self._account = PaperAccount(self.config, quotes)
        self._ledger = self._account.ledger
        self._log = EventLog()
        self._working: dict[str, WorkingOrder] = {}
        self._next_order_id = 1
        self._next_exec_id = 1

    # ------------------------------------------------------------------ Broker port (async)

    async def place_order(self, order: Order) -> OrderEvent:
        return self.submit(order)

    async def cancel_order(self, order_ref: str) -> bool:
        return self.cancel(order_ref)

    async def modify_order(self, order: Order) -> OrderEvent | None:
        return self.modify(order)

    def events(self) -> AsyncIterator[BrokerEvent]:
        """Order events and fills in the order they happened. One consumer: events are
        taken off one queue; ``executions()`` and ``order_status()`` keep the record."""
        return self._log.stream()

    async def open_orders(self) -> list[OpenOrder] | None:
        return self.list_open_orders()

    async def executions(self, since: datetime | None = None) -> list[Fill] | None:
        return self.list_executions(since)

    async def positions(self) -> list[Position] | None:
        return self.list_positions()

    async def account(self) -> AccountSummary | None:
        return self.account_summary()

    async def what_if(self, order: Order) -> float | None:
        """Change of the margin requirement (dollars) if ``order`` filled completely."""
        before, after = self._account.margin_before_after(order, order.quantity)
        return after - before

    # ------------------------------------------------------------------ orders (sync)

    def submit(self, order: Order) -> OrderEvent:
        """Accept or reject ``order``; returns Submitted or Rejected (PendingSubmit precedes
        it on the stream). With ``fill_on_submit`` a marketable order fills at once."""
        work = WorkingOrder(order=order, broker_order_id=self._next_order_id)
        self._next_order_id += 1
        self._publish_status(work, OrderStatus.PENDING_SUBMIT)
        refusal = self._refusal(order)
        if refusal is not None:
            code, message = refusal
            return self._publish_status(work, OrderStatus.REJECTED, code=code, message=message)
        if self.config.delay_probability > 0 and self._rng.random() < (
            self.config.delay_probability
        ):
            work.delay_steps = self._rng.randint(1, self.config.max_delay_steps)
        self._working[order.order_ref] = work
        submitted = self._publish_status(work, OrderStatus.SUBMITTED)
        if self.config.fill_on_submit:
            self._evaluate(work, self._tradable())
        return submitted

    def cancel(self, order_ref: str) -> bool:
        """Cancel a working order; False if there is none with that reference."""
        work = self._working.get(order_ref)
        if work is None:
            return False
        self._terminate(work, ERR_CANCELLED, "Order Canceled - reason: cancelled by request")
        return True

    def modify(self, order: Order) -> OrderEvent | None:
        """Replace price, quantity, type, TIF or OCA group of the working order with the same
        ``order_ref``. Different legs or side: refused with IB error 105 and the original
        keeps working, as at IB. ``None`` if no such working order."""
        work = self._working.get(order.order_ref)
        if work is None:
            return None
        now = self._clock.now()
        old = work.order
        refusal: tuple[int, str] | None = None
        if order.legs != old.legs or order.action is not old.action:
            refusal = (
                ERR_MODIFY_MISMATCH,
                "Order being modified does not match original order: legs or side differ",
            )
        elif order.quantity <= work.filled:
            refusal = (
                ERR_MODIFY_MISMATCH,
                f"Order being modified does not match original order: quantity "
                f"{order.quantity} <= already filled {work.filled}",
            )
        else:
            refusal = self._buying_power_refusal(order, order.quantity - work.filled)
        if refusal is not None:
            refused = work.event(work.status, now, code=refusal[0], message=refusal[1])
            self._log.publish(refused)
            return refused
        if order.stop_price != old.stop_price or order.order_type is not OrderType.STOP:
            work.triggered = False
        work.order = order
        event = self._publish_status(work, work.status)
        if self.config.fill_on_submit:
            self._evaluate(work, self._tradable())
        return event

    def list_open_orders(self) -> list[OpenOrder]:
        return [
            OpenOrder(order=w.order, last_event=w.last_event)
            for w in self._working.values()
            if w.last_event is not None
        ]

    def list_executions(self, since: datetime | None = None) -> list[Fill]:
        """Executions (settlements included) with ``ts_event >= since``; all if None."""
        return self._log.executions(since)

    def list_positions(self) -> list[Position]:
        """Non-zero positions, signed, sorted by contract key."""
        return self._ledger.positions()

    def order_status(self, order_ref: str) -> OrderEvent | None:
        """The last status reported for ``order_ref`` (working or finished)."""
        return self._log.last_status(order_ref)

    def drain_events(self) -> list[BrokerEvent]:
        """Events not yet consumed through ``events()``, without waiting (for the runner)."""
        return self._log.drain()

    # ------------------------------------------------------------------ runner hooks

    def process(self) -> int:
        """Evaluate every working order against the current quotes (call after each clock
        advance). Returns the number of executions (one per order fill, not per leg)."""
        executions = 0
        quotes = self._tradable()
        for work in list(self._working.values()):
            if self._working.get(work.order.order_ref) is not work:
                continue  # cancelled by an OCA fill earlier in this step
            if work.delay_steps > 0:
                work.delay_steps -= 1
                continue
            executions += self._evaluate(work, quotes)
        return executions

    def end_of_day(
        self, day: date | None = None, closing_prices: Mapping[str, float] | None = None
    ) -> EndOfDayReport:
        """Close session ``day`` (default: today's session): expire DAY orders and orders on
        contracts expiring today, apply the early-assignment model, settle expiries. Closing
        prices default to the quote source's underlying prices."""
        day = day if day is not None else self.session_day()
        prices = self._closing_prices(day, closing_prices)  # raises before anything changes
        expired: list[str] = []
        for work in list(self._working.values()):
            if work.order.tif is TimeInForce.DAY:
                self._terminate(work, None, "DAY order expired at the close")
            elif any(leg.contract.expiry <= day for leg in work.order.legs):
                self._terminate(work, ERR_CANCELLED, "Order Canceled - reason: contract expired")
            else:
                continue
            expired.append(work.order.order_ref)
        positions = [p for p in self._ledger.positions() if p.contract.expiry > day]
        spot = self._quotes.underlying_price
        assigned = early_assignments(
            positions, day, self._account.mark, spot, self.config, self._rng
        )
        assignment_fills = tuple(self._book_settlement(s, day) for s in assigned)
        settlements = expiry_settlements(self._ledger.positions(), day, prices)
        settled = tuple(self._book_settlement(s, day) for s in settlements)
        reasons = {
            fill.execution_id: item.reason
            for fill, item in zip(
                (*assignment_fills, *settled), (*assigned, *settlements), strict=True
            )
        }
        return EndOfDayReport(day, tuple(expired), assignment_fills, settled, reasons)

    def settle_expiries(
        self, day: date, closing_prices: Mapping[str, float] | None = None
    ) -> tuple[Fill, ...]:
        """Cash-settle every position expiring on or before ``day`` at intrinsic value."""
        prices = self._closing_prices(day, closing_prices)
        settlements = expiry_settlements(self._ledger.positions(), day, prices)
        return tuple(self._book_settlement(s, day) for s in settlements)

    def session_day(self, ts: datetime | None = None) -> date:
        """Trading-session date of ``ts`` (default now) in the session timezone."""
        return (ts if ts is not None else self._clock.now()).astimezone(self._tz).date()

    # ------------------------------------------------------------------ account

    def account_summary(self) -> AccountSummary:
        """Cash, net liquidation (positions marked at mid), margin and P&L, now."""
        return self._account.summary(self._clock.now(), self.session_day())

    def margin_requirement(self) -> float:
        """Margin of the current positions in dollars (rule in ``v6.broker.sim.margin``)."""
        return self._account.margin_requirement()

    @property
    def realized_pnl(self) -> float:
        """Realised P&L since the start, in dollars, commissions included."""
        return self._ledger.realized_total

    # ------------------------------------------------------------------ internals

    def _publish_status(
        self, work: WorkingOrder, status: OrderStatus, *, code: int | None = None, message: str = ""
    ) -> OrderEvent:
        work.status = status
        event = work.event(status, self._clock.now(), code=code, message=message)
        work.last_event = event
        self._log.publish(event)
        return event

    def _terminate(self, work: WorkingOrder, code: int | None, message: str) -> None:
        del self._working[work.order.order_ref]
        self._publish_status(work, OrderStatus.CANCELLED, code=code, message=message)

    def _refusal(self, order: Order) -> tuple[int, str] | None:
        """Why ``order`` must be rejected at submission, as (IB code, text); None = accept."""
        if order.order_ref in self._working:
            return ERR_DUPLICATE_ORDER, f"Duplicate order id: {order.order_ref} is working"
        if len({leg.contract.symbol for leg in order.legs}) > 1:
            return ERR_VALIDATION, "combo legs must all be on the same underlying"
        if len({leg.contract for leg in order.legs}) < len(order.legs):
            return ERR_VALIDATION, "combo legs must be distinct contracts"
        today = self.session_day()
        for leg in order.legs:
            if leg.contract.expiry < today:
                return (
                    ERR_NO_SECURITY,
                    f"No security definition has been found for the request: "
                    f"{leg.contract.key} expired",
                )
        return self._buying_power_refusal(order, order.quantity)

    def _buying_power_refusal(self, order: Order, quantity: int) -> tuple[int, str] | None:
        """Error 201 if filling ``quantity`` units would overdraw buying power."""
        view = pricing_view(order)
        net = self._estimated_net_price(view)
        message = self._account.buying_power_refusal(order, quantity, view.action, net)
        return None if message is None else (ERR_REJECTED, message)

    def _estimated_net_price(self, view: Order) -> float:
        """Worst price the order accepts (its limit) or, without one, the taker level now;
        0 if nothing is quoted (such an order cannot fill until it is)."""
        if view.limit_price is not None:
            return view.limit_price
        market = combo_market(view.legs, self._tradable())
        if market is None:
            return 0.0
        return taker_level(market, view.action, self.config.slippage_fraction)

    def _tradable(self) -> TradableQuotes:
        return TradableQuotes(self._quotes, self._clock.now(), self._max_age)

    def _evaluate(self, work: WorkingOrder, quotes: TradableQuotes) -> int:
        """Try to fill ``work`` now; returns 1 if it traded (fully or partly), else 0."""
        if work.delay_steps > 0:
            return 0
        view = pricing_view(work.order)
        market = combo_market(view.legs, quotes)
        if market is None:
            return 0
        decision = evaluate_order(view, market, self.config.slippage_fraction, work.triggered)
        work.triggered = decision.triggered
        if decision.price is None:
            return 0
        quantity = work.remaining
        partial = self.config.partial_fill_probability
        if quantity > 1 and partial > 0 and self._rng.random() < partial:
            quantity = self._rng.randint(1, quantity - 1)
        self._execute(work, view, market, quantity, decision.price)
        return 1

    def _execute(
        self, work: WorkingOrder, view: Order, market: ComboMarket, quantity: int, net: float
    ) -> None:
        now = self._clock.now()
        day = self.session_day(now)
        order = work.order
        prices = leg_prices(view.legs, market, net)
        leg_contracts = [leg.ratio * quantity for leg in order.legs]
        before = work.contracts_traded
        work.contracts_traded += sum(leg_contracts)
        commission = self._account.commissions.for_execution(before, work.contracts_traded)
        shares = split_commission(commission, leg_contracts)
        exec_no = self._next_exec_id
        self._next_exec_id += 1
        for index, (leg, price) in enumerate(zip(order.legs, prices, strict=True)):
            fill = Fill(
                execution_id=f"sim.{work.broker_order_id:08d}.{exec_no:08d}.{index + 1:02d}",
                order_ref=order.order_ref,
                contract=leg.contract,
                action=effective_action(order, leg),
                quantity=leg_contracts[index],
                price=price,
                commission=shares[index],
                ts_event=now,
                ts_init=now,
            )
            self._ledger.apply_fill(fill, day)
            self._log.publish(fill)
        work.filled += quantity
        work.filled_value += quantity * net
        if work.remaining == 0:
            del self._working[order.order_ref]
            self._publish_status(work, OrderStatus.FILLED)
        else:
            self._publish_status(work, OrderStatus.PARTIALLY_FILLED)
        if order.oca_group is not None:
            for other in list(self._working.values()):
                if other is not work and other.order.oca_group == order.oca_group:
                    self._terminate(
                        other,
                        ERR_CANCELLED,
                        f"Order Canceled - reason: OCA group {order.oca_group} "
                        f"filled by {order.order_ref}",
                    )

    def _closing_prices(self, day: date, given: Mapping[str, float] | None) -> dict[str, float]:
        """Underlying closes for every symbol with a position expiring by ``day``."""
        out: dict[str, float] = {}
        for pos in self._ledger.positions():
            symbol = pos.contract.symbol
            if pos.contract.expiry > day or symbol in out:
                continue
            price = given.get(symbol) if given is not None else None
            if price is None:
                price = self._quotes.underlying_price(symbol)
            if price is None or not price > 0:
                raise DataQualityError(
                    f"paper broker: no closing price for {symbol} to settle expiries of "
                    f"{day.isoformat()}"
                )
            out[symbol] = price
        return out

    def _book_settlement(self, settlement: Settlement, day: date) -> Fill:
        now = self._clock.now()
        pos = settlement.position
        exec_no = self._next_exec_id
        self._next_exec_id += 1
        ref = EXPIRY_ORDER_REF if settlement.kind is SettlementKind.EXPIRY else ASSIGNMENT_ORDER_REF
        fill = Fill(
            execution_id=f"sim.{settlement.kind.value}.{exec_no:08d}",
            order_ref=ref,
            contract=pos.contract,
            action=OrderAction.SELL if pos.quantity > 0 else OrderAction.BUY,
            quantity=abs(pos.quantity),
            price=settlement.price,
            commission=0.0,
            ts_event=now,
            ts_init=now,
        )
        self._ledger.apply_fill(fill, day)
        self._log.publish(fill)
        return fill

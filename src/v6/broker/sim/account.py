"""The paper account as the broker reports it: marks, margin, buying power, the summary.

Positions are marked at the quote source's mid (the last good mid when a quote is missing,
the average cost before any). Buying power is ``cash - margin requirement`` (long options
have no loan value, as under Reg-T); an order is refused (IB error 201) at submission when it
would leave buying power negative and make it worse. Working orders do not reserve buying
power: each is checked against the account as it stands.
"""

from __future__ import annotations

from datetime import date, datetime

from v6.broker.sim.commissions import CommissionSchedule
from v6.broker.sim.config import PaperBrokerConfig
from v6.broker.sim.fill_model import effective_action
from v6.broker.sim.ledger import Ledger
from v6.broker.sim.margin import MarginModel, group_key
from v6.broker.sim.quotes import QuoteSource, mark_price
from v6.domain.contracts import OptionContract
from v6.domain.orders import Order, OrderAction
from v6.domain.portfolio import Position
from v6.ports.broker import AccountSummary


class PaperAccount:
    """Ledger plus market: everything that needs both the books and the current quotes."""

    def __init__(self, config: PaperBrokerConfig, quotes: QuoteSource) -> None:
        self.config = config
        self.ledger = Ledger(config.starting_cash)
        self.commissions = CommissionSchedule.from_config(config)
        self._quotes = quotes
        self._margin = MarginModel(config.naked_underlying_fraction, config.naked_minimum_fraction)
        self._last_marks: dict[OptionContract, float] = {}

    def mark(self, contract: OptionContract) -> float | None:
        """Mid now, else the last good mid, else None (per share)."""
        mark = mark_price(self._quotes, contract)
        if mark is not None:
            self._last_marks[contract] = mark
            return mark
        return self._last_marks.get(contract)

    def quantities(self) -> dict[OptionContract, int]:
        return self.ledger.quantities()

    def margin_requirement(self) -> float:
        """Margin of the current positions in dollars (rule in ``v6.broker.sim.margin``)."""
        return self._margin.requirement(self.quantities(), self.mark, self._quotes.underlying_price)

    def margin_before_after(self, order: Order, quantity: int) -> tuple[float, float]:
        """Requirement now and if ``quantity`` units of ``order`` filled (only the groups the
        order touches are recomputed)."""
        now_q = self.quantities()
        after_q = dict(now_q)
        for leg in order.legs:
            sign = 1 if effective_action(order, leg) is OrderAction.BUY else -1
            after_q[leg.contract] = after_q.get(leg.contract, 0) + sign * leg.ratio * quantity
        keys = {group_key(leg.contract) for leg in order.legs}
        spot = self._quotes.underlying_price
        total = self._margin.requirement(now_q, self.mark, spot)
        touched_before = self._margin.requirement(now_q, self.mark, spot, keys)
        touched_after = self._margin.requirement(after_q, self.mark, spot, keys)
        return total, total - touched_before + touched_after

    def buying_power_refusal(
        self, order: Order, quantity: int, side: OrderAction, net_price: float
    ) -> str | None:
        """IB-style 201 text if filling ``quantity`` units at ``net_price`` (per unit, as
        the order's ``side`` pays or receives it) would leave buying power negative and lower
        than now; None if the order may go. Orders that free buying power always may."""
        before, after = self.margin_before_after(order, quantity)
        mult = order.legs[0].contract.multiplier
        sign = 1 if side is OrderAction.BUY else -1
        contracts = sum(leg.ratio for leg in order.legs) * quantity
        cash_flow = -sign * net_price * quantity * mult - self.commissions.cumulative(contracts)
        bp_before = self.ledger.cash - before
        bp_after = self.ledger.cash + cash_flow - after
        if bp_after < 0 and bp_after < bp_before:
            return (
                "Order rejected - reason: insufficient buying power: requires "
                f"{bp_before - bp_after:.2f}, available {bp_before:.2f}"
            )
        return None

    def summary(self, now: datetime, today: date) -> AccountSummary:
        """Cash, net liquidation (positions at mid), margin and P&L at ``now``."""
        market_value = 0.0
        unrealized = 0.0
        for pos in self.ledger.positions():
            mark = self._mark_or_cost(pos)
            mult = pos.contract.multiplier
            market_value += pos.quantity * mark * mult
            unrealized += (mark - pos.avg_cost) * pos.quantity * mult
        margin = self.margin_requirement()
        cash = self.ledger.cash
        return AccountSummary(
            account_id=self.config.account_id,
            net_liquidation=cash + market_value,
            cash=cash,
            buying_power=cash - margin,
            maintenance_margin=margin,
            realized_pnl_today=self.ledger.realized_on(today),
            unrealized_pnl=unrealized,
            ts=now,
        )

    def _mark_or_cost(self, pos: Position) -> float:
        mark = self.mark(pos.contract)
        return mark if mark is not None else pos.avg_cost

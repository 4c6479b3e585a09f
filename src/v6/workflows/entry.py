"""``EntryWorkflow``: on the entry schedule, for each underlying: check the portfolio as it
stands (trading state, open and in-flight strategies, per-symbol counts), read its regime,
scan its chain, let the ``StrategySelector`` choose, and send the choice through the risk
gate (the portfolio as it would be after the trade) to the execution engine.

Every reason not to enter is counted (``Book.rejections``) and logged; scans that found
nothing and gate refusals are journaled as ``entry`` decisions (action HOLD) so the question
"why did it not trade?" has an answer in the journal too.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from v6.domain.decision import Action, Decision
from v6.domain.orders import IntentKind, Urgency
from v6.domain.strategy import Strategy
from v6.risk.gate import GateStage
from v6.rules.builder import ENTRY_IV_KEY
from v6.strategies.chain import ChainSnapshot
from v6.strategies.results import Proposal
from v6.strategies.selector import SelectionResult, StrategySelector
from v6.workflows.book import IntentInfo
from v6.workflows.intents import ENTRY, ROLL_OPEN, open_intent
from v6.workflows.monitoring import _category
from v6.workflows.rolls import RollDesk
from v6.workflows.schedule import EntrySchedule
from v6.workflows.services import Services, log


@dataclass(slots=True)
class EntryReport:
    scanned: list[str] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def short_leg_iv(proposal: Proposal, chain: ChainSnapshot) -> float | None:
    """Average IV of the proposal's short legs in the scanned chain (what the IV-crush rule
    compares today's short-leg IV with)."""
    ivs: list[float] = []
    for leg in proposal.strategy.legs:
        if leg.quantity >= 0:
            continue
        for e in chain.expiries:
            if e.expiry != leg.contract.expiry:
                continue
            side = e.side(leg.contract.right)
            hits = (e.strikes == leg.contract.strike).nonzero()[0]
            if hits.size:
                iv = float(side.iv[int(hits[0])])
                if math.isfinite(iv) and iv > 0:
                    ivs.append(iv)
    return sum(ivs) / len(ivs) if ivs else None


LIMITS_REFUSAL = "portfolio limits: "


class EntryWorkflow:
    """Scans, selects and submits entries; one instance per engine."""

    __slots__ = ("_blocked", "_no_trade_until", "rolls", "schedule", "selector", "svc")

    def __init__(
        self, svc: Services, schedule: EntrySchedule, rolls: RollDesk, selector: StrategySelector
    ) -> None:
        self.svc = svc
        self.schedule = schedule
        self.rolls = rolls
        self.selector = selector
        self._no_trade_until: dict[str, datetime] = {}
        self._blocked: dict[str, tuple[int, str]] = {}
        """symbol -> (book version, session) at which the portfolio limits refused it."""

    def due(self, now: datetime) -> bool:
        return self.schedule.due(now)

    def _reject(self, what: str, report: EntryReport, symbol: str) -> None:
        self.svc.book.rejections[f"entry: {what}"] += 1
        report.skipped[symbol] = what

    def _portfolio_block(self) -> str | None:
        """Why no entry at all can be made now (cheap checks before any scan)."""
        svc = self.svc
        if svc.desk.kill_status is not None:
            return "kill switch set"
        state = svc.desk.state.state.value
        if state != "active":
            return f"trading {state}"
        held = len(svc.book.active()) + len(svc.book.pending_entries())
        if held >= svc.cfg.limits.max_open_strategies:
            return "max_open_strategies"
        return None

    def _symbol_block(self, symbol: str, now: datetime) -> str | None:
        svc = self.svc
        cfg = svc.cfg
        book = svc.book
        if svc.day.entries.get(symbol, 0) >= cfg.engine.max_entries_per_symbol_per_day:
            return "entries_per_day"
        if any(s.symbol == symbol for s in book.pending_entries()):
            return "entry_in_flight"
        count = sum(1 for s in book.active() if s.symbol == symbol)
        if count >= cfg.limits.max_per_symbol:
            return "max_per_symbol"
        until = self._no_trade_until.get(symbol)
        if until is not None and now < until:
            return "rescan_wait"
        if self._blocked.get(symbol) == (self._version(), svc.day.day):
            return "rescan_wait"  # the limits refused it and nothing changed since
        return None

    def _version(self) -> int:
        """Changes whenever the book does (an entry filled or a position ended)."""
        book = self.svc.book
        return sum(book.entries.values()) + len(book.closed)

    async def run(self) -> EntryReport:
        """One entry scan over the configured underlyings."""
        svc = self.svc
        now = svc.now()
        self.schedule.mark(now)
        report = EntryReport()
        block = self._portfolio_block()
        if block is not None:
            self._reject(block, report, "*")
            return report
        for symbol in svc.cfg.entry.underlyings:
            why = self._symbol_block(symbol, now)
            if why is not None:
                if why not in ("entries_per_day", "rescan_wait", "entry_in_flight"):
                    self._reject(why, report, symbol)
                continue
            if self._portfolio_block() is not None:
                break
            report.scanned.append(symbol)
            await self._scan(symbol, now, report)
        return report

    async def _scan(self, symbol: str, now: datetime, report: EntryReport) -> None:
        svc = self.svc
        chain = svc.feed.chain_snapshot(
            symbol,
            now,
            dte_min=svc.cfg.entry.dte_min,
            dte_max=svc.cfg.entry.dte_max,
            quote_max_age=svc.quote_max_age,
            max_moneyness=svc.cfg.strategies.max_moneyness,
        )
        if chain is None:
            self._reject("no chain", report, symbol)
            return
        context = svc.regimes.context(symbol)
        result = self.selector.select(chain, context)
        if result.chosen is None:
            self._no_trade(symbol, now, result.reason, report, result)
            return
        # the best eligible candidate the gate accepts: if the chosen one would breach a
        # limit (e.g. its type is at its cap) the next best may still fit the portfolio
        ranked = sorted(
            (c for c in result.candidates if c.eligible and c.proposal is not None),
            key=lambda c: -c.score,
        )
        reasons: list[str] = []
        first = ""
        for cand in ranked:
            assert cand.proposal is not None
            why = await self.submit(cand.proposal, chain, now, ENTRY, context.regime.value)
            if why is None:
                svc.day.entries[symbol] = svc.day.entries.get(symbol, 0) + 1
                report.submitted.append(cand.proposal.strategy.strategy_id)
                return
            reasons.append(f"{cand.strategy_type.value}: {why}")
            first = first or why.removeprefix(LIMITS_REFUSAL)
            if not why.startswith(LIMITS_REFUSAL):
                break  # not a portfolio limit (breaker, kill switch, data): stop here
        if reasons and all(LIMITS_REFUSAL in r for r in reasons):
            self._blocked[symbol] = (self._version(), svc.day.day)
        self._no_trade(symbol, now, "; ".join(reasons), report, result, category=_category(first))

    def _no_trade(
        self,
        symbol: str,
        now: datetime,
        reason: str,
        report: EntryReport,
        result: SelectionResult | None,
        *,
        category: str | None = None,
    ) -> None:
        wait = timedelta(seconds=self.svc.cfg.engine.rescan_after_no_trade_s)
        self._no_trade_until[symbol] = now + wait
        self._reject(category or _category(reason.removeprefix("none: ")), report, symbol)
        self._journal(symbol, now, reason, result)
        log.info("no entry on %s: %s", symbol, reason)

    async def submit(
        self, proposal: Proposal, chain: ChainSnapshot, now: datetime, origin: str, regime: str
    ) -> str | None:
        """Send one proposal through the gate; None when accepted, else why not."""
        svc = self.svc
        iv = short_leg_iv(proposal, chain)
        meta: dict[str, str | float | int | bool] = {"regime": regime, "origin": origin}
        if iv is not None:
            meta[ENTRY_IV_KEY] = iv
        pending: Strategy = proposal.strategy.with_metadata(**meta)
        intent = open_intent(proposal, now, origin=origin)
        svc.desk.with_quotes(dict(svc.feed.quotes([leg.contract for leg in pending.legs])))
        check = svc.desk.gate.evaluate(intent)
        if not check.approved:
            # the gate would refuse it: no intent is made (the reason is journaled as an
            # entry decision and counted); the execution engine gates again on submit
            prefix = LIMITS_REFUSAL if check.stage is GateStage.LIMITS else "risk gate: "
            return f"{prefix}{check.reason}"
        result = await svc.execution.submit(intent, pending)
        if not result.accepted:
            return result.reason
        svc.book.strategies[pending.strategy_id] = pending
        svc.book.register(
            IntentInfo(intent.intent_id, pending.strategy_id, IntentKind.OPEN, origin)
        )
        if svc.predictions is not None:
            svc.predictions.expect(proposal, regime, now)
        await self._refresh_snapshot()
        return None

    async def open_successor(self, rolled: Strategy, window: tuple[int, int]) -> str | None:
        """The opening half of a roll whose close has filled; None when submitted."""
        now = self.svc.now()
        proposal = self.rolls.proposal(rolled, window, now)
        chain = self.rolls.chain(rolled.symbol, window, now)
        if proposal is None or chain is None:
            why = f"no {rolled.strategy_type.value} could be built in {window[0]}-{window[1]} DTE"
        else:
            regime = str(rolled.metadata.get("regime", ""))
            maybe = await self.submit(proposal, chain, now, ROLL_OPEN, regime)
            if maybe is None:
                log.info("rolled %s into %s", rolled.strategy_id, proposal.strategy.strategy_id)
                return None
            why = maybe
        self.svc.book.rejections[f"roll: {_category(why)}"] += 1
        self._journal(rolled.symbol, now, f"roll of {rolled.strategy_id} not reopened: {why}", None)
        log.info("roll of %s not reopened: %s", rolled.strategy_id, why)
        return why

    async def _refresh_snapshot(self) -> None:
        """Re-price the book with the new entry in flight, so the next entry of this scan is
        judged against a portfolio that counts it."""
        svc = self.svc
        held = svc.book.active()
        pending = svc.book.pending_entries()
        snap = svc.desk.snapshot
        if snap is None:
            return
        contracts = [leg.contract for s in (*held, *pending) for leg in s.legs]
        svc.desk.assess(
            held=held,
            pending=pending,
            account=svc.account,
            spots=dict(snap.market.spots),
            quotes=svc.feed.quotes(list(dict.fromkeys(contracts))),
            rates=(snap.market.rate, snap.market.div_yields),
            pnl=svc.pnl_inputs(),
            ts=svc.now(),
        )

    def _journal(
        self, symbol: str, now: datetime, reason: str, result: SelectionResult | None
    ) -> None:
        inputs: dict[str, float | str | None] = {"symbol": symbol}
        if result is not None:
            for k, v in result.record().items():
                inputs[k] = v if isinstance(v, str | float) and not isinstance(v, bool) else str(v)
        digest = hashlib.sha256(f"entry|{symbol}|{now.isoformat()}".encode()).hexdigest()[:16]
        decision = Decision(
            decision_id=f"dec-{digest}",
            strategy_id=f"entry:{symbol}",
            action=Action.HOLD,
            urgency=Urgency.LOW,
            rule="entry",
            priority=0,
            ts=now,
            reason=reason[:500],
            inputs=inputs,
        )
        self.svc.decisions.record(decision)


__all__ = ["EntryReport", "EntryWorkflow", "short_leg_iv"]

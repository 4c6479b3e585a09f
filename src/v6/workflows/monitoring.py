"""``PositionMonitoringWorkflow``: one monitoring cycle over every open strategy.

Quotes for every held leg in one request; the book priced once (risk desk: portfolio Greeks,
margin, P&L, the gate's snapshot); the circuit breaker observes the account; every managed
strategy's view built in one vectorised pass and evaluated by the ``DecisionEngine`` in
priority order; each acting decision becomes an intent (never a second one for a strategy
that has one working) through the gate and the execution engine; the auto-hedger plans on
what is left; decisions are journaled (HOLDs compacted) and snapshots buffered.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np

from v6.domain.alert import AlertType, Severity
from v6.domain.contracts import OptionContract
from v6.domain.decision import Decision
from v6.domain.orders import Intent
from v6.domain.strategy import Strategy
from v6.execution.results import StepReport
from v6.risk.breaker import Transition
from v6.risk.snapshot import RiskSnapshot
from v6.risk.triggers import Observation
from v6.rules.base import RuleState
from v6.rules.builder import StrategyViewBuilder
from v6.rules.engine import DecisionEngine, EvaluationResult
from v6.rules.views import PortfolioView, StrategyView
from v6.workflows.book import UNMANAGED, IntentInfo
from v6.workflows.intents import exit_intent
from v6.workflows.records import account_row, position_rows
from v6.workflows.rolls import RollDesk
from v6.workflows.services import Services, log

HEDGE_ORIGIN = "auto_hedge"


@dataclass(slots=True)
class MonitorReport:
    """What one cycle did (counts for the health record and the progress display)."""

    strategies: int = 0
    decisions: int = 0
    intents: int = 0
    refused: int = 0
    transitions: list[Transition] = field(default_factory=list)
    data_ok: bool = True


def symbols_of(strategies: Sequence[Strategy]) -> list[str]:
    return sorted({s.symbol for s in strategies})


def contracts_of(strategies: Sequence[Strategy]) -> list[OptionContract]:
    seen: dict[OptionContract, None] = {}
    for s in strategies:
        for leg in s.legs:
            seen.setdefault(leg.contract, None)
    return list(seen)


class PositionMonitoringWorkflow:
    """Every monitoring interval (30 s live; every step in sim). Not re-entrant."""

    __slots__ = (
        "_accepted",
        "_closed_pnls",
        "_fills_seen",
        "_held",
        "_last_regime",
        "_last_snapshot",
        "_polled",
        "_rejected",
        "engine",
        "last_views",
        "rolls",
        "states",
        "svc",
        "views",
    )

    def __init__(self, svc: Services, rolls: RollDesk) -> None:
        cfg = svc.cfg
        self.svc = svc
        self.rolls = rolls
        self.engine = DecisionEngine.from_config(cfg)
        self.views = StrategyViewBuilder(quote_max_age=svc.quote_max_age, rate=svc.feed.rate)
        self.states: dict[str, RuleState] = {}
        self.last_views: list[StrategyView] = []
        self._closed_pnls: list[float] = []
        self._accepted = 0
        self._rejected = 0
        self._last_snapshot: datetime | None = None
        self._last_regime: datetime | None = None
        self._polled: datetime | None = None
        self._held: tuple[tuple[Strategy, ...], list[OptionContract]] = ((), [])
        self._fills_seen = -1

    # -- inputs from the rest of the loop ---------------------------------------------------

    def note_step(self, report: StepReport) -> None:
        """Order outcomes for the rejection-rate breaker."""
        rejected = sum(1 for r in report.finished if r.outcome.value == "rejected")
        self._rejected += rejected
        self._accepted += max(report.orders_placed - rejected, 0)

    def note_closed(self, pnls: Sequence[float]) -> None:
        """Realised P&Ls of trades that just ended (the losing-streak breaker)."""
        self._closed_pnls.extend(pnls)

    def forget(self, strategy_id: str) -> None:
        self.states.pop(strategy_id, None)
        self.views.forget(strategy_id)
        self.svc.decisions.forget(strategy_id)

    # -- the cycle --------------------------------------------------------------------------

    async def run(self, cycle_id: str) -> MonitorReport:
        svc = self.svc
        now = svc.now()
        book = svc.book
        held = book.active()
        pending = book.pending_entries()
        report = MonitorReport(strategies=len(held))
        symbols = sorted({*svc.cfg.entry.underlyings, *symbols_of(held), *symbols_of(pending)})
        spots = {s: svc.feed.spot(s) for s in symbols}
        quotes = svc.feed.quotes(self._contracts([*held, *pending]))
        polled = await self._poll_account(now)
        vix = svc.feed.vix()
        self._update_regimes(now, spots, vix)
        rates = (svc.feed.rate, {s: svc.feed.dividend_yield(s) for s in symbols})

        def assess() -> RiskSnapshot:
            return svc.desk.assess(
                held=held,
                pending=pending,
                account=svc.account,
                spots=spots,
                quotes=quotes,
                rates=rates,
                pnl=svc.pnl_inputs(),
                ts=now,
            )

        snapshot = assess()
        if not polled and not self._mark_equity(now, pending):
            await self._poll_account(now, force=True)  # a leg without a mark: ask the broker
            snapshot = assess()
        account = svc.account
        risk = snapshot.risk
        report.data_ok = not any(i.blocking for i in risk.issues)
        report.transitions = self._observe(now, account_nl(account), vix, report.data_ok)
        managed = [s for s in held if not s.metadata.get(UNMANAGED)]
        roll_credits = self.rolls.estimates(managed, quotes, now)
        known = {k: v for k, v in spots.items() if v is not None}
        views = self.views.build(managed, quotes, known, now, roll_credits=roll_credits)
        self.last_views = views
        market = svc.regimes.market_view(now, spots, vix, svc.history)
        daily = self._daily_pnl(account_nl(account))
        portfolio = PortfolioView.from_strategy_views(
            views, net_liquidation=account_nl(account), daily_pnl=daily, ts=now
        )
        results = self.engine.evaluate_all(views, market, portfolio, self.states)
        intent_ids: dict[str, str] = {}
        by_id = {s.strategy_id: s for s in managed}
        for r in results:
            self.states[r.state.strategy_id] = r.state
            self._alert_data(r)
            strategy = by_id.get(r.decision.strategy_id)
            if strategy is None or r.decision.is_hold:
                continue
            report.decisions += 1
            intent = exit_intent(strategy, r.decision, now)
            if intent is not None and await self._submit(intent, strategy, r.decision, report):
                intent_ids[r.decision.decision_id] = intent.intent_id
        svc.decisions.record_all(
            [r.decision for r in results], cycle_id=cycle_id, intent_ids=intent_ids
        )
        await self._hedge(now, report)
        self._snapshots(views, now, cycle_id, len(held))
        return report

    # -- pieces -----------------------------------------------------------------------------

    def _contracts(self, strategies: list[Strategy]) -> list[OptionContract]:
        """Every leg's contract once; reused while the book holds the very same strategies
        (the same list also lets the simulator reuse its prepared request)."""
        last, contracts = self._held
        if len(last) == len(strategies) and all(map(operator.is_, last, strategies)):
            return contracts
        contracts = contracts_of(strategies)
        self._held = (tuple(strategies), contracts)
        return contracts

    async def _poll_account(self, now: datetime, *, force: bool = False) -> bool:
        """Ask the broker for the account after any fill and every ``broker_poll_s``;
        True when it was asked."""
        svc = self.svc
        fills = len(svc.book.seen_exec)
        last = self._polled
        due = (
            force
            or svc.account is None
            or last is None
            or fills != self._fills_seen
            or (now - last).total_seconds() >= svc.cfg.engine.broker_poll_s
        )
        if due:
            svc.account = await svc.broker.account()
            self._polled = now
            self._fills_seen = fills
        return due

    def _mark_equity(self, now: datetime, pending: Sequence[Strategy]) -> bool:
        """Between polls, equity is the broker's formula on this cycle's marks: cash plus the
        held legs at mid (from the risk report, entries in flight left out). False when a
        held leg has no mark (then the broker is asked)."""
        svc = self.svc
        risk = svc.desk.risk()
        account = svc.account
        if risk is None or account is None:
            return False
        book = risk.book
        value = risk.strategy_pnl - np.asarray(book.entry_cash)
        if pending:
            skip = [book.index[s.strategy_id] for s in pending if s.strategy_id in book.index]
            value = np.delete(value, skip)
        total = float(value.sum())
        if not math.isfinite(total):
            return False
        svc.account = replace(account, net_liquidation=account.cash + total, ts=now)
        svc.desk.set_account(svc.account)
        return True

    async def _submit(
        self, intent: Intent, strategy: Strategy, decision: Decision | None, report: MonitorReport
    ) -> bool:
        """One exit through the gate; never a second intent for a strategy with one working."""
        svc = self.svc
        if strategy.strategy_id in svc.book.working:
            return False
        roll = None
        if decision is not None and intent.kind.value == "roll":
            roll = self.rolls.window(decision)
        info = IntentInfo(
            intent.intent_id,
            strategy.strategy_id,
            intent.kind,
            str(intent.metadata.get("origin", "rule")),
            decision.decision_id if decision is not None else None,
            roll_window=roll,
        )
        result = await svc.execution.submit(intent, strategy)
        if result.accepted:
            svc.book.register(info)
            report.intents += 1
            return True
        if not result.duplicate:
            report.refused += 1
            svc.book.rejections[f"exit: {_category(result.reason)}"] += 1
        return False

    async def _hedge(self, now: datetime, report: MonitorReport) -> None:
        svc = self.svc
        risk = svc.desk.risk()
        if risk is None:
            return
        exclude = frozenset(
            {
                *svc.book.working,
                *(s.strategy_id for s in svc.book.active() if s.metadata.get(UNMANAGED)),
                *(s.strategy_id for s in svc.book.pending_entries()),
            }
        )
        plan = svc.desk.hedger.plan(risk, now, sequence=now.isoformat(), exclude=exclude)
        if plan.triggered and plan.intents:
            svc.alert(
                AlertType.RISK_LIMIT,
                Severity.WARNING,
                "auto_hedge",
                plan.reason,
                dict(plan.values.items()),
            )
        for intent in plan.intents:
            strategy = svc.book.strategies.get(intent.strategy_id)
            if strategy is not None and strategy.is_active:
                await self._submit(intent, strategy, None, report)

    def _observe(
        self, now: datetime, equity: float, vix: float | None, data_ok: bool
    ) -> list[Transition]:
        svc = self.svc
        obs = Observation(
            equity=equity if math.isfinite(equity) else None,
            daily_pnl=self._daily_pnl(equity),
            closed_trade_pnls=tuple(self._closed_pnls),
            orders_accepted=self._accepted,
            orders_rejected=self._rejected,
            market_data_ok=data_ok,
            broker_connected=svc.account is not None,
            vix=vix,
            vix_change_1d=svc.history.vix_change_1d(vix),
        )
        self._closed_pnls.clear()
        self._accepted = self._rejected = 0
        transitions = svc.desk.observe(obs, now)
        for t in transitions:
            text = f"trading {t.from_state.value} -> {t.to_state.value}: {t.reason}"
            if t.to_state.value == "active":
                svc.alerts.resolve("breaker", text)
                log.info("%s", text)
                continue
            svc.alert(
                AlertType.CIRCUIT_BREAKER,
                Severity.CRITICAL if t.to_state.value == "halted" else Severity.WARNING,
                "breaker",
                text,
                {k: v for k, v in t.data().items() if isinstance(v, str | float | int | bool)},
            )
        return transitions

    def _update_regimes(
        self, now: datetime, spots: dict[str, float | None], vix: float | None
    ) -> None:
        every = self.svc.cfg.engine.regime_update_s
        last = self._last_regime
        if last is None or (now - last).total_seconds() >= every:
            self.svc.regimes.update(now, spots, vix, self.svc.history)
            self._last_regime = now

    def _daily_pnl(self, equity: float) -> float:
        start = self.svc.day.start_equity
        if start is None or not math.isfinite(equity):
            return 0.0 if start is None else math.nan
        return equity - start

    def _alert_data(self, r: EvaluationResult) -> None:
        if r.severity is None:
            return
        for key in r.alert_keys():
            self.svc.alert(
                AlertType.BAD_DATA,
                r.severity,
                key,
                f"{r.decision.strategy_id}: {r.issues_text}"[:400],
                {"strategy_id": r.decision.strategy_id},
            )

    def _snapshots(
        self, views: Sequence[StrategyView], now: datetime, cycle_id: str, n_open: int
    ) -> None:
        svc = self.svc
        last = self._last_snapshot
        if last is not None and (now - last).total_seconds() < svc.cfg.engine.snapshot_interval_s:
            return
        self._last_snapshot = now
        if views:
            svc.store.append("position_snapshots", position_rows(views, cycle_id=cycle_id, ts=now))
        if svc.account is not None:
            row = account_row(svc.account, svc.desk.risk(), open_strategies=n_open, ts=now)
            svc.store.append("account_snapshots", [row])


def account_nl(account: object) -> float:
    nl = getattr(account, "net_liquidation", None)
    return float(nl) if isinstance(nl, int | float) else math.nan


def _category(reason: str) -> str:
    """A short, countable label of a refusal (the full text is in the journal)."""
    text = reason.removeprefix("risk gate: ")
    for marker in (":", "(", ";"):
        head = text.split(marker, 1)[0].strip()
        if head:
            text = head
    return text[:60]


__all__ = ["MonitorReport", "PositionMonitoringWorkflow", "contracts_of", "symbols_of"]

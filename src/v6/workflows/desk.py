"""The risk desk: everything the gate judges an intent against, kept current by the cycle.

Once per cycle ``assess`` prices the book (held strategies plus entries in flight, counted
as if already open so two entries working at once cannot pass a limit together) into a
``RiskSnapshot``; ``observe`` moves the circuit breaker; ``poll_kill`` reads the kill switch.
The ``PreTradeGate`` reads all three through ``context()``: the only path to the broker.
"""

from __future__ import annotations

from collections import ChainMap, Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from v6.config.models import TradingConfig
from v6.domain.portfolio import Portfolio
from v6.domain.quote import Quote
from v6.domain.strategy import Strategy, StrategyStatus
from v6.ports.broker import AccountSummary
from v6.ports.clock import Clock
from v6.risk.breaker import BreakerState, CircuitBreaker, Transition
from v6.risk.calculator import PnLInputs, PortfolioRisk, PortfolioRiskCalculator
from v6.risk.correlation import CorrelationGroups
from v6.risk.gate import GateContext, GateResult, GateStage, PreTradeGate
from v6.risk.hedge import AutoHedger
from v6.risk.killswitch import KillSwitch, KillSwitchStatus
from v6.risk.limits import PortfolioLimitsChecker
from v6.risk.market import MarketInputs
from v6.risk.snapshot import RiskSnapshot
from v6.risk.triggers import Observation


def as_open(pending: Strategy, at: datetime) -> Strategy:
    """An entry in flight, counted as held (the portfolio as it would be if it filled)."""
    return pending.with_status(StrategyStatus.OPEN, at=at)


class RiskDesk:
    """Calculator, limits, breaker, hedger and kill switch behind one gate."""

    __slots__ = (
        "_clock",
        "breaker",
        "calculator",
        "cfg",
        "checker",
        "gate",
        "groups",
        "hedger",
        "kill",
        "kill_status",
        "quote_max_age",
        "refusals",
        "snapshot",
    )

    def __init__(self, cfg: TradingConfig, data_dir: Path, clock: Clock) -> None:
        self.cfg = cfg
        self._clock = clock
        self.calculator = PortfolioRiskCalculator(cfg.risk)
        self.checker = PortfolioLimitsChecker(cfg.limits, cfg.risk)
        self.breaker = CircuitBreaker(cfg.risk.breakers, cfg.limits)
        self.hedger = AutoHedger(cfg.risk.hedge)
        self.kill = KillSwitch.from_config(data_dir, cfg.risk.kill_switch)
        self.kill_status: KillSwitchStatus | None = None
        self.groups = CorrelationGroups.singletons()
        self.snapshot: RiskSnapshot | None = None
        self.quote_max_age = timedelta(seconds=cfg.refresh.quote_max_age_s)
        self.refusals: Counter[str] = Counter()
        """Gate refusals by stage (kill_switch, breaker, snapshot, limits, error)."""
        self.gate = PreTradeGate(self.checker, self.context, cfg.risk, on_result=self._on_result)

    # -- the gate's view ----------------------------------------------------------------------

    def context(self) -> GateContext:
        return GateContext(self._clock.now(), self.snapshot, self.breaker.state, self.kill_status)

    def _on_result(self, result: GateResult) -> None:
        if not result.approved:
            self.refusals[result.stage.value] += 1

    @property
    def state(self) -> BreakerState:
        return self.breaker.state

    # -- per cycle --------------------------------------------------------------------------

    def assess(
        self,
        *,
        held: Sequence[Strategy],
        pending: Sequence[Strategy],
        account: AccountSummary | None,
        spots: Mapping[str, float | None],
        quotes: Mapping[str, Quote],
        rates: tuple[float, Mapping[str, float]],
        pnl: PnLInputs,
        ts: datetime,
    ) -> RiskSnapshot:
        """Price the book now and make it the gate's snapshot."""
        strategies = (*held, *(as_open(s, ts) for s in pending))
        cash = account.cash if account is not None else float("nan")
        net_liq = account.net_liquidation if account is not None else float("nan")
        portfolio = Portfolio(strategies, cash, net_liq, ts)
        market = MarketInputs(
            ts,
            {k: v for k, v in spots.items() if v is not None},
            quotes,
            rate=rates[0],
            div_yields=rates[1],
            quote_max_age=self.quote_max_age,
        )
        risk = self.calculator.compute(portfolio, market, pnl_inputs=pnl)
        self.snapshot = RiskSnapshot(
            portfolio,
            risk,
            market,
            self.groups,
            None if account is None else account.buying_power,
        )
        return self.snapshot

    def set_account(self, account: AccountSummary) -> None:
        """The account changed (equity re-marked): the gate's snapshot carries it."""
        snap = self.snapshot
        if snap is None:
            return
        nl = account.net_liquidation
        self.snapshot = replace(
            snap,
            portfolio=replace(snap.portfolio, cash=account.cash, net_liquidation=nl),
            risk=replace(snap.risk, net_liquidation=nl),
            buying_power=account.buying_power,
        )

    def with_quotes(self, extra: Mapping[str, Quote]) -> None:
        """Let the gate see quotes of contracts not held yet (an entry's legs)."""
        snap = self.snapshot
        if snap is None or not extra:
            return
        quotes: Mapping[str, Quote] = ChainMap(dict(extra), dict(snap.market.quotes))
        self.snapshot = replace(snap, market=replace(snap.market, quotes=quotes))

    def observe(self, obs: Observation, now: datetime) -> list[Transition]:
        """Move the breaker; returns the transitions this observation caused."""
        history = self.breaker.state.history
        last = history[-1] if history else None
        fresh: list[Transition] = []
        for t in reversed(self.breaker.update(obs, now).history):
            if t is last:
                break
            fresh.append(t)
        return fresh[::-1]

    def poll_kill(self) -> KillSwitchStatus | None:
        self.kill_status = self.kill.read() if self.kill.is_set() else None
        return self.kill_status

    def risk(self) -> PortfolioRisk | None:
        return None if self.snapshot is None else self.snapshot.risk

    def trading_state(self) -> str:
        """ACTIVE / REDUCING / HALTED as the health record shows it (the kill switch counts
        as HALTED)."""
        if self.kill_status is not None:
            return "HALTED"
        return self.breaker.state.state.value.upper()


__all__ = ["GateStage", "RiskDesk", "as_open"]

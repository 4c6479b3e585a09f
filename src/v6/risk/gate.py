"""The pre-trade risk gate every intent passes: kill switch, then circuit breaker, then the
snapshot's freshness, then the portfolio limits. ``gate_intent`` is the pure decision;
``PreTradeGate`` adapts it to the execution engine's ``RiskGate`` port (``check(intent) ->
GateDecision``) by asking a context provider for the current snapshot, breaker state and
kill-switch status, and hands every full ``GateResult`` to an optional journal callback.

Permissions by state: ACTIVE everything (subject to limits); REDUCING closes, reductions and
hedges only; HALTED nothing except pro-rata unwinds of held strategies (closes), when
``breakers.halted_allows_closes``; kill switch set: nothing except flattening unwinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from v6.domain.orders import Intent, IntentKind
from v6.execution.ports import GateDecision
from v6.risk.breaker import BreakerState, TradingState
from v6.risk.config import RiskConfig
from v6.risk.killswitch import KillSwitchStatus
from v6.risk.limits import JournalValue, LimitResult, PortfolioLimitsChecker
from v6.risk.snapshot import RiskSnapshot
from v6.risk.trade import is_pro_rata_unwind, merged_changes


class GateStage(StrEnum):
    """Where the gate decided."""

    KILL_SWITCH = "kill_switch"
    BREAKER = "breaker"
    SNAPSHOT = "snapshot"
    LIMITS = "limits"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class GateContext:
    """What the gate consults besides the intent, gathered by the shell."""

    now: datetime
    snapshot: RiskSnapshot | None
    breaker: BreakerState
    kill: KillSwitchStatus | None = None


@dataclass(frozen=True, slots=True)
class GateResult:
    """The gate's full answer, for the journal; ``decision()`` is what execution needs."""

    ts: datetime
    intent_id: str
    kind: IntentKind
    strategy_id: str
    approved: bool
    reason: str
    stage: GateStage
    trading_state: TradingState
    limits: LimitResult | None = None

    def decision(self) -> GateDecision:
        return GateDecision(self.approved, self.reason)

    def data(self) -> dict[str, JournalValue | datetime]:
        out: dict[str, JournalValue | datetime] = {
            "ts": self.ts,
            "intent_id": self.intent_id,
            "kind": self.kind.value,
            "strategy_id": self.strategy_id,
            "approved": self.approved,
            "reason": self.reason,
            "stage": self.stage.value,
            "trading_state": self.trading_state.value,
        }
        if self.limits is not None:
            lim = self.limits.data()
            out.update({k: v for k, v in lim.items() if k not in out})
        return out


def _is_unwind(intent: Intent, snapshot: RiskSnapshot | None) -> bool:
    if snapshot is None:
        return False
    for s in snapshot.portfolio.active:
        if s.strategy_id == intent.strategy_id:
            return is_pro_rata_unwind(s, merged_changes(intent), intent.kind)
    return False


def gate_intent(
    intent: Intent, ctx: GateContext, checker: PortfolioLimitsChecker, cfg: RiskConfig
) -> GateResult:
    """Decide one intent (pure given its inputs)."""
    state = ctx.breaker.state

    def result(
        approved: bool, reason: str, stage: GateStage, lim: LimitResult | None = None
    ) -> GateResult:
        return GateResult(
            ctx.now,
            intent.intent_id,
            intent.kind,
            intent.strategy_id,
            approved,
            reason,
            stage,
            state,
            lim,
        )

    unwind = _is_unwind(intent, ctx.snapshot)
    flattening = False
    if ctx.kill is not None:
        flatten = cfg.kill_switch.flatten if ctx.kill.flatten is None else ctx.kill.flatten
        if not (flatten and unwind):
            why = ctx.kill.reason or "no reason given"
            return result(False, f"kill switch set ({why}): no orders", GateStage.KILL_SWITCH)
        flattening = True  # the operator asked to flatten: breakers do not stand in the way
    halted_ok = unwind and (cfg.breakers.halted_allows_closes or flattening)
    if state is TradingState.HALTED and not halted_ok:
        return result(
            False, f"trading halted by circuit breaker: {ctx.breaker.reason}", GateStage.BREAKER
        )
    if state is TradingState.REDUCING and not intent.reduces_risk:
        return result(
            False,
            f"trading reducing (closes and hedges only) by circuit breaker: {ctx.breaker.reason}",
            GateStage.BREAKER,
        )
    snap = ctx.snapshot
    if snap is None:
        return result(False, "no risk snapshot yet", GateStage.SNAPSHOT)
    age = (ctx.now - snap.risk.ts).total_seconds()
    if not unwind and age > cfg.max_snapshot_age_s:
        return result(
            False,
            f"risk snapshot is {age:.0f} s old, limit {cfg.max_snapshot_age_s:g} s",
            GateStage.SNAPSHOT,
        )
    lim = checker.check(intent, snap)
    return result(lim.approved, lim.reason, GateStage.LIMITS, lim)


class PreTradeGate:
    """Satisfies ``v6.execution.ports.RiskGate``. ``context`` is called once per intent and
    must be cheap (return the cycle's prepared snapshot, the breaker's state, the last polled
    kill-switch status and the clock's now)."""

    __slots__ = ("_checker", "_context", "_on_result", "cfg")

    def __init__(
        self,
        checker: PortfolioLimitsChecker,
        context: Callable[[], GateContext],
        cfg: RiskConfig | None = None,
        on_result: Callable[[GateResult], None] | None = None,
    ) -> None:
        self._checker = checker
        self._context = context
        self.cfg = cfg or checker.cfg
        self._on_result = on_result

    def evaluate(self, intent: Intent) -> GateResult:
        try:
            ctx = self._context()
        except Exception as exc:  # no context, no approval
            res = _error(intent, intent.created_at, TradingState.HALTED, "context", exc)
        else:
            try:
                res = gate_intent(intent, ctx, self._checker, self.cfg)
            except Exception as exc:  # the port must not raise: an error is a refusal
                res = _error(intent, ctx.now, ctx.breaker.state, "", exc)
        if self._on_result is not None:
            self._on_result(res)
        return res

    def check(self, intent: Intent) -> GateDecision:
        return self.evaluate(intent).decision()


def _error(
    intent: Intent, now: datetime, state: TradingState, where: str, exc: Exception
) -> GateResult:
    place = f" ({where})" if where else ""
    return GateResult(
        now,
        intent.intent_id,
        intent.kind,
        intent.strategy_id,
        False,
        f"risk gate error{place}: {type(exc).__name__}: {exc}",
        GateStage.ERROR,
        state,
    )

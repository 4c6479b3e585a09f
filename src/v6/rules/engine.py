"""``DecisionEngine``: runs the enabled rules in priority order over one strategy's views and
returns the first decision that acts, with the rule state updated and every data problem
listed for the caller to alert on.

Bad data never reaches a rule. A core problem (a leg without a valid mark, no spot, P&L not
finite) makes the answer a HOLD marked ``data_valid=False``; if that lasts longer than
``blind_escalation_s`` the catastrophe check has been blind too long and the severity becomes
CRITICAL. A problem with a non-core input (Greeks, IV, VIX, regime, portfolio) skips only the
rules that need it; a HOLD reached with such a rule skipped is marked data-invalid too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from v6.config.sections import ProfitTargets, TradingLimitsConfig
from v6.domain.alert import Severity
from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.rules.base import Rule, RuleState, RuleView, context_inputs, make_decision_id
from v6.rules.catastrophe import CatastropheRule
from v6.rules.config import RulesConfig
from v6.rules.dte_roll import DTERollRule
from v6.rules.explain import describe
from v6.rules.greek_risk import DeltaRiskRule, GammaRiskRule
from v6.rules.iv_crush import IVCrushRule
from v6.rules.portfolio_limits import PortfolioLimitsRule
from v6.rules.stop_loss import StopLossRule
from v6.rules.take_profit import DynamicTakeProfit, TakeProfitRule
from v6.rules.time_exit import TimeExitRule
from v6.rules.trailing_stop import TrailingStopRule
from v6.rules.views import DataIssue, MarketView, Need, PortfolioView, StrategyView
from v6.rules.vix_exit import VIXExitRule

if TYPE_CHECKING:
    from v6.config.models import TradingConfig

HOLD_RULE = "hold"
INVALID_RULE = "data_invalid"
_NO_NEEDS: frozenset[Need] = frozenset()


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """The engine's answer for one strategy and one cycle.

    ``severity`` is what the caller should alert with: None (nothing wrong), WARNING (bad or
    missing data blocked some or all rules) or CRITICAL (the catastrophe check has been
    blind for longer than its limit). ``data_issues`` says what and why.
    """

    decision: Decision
    state: RuleState
    data_issues: tuple[DataIssue, ...] = ()
    skipped_rules: tuple[str, ...] = ()
    """Enabled rules that could not be evaluated this cycle (their inputs missing or bad)."""
    severity: Severity | None = None

    def alert_keys(self) -> tuple[str, ...]:
        """One de-duplication key per alert-worthy problem: strategy problems per strategy,
        market and portfolio problems once for all strategies they block."""
        sid = self.decision.strategy_id
        return tuple(dict.fromkeys(i.alert_key(sid) for i in self.data_issues if i.invalid))

    @property
    def issues_text(self) -> str:
        return "; ".join(str(i) for i in self.data_issues)


def build_rules(
    cfg: RulesConfig, profit_targets: ProfitTargets, limits: TradingLimitsConfig
) -> tuple[Rule, ...]:
    """All twelve rules from configuration (disabled ones included, flagged), unordered."""
    return (
        CatastropheRule(cfg.catastrophe),
        TrailingStopRule(cfg.trailing_stop),
        TimeExitRule(cfg.time_exit, roll_enabled=cfg.dte_roll.enabled),
        DynamicTakeProfit(cfg.dynamic_take_profit, profit_targets),
        TakeProfitRule(cfg.take_profit, dynamic_enabled=cfg.dynamic_take_profit.enabled),
        StopLossRule(cfg.stop_loss),
        DeltaRiskRule(cfg.delta_risk),
        GammaRiskRule(cfg.gamma_risk),
        IVCrushRule(cfg.iv_crush),
        DTERollRule(cfg.dte_roll),
        VIXExitRule(cfg.vix_exit),
        PortfolioLimitsRule(cfg.portfolio_limits, limits),
    )


class DecisionEngine:
    """Evaluates rules in priority order; the first non-HOLD decision wins.

    A rule may return an explicit HOLD (e.g. "no credit roll, policy hold"); the engine keeps
    the first such HOLD as its answer only if no later rule acts.
    """

    __slots__ = ("_blind_s", "_catastrophe_on", "_evaluators", "_needs", "_rules", "_stateful")

    def __init__(self, rules: Sequence[Rule], *, blind_escalation_s: float = 120.0) -> None:
        ordered = sorted((r for r in rules if r.enabled), key=lambda r: (r.priority, r.name))
        names = [r.name for r in ordered]
        if len(set(names)) != len(names):
            raise ValueError(f"rule names must be unique, got {names}")
        self._rules: tuple[Rule, ...] = tuple(ordered)
        self._evaluators = tuple(r.evaluate for r in ordered)
        self._stateful = tuple(r for r in ordered if r.stateful)
        self._needs: frozenset[Need] = frozenset().union(*(r.needs for r in ordered))
        self._blind_s = blind_escalation_s
        self._catastrophe_on = any(isinstance(r, CatastropheRule) for r in ordered)

    @classmethod
    def from_sections(
        cls,
        rules: RulesConfig | None = None,
        profit_targets: ProfitTargets | None = None,
        limits: TradingLimitsConfig | None = None,
    ) -> DecisionEngine:
        cfg = rules or RulesConfig()
        built = build_rules(cfg, profit_targets or ProfitTargets(), limits or TradingLimitsConfig())
        return cls(built, blind_escalation_s=cfg.catastrophe.blind_escalation_s)

    @classmethod
    def from_config(cls, config: TradingConfig) -> DecisionEngine:
        """The engine ``TradingConfig`` describes (rules, profit_targets, limits)."""
        return cls.from_sections(config.rules, config.profit_targets, config.limits)

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Enabled rules in evaluation order."""
        return self._rules

    def evaluate(
        self,
        strategy_view: StrategyView,
        market_view: MarketView,
        portfolio_view: PortfolioView | None = None,
        state: RuleState | None = None,
    ) -> EvaluationResult:
        """Decide for one strategy. Pure: equal arguments give equal results."""
        sv = strategy_view
        if state is None:
            state = RuleState(sv.strategy_id)
        und = market_view.underlyings.get(sv.symbol)
        issues = sv.issues
        if market_view.issues:
            issues = issues + market_view.issues
        if und is None:
            missing = DataIssue(
                f"underlying {sv.symbol}", "not in market view", Need.REGIME, False, "market"
            )
            issues = (*issues, missing)
        elif und.regime is None:
            unknown = DataIssue(f"regime {sv.symbol}", "not known", Need.REGIME, False, "market")
            issues = (*issues, unknown)
        if portfolio_view is None:
            absent = DataIssue("portfolio", "not provided", Need.PORTFOLIO, False, "portfolio")
            issues = (*issues, absent)
        elif portfolio_view.issues:
            issues = issues + portfolio_view.issues
        blocked = _NO_NEEDS
        if issues:
            core = tuple(i for i in issues if i.need is None)
            if core:
                return self._invalid(sv, core, state)
            relevant = tuple(i for i in issues if i.need in self._needs)
            issues = relevant
            blocked = frozenset(i.need for i in relevant if i.need is not None)
        if state.invalid_since is not None:
            state = replace(state, invalid_since=None)
        view = RuleView(sv, und, market_view, portfolio_view, state)
        for rule in self._stateful:
            if not rule.needs & blocked:
                state = rule.advance(view, state)
        if state is not view.state:
            view = RuleView(sv, und, market_view, portfolio_view, state)
        if blocked:
            skipped = tuple(r.name for r in self._rules if r.needs & blocked)
            evaluators = tuple(r.evaluate for r in self._rules if not r.needs & blocked)
        else:
            skipped, evaluators = (), self._evaluators
        held: Decision | None = None
        for evaluate in evaluators:
            decision = evaluate(view)
            if decision is None:
                continue
            if decision.action is Action.HOLD:
                held = held or decision
                continue
            return EvaluationResult(decision, state, issues, skipped, self._severity(issues))
        return self._hold(sv, state, issues, skipped, held)

    def evaluate_all(
        self,
        strategy_views: Sequence[StrategyView],
        market_view: MarketView,
        portfolio_view: PortfolioView | None = None,
        states: Mapping[str, RuleState] | None = None,
    ) -> list[EvaluationResult]:
        """``evaluate`` for every view (one monitoring cycle); states keyed by strategy id."""
        get = (states or {}).get
        return [
            self.evaluate(sv, market_view, portfolio_view, get(sv.strategy_id))
            for sv in strategy_views
        ]

    # -- results -------------------------------------------------------------------------

    @staticmethod
    def _severity(issues: tuple[DataIssue, ...]) -> Severity | None:
        return Severity.WARNING if any(i.invalid for i in issues) else None

    def _hold(
        self,
        sv: StrategyView,
        state: RuleState,
        issues: tuple[DataIssue, ...],
        skipped: tuple[str, ...],
        held: Decision | None,
    ) -> EvaluationResult:
        severity = self._severity(issues)
        trusted = severity is None or not skipped
        if held is not None:
            decision = held if trusted else replace(held, data_valid=False)
            return EvaluationResult(decision, state, issues, skipped, severity)
        inputs = context_inputs(sv)
        if skipped:
            inputs["skipped_rules"] = ",".join(skipped)
            inputs["data_issues"] = "; ".join(str(i) for i in issues)
        decision = Decision(
            decision_id=make_decision_id(sv.strategy_id, sv.ts, HOLD_RULE),
            strategy_id=sv.strategy_id,
            action=Action.HOLD,
            urgency=Urgency.LOW,
            rule=HOLD_RULE,
            priority=0,
            ts=sv.ts,
            reason="no rule fired",
            inputs=inputs,
            data_valid=trusted,
        )
        return EvaluationResult(decision, state, issues, skipped, severity)

    def _invalid(
        self, sv: StrategyView, core: tuple[DataIssue, ...], state: RuleState
    ) -> EvaluationResult:
        since = state.invalid_since or sv.ts
        if state.invalid_since is None:
            state = replace(state, invalid_since=since)
        blind_s = (sv.ts - since).total_seconds()
        critical = self._catastrophe_on and blind_s >= self._blind_s
        inputs = context_inputs(sv)
        inputs["data_issues"] = "; ".join(str(i) for i in core)
        inputs["invalid_since"] = since.isoformat()
        inputs["invalid_for_s"] = blind_s
        thresholds = {"blind_escalation_s": self._blind_s}
        decision = Decision(
            decision_id=make_decision_id(sv.strategy_id, sv.ts, INVALID_RULE),
            strategy_id=sv.strategy_id,
            action=Action.HOLD,
            urgency=Urgency.IMMEDIATE if critical else Urgency.LOW,
            rule=INVALID_RULE,
            priority=0,
            ts=sv.ts,
            reason=describe(INVALID_RULE, inputs, thresholds),
            inputs=inputs,
            thresholds=thresholds,
            data_valid=False,
        )
        severity = Severity.CRITICAL if critical else Severity.WARNING
        return EvaluationResult(decision, state, core, tuple(r.name for r in self._rules), severity)

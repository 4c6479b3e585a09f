"""Portfolio risk, pure and fast: ``PortfolioRiskCalculator`` (Greeks, beta-weighted delta,
margin, P&L), the stress matrix, ``PortfolioLimitsChecker`` (the pre-trade limits), the
``CircuitBreaker`` state machine, the kill switch, the auto-hedger and the ``PreTradeGate``
that puts them in front of the execution engine.
"""

# TradingConfig embeds RiskConfig (v6.config.models imports v6.risk.config), so the config
# package must start loading before any risk module does; importing it first makes every
# import order work (v6.risk first, v6.config first, or v6.risk.config directly).
import v6.config  # noqa: F401  (import order, see above)
from v6.risk.book import BookBuilder, LegBook, StrategyFacts, strategy_max_loss
from v6.risk.breaker import (
    BreakerState,
    CircuitBreaker,
    TradingState,
    Transition,
    Trigger,
    Trip,
)
from v6.risk.calculator import (
    PnL,
    PnLInputs,
    PortfolioRisk,
    PortfolioRiskCalculator,
    RiskIssue,
    StrategyRisk,
    UnderlyingRisk,
)
from v6.risk.checks import LimitCheck, LimitName
from v6.risk.config import (
    BreakersConfig,
    HedgeConfig,
    KillSwitchConfig,
    RiskConfig,
    StressConfig,
)
from v6.risk.correlation import CorrelationGroups, correlation_groups, estimate_betas
from v6.risk.gate import GateContext, GateResult, GateStage, PreTradeGate, gate_intent
from v6.risk.hedge import AutoHedger, HedgePlan, UnderlyingHedge
from v6.risk.killswitch import KillPlan, KillSwitch, KillSwitchStatus, plan_kill
from v6.risk.limits import LimitResult, PortfolioLimitsChecker
from v6.risk.market import ExpiryClock, MarketInputs
from v6.risk.snapshot import RiskSnapshot
from v6.risk.stress import StressMatrix, stress_matrix
from v6.risk.trade import TradeEffect, payoff_max_loss, trade_effect
from v6.risk.triggers import Observation

BreakerObservation = Observation

__all__ = [
    "AutoHedger",
    "BookBuilder",
    "BreakerObservation",
    "BreakerState",
    "BreakersConfig",
    "CircuitBreaker",
    "CorrelationGroups",
    "ExpiryClock",
    "GateContext",
    "GateResult",
    "GateStage",
    "HedgeConfig",
    "HedgePlan",
    "KillPlan",
    "KillSwitch",
    "KillSwitchConfig",
    "KillSwitchStatus",
    "LegBook",
    "LimitCheck",
    "LimitName",
    "LimitResult",
    "MarketInputs",
    "Observation",
    "PnL",
    "PnLInputs",
    "PortfolioLimitsChecker",
    "PortfolioRisk",
    "PortfolioRiskCalculator",
    "PreTradeGate",
    "RiskConfig",
    "RiskIssue",
    "RiskSnapshot",
    "StrategyFacts",
    "StrategyRisk",
    "StressConfig",
    "StressMatrix",
    "TradeEffect",
    "TradingState",
    "Transition",
    "Trigger",
    "Trip",
    "UnderlyingHedge",
    "UnderlyingRisk",
    "correlation_groups",
    "estimate_betas",
    "gate_intent",
    "payoff_max_loss",
    "plan_kill",
    "strategy_max_loss",
    "stress_matrix",
    "trade_effect",
]

"""The decision core: ``DecisionEngine`` and its twelve priority rules, ``DynamicTakeProfit``,
the views they read, the view builder, the regime detector and the explanation renderer.

Pure functions over plain data (functional core): nothing here calls a broker, a clock or a
table. State that rules need between cycles is an explicit ``RuleState`` per strategy.
"""

# TradingConfig embeds RulesConfig (v6.config.models imports v6.rules.config), so the config
# package must start loading before any rule module does; importing it first makes every
# import order work (v6.rules first, v6.config first, or v6.rules.config directly).
import v6.config  # noqa: F401  (import order, see above)
from v6.rules.base import Rule, RuleState, RuleView, make_decision_id
from v6.rules.builder import ENTRY_IV_KEY, StrategyFacts, StrategyViewBuilder
from v6.rules.catastrophe import CatastropheRule
from v6.rules.config import RULE_NAMES, RegimeConfig, RulesConfig
from v6.rules.dte_roll import DTERollRule
from v6.rules.engine import DecisionEngine, EvaluationResult, build_rules
from v6.rules.explain import describe, explain
from v6.rules.greek_risk import DeltaRiskRule, GammaRiskRule
from v6.rules.iv_crush import IVCrushRule
from v6.rules.portfolio_limits import PortfolioLimitsRule
from v6.rules.regime import (
    EnhancedMarketRegimeDetector,
    RegimeFeatures,
    RegimeReading,
    RegimeState,
)
from v6.rules.regime_source import (
    ExternalRegime,
    ExternalRegimeSource,
    FileRegimeSource,
    resolve_regime,
)
from v6.rules.stop_loss import StopLossRule
from v6.rules.take_profit import DynamicTakeProfit, TakeProfitRule
from v6.rules.time_exit import TimeExitRule
from v6.rules.trailing_stop import TrailingStopRule
from v6.rules.views import (
    DataIssue,
    LegView,
    MarketView,
    Need,
    PortfolioView,
    StrategyContribution,
    StrategyView,
    UnderlyingView,
)
from v6.rules.vix_exit import VIXExitRule

__all__ = [
    "ENTRY_IV_KEY",
    "RULE_NAMES",
    "CatastropheRule",
    "DTERollRule",
    "DataIssue",
    "DecisionEngine",
    "DeltaRiskRule",
    "DynamicTakeProfit",
    "EnhancedMarketRegimeDetector",
    "EvaluationResult",
    "ExternalRegime",
    "ExternalRegimeSource",
    "FileRegimeSource",
    "GammaRiskRule",
    "IVCrushRule",
    "LegView",
    "MarketView",
    "Need",
    "PortfolioLimitsRule",
    "PortfolioView",
    "RegimeConfig",
    "RegimeFeatures",
    "RegimeReading",
    "RegimeState",
    "Rule",
    "RuleState",
    "RuleView",
    "RulesConfig",
    "StopLossRule",
    "StrategyContribution",
    "StrategyFacts",
    "StrategyView",
    "StrategyViewBuilder",
    "TakeProfitRule",
    "TimeExitRule",
    "TrailingStopRule",
    "UnderlyingView",
    "VIXExitRule",
    "build_rules",
    "describe",
    "explain",
    "make_decision_id",
    "resolve_regime",
]

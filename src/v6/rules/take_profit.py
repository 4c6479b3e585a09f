"""Rules 4 and 5: take-profit by market regime (``DynamicTakeProfit``, the seed table in
``profit_targets``: crash 40 %, high_vol 50 %, normal 80 %, low_vol 90 %, trending 85 %,
range_bound 80 % of max profit) and the fixed take-profit (default 50 %).

The fixed rule defers to the dynamic one whenever the dynamic one can decide (enabled and the
regime known): otherwise the fixed 50 % would always pre-empt the table's 80-90 % targets.
"""

from __future__ import annotations

from v6.config.sections import ProfitTargets
from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.domain.regime import Regime
from v6.rules.base import Rule, RuleView
from v6.rules.config import DynamicTakeProfitConfig, TakeProfitConfig
from v6.rules.views import Need


class DynamicTakeProfit(Rule):
    name = "dynamic_take_profit"
    urgency = Urgency.NORMAL
    needs = frozenset({Need.PROFIT_BASIS, Need.REGIME})

    __slots__ = ("targets",)

    def __init__(self, cfg: DynamicTakeProfitConfig, targets: ProfitTargets) -> None:
        super().__init__(priority=cfg.priority, enabled=cfg.enabled)
        self.targets: dict[Regime, float] = targets.as_dict()

    def target_for(self, regime: Regime) -> float:
        """Take-profit fraction of max profit for ``regime``."""
        return self.targets[regime]

    def evaluate(self, view: RuleView) -> Decision | None:
        und = view.underlying
        if und is None or und.regime is None:
            return None
        target = self.targets[und.regime]
        if not view.strategy.pnl_fraction >= target:
            return None
        return self.decide(
            view,
            Action.CLOSE,
            {"regime": und.regime.value, "regime_source": und.regime_source or None},
            {"target_fraction": target},
        )


class TakeProfitRule(Rule):
    name = "take_profit"
    urgency = Urgency.NORMAL
    needs = frozenset({Need.PROFIT_BASIS})

    __slots__ = ("deferring", "fraction")

    def __init__(self, cfg: TakeProfitConfig, *, dynamic_enabled: bool = False) -> None:
        super().__init__(priority=cfg.priority, enabled=cfg.enabled)
        self.fraction = cfg.fraction
        self.deferring = cfg.defer_to_dynamic and dynamic_enabled

    def evaluate(self, view: RuleView) -> Decision | None:
        und = view.underlying
        if self.deferring and und is not None and und.regime is not None:
            return None
        if not view.strategy.pnl_fraction >= self.fraction:
            return None
        return self.decide(view, Action.CLOSE, {}, {"target_fraction": self.fraction})

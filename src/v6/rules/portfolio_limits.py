"""Rule 12, portfolio limits: while a portfolio Greek is at or beyond ``limits.max_abs_*``
(times ``tolerance``), or one symbol holds at least ``limits.max_concentration`` of the
portfolio's risk, reduce the largest contributor first.

Per strategy this is O(1): ``PortfolioView`` names each metric's largest contributor once per
cycle; only that strategy's evaluation can fire for that metric. After it is reduced the next
cycle names the next-largest, until the portfolio is back inside its limits.
"""

from __future__ import annotations

from v6.config.sections import TradingLimitsConfig
from v6.domain.decision import Action, Decision
from v6.domain.orders import Urgency
from v6.rules.base import Inputs, Rule, RuleView, reduce_units
from v6.rules.config import PortfolioLimitsConfig
from v6.rules.views import GREEK_METRICS, Need


class PortfolioLimitsRule(Rule):
    name = "portfolio_limits"
    urgency = Urgency.HIGH
    needs = frozenset({Need.PORTFOLIO})

    __slots__ = ("limits", "max_concentration", "min_strategies", "reduce_fraction", "tolerance")

    def __init__(self, cfg: PortfolioLimitsConfig, limits: TradingLimitsConfig) -> None:
        super().__init__(priority=cfg.priority, enabled=cfg.enabled)
        self.tolerance = cfg.tolerance
        self.min_strategies = cfg.concentration_min_strategies
        self.reduce_fraction = cfg.reduce_fraction
        self.limits: dict[str, float] = {
            "delta": limits.max_abs_delta * cfg.tolerance,
            "gamma": limits.max_abs_gamma * cfg.tolerance,
            "theta_per_day": limits.max_abs_theta_per_day * cfg.tolerance,
            "vega_per_vol_point": limits.max_abs_vega_per_vol_point * cfg.tolerance,
        }
        self.max_concentration = limits.max_concentration * cfg.tolerance

    def evaluate(self, view: RuleView) -> Decision | None:
        p = view.portfolio
        s = view.strategy
        sid = s.strategy_id
        if p is None or sid not in p.leaders:
            return None
        breaches: list[str] = []
        inputs: Inputs = {}
        thresholds: Inputs = {}
        for metric in GREEK_METRICS:
            if p.largest.get(metric) != sid:
                continue
            total = getattr(p.greeks, metric)
            if abs(total) >= self.limits[metric]:
                breaches.append(metric)
                inputs[f"portfolio_{metric}"] = total
                inputs[f"contribution_{metric}"] = getattr(p.contributions[sid].greeks, metric)
                thresholds[f"limit_{metric}"] = self.limits[metric]
        if p.open_strategies >= self.min_strategies and p.largest_in_symbol.get(s.symbol) == sid:
            share = p.concentration.get(s.symbol, 0.0)
            if share >= self.max_concentration:
                breaches.append("concentration")
                inputs["concentration"] = share
                inputs["open_strategies"] = p.open_strategies
                thresholds["concentration_limit"] = self.max_concentration
        if not breaches:
            return None
        inputs["breaches"] = ",".join(breaches)
        thresholds["tolerance"] = self.tolerance
        thresholds["reduce_fraction"] = self.reduce_fraction
        thresholds["reduce_units"] = reduce_units(s.units, self.reduce_fraction)
        return self.decide(view, Action.REDUCE, inputs, thresholds)

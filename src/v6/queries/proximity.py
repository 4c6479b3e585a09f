"""Which exit rule is closest to firing for an open strategy, and how close: the number a
trader scans the positions table for ("this one is at 90 % of its take-profit").

Pure arithmetic over the numbers a decision carries (``pnl_fraction``, ``pnl``, ``dte``,
``entry_credit``, ``max_loss``) and the configured thresholds; a decision that already fired
is reported as such with the thresholds it compared against.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from v6.config.sections import ProfitTargets
from v6.rules.config import RulesConfig
from v6.rules.explain import describe, pct, usd

Values = Mapping[str, float | str | None]


@dataclass(frozen=True, slots=True)
class RuleProximity:
    """``closeness`` is the measured value over the rule's threshold: 0 is far away, 1 is at
    the threshold (above 1: past it, e.g. while another rule defers it)."""

    rule: str
    closeness: float
    detail: str
    fired: bool = False


def _num(values: Values, key: str) -> float | None:
    value = values.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _regime_target(regime: str | None, targets: ProfitTargets) -> float | None:
    if not regime:
        return None
    try:
        return targets.for_regime(regime.lower())
    except ValueError:
        return None


def _profit(
    values: Values, rules: RulesConfig, targets: ProfitTargets, regime: str | None
) -> RuleProximity | None:
    frac = _num(values, "pnl_fraction")
    dynamic = _regime_target(regime, targets) if rules.dynamic_take_profit.enabled else None
    if frac is None or (dynamic is None and not rules.take_profit.enabled):
        return None
    target = dynamic if dynamic is not None else rules.take_profit.fraction
    name = "dynamic_take_profit" if dynamic is not None else "take_profit"
    detail = f"P&L {pct(frac)} of max profit; target {pct(target)}"
    return RuleProximity(name, max(frac, 0.0) / target, detail)


def _stop(values: Values, rules: RulesConfig) -> RuleProximity | None:
    pnl, credit = _num(values, "pnl"), _num(values, "entry_credit")
    if not rules.stop_loss.enabled or pnl is None or not credit:
        return None
    if credit > 0:
        limit = rules.stop_loss.credit_multiple * credit
        what = f"{rules.stop_loss.credit_multiple:g}x the {usd(credit)} credit"
    else:
        limit = rules.stop_loss.debit_fraction * -credit
        what = f"{pct(rules.stop_loss.debit_fraction)} of the {usd(-credit)} debit"
    loss = max(-pnl, 0.0)
    return RuleProximity("stop_loss", loss / limit, f"loss {usd(loss)}; stop at {what}")


def _catastrophe(values: Values, rules: RulesConfig) -> RuleProximity | None:
    pnl, max_loss = _num(values, "pnl"), _num(values, "max_loss")
    if not rules.catastrophe.enabled or pnl is None or not max_loss or max_loss <= 0:
        return None
    limit = rules.catastrophe.max_loss_fraction * max_loss
    loss = max(-pnl, 0.0)
    detail = f"loss {usd(loss)}; catastrophe at {usd(limit)}"
    return RuleProximity("catastrophe", loss / limit, detail)


def _dte(values: Values, rules: RulesConfig) -> RuleProximity | None:
    dte = _num(values, "dte")
    roll = rules.dte_roll.enabled and (rules.time_exit.defer_to_roll or not rules.time_exit.enabled)
    if dte is None or not (roll or rules.time_exit.enabled):
        return None
    name, at = (
        ("dte_roll", rules.dte_roll.roll_dte) if roll else ("time_exit", rules.time_exit.exit_dte)
    )
    closeness = 1.0 if dte <= at else (at / dte if dte > 0 else 1.0)
    return RuleProximity(name, closeness, f"{dte:.0f} DTE; {name.replace('_', ' ')} at {at} DTE")


def closest_rule(
    values: Values,
    rules: RulesConfig,
    targets: ProfitTargets,
    *,
    regime: str | None = None,
    fired_rule: str | None = None,
    fired_thresholds: Values | None = None,
) -> RuleProximity | None:
    """The rule nearest its threshold (None when the numbers to judge are missing).

    ``fired_rule`` (the latest decision's rule when it was not a HOLD) wins outright and is
    described with the thresholds that decision journaled.
    """
    if fired_rule and fired_rule not in ("hold", "data_invalid"):
        detail = describe(fired_rule, values, fired_thresholds or {})
        return RuleProximity(fired_rule, 1.0, detail, fired=True)
    candidates = [
        c
        for c in (
            _profit(values, rules, targets, regime),
            _stop(values, rules),
            _catastrophe(values, rules),
            _dte(values, rules),
        )
        if c is not None
    ]
    return max(candidates, key=lambda c: c.closeness, default=None)

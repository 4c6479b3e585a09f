"""The answer to "why did it do that?": one journaled decision as a plain-language sentence
(worded by ``v6.rules.explain``, which knows what each rule's numbers mean) plus the inputs the
rule saw and the thresholds it compared them with, ready for the CLI or the dashboard.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

from v6.domain.decision import Decision
from v6.journal.codec import DecisionRecord
from v6.queries.decisions import StrategyInfo
from v6.rules.explain import explain as rules_explain

log = logging.getLogger(__name__)

_LABEL_KEYS = ("symbol", "strategy_type", "expiry")


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything ``v6 explain`` shows; values are already formatted for people."""

    record: DecisionRecord
    strategy: StrategyInfo | None
    sentence: str
    inputs: tuple[tuple[str, str], ...]
    thresholds: tuple[tuple[str, str], ...]

    @property
    def decision(self) -> Decision:
        return self.record.decision


def format_value(value: object) -> str:
    """Numbers to a readable precision (no float noise), None to '-', text unchanged."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == 0 or abs(value) >= 1000:
            return f"{value:,.2f}"
        return f"{value:.6g}"
    return str(value)


def _with_label(decision: Decision, strategy: StrategyInfo | None) -> Decision:
    """Fill the label inputs (symbol, type, expiry) from the strategies table when the decision
    did not carry them, so the sentence names the position rather than its id."""
    if strategy is None or all(decision.inputs.get(k) is not None for k in _LABEL_KEYS):
        return decision
    known: dict[str, float | str | None] = {
        "symbol": strategy.underlying,
        "strategy_type": strategy.strategy_type,
        "expiry": None if strategy.expiry is None else strategy.expiry.isoformat(),
    }
    inputs = dict(decision.inputs)
    for key, value in known.items():
        if inputs.get(key) is None and value is not None:
            inputs[key] = value
    return replace(decision, inputs=inputs)


def sentence(decision: Decision) -> str:
    """The rules' own wording; a generic sentence if a foreign row trips it up."""
    try:
        return rules_explain(decision)
    except Exception as exc:
        log.warning("explaining %s with the rules' wording failed: %r", decision.decision_id, exc)
        reason = f": {decision.reason}" if decision.reason else ""
        return f"{decision.action.value} {decision.strategy_id} because {decision.rule}{reason}"


def explain_record(record: DecisionRecord, strategy: StrategyInfo | None = None) -> Explanation:
    decision = record.decision
    return Explanation(
        record=record,
        strategy=strategy,
        sentence=sentence(_with_label(decision, strategy)),
        inputs=tuple((k, format_value(v)) for k, v in decision.inputs.items()),
        thresholds=tuple((k, format_value(v)) for k, v in decision.thresholds.items()),
    )

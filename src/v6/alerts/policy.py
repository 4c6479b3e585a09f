"""How alerts behave: cooldown after a resolve, the minimum severity worth a notification,
and what else is sent. One frozen value, so the engine, tests and docs agree on the knobs.
"""

from __future__ import annotations

from dataclasses import dataclass

from v6.domain.alert import Severity
from v6.errors import ConfigError

SEVERITY_RANK: dict[Severity, int] = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
"""Order of severities; "escalates" means a strictly higher rank."""


def severity_rank(severity: Severity) -> int:
    return SEVERITY_RANK[severity]


def escalates(new: Severity, old: Severity) -> bool:
    """True when ``new`` is strictly more severe than ``old``."""
    return SEVERITY_RANK[new] > SEVERITY_RANK[old]


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """Tuning of the ``AlertManager``.

    ``cooldown_s``: after a key is resolved, raising it again within this many seconds is
    suppressed (counted, not alerted) unless the new severity is higher than the resolved one;
    this is what stops a flapping condition (quote stale / fresh / stale) from paging a person
    every cycle. ``min_notify_severity``: alerts below it are journaled but not sent.
    ``notify_on_resolve``: also send a "resolved" message (off by default: a person mostly
    needs to know what is wrong, and half the messages is twice the attention).
    ``notify_timeout_s``: longest wait for one notifier on one alert.
    """

    cooldown_s: float = 300.0
    min_notify_severity: Severity = Severity.WARNING
    notify_on_resolve: bool = False
    notify_timeout_s: float = 15.0

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not self.cooldown_s >= 0:
            problems.append(f"alerts.cooldown_s: expected >= 0 seconds, got {self.cooldown_s}")
        if not self.notify_timeout_s > 0:
            problems.append(
                f"alerts.notify_timeout_s: expected > 0 seconds, got {self.notify_timeout_s}"
            )
        if problems:
            raise ConfigError(problems)

    def should_notify(self, severity: Severity) -> bool:
        return SEVERITY_RANK[severity] >= SEVERITY_RANK[self.min_notify_severity]

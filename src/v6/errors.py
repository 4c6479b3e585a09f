"""Exceptions grouped by what the operator must do about them.

The tree is shallow on purpose: callers catch by *consequence*, not by origin.

    V6Error                      base of everything the project raises on purpose
    ├── HaltError                stop trading and call a human (journal unwritable, broker
    │   │                        account mismatch, reconciliation that cannot be resolved)
    │   └── DurabilityError      a write that money depends on could not be made durable
    ├── RetryableError           transient; retry with backoff (commit conflict, timeout)
    └── InputRejected            refuse this one input and carry on
        ├── ConfigError          bad configuration: names every offending field
        ├── DomainError          an invalid domain object (e.g. unordered condor strikes)
        └── DataQualityError     market data that must not be traded on

The CLI turns any ``V6Error`` into one clear line and a non-zero exit code.
"""

from __future__ import annotations


class V6Error(Exception):
    """Base class for every error v6 raises deliberately."""

    exit_code: int = 1


class HaltError(V6Error):
    """Trading must stop until a human looks: continuing could lose money or state."""

    exit_code = 3


class DurabilityError(HaltError):
    """A write that an order depends on could not be committed and synced."""


class RetryableError(V6Error):
    """A transient failure; the same call may succeed after a back-off."""

    exit_code = 4


class InputRejected(V6Error):
    """One input is refused; the rest of the system carries on."""

    exit_code = 2


class ConfigError(InputRejected):
    """Configuration is invalid. ``problems`` lists one line per offending field."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        lines = "\n  ".join(self.problems)
        super().__init__(f"invalid configuration{where}:\n  {lines}")


class DomainError(InputRejected, ValueError):
    """A domain object was constructed with values that cannot describe a real position."""


class DataQualityError(InputRejected):
    """Market data failed validation (NaN, crossed, stale, zero) and must not be traded on."""

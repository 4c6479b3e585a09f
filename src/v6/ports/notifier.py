"""The notifier port: where alerts leave the process (email, chat, push)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from v6.domain.alert import Alert


@runtime_checkable
class Notifier(Protocol):
    async def notify(self, alert: Alert) -> bool:
        """Required. Deliver ``alert``; True on success. Must not raise: a failing notifier is
        logged and isolated so others still deliver."""
        ...

"""Delivering one alert to every notifier, each isolated from the others.

A notifier that returns False, raises, or hangs past its timeout is logged under its safe name
and reported as not delivered; the others still run (concurrently) and the caller, the engine,
never sees an exception. Notification URLs hold tokens, so only names are ever logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from v6.domain.alert import Alert
from v6.ports.notifier import Notifier

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """Outcome of sending one alert through one notifier."""

    alert_id: str
    notifier: str
    delivered: bool
    error: str | None = None


def notifier_name(notifier: Notifier, index: int) -> str:
    """A loggable name: the notifier's own ``name`` if it has one (never its URL)."""
    name = getattr(notifier, "name", None)
    return name if isinstance(name, str) and name else f"{type(notifier).__name__}#{index}"


async def _send(notifier: Notifier, name: str, alert: Alert, timeout_s: float) -> Delivery:
    try:
        ok = await asyncio.wait_for(notifier.notify(alert), timeout=timeout_s)
    except TimeoutError:
        log.warning(
            "notifier %s timed out after %.1f s on alert %s", name, timeout_s, alert.alert_id
        )
        return Delivery(alert.alert_id, name, delivered=False, error="timeout")
    except Exception as exc:  # a notifier must not raise; one that does is isolated here
        log.warning("notifier %s raised %s on alert %s", name, type(exc).__name__, alert.alert_id)
        return Delivery(alert.alert_id, name, delivered=False, error=type(exc).__name__)
    if ok is not True:
        log.warning("notifier %s did not deliver alert %s", name, alert.alert_id)
        return Delivery(alert.alert_id, name, delivered=False, error="not delivered")
    return Delivery(alert.alert_id, name, delivered=True)


async def deliver(alert: Alert, notifiers: Sequence[Notifier], timeout_s: float) -> list[Delivery]:
    """Send ``alert`` through every notifier concurrently; one result per notifier, in order."""
    if not notifiers:
        return []
    sends = [
        _send(n, notifier_name(n, i), alert, timeout_s) for i, n in enumerate(notifiers, start=1)
    ]
    results = list(await asyncio.gather(*sends))
    if not any(r.delivered for r in results):
        log.error("alert %s reached no notifier (%d tried)", alert.alert_id, len(results))
    return results

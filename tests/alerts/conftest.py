"""Fixtures for the alert tests: a virtual clock, recording sink, notifiers, a local webhook,
and an apprise test plugin (``v6test://``) registered through apprise's own decorator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from apprise.decorators import notify

from v6.alerts import apprise_notifier  # noqa: F401  (quiet plugin preload before @notify)
from v6.clock import VirtualClock

from .helpers import T0, Endpoint, RecordingSink, serve


@dataclass(slots=True)
class PluginCalls:
    """What the ``v6test://HOST`` plugin received: host ``boom`` raises (with the full URL in
    the message, as a careless library might), ``fail`` returns False, anything else succeeds."""

    calls: list[dict[str, Any]] = field(default_factory=list)


PLUGIN = PluginCalls()


@notify(on="v6test", name="v6 test plugin")  # type: ignore[untyped-decorator,no-untyped-call]
def _v6test(
    body: str, title: str, notify_type: str, meta: dict[str, Any], *a: Any, **k: Any
) -> bool:
    host = meta.get("host")
    PLUGIN.calls.append({"host": host, "title": title, "body": body, "type": str(notify_type)})
    if host == "boom":
        raise RuntimeError(f"could not reach {meta.get('url')}")
    return host != "fail"


@pytest.fixture
def plugin() -> Iterator[PluginCalls]:
    PLUGIN.calls.clear()
    yield PLUGIN
    PLUGIN.calls.clear()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(T0)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    yield from serve()

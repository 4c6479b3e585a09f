"""Notifiers over apprise without the internet: apprise's own plugin hook (``v6test://``) and
a JSON webhook on 127.0.0.1. One failing, raising or hanging notifier never stops the others,
and no URL secret reaches any log."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import SecretStr

from v6.alerts import AlertManager, AlertPolicy
from v6.alerts.apprise_notifier import AppriseNotifier, build_notifiers, secret_fragments
from v6.alerts.delivery import deliver
from v6.clock import VirtualClock
from v6.config import AlertsConfig
from v6.domain.alert import Alert, AlertStatus, AlertType, Severity
from v6.errors import ConfigError
from v6.ports.notifier import Notifier

from .conftest import PluginCalls
from .helpers import (
    T0,
    Endpoint,
    FailingNotifier,
    HangingNotifier,
    RaisingNotifier,
    RecordingNotifier,
)


def make_alert(severity: Severity = Severity.CRITICAL, key: str = "ib") -> Alert:
    return Alert(
        alert_id="al-0123456789ab",
        alert_type=AlertType.CONNECTION,
        severity=severity,
        key=key,
        message="IB gateway disconnected",
        ts=T0,
        data={"attempts": 3},
    )


def test_apprise_notifier_delivers_title_body_and_type(plugin: PluginCalls) -> None:
    notifier = AppriseNotifier("v6test://ok")
    assert asyncio.run(notifier.notify(make_alert())) is True
    [call] = plugin.calls
    assert "CRITICAL" in call["title"]
    assert "ib" in call["title"]
    assert "IB gateway disconnected" in call["body"]
    assert "attempts: 3" in call["body"]
    assert call["type"] == "failure"  # apprise's colour/icon for a critical alert


def test_json_webhook_on_loopback_receives_the_alert(endpoint: Endpoint) -> None:
    notifier = AppriseNotifier(SecretStr(endpoint.url("hook")))
    assert asyncio.run(notifier.notify(make_alert(Severity.WARNING))) is True
    [(path, payload)] = endpoint.posts
    assert path.startswith("/hook")
    assert payload["type"] == "warning"
    assert "IB gateway disconnected" in payload["message"]


def test_failing_url_returns_false_instead_of_raising(endpoint: Endpoint) -> None:
    notifier = AppriseNotifier(endpoint.url("fail"))
    assert asyncio.run(notifier.notify(make_alert())) is False
    assert endpoint.paths()
    assert endpoint.paths()[0].startswith("/fail")


def test_one_bad_notifier_never_blocks_the_others(
    endpoint: Endpoint, plugin: PluginCalls, clock: VirtualClock
) -> None:
    recorder = RecordingNotifier()
    notifiers: list[Notifier] = [
        RaisingNotifier(),
        AppriseNotifier("v6test://boom", name="boom"),  # apprise plugin that raises
        AppriseNotifier(endpoint.url("fail"), name="http-500"),
        FailingNotifier(),
        AppriseNotifier(endpoint.url("ok"), name="http-ok"),
        AppriseNotifier("v6test://ok", name="plugin-ok"),
        recorder,
    ]
    manager = AlertManager(clock, notifiers=notifiers)
    alert = manager.raise_alert(AlertType.CIRCUIT_BREAKER, Severity.CRITICAL, "halt", "halted")
    assert alert is not None
    results = asyncio.run(manager.deliver())
    delivered = {r.notifier: r.delivered for r in results}
    assert delivered == {
        "raising": False,
        "boom": False,
        "http-500": False,
        "failing": False,
        "http-ok": True,
        "plugin-ok": True,
        "recorder": True,
    }
    assert recorder.sent == [alert]
    assert any(p.startswith("/ok") for p in endpoint.paths())
    assert {c["host"] for c in plugin.calls} == {"boom", "ok"}
    assert manager.pending_notifications == 0


def test_a_hanging_notifier_times_out_alone() -> None:
    recorder = RecordingNotifier()
    results = asyncio.run(deliver(make_alert(), [HangingNotifier(), recorder], timeout_s=0.05))
    assert [(r.notifier, r.delivered, r.error) for r in results] == [
        ("hanging", False, "timeout"),
        ("recorder", True, None),
    ]


def test_resolution_uses_the_success_type(plugin: PluginCalls) -> None:
    notifier = AppriseNotifier("v6test://ok")
    resolved = make_alert().with_status(AlertStatus.RESOLVED)
    assert asyncio.run(notifier.notify(resolved)) is True
    assert plugin.calls[-1]["type"] == "success"
    assert "resolved" in plugin.calls[-1]["title"]


def test_unusable_url_is_a_config_error_without_the_secret() -> None:
    urls = [SecretStr("v6test://ok"), SecretStr("nosuchservice://user:hunter22@example.com/x")]
    with pytest.raises(ConfigError) as info:
        build_notifiers(urls)
    text = str(info.value)
    assert "nosuchservice#2" in text
    assert "hunter22" not in text


def test_build_from_config_names_each_url_by_scheme_and_position(endpoint: Endpoint) -> None:
    config = AlertsConfig(notify_urls=(SecretStr("v6test://ok"), SecretStr(endpoint.url())))
    notifiers = build_notifiers(config.notify_urls)
    assert [n.name for n in notifiers] == ["v6test#1", "json#2"]
    assert "127.0.0.1" not in repr(notifiers)


def test_secret_fragments_are_what_the_privacy_url_hides() -> None:
    url = "tgram://123456789:AAbbCCddEEff/-100200300"
    hidden = secret_fragments(url, ["tgram://1...f/-100200300/?image=no"])
    assert "AAbbCCddEEff" in hidden
    assert "123456789" in hidden
    assert "-100200300" not in hidden  # public in the privacy rendering


def test_no_secret_reaches_any_log(
    endpoint: Endpoint,
    plugin: PluginCalls,
    clock: VirtualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    password = "Pa55wordXyzzy"
    token = "TokenQwerty987"
    caplog.set_level(logging.DEBUG)
    for name in ("apprise", "urllib3", "v6"):
        caplog.set_level(logging.DEBUG, logger=name)
    notifiers = build_notifiers(
        [
            SecretStr(endpoint.url("fail", userinfo=f"user:{password}@")),
            SecretStr(f"v6test://boom/{token}"),  # raises with the full URL in its message
            SecretStr(endpoint.url("ok", userinfo=f"user:{password}@")),
        ]
    )
    manager = AlertManager(
        clock, notifiers=notifiers, policy=AlertPolicy(min_notify_severity=Severity.INFO)
    )
    manager.raise_alert(AlertType.SYSTEM, Severity.INFO, "k", "hello")
    results = asyncio.run(manager.deliver())
    assert [r.delivered for r in results] == [False, False, True]
    assert caplog.records  # the failures were logged ...
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert password not in text  # ... but never with the secrets
    assert token not in text
    assert any("boom" in c["host"] for c in plugin.calls)

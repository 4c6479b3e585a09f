"""The Notifier port over the ``apprise`` library: one URL per notifier (email, Telegram,
Slack, ntfy, any of apprise's services), so one failing service never hides the others.

URLs carry tokens. They live only in ``SecretStr`` config and inside apprise; we log a
notifier by its name (``tgram#1``), and a filter on apprise's and urllib3's loggers masks the
secret parts of every configured URL in case a third-party debug line contains them.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import re
import threading
import warnings
from collections.abc import Iterable, Sequence
from urllib.parse import unquote

import apprise
from pydantic import SecretStr

from v6.domain.alert import Alert, AlertStatus, Severity
from v6.errors import ConfigError


def _preload_imghdr() -> None:
    """apprise loads its plugins lazily and one of them imports the stdlib ``imghdr``, which
    warns (DeprecationWarning) on Python 3.11/3.12. Import it once here with exactly that
    warning silenced, so the first alert neither trips ``-W error`` nor spams the log."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*imghdr.*", category=DeprecationWarning)
        with contextlib.suppress(ImportError):  # Python 3.13+: apprise installs its own shim
            importlib.import_module("imghdr")


_preload_imghdr()

log = logging.getLogger(__name__)

THIRD_PARTY_LOGGERS = (
    "apprise",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.util.retry",
    "requests",
)
"""Loggers that may print request URLs at debug level; each gets the masking filter."""

_SPLIT = re.compile(r"[/:@?&=#,;+\s]+")
_MIN_SECRET_LEN = 4

_NOTIFY_TYPE = {
    Severity.INFO: apprise.NotifyType.INFO,
    Severity.WARNING: apprise.NotifyType.WARNING,
    Severity.CRITICAL: apprise.NotifyType.FAILURE,
}


class SecretMaskFilter(logging.Filter):
    """Replaces registered secret fragments with ``***`` in a record's rendered message."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._fragments: tuple[str, ...] = ()

    def register(self, fragments: Iterable[str]) -> None:
        with self._lock:
            merged = set(self._fragments) | {f for f in fragments if f}
            # longest first, so a whole URL is masked before its parts
            self._fragments = tuple(sorted(merged, key=len, reverse=True))

    def mask(self, text: str) -> str:
        for fragment in self._fragments:
            if fragment in text:
                text = text.replace(fragment, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._fragments:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed third-party record: leave it to logging
            return True
        masked = self.mask(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


SECRET_MASK = SecretMaskFilter()
"""The process-wide mask (installed once on ``THIRD_PARTY_LOGGERS``)."""


def _install_mask() -> None:
    for name in THIRD_PARTY_LOGGERS:
        logger = logging.getLogger(name)
        if SECRET_MASK not in logger.filters:
            logger.addFilter(SECRET_MASK)


def secret_fragments(url: str, private_urls: Sequence[str]) -> set[str]:
    """Parts of ``url`` that apprise hides in its privacy rendering: tokens, passwords, keys.

    Every token of the URL (split on URL punctuation, raw and percent-decoded) that is at least
    4 characters long and does not appear in the privacy URL is a secret, plus the URL itself.
    """
    public: set[str] = set()
    for private in private_urls:
        public.update(_SPLIT.split(private))
        public.update(_SPLIT.split(unquote(private)))
    rest = url.split("://", 1)[1] if "://" in url else url
    tokens = set(_SPLIT.split(rest)) | set(_SPLIT.split(unquote(rest)))
    secrets = {t for t in tokens if len(t) >= _MIN_SECRET_LEN and t not in public}
    return secrets | {url, unquote(url)}


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else "?"


def format_title(alert: Alert) -> str:
    suffix = " resolved" if alert.status is AlertStatus.RESOLVED else ""
    return f"[v6 {alert.severity.name}] {alert.alert_type.name}: {alert.key}{suffix}"


def format_body(alert: Alert) -> str:
    lines = [
        alert.message,
        "",
        f"status: {alert.status.name}",
        f"raised: {alert.ts.isoformat(timespec='seconds')}",
        f"alert id: {alert.alert_id}",
    ]
    lines.extend(f"{k}: {v}" for k, v in sorted(alert.data.items()))
    return "\n".join(lines)


class AppriseNotifier:
    """Sends alerts to one apprise URL. ``notify`` never raises: it returns False and logs
    the notifier's name (never its URL) on any failure."""

    __slots__ = ("_apprise", "name")

    def __init__(self, url: SecretStr | str, *, name: str | None = None) -> None:
        secret = url.get_secret_value() if isinstance(url, SecretStr) else url
        self.name = name or _scheme(secret)
        _install_mask()
        instance = apprise.Apprise(asset=apprise.AppriseAsset(app_id="v6", app_desc="v6 alerts"))
        if not instance.add(secret):
            raise ConfigError(
                [
                    f"alerts.notify_urls: {self.name}: apprise cannot use this URL "
                    f"(scheme {_scheme(secret)!r}; see https://appriseit.com for the formats)"
                ]
            )
        private = [str(s.url(privacy=True)) for s in instance]  # type: ignore[no-untyped-call]
        SECRET_MASK.register(secret_fragments(secret, private))
        self._apprise = instance

    def __repr__(self) -> str:
        return f"AppriseNotifier(name={self.name!r})"

    async def notify(self, alert: Alert) -> bool:
        notify_type = (
            apprise.NotifyType.SUCCESS
            if alert.status is AlertStatus.RESOLVED
            else _NOTIFY_TYPE[alert.severity]
        )
        try:
            result = await self._apprise.async_notify(
                body=format_body(alert), title=format_title(alert), notify_type=notify_type
            )
        except Exception as exc:
            log.warning("notifier %s raised %s", self.name, type(exc).__name__)
            return False
        delivered = bool(result)
        if not delivered:
            status = getattr(result, "status", None)
            log.warning(
                "notifier %s failed to deliver alert %s (%s)",
                self.name,
                alert.alert_id,
                getattr(status, "name", "failed"),
            )
        close = getattr(result, "close", None)  # apprise 2 may hold captured logs in temp files
        if callable(close):
            close()
        return delivered


def build_notifiers(urls: Sequence[SecretStr | str]) -> list[AppriseNotifier]:
    """One notifier per configured URL (``config.alerts.notify_urls``), named ``scheme#n``.

    Raises ConfigError naming every unusable URL by position and scheme, never by value.
    """
    notifiers: list[AppriseNotifier] = []
    problems: list[str] = []
    for index, url in enumerate(urls, start=1):
        secret = url.get_secret_value() if isinstance(url, SecretStr) else url
        try:
            notifiers.append(AppriseNotifier(url, name=f"{_scheme(secret)}#{index}"))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return notifiers

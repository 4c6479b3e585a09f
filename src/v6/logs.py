"""Logging: JSON lines to a file under the data directory, readable lines on the console.

Secrets never reach a log: a filter masks values that look like credentials (URL passwords,
``token=``/``password=`` pairs) before any handler formats a record.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SECRET_PATTERNS = (
    re.compile(
        r"(?P<k>(?:password|passwd|token|secret|api[_-]?key)\s*[=:]\s*)(?P<v>[^\s,;&]+)", re.I
    ),
    re.compile(r"(?P<k>://[^:/@\s]+:)(?P<v>[^@\s]+)(?=@)"),
)
_STD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def mask_secrets(text: str) -> str:
    """Replace credential-looking values in ``text`` with ``***``."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group('k')}***", text)
    return text


class SecretFilter(logging.Filter):
    """Masks secrets in the rendered message so no handler can leak them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC ISO), level, logger, msg, and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return mask_secrets(json.dumps(payload, default=str))


def setup_logging(
    log_dir: Path | None, *, level: str = "INFO", console: bool = True, file_name: str = "v6.jsonl"
) -> Path | None:
    """Configure the ``v6`` logger tree once per process; returns the JSON log file path."""
    root = logging.getLogger("v6")
    root.setLevel(level.upper())
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.propagate = False
    secret_filter = SecretFilter()
    path: Path | None = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        path = log_dir / file_name
        file_handler = logging.FileHandler(path, encoding="utf-8")
        file_handler.setFormatter(JsonFormatter())
        file_handler.addFilter(secret_filter)
        root.addHandler(file_handler)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
        stream.addFilter(secret_filter)
        stream.setLevel(logging.WARNING)
        root.addHandler(stream)
    return path

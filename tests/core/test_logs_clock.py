"""Logging never leaks secrets; clocks never go backwards."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from v6.clock import VirtualClock, WallClock
from v6.errors import DomainError
from v6.logs import mask_secrets, setup_logging


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("connecting with password=hunter2 now", "hunter2"),
        ("notify tgram://bot:ABCDEF123@chat", "ABCDEF123"),
        ("token: abc.def.ghi", "abc.def.ghi"),
        ("API_KEY=xyz789", "xyz789"),
    ],
)
def test_mask_secrets(text: str, leaked: str) -> None:
    masked = mask_secrets(text)
    assert leaked not in masked
    assert "***" in masked


def test_json_log_lines_are_structured_and_masked(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "logs", level="INFO", console=False)
    assert path is not None
    log = logging.getLogger("v6.test")
    log.info("order sent", extra={"order_ref": "v6-open-abc"})
    log.warning("gateway login password=s3cret failed")
    for handler in logging.getLogger("v6").handlers:
        handler.flush()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["msg"] == "order sent"
    assert lines[0]["order_ref"] == "v6-open-abc"
    assert lines[0]["level"] == "INFO"
    assert "s3cret" not in path.read_text()
    setup_logging(None, console=False)  # detach the file handler


def test_virtual_clock_advances_and_refuses_to_go_back() -> None:
    start = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
    clock = VirtualClock(start)
    assert clock.now() == start
    clock.advance(timedelta(minutes=5))
    assert clock.now() == start + timedelta(minutes=5)
    with pytest.raises(DomainError):
        clock.set(start)
    with pytest.raises(DomainError):
        VirtualClock(datetime(2026, 1, 1))  # naive


def test_wall_clock_is_utc_aware() -> None:
    now = WallClock().now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)

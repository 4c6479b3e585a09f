"""Fakes of our own ports for the alert tests: a row sink that checks rows against the real
table schema, notifiers that record, fail, raise or hang, and a local HTTP endpoint."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from v6.domain.alert import Alert
from v6.store.convert import to_arrow
from v6.store.schemas import TABLES

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@dataclass(slots=True)
class RecordingSink:
    """Buffers rows in memory after validating them against the table's real schema."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fail: bool = False

    def buffer(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if self.fail:
            raise OSError("disk full")
        to_arrow(TABLES[table], rows)  # raises if a row does not fit the schema
        self.rows.setdefault(table, []).extend(dict(r) for r in rows)

    def of(self, table: str) -> list[dict[str, Any]]:
        return self.rows.get(table, [])


@dataclass(slots=True)
class RecordingNotifier:
    name: str = "recorder"
    sent: list[Alert] = field(default_factory=list)

    async def notify(self, alert: Alert) -> bool:
        self.sent.append(alert)
        return True


@dataclass(slots=True)
class FailingNotifier:
    name: str = "failing"
    calls: int = 0

    async def notify(self, alert: Alert) -> bool:
        self.calls += 1
        return False


@dataclass(slots=True)
class RaisingNotifier:
    """Breaks the port's contract (raises) on purpose."""

    name: str = "raising"
    calls: int = 0

    async def notify(self, alert: Alert) -> bool:
        self.calls += 1
        raise RuntimeError("notifier exploded")


@dataclass(slots=True)
class HangingNotifier:
    name: str = "hanging"

    async def notify(self, alert: Alert) -> bool:
        await asyncio.sleep(30)
        return True


class Endpoint:
    """A JSON webhook on 127.0.0.1 that records posts; paths starting /fail answer 500."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        received = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                received.append((self.path, json.loads(self.rfile.read(length) or b"{}")))
                self.send_response(500 if self.path.startswith("/fail") else 200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str = "ok", userinfo: str = "") -> str:
        return f"json://{userinfo}127.0.0.1:{self.port}/{path}"

    def paths(self) -> list[str]:
        return [p for p, _ in self.posts]

    def __enter__(self) -> Endpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def serve() -> Iterator[Endpoint]:
    with Endpoint() as endpoint:
        yield endpoint

"""Acknowledgement requests: how the CLI and dashboard ask the engine to acknowledge an alert.

The engine is the only writer of the journal, so a front end never writes the ``alerts``
table. It drops one small JSON file per request into ``<data_dir>/requests/alert_acks`` (written
to a hidden temporary name, fsynced, then renamed, so the engine never sees half a file);
``AlertManager.apply_requests`` applies and deletes them every cycle, or at the next start when
no engine is running. A file that cannot be read is moved to ``rejected/`` for a person to see.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from v6.errors import InputRejected

log = logging.getLogger(__name__)

REQUESTS_SUBDIR = Path("requests") / "alert_acks"
REJECTED = "rejected"


def ack_requests_dir(data_dir: Path) -> Path:
    """Where acknowledgement requests for the engine using ``data_dir`` are dropped."""
    return data_dir / REQUESTS_SUBDIR


@dataclass(frozen=True, slots=True)
class AckRequest:
    """A person asked to acknowledge ``alert_id`` at ``requested_at`` (UTC) from ``source``."""

    alert_id: str
    requested_at: datetime
    note: str = ""
    source: str = "cli"

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": "ack",
                "alert_id": self.alert_id,
                "requested_at": self.requested_at.astimezone(UTC).isoformat(),
                "note": self.note,
                "source": self.source,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> AckRequest:
        """Parse a request file; raises InputRejected when it is not one."""
        try:
            raw = json.loads(text)
            if not isinstance(raw, dict) or raw.get("kind") != "ack":
                raise ValueError("not an ack request")
            alert_id = raw["alert_id"]
            when = datetime.fromisoformat(raw["requested_at"])
            if not isinstance(alert_id, str) or not alert_id or when.tzinfo is None:
                raise ValueError("alert_id and a timezone-aware requested_at are required")
        except (ValueError, KeyError, TypeError) as exc:
            raise InputRejected(f"invalid ack request: {exc}") from exc
        return cls(
            alert_id=alert_id,
            requested_at=when.astimezone(UTC),
            note=str(raw.get("note") or ""),
            source=str(raw.get("source") or "unknown"),
        )


def write_ack_request(directory: Path, request: AckRequest) -> Path:
    """Atomically add ``request`` to ``directory``; returns the new file.

    File names sort by request time, so the engine applies requests in the order they were
    made. The file and the folder entry are fsynced: an acknowledgement survives a crash.
    """
    directory.mkdir(parents=True, exist_ok=True)
    stamp = request.requested_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = directory / f"{stamp}-{uuid.uuid4().hex[:12]}.json"
    tmp = directory / f".{final.name}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(request.to_json())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return final


class RequestInbox:
    """The engine's side of the request folder: read pending requests, then mark them done."""

    __slots__ = ("directory",)

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> RequestInbox:
        return cls(ack_requests_dir(data_dir))

    def pending(self) -> list[tuple[Path, AckRequest]]:
        """Readable requests oldest first; unreadable files are moved to ``rejected/``."""
        if not self.directory.is_dir():
            return []
        out: list[tuple[Path, AckRequest]] = []
        for path in sorted(self.directory.glob("*.json")):
            if path.name.startswith("."):
                continue
            try:
                out.append((path, AckRequest.from_json(path.read_text(encoding="utf-8"))))
            except FileNotFoundError:
                continue  # another reader already handled it
            except (InputRejected, OSError, UnicodeDecodeError) as exc:
                log.warning("moving unreadable request %s to %s/: %s", path.name, REJECTED, exc)
                self._reject(path)
        return out

    def pending_alert_ids(self) -> set[str]:
        """Alerts with an acknowledgement waiting for the engine (read-only; for front ends)."""
        if not self.directory.is_dir():
            return set()
        ids: set[str] = set()
        for path in self.directory.glob("*.json"):
            try:
                ids.add(AckRequest.from_json(path.read_text(encoding="utf-8")).alert_id)
            except (InputRejected, OSError, UnicodeDecodeError):
                continue
        return ids

    def done(self, path: Path) -> None:
        """Forget a request that has been applied (or was a no-op)."""
        path.unlink(missing_ok=True)

    def _reject(self, path: Path) -> None:
        target = self.directory / REJECTED
        try:
            target.mkdir(exist_ok=True)
            os.replace(path, target / path.name)
        except OSError as exc:
            log.warning("could not move %s aside: %s", path.name, exc)

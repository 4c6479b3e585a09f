"""External regime overrides: another program (e.g. the owner's Regime Classifier) writes a
symbol -> regime table; a fresh entry overrides the detector for that symbol.

``ExternalRegimeSource`` is the port; ``FileRegimeSource`` reads a JSON or CSV file (re-read
only when its modification time or size changes) and ignores entries older than ``max_age``
or from the future. This is an adapter (it reads a file): the shell calls it and puts the
result in ``UnderlyingView.regime``; rules never call it.

JSON: ``{"SPY": {"regime": "high_vol", "ts": "2026-11-20T15:00:00Z"}, ...}`` or a list of
``{"symbol": ..., "regime": ..., "ts": ...}``. CSV: header ``symbol,regime,ts``.
Timestamps are ISO 8601; one without a zone is read as UTC.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from v6.domain.regime import Regime
from v6.rules.config import RegimeConfig


@dataclass(frozen=True, slots=True)
class ExternalRegime:
    symbol: str
    regime: Regime
    ts: datetime
    source: str


class ExternalRegimeSource(Protocol):
    """Required: ``lookup``. Returns None when the source has no fresh, valid entry."""

    def lookup(self, symbol: str, now: datetime) -> ExternalRegime | None: ...


def _parse_ts(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        ts = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


class FileRegimeSource:
    """A JSON or CSV regime table on disk (format from the suffix: ``.csv`` or JSON)."""

    __slots__ = ("_entries", "_signature", "max_age", "path", "problems")

    def __init__(self, path: Path | str, *, max_age: timedelta = timedelta(days=1)) -> None:
        self.path = Path(path)
        self.max_age = max_age
        self._entries: dict[str, ExternalRegime] = {}
        self._signature: tuple[int, int] | None = None
        self.problems: tuple[str, ...] = ()
        """Rows skipped at the last load, or why the file could not be read."""

    @classmethod
    def from_config(cls, cfg: RegimeConfig) -> FileRegimeSource | None:
        """The source ``rules.regime.external_file`` names, or None when none is set."""
        if cfg.external_file is None:
            return None
        return cls(cfg.external_file, max_age=timedelta(seconds=cfg.external_max_age_s))

    def lookup(self, symbol: str, now: datetime) -> ExternalRegime | None:
        self._refresh()
        entry = self._entries.get(symbol.upper())
        if entry is None or entry.ts > now or now - entry.ts > self.max_age:
            return None
        return entry

    def _refresh(self) -> None:
        try:
            st = os.stat(self.path)
        except OSError as exc:
            self._entries, self._signature = {}, None
            self.problems = (f"{self.path}: {exc.strerror or exc}",)
            return
        signature = (st.st_mtime_ns, st.st_size)
        if signature == self._signature:
            return
        try:
            text = self.path.read_text(encoding="utf-8")
            rows = self._rows(text)
        except (OSError, ValueError) as exc:
            self._entries, self._signature = {}, signature
            self.problems = (f"{self.path}: {exc}",)
            return
        self._entries, problems = self._parse(rows)
        self.problems = tuple(problems)
        self._signature = signature

    def _rows(self, text: str) -> list[Mapping[str, object]]:
        if self.path.suffix.lower() == ".csv":
            return list(csv.DictReader(io.StringIO(text)))
        data = json.loads(text)
        if isinstance(data, dict):
            return [
                {"symbol": sym, **entry} if isinstance(entry, dict) else {"symbol": sym}
                for sym, entry in data.items()
            ]
        if isinstance(data, list):
            return [row for row in data if isinstance(row, dict)]
        raise ValueError("expected a JSON object or list")

    def _parse(
        self, rows: Iterable[Mapping[str, object]]
    ) -> tuple[dict[str, ExternalRegime], list[str]]:
        entries: dict[str, ExternalRegime] = {}
        problems: list[str] = []
        source = f"external:{self.path.name}"
        for n, row in enumerate(rows, start=1):
            symbol = str(row.get("symbol") or "").strip().upper()
            raw_regime = str(row.get("regime") or "").strip().lower()
            ts = _parse_ts(row.get("ts"))
            if not symbol or ts is None or raw_regime not in Regime._value2member_map_:
                problems.append(f"row {n}: needs symbol, a known regime and an ISO ts")
                continue
            entry = ExternalRegime(symbol, Regime(raw_regime), ts, source)
            previous = entries.get(symbol)
            if previous is None or entry.ts >= previous.ts:
                entries[symbol] = entry
        return entries, problems


def resolve_regime(
    symbol: str,
    detected: Regime | None,
    source: ExternalRegimeSource | None,
    now: datetime,
) -> tuple[Regime | None, str]:
    """The regime to use and where it came from: a fresh external entry wins, else the
    detector's label, else (None, "")."""
    if source is not None:
        entry = source.lookup(symbol, now)
        if entry is not None:
            return entry.regime, entry.source
    if detected is not None:
        return detected, "detector"
    return None, ""

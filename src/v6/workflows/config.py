"""The ``engine`` configuration section: when entries may happen (windows in exchange time,
minutes kept clear after the open and before the close), how often the slower parts of a
cycle run, and the default length of a simulated run.

Imports only ``v6.config.types`` so ``v6.config.models`` can embed it without an import cycle.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from v6.config.types import ConfigSection, NonNegativeInt, PositiveInt, Seconds

FileName = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+$", min_length=1)]


def parse_window(text: str) -> tuple[time, time]:
    """``"09:45-15:30"`` as (start, end) local exchange times; raises ValueError."""
    try:
        start_s, end_s = text.split("-")
        start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
    except ValueError as exc:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM") from exc
    if not start < end:
        raise ValueError(f"{text!r}: the window must end after it starts")
    return start, end


def _window(text: str) -> str:
    try:
        parse_window(text)
    except ValueError as exc:
        raise PydanticCustomError("entry_window", "{why}", {"why": str(exc)}) from None
    return text


EntryWindow = Annotated[str, AfterValidator(_window)]
"""A window of exchange-local (New York) time, ``"HH:MM-HH:MM"``."""


class EngineConfig(ConfigSection):
    """The engine loop: entry schedule, cadences of the slower work, health file, sim length.

    Entries are scanned every ``refresh.entry_scan_s`` inside ``entry_windows`` on exchange
    sessions, never within ``skip_after_open_minutes`` of the open nor
    ``skip_before_close_minutes`` of the close (early closes included).
    """

    entry_windows: Annotated[tuple[EntryWindow, ...], Field(min_length=1)] = ("09:30-16:00",)
    """Exchange-local windows in which entries may be made (further clipped by the two
    settings below)."""
    skip_after_open_minutes: NonNegativeInt = 30
    """No entries in the first minutes of a session (opening spreads are wide)."""
    skip_before_close_minutes: NonNegativeInt = 30
    """No entries in the last minutes of a session."""
    max_entries_per_symbol_per_day: NonNegativeInt = 1
    """New positions per underlying per session (0 stops entries without a kill switch)."""
    rescan_after_no_trade_s: Seconds = 7200.0
    """After a scan of an underlying found nothing worth entering, wait this long before
    scanning it again (a chain scan is the costly part of entry)."""
    units_per_trade: PositiveInt = 1
    """Units of the chosen structure per entry (1 = one condor or one vertical)."""
    broker_poll_s: Seconds = 3600.0
    """The broker's account is asked for after every fill and at least this often (clock
    seconds); between polls equity is its cash plus the held legs at mid, each cycle."""
    regime_update_s: Seconds = 1800.0
    """How often (clock seconds) the market regime of each underlying is re-read."""
    snapshot_interval_s: Seconds = 300.0
    """Position and account snapshot rows are journaled at most this often (clock seconds)."""
    health_file: FileName = "health.json"
    """The heartbeat record in the data directory, read by ``v6 status`` and the dashboard."""
    sim_days: PositiveInt = 60
    """Sessions a ``v6 run`` in sim mode simulates unless ``--days`` says otherwise."""

    @model_validator(mode="after")
    def _clear_minutes_fit_a_session(self) -> Self:
        if self.skip_after_open_minutes + self.skip_before_close_minutes >= 390:
            raise PydanticCustomError(
                "entry_schedule",
                "skip_after_open_minutes + skip_before_close_minutes must be < 390 "
                "(a full session): no entry could ever be made",
            )
        return self

    def windows(self) -> tuple[tuple[time, time], ...]:
        return tuple(parse_window(w) for w in self.entry_windows)


__all__ = ["EngineConfig", "EntryWindow", "parse_window"]

"""What one backtest runs on: the market (simulated paths with a seed, a forced scenario, or a
replayed daily history with synthesised chains), its grid step, the entry lag and how much of
the journal is kept.

The grid step is the monitoring step: the engine runs one cycle per simulator step, so
``step_minutes`` 30 means a monitoring cycle every 30 minutes (the time-based cadences of the
config, in seconds, are unchanged). Both sides of a comparison always share it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from v6.errors import InputRejected
from v6.sim.calendar import TradingCalendar
from v6.sim.config import SimConfig
from v6.sim.history import HistorySource, load_daily_csv, load_vix_csv
from v6.sim.market import MarketSimulator
from v6.sim.regimes import ScenarioName

DEFAULT_STEP_MINUTES = 5
"""``v6 backtest``: the same 5-minute grid as ``v6 run``."""
MONTE_CARLO_STEP_MINUTES = 30
"""``v6 compare``: a monitoring cycle every 30 minutes (see docs/backtest.md for why)."""


class JournalMode(StrEnum):
    """How much of the journal a backtest keeps (decisions and risk code are the same)."""

    FULL = "full"
    """Everything the engine journals, position and account snapshots at the config's
    ``engine.snapshot_interval_s``."""
    LEAN = "lean"
    """Everything except per-step snapshots: one account row per session close (the daily
    mark-to-market curve). The default of ``v6 backtest``."""
    MEMORY = "memory"
    """As lean, kept in memory only (Monte Carlo paths: nothing is written)."""


@dataclass(frozen=True, slots=True)
class BacktestOptions:
    """One run. ``sim`` replaces the default simulated market (seed, scenario, step and start
    from these options are applied on top of it)."""

    days: int = 250
    seed: int = 7
    scenario: ScenarioName | None = None
    scenario_day: int | None = None
    start: date | None = None
    step_minutes: int = DEFAULT_STEP_MINUTES
    lag_entries: int = 0
    """Entries reach the execution engine this many grid steps after they are decided."""
    history: Mapping[str, Path] = field(default_factory=dict)
    """Daily bars per underlying (``date,open,high,low,close``) to replay instead of a
    simulated path; needs ``vix_csv``."""
    vix_csv: Path | None = None
    journal: JournalMode = JournalMode.LEAN
    sim: SimConfig | None = None

    def __post_init__(self) -> None:
        if self.days < 1:
            raise InputRejected(f"days must be >= 1, got {self.days}")
        if self.lag_entries < 0:
            raise InputRejected(f"--lag-entries must be >= 0, got {self.lag_entries}")
        if not 1 <= self.step_minutes <= 390:
            raise InputRejected(f"--step-minutes must be 1-390, got {self.step_minutes}")
        if bool(self.history) != (self.vix_csv is not None):
            raise InputRejected("a history replay needs both --history-csv and --vix-csv")
        if self.history and self.scenario is not None:
            raise InputRejected("a forced --scenario applies to simulated paths, not to history")

    @property
    def source(self) -> str:
        """What the market is, for the manifest: ``sim``, ``sim:<scenario>`` or ``history``."""
        if self.history:
            return "history"
        return "sim" if self.scenario is None else f"sim:{self.scenario.value}"

    def sim_config(self) -> SimConfig:
        """The simulator's configuration (validated again after the overrides)."""
        base = self.sim or SimConfig()
        update: dict[str, object] = {"seed": self.seed, "step_minutes": self.step_minutes}
        if self.scenario is not None:
            update["scenario"] = self.scenario
        if self.scenario_day is not None:
            update["scenario_day"] = self.scenario_day
        if self.start is not None:
            update["start_date"] = self.start
        cfg = base.model_copy(update=update)
        return SimConfig.model_validate(cfg.model_dump())

    def market(self, calendar: TradingCalendar | None = None) -> MarketSimulator:
        """The market this run trades: a seeded path, or the history replay."""
        cfg = self.sim_config()
        calendar = calendar or TradingCalendar()
        source = None
        if self.history:
            assert self.vix_csv is not None
            # what ``v6.sim.history.history_simulator`` builds, bounded to ``days`` sessions
            source = HistorySource(
                {s: load_daily_csv(p) for s, p in self.history.items()},
                load_vix_csv(self.vix_csv),
                calendar=calendar,
                step_minutes=cfg.step_minutes,
                seed=cfg.seed,
            )
        return MarketSimulator(cfg, calendar=calendar, source=source, max_days=self.days)


__all__ = [
    "DEFAULT_STEP_MINUTES",
    "MONTE_CARLO_STEP_MINUTES",
    "BacktestOptions",
    "JournalMode",
]

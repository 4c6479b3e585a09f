"""The backtest runner behind ``v6 backtest`` and ``v6 compare``: the engine on a virtual clock
over a simulated or replayed market with the same decision, risk and execution code as
``v6 run``, an in-memory journal saved as a run folder, the look-ahead guard, the entry lag
and the paired Monte Carlo comparison (see docs/backtest.md).

Names resolve lazily, so the CLI can read the options without loading the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from v6.sim.backtest.entry_lag import EntryTiming, LaggedEntryWorkflow
    from v6.sim.backtest.folder import save_run
    from v6.sim.backtest.guard import GuardedFeed, LookAheadError
    from v6.sim.backtest.memstore import MemoryJournal, MemoryReader, MemoryWriter
    from v6.sim.backtest.montecarlo import (
        CompareSpec,
        Comparison,
        PathJob,
        PathResult,
        compare,
        run_path,
        save_comparison,
    )
    from v6.sim.backtest.options import BacktestOptions, JournalMode
    from v6.sim.backtest.runner import Backtest, BacktestResult, DayMark

_EXPORTS: dict[str, str] = {
    "EntryTiming": "v6.sim.backtest.entry_lag",
    "LaggedEntryWorkflow": "v6.sim.backtest.entry_lag",
    "save_run": "v6.sim.backtest.folder",
    "GuardedFeed": "v6.sim.backtest.guard",
    "LookAheadError": "v6.sim.backtest.guard",
    "MemoryJournal": "v6.sim.backtest.memstore",
    "MemoryReader": "v6.sim.backtest.memstore",
    "MemoryWriter": "v6.sim.backtest.memstore",
    "CompareSpec": "v6.sim.backtest.montecarlo",
    "Comparison": "v6.sim.backtest.montecarlo",
    "PathJob": "v6.sim.backtest.montecarlo",
    "PathResult": "v6.sim.backtest.montecarlo",
    "compare": "v6.sim.backtest.montecarlo",
    "run_path": "v6.sim.backtest.montecarlo",
    "save_comparison": "v6.sim.backtest.montecarlo",
    "BacktestOptions": "v6.sim.backtest.options",
    "JournalMode": "v6.sim.backtest.options",
    "Backtest": "v6.sim.backtest.runner",
    "BacktestResult": "v6.sim.backtest.runner",
    "DayMark": "v6.sim.backtest.runner",
}


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'v6.sim.backtest' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "Backtest",
    "BacktestOptions",
    "BacktestResult",
    "CompareSpec",
    "Comparison",
    "DayMark",
    "EntryTiming",
    "GuardedFeed",
    "JournalMode",
    "LaggedEntryWorkflow",
    "LookAheadError",
    "MemoryJournal",
    "MemoryReader",
    "MemoryWriter",
    "PathJob",
    "PathResult",
    "compare",
    "run_path",
    "save_comparison",
    "save_run",
]

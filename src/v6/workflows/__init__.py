"""Workflows: the imperative shell that trades. ``EntryWorkflow`` (scan, select, gate,
execute), ``PositionMonitoringWorkflow`` (marks, risk, breakers, rules, exits), the ``Engine``
loop that runs them on the clock, and the sim runner behind ``v6 run`` (see docs/engine.md).

``v6.config.models`` imports ``v6.workflows.config`` while it loads, so this package imports
``v6.config`` first and resolves its public names lazily (reading the configuration never
loads the engine).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import v6.config  # noqa: F401  (load order: see the module docstring)

if TYPE_CHECKING:
    from v6.workflows.book import Book, ClosedTrade, IntentInfo
    from v6.workflows.build import Adapters, build_engine
    from v6.workflows.checkpoint import CheckpointBroker
    from v6.workflows.config import EngineConfig
    from v6.workflows.engine import CycleReport, Engine
    from v6.workflows.entry import EntryWorkflow
    from v6.workflows.feed import MarketFeed, SimFeed
    from v6.workflows.health import HealthRecord, read_health
    from v6.workflows.monitoring import PositionMonitoringWorkflow
    from v6.workflows.runner import Progress, RunResult, SimOptions, SimRun
    from v6.workflows.startup import StartReport, start
    from v6.workflows.summary import RunSummary, summarize

_EXPORTS: dict[str, str] = {
    "Book": "v6.workflows.book",
    "ClosedTrade": "v6.workflows.book",
    "IntentInfo": "v6.workflows.book",
    "Adapters": "v6.workflows.build",
    "build_engine": "v6.workflows.build",
    "CheckpointBroker": "v6.workflows.checkpoint",
    "EngineConfig": "v6.workflows.config",
    "CycleReport": "v6.workflows.engine",
    "Engine": "v6.workflows.engine",
    "EntryWorkflow": "v6.workflows.entry",
    "MarketFeed": "v6.workflows.feed",
    "SimFeed": "v6.workflows.feed",
    "HealthRecord": "v6.workflows.health",
    "read_health": "v6.workflows.health",
    "PositionMonitoringWorkflow": "v6.workflows.monitoring",
    "Progress": "v6.workflows.runner",
    "RunResult": "v6.workflows.runner",
    "SimOptions": "v6.workflows.runner",
    "SimRun": "v6.workflows.runner",
    "StartReport": "v6.workflows.startup",
    "start": "v6.workflows.startup",
    "RunSummary": "v6.workflows.summary",
    "summarize": "v6.workflows.summary",
}


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'v6.workflows' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "Adapters",
    "Book",
    "CheckpointBroker",
    "ClosedTrade",
    "CycleReport",
    "Engine",
    "EngineConfig",
    "EntryWorkflow",
    "HealthRecord",
    "IntentInfo",
    "MarketFeed",
    "PositionMonitoringWorkflow",
    "Progress",
    "RunResult",
    "RunSummary",
    "SimFeed",
    "SimOptions",
    "SimRun",
    "StartReport",
    "build_engine",
    "read_health",
    "start",
    "summarize",
]

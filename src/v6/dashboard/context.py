"""What every page needs to know, built once per script run: the validated config (the same
layered loader as the engine: file, then ``V6__`` environment), the data directory and the
refresh interval. ``v6 dashboard`` hands its choices to the Streamlit process through the
environment (``V6_DASHBOARD_CONFIG`` names the file; ``V6__DATA_DIR`` and the other ``V6__``
keys override it), so the app itself reads no command line.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from v6.config import TradingConfig, load_config_with_source
from v6.queries import Queries
from v6.store.reader import LakeReader

CONFIG_ENV = "V6_DASHBOARD_CONFIG"
"""Environment variable naming the config file the dashboard loads (absent: defaults plus
``config/trading_config.yaml`` in the working directory, as every ``v6`` command)."""


@dataclass(frozen=True, slots=True)
class DashboardContext:
    """The config and where the journal is; ``cache_key`` changes when either does, so
    cached reads are never shared between two data directories or configs."""

    config: TradingConfig
    config_source: str
    cache_key: str

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

    @property
    def refresh_s(self) -> float:
        return self.config.dashboard.refresh_s

    @property
    def reader(self) -> LakeReader:
        return LakeReader(self.config.lake_dir)

    @property
    def queries(self) -> Queries:
        return Queries.for_data_dir(self.data_dir)

    @property
    def health_file(self) -> str:
        return self.config.engine.health_file

    @property
    def kill_file(self) -> str:
        return self.config.risk.kill_switch.file_name


def load_context(env: Mapping[str, str] | None = None) -> DashboardContext:
    """The dashboard's context from the environment (``os.environ`` by default)."""
    source_env = os.environ if env is None else env
    path = source_env.get(CONFIG_ENV) or None
    loaded = load_config_with_source(path, env=source_env)
    cfg = loaded.config
    digest = hashlib.sha256(cfg.model_dump_json().encode()).hexdigest()[:16]
    return DashboardContext(cfg, loaded.source, f"{cfg.data_dir.resolve()}|{digest}")

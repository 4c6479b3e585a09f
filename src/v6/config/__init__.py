"""Typed, validated, frozen configuration: ``TradingConfig`` and its sections, the layered
loader (defaults < YAML < ``V6__`` environment < overrides) and secret-safe printing.

Load it once at start with ``load_config()``; every bad value raises one ``ConfigError``
naming each offending key, the value given, where it came from and what was expected.
"""

from v6.config.loader import (
    DEFAULT_CONFIG_PATH,
    ENV_PREFIX,
    LoadedConfig,
    config_from_mapping,
    load_config,
    load_config_with_source,
)
from v6.config.models import Mode, TradingConfig, is_loopback_host
from v6.config.redact import MASK, redacted_dict, render_json, render_yaml
from v6.config.sections import (
    LIVE_PORTS,
    PAPER_PORTS,
    AlertsConfig,
    EntryConfig,
    IBConnectionConfig,
    LoggingConfig,
    MarketDataType,
    ProfitTargets,
    ReconnectBackoff,
    RefreshIntervals,
    TradingLimitsConfig,
    VarianceAnalysisConfig,
)
from v6.config.types import (
    SECRET,
    ConfigSection,
    Dollars,
    Fraction01,
    NonNegativeFloat,
    NonNegativeInt,
    OpenFraction01,
    Port,
    PositiveFloat,
    PositiveInt,
    Seconds,
)
from v6.config.variance import variance_weight
from v6.domain.regime import Regime

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "ENV_PREFIX",
    "LIVE_PORTS",
    "MASK",
    "PAPER_PORTS",
    "SECRET",
    "AlertsConfig",
    "ConfigSection",
    "Dollars",
    "EntryConfig",
    "Fraction01",
    "IBConnectionConfig",
    "LoadedConfig",
    "LoggingConfig",
    "MarketDataType",
    "Mode",
    "NonNegativeFloat",
    "NonNegativeInt",
    "OpenFraction01",
    "Port",
    "PositiveFloat",
    "PositiveInt",
    "ProfitTargets",
    "ReconnectBackoff",
    "RefreshIntervals",
    "Regime",
    "Seconds",
    "TradingConfig",
    "TradingLimitsConfig",
    "VarianceAnalysisConfig",
    "config_from_mapping",
    "is_loopback_host",
    "load_config",
    "load_config_with_source",
    "redacted_dict",
    "render_json",
    "render_yaml",
    "variance_weight",
]

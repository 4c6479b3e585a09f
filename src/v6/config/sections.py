"""The configuration sections: IB connection, refresh intervals, trading limits, regime profit
targets, variance analysis, logging, entry and alerts. Numbers from the owner's notes are the
defaults; units are in the field names or the docstrings.
"""

from __future__ import annotations

import re
from enum import IntEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr
from pydantic_core import PydanticCustomError

from v6.config.types import (
    SECRET,
    ConfigSection,
    Dollars,
    Fraction01,
    FrozenMap,
    NoBool,
    NonNegativeInt,
    OpenFraction01,
    Port,
    PositiveFloat,
    PositiveInt,
    Seconds,
    SecretUrl,
    Symbol,
)
from v6.domain.regime import Regime
from v6.domain.strategy import StrategyType


class MarketDataType(IntEnum):
    """IB ``reqMarketDataType`` codes."""

    LIVE = 1
    FROZEN = 2
    DELAYED = 3
    DELAYED_FROZEN = 4


def _market_data_type_by_name(value: object) -> object:
    """Accept ``delayed`` as well as ``3``; IB documents both."""
    if isinstance(value, str) and not value.strip().isdigit():
        key = value.strip().upper().replace("-", "_")
        if key in MarketDataType.__members__:
            return MarketDataType[key]
    return value


def _account_id(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[A-Za-z0-9]{2,20}", value):
        raise PydanticCustomError("account_id", "an IB account id (letters and digits)")
    return value


def _url_like(value: SecretStr) -> SecretStr:
    if "://" not in value.get_secret_value():
        raise PydanticCustomError("url_like", "a URL such as 'ntfy://host/topic'")
    return value


LIVE_PORTS: frozenset[int] = frozenset({7496, 4001})
"""TWS and IB Gateway ports of a live (real money) session."""
PAPER_PORTS: frozenset[int] = frozenset({7497, 4002})
"""TWS and IB Gateway ports of a paper session."""


class ReconnectBackoff(ConfigSection):
    """Exponential back-off between reconnect attempts: ``initial_s * multiplier**n``, capped
    at ``max_s``, each delay spread by +/- ``jitter_fraction`` so restarts do not line up."""

    initial_s: Seconds = 1.0
    max_s: Seconds = 60.0
    multiplier: Annotated[float, NoBool, Field(ge=1.0)] = 2.0
    jitter_fraction: Fraction01 = 0.1


class IBConnectionConfig(ConfigSection):
    """How to reach TWS / IB Gateway. Paper TWS (7497) is the default so nothing trades money
    unless the config says so."""

    host: Annotated[str, Field(min_length=1)] = "127.0.0.1"
    port: Port = 7497
    client_id: NonNegativeInt = 1
    account: Annotated[str | None, SECRET, AfterValidator(_account_id), Field(repr=False)] = None
    allow_remote_host: bool = False
    connect_timeout_s: Seconds = 10.0
    reconnect: ReconnectBackoff = Field(default_factory=ReconnectBackoff)
    heartbeat_interval_s: Seconds = 20.0
    """Seconds without any data from IB before the link is probed (``IB.setTimeout``)."""
    market_data_type: Annotated[
        MarketDataType, NoBool, BeforeValidator(_market_data_type_by_name)
    ] = MarketDataType.LIVE
    max_streaming_lines: Annotated[int, NoBool, Field(ge=1, le=100)] = 90
    """Market-data lines we allow ourselves; IB's default allowance is 100."""


class RefreshIntervals(ConfigSection):
    """How often each loop runs, in seconds."""

    monitoring_s: Seconds = 30.0
    queue_worker_s: Seconds = 5.0
    position_poll_s: Seconds = 30.0
    futures_batch_write_s: Seconds = 60.0
    entry_scan_s: Seconds = 300.0
    heartbeat_s: Seconds = 10.0
    """How often the engine writes its health heartbeat record."""
    store_flush_s: Seconds = 5.0
    quote_max_age_s: Seconds = 10.0
    """A quote older than this is stale and never traded on."""


def _default_per_type() -> dict[StrategyType, int]:
    return {
        StrategyType.IRON_CONDOR: 8,
        StrategyType.BULL_PUT: 5,
        StrategyType.BEAR_CALL: 5,
        StrategyType.BULL_CALL: 2,
        StrategyType.BEAR_PUT: 2,
        StrategyType.CUSTOM: 0,
    }


class TradingLimitsConfig(ConfigSection):
    """Portfolio limits the risk gate enforces; defaults suit a ~$100k account.

    Greek limits are absolute values of portfolio Greeks in the units of ``v6.domain.Greeks``:
    delta in share-equivalents, gamma in share-equivalents per $1, theta in dollars per day,
    vega in dollars per volatility point.
    """

    max_open_strategies: PositiveInt = 10
    max_per_symbol: PositiveInt = 4
    max_per_strategy_type: FrozenMap[StrategyType, NonNegativeInt] = Field(
        default_factory=_default_per_type
    )
    max_abs_delta: PositiveFloat = 200.0
    max_abs_gamma: PositiveFloat = 50.0
    max_abs_theta_per_day: PositiveFloat = 500.0
    max_abs_vega_per_vol_point: PositiveFloat = 1000.0
    max_daily_loss: Dollars = 2000.0
    max_loss_per_trade: Dollars = 1000.0
    max_margin_use: OpenFraction01 = 0.5
    max_concentration: OpenFraction01 = 0.35
    """Largest fraction of portfolio risk in one underlying."""
    correlation_threshold: Fraction01 = 0.8
    """Two underlyings correlated above this count as one for concentration."""


class ProfitTargets(ConfigSection):
    """Take-profit as a fraction of max profit, per market regime (seed table, phase 9-01).

    All six regimes always have a value; unknown regime names are refused.
    """

    crash: OpenFraction01 = 0.40
    high_vol: OpenFraction01 = 0.50
    normal: OpenFraction01 = 0.80
    low_vol: OpenFraction01 = 0.90
    trending: OpenFraction01 = 0.85
    range_bound: OpenFraction01 = 0.80

    def for_regime(self, regime: Regime | str) -> float:
        """The take-profit fraction for ``regime`` (a ``Regime`` or its name; unknown names
        raise ``ValueError``)."""
        value: float = getattr(self, Regime(regime).value)
        return value

    def as_dict(self) -> dict[Regime, float]:
        return {r: self.for_regime(r) for r in Regime}


class VarianceAnalysisConfig(ConfigSection):
    """Prediction-variance feedback: strategy types whose predicted P&L missed by a large mean
    absolute error (MAE, as a fraction of max profit) get a smaller weight in selection.

    weight = max(min_weight, 1 - min(mae / mae_scale, max_reduction)); see
    ``v6.config.variance_weight``.
    """

    enabled: bool = True
    lookback_days: PositiveInt = 30
    min_predictions: PositiveInt = 10
    mae_scale: PositiveFloat = 0.40
    max_reduction: Fraction01 = 0.5
    min_weight: Fraction01 = 0.5
    strategy_weights: FrozenMap[StrategyType, Fraction01] = Field(default_factory=dict)
    """Static weights; a type listed here uses this weight instead of the computed one."""
    regime_adjustments: FrozenMap[Regime, FrozenMap[StrategyType, Fraction01]] = Field(
        default_factory=dict
    )
    """Extra multiplier per regime and strategy type; absent means 1.0."""


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


FILE_NAME_PATTERN = r"^[A-Za-z0-9._-]+$"


def _not_dots(name: str) -> str:
    if name in (".", ".."):
        raise PydanticCustomError("file_name", "a plain file name such as 'v6.jsonl'")
    return name


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


class LoggingConfig(ConfigSection):
    """Logging: a JSON-lines file under ``<data_dir>/logs`` and an optional console stream."""

    level: Annotated[LogLevel, BeforeValidator(_upper)] = "INFO"
    json_file: Annotated[str, Field(pattern=FILE_NAME_PATTERN), AfterValidator(_not_dots)] = (
        "v6.jsonl"
    )
    """A plain file name (no directories); it is placed in ``<data_dir>/logs``."""
    console: bool = True


def _unique(symbols: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(symbols)) != len(symbols):
        raise PydanticCustomError("duplicates", "a list without repeated symbols")
    return symbols


class EntryConfig(ConfigSection):
    """What the entry workflow looks for (21-45 DTE, 16-delta shorts, $5 wings)."""

    underlyings: Annotated[
        tuple[Annotated[Symbol, BeforeValidator(_upper)], ...],
        Field(min_length=1),
        AfterValidator(_unique),
    ] = ("SPY", "QQQ", "IWM")
    dte_min: PositiveInt = 21
    dte_max: PositiveInt = 45
    short_delta: Annotated[float, NoBool, Field(gt=0, lt=0.5)] = 0.16
    """Absolute delta targeted for the short strikes."""
    wing_width_dollars: Dollars = 10.0
    """Short-to-long strike distance. $10 rather than $5: on the tuning seeds the wider wings
    kept more of the premium after four legs' costs (docs/backtest.md)."""
    min_credit_fraction: Annotated[float, NoBool, Field(gt=0, lt=1)] = 0.25
    """Smallest credit worth taking, as a fraction of the wing width."""


class AlertsConfig(ConfigSection):
    """Alert delivery. Notification URLs often embed tokens, so they are secrets."""

    notify_urls: Annotated[tuple[Annotated[SecretUrl, AfterValidator(_url_like)], ...], SECRET] = ()


class DashboardConfig(ConfigSection):
    """The read-only Streamlit dashboard (``v6 dashboard``). It listens on the loopback address
    unless told otherwise; bound to any other address it needs ``password`` (``v6 dashboard``
    refuses to start without one), which can also come from ``V6__DASHBOARD__PASSWORD``."""

    host: Annotated[str, Field(min_length=1)] = "127.0.0.1"
    port: Port = 8501
    password: Annotated[SecretStr | None, SECRET, Field(min_length=8)] = None
    """Asked for before any page is shown; at least 8 characters."""
    refresh_s: Annotated[float, NoBool, Field(ge=0.5, le=3600)] = 5.0
    """Seconds between automatic refreshes of each panel (reads are cached this long)."""

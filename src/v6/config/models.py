"""``TradingConfig``: the whole validated configuration, and the one validator that holds
every rule spanning more than one field (live-trading safety first).

Construct it through ``v6.config.load_config`` to get field-naming ``ConfigError``s; direct
construction raises pydantic's ``ValidationError`` (inputs hidden, so no secret leaks).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from v6.config.sections import (
    LIVE_PORTS,
    PAPER_PORTS,
    AlertsConfig,
    DashboardConfig,
    EntryConfig,
    IBConnectionConfig,
    LoggingConfig,
    MarketDataType,
    ProfitTargets,
    RefreshIntervals,
    TradingLimitsConfig,
    VarianceAnalysisConfig,
)
from v6.config.types import ConfigSection
from v6.risk.config import RiskConfig
from v6.rules.config import RulesConfig
from v6.strategies.config import StrategiesConfig
from v6.workflows.config import EngineConfig


class Mode(StrEnum):
    """Where orders go: the in-process simulator, an IB paper account, or real money."""

    SIM = "sim"
    PAPER = "paper"
    LIVE = "live"


@dataclass(frozen=True, slots=True)
class CrossFieldProblem:
    """One violated rule between fields: the field to fix, its value and what it must be."""

    path: tuple[str, ...]
    value: object
    expected: str


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _ports(ports: frozenset[int]) -> str:
    return " or ".join(str(p) for p in sorted(ports, reverse=True))


def _ib_problems(mode: Mode, ib: IBConnectionConfig) -> list[CrossFieldProblem]:
    out: list[CrossFieldProblem] = []
    if not ib.allow_remote_host and not is_loopback_host(ib.host):
        out.append(
            CrossFieldProblem(
                ("ib", "host"),
                ib.host,
                "a loopback host (127.0.0.1, ::1, localhost); "
                "set ib.allow_remote_host: true to connect elsewhere",
            )
        )
    if mode is Mode.LIVE:
        if ib.account is None:
            out.append(
                CrossFieldProblem(("ib", "account"), None, "your live account id in live mode")
            )
        elif ib.account.upper().startswith("DU"):
            out.append(
                CrossFieldProblem(
                    ("ib", "account"),
                    ib.account,
                    "a live account id in live mode (ids starting 'DU' are paper accounts)",
                )
            )
        if ib.port not in LIVE_PORTS:
            out.append(
                CrossFieldProblem(
                    ("ib", "port"),
                    ib.port,
                    f"a live port ({_ports(LIVE_PORTS)}) in live mode",
                )
            )
        if ib.market_data_type in (MarketDataType.DELAYED, MarketDataType.DELAYED_FROZEN):
            out.append(
                CrossFieldProblem(
                    ("ib", "market_data_type"),
                    int(ib.market_data_type),
                    "1 (live) or 2 (frozen) in live mode: never trade real money on delayed quotes",
                )
            )
    elif mode is Mode.PAPER and ib.port in LIVE_PORTS:
        out.append(
            CrossFieldProblem(
                ("ib", "port"),
                ib.port,
                f"a paper port ({_ports(PAPER_PORTS)}) in paper mode; "
                f"{ib.port} is a live-trading port",
            )
        )
    if ib.reconnect.initial_s > ib.reconnect.max_s:
        out.append(
            CrossFieldProblem(
                ("ib", "reconnect", "initial_s"),
                ib.reconnect.initial_s,
                f"at most ib.reconnect.max_s ({ib.reconnect.max_s})",
            )
        )
    return out


def _limit_problems(limits: TradingLimitsConfig) -> list[CrossFieldProblem]:
    if limits.max_loss_per_trade > limits.max_daily_loss:
        return [
            CrossFieldProblem(
                ("limits", "max_loss_per_trade"),
                limits.max_loss_per_trade,
                f"at most limits.max_daily_loss ({limits.max_daily_loss}): one trade must not "
                "be allowed to lose more than a whole day",
            )
        ]
    return []


def _entry_problems(entry: EntryConfig) -> list[CrossFieldProblem]:
    if entry.dte_min > entry.dte_max:
        return [
            CrossFieldProblem(
                ("entry", "dte_min"), entry.dte_min, f"at most entry.dte_max ({entry.dte_max})"
            )
        ]
    return []


class TradingConfig(ConfigSection):
    """Everything the engine, the CLI and the dashboard are configured by.

    ``sim`` is the default mode and paper TWS the default IB target: nothing reaches real
    money unless the file, the environment or the command line says ``live`` and names the
    account. To add a section: write a ``ConfigSection`` subclass and add one field here.
    """

    mode: Mode = Mode.SIM
    data_dir: Path = Path("data")
    ib: IBConnectionConfig = Field(default_factory=IBConnectionConfig)
    refresh: RefreshIntervals = Field(default_factory=RefreshIntervals)
    limits: TradingLimitsConfig = Field(default_factory=TradingLimitsConfig)
    profit_targets: ProfitTargets = Field(default_factory=ProfitTargets)
    variance_analysis: VarianceAnalysisConfig = Field(default_factory=VarianceAnalysisConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    entry: EntryConfig = Field(default_factory=EntryConfig)
    strategies: StrategiesConfig = Field(default_factory=StrategiesConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    rules: RulesConfig = Field(default_factory=RulesConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)

    @property
    def lake_dir(self) -> Path:
        """Folder holding one Delta table per sub-folder."""
        return self.data_dir / "lake"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def log_file(self) -> Path:
        """The JSON-lines log file."""
        return self.log_dir / self.logging.json_file

    @model_validator(mode="after")
    def _check_cross_field(self) -> Self:
        """Every rule that spans fields, checked together so all violations are reported."""
        problems = [
            *_ib_problems(self.mode, self.ib),
            *_limit_problems(self.limits),
            *_entry_problems(self.entry),
        ]
        if problems:
            summary = "; ".join(f"{'.'.join(p.path)}: expected {p.expected}" for p in problems)
            raise PydanticCustomError(
                "cross_field", "{summary}", {"summary": summary, "problems": problems}
            )
        return self

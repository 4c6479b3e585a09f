"""The folder one run leaves behind, and how analytics loads it.

    <run>/manifest.json   what ran: config, seed, scenario, days, created_at, version, metrics
    <run>/lake/           the engine's Delta tables (account_snapshots, strategies, ...)
    <run>/reports/        HTML and PNG reports written from it

The equity curve is the daily close of ``account_snapshots.net_liquidation`` and the trades
are the ``strategies`` rows that were opened; nothing else in the lake is needed.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import polars as pl

from v6.analytics.equity import EquityCurve
from v6.analytics.performance import PerformanceReport, performance_report
from v6.analytics.trades import empty_trades, normalise_trades
from v6.errors import DataQualityError, InputRejected
from v6.store.reader import LakeReader

MANIFEST_NAME = "manifest.json"
LAKE_DIR = "lake"
REPORTS_DIR = "reports"
MANIFEST_FORMAT = 1

ENDED_STATUSES = frozenset({"closed", "rolled"})
NEVER_OPENED = frozenset({"cancelled", "failed", "pending"})


def _json_safe(value: Any, where: str) -> Any:
    """``value`` with NaN/inf floats as ``None``; refuses anything JSON cannot hold."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v, f"{where}[]") for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise InputRejected(f"manifest {where}: {type(value).__name__} is not JSON (use mode='json')")


@dataclass(frozen=True, slots=True)
class RunManifest:
    """What ran. ``config`` is the ``TradingConfig`` as JSON (``model_dump(mode="json")``,
    secrets masked by the caller); ``metrics`` the run's ``PerformanceReport.to_dict()``;
    ``extra`` keeps any other key a newer writer added."""

    config: Mapping[str, Any]
    seed: int
    scenario: str
    days: int
    created_at: datetime
    version: str
    metrics: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            raise InputRejected("manifest created_at must be timezone-aware")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise InputRejected(f"manifest seed must be an integer, got {self.seed!r}")
        if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 0:
            raise InputRejected(f"manifest days must be an integer >= 0, got {self.days!r}")

    def with_metrics(self, report: PerformanceReport) -> RunManifest:
        return replace(self, metrics=MappingProxyType(report.to_dict()))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(_json_safe(dict(self.extra), "extra"))
        out.update(
            format=MANIFEST_FORMAT,
            config=_json_safe(dict(self.config), "config"),
            seed=self.seed,
            scenario=self.scenario,
            days=self.days,
            created_at=self.created_at.isoformat(),
            version=self.version,
            metrics=_json_safe(dict(self.metrics), "metrics"),
        )
        return out

    @staticmethod
    def from_json(data: Mapping[str, Any], source: str = MANIFEST_NAME) -> RunManifest:
        known = ("config", "seed", "scenario", "days", "created_at", "version", "metrics")
        missing = [k for k in known[:-1] if k not in data]
        if missing:
            raise DataQualityError(f"{source}: missing {missing}")
        try:
            created = datetime.fromisoformat(str(data["created_at"]))
            return RunManifest(
                config=MappingProxyType(dict(data["config"])),
                seed=data["seed"],
                scenario=str(data["scenario"]),
                days=data["days"],
                created_at=created,
                version=str(data["version"]),
                metrics=MappingProxyType(dict(data.get("metrics") or {})),
                extra=MappingProxyType(
                    {k: v for k, v in data.items() if k not in (*known, "format")}
                ),
            )
        except (TypeError, ValueError, InputRejected) as exc:
            raise DataQualityError(f"{source}: {exc}") from exc


class RunFolder:
    """A run's folder: its manifest, its lake, its reports."""

    __slots__ = ("path",)

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST_NAME

    @property
    def lake_root(self) -> Path:
        return self.path / LAKE_DIR

    @property
    def reports_dir(self) -> Path:
        return self.path / REPORTS_DIR

    @classmethod
    def create(cls, path: Path | str, manifest: RunManifest) -> RunFolder:
        """A new run folder (refuses a folder that already holds a run)."""
        folder = cls(path)
        if folder.manifest_path.exists():
            raise InputRejected(f"{folder.path} already holds a run")
        folder.lake_root.mkdir(parents=True, exist_ok=True)
        folder.write_manifest(manifest)
        return folder

    @classmethod
    def open(cls, path: Path | str) -> RunFolder:
        folder = cls(path)
        if not folder.manifest_path.is_file():
            raise InputRejected(f"{folder.path} is not a run folder (no {MANIFEST_NAME})")
        return folder

    def write_manifest(self, manifest: RunManifest) -> Path:
        """Atomically (temp file then rename), so a reader never sees half a manifest."""
        self.path.mkdir(parents=True, exist_ok=True)
        text = json.dumps(manifest.to_json(), indent=2, sort_keys=True, allow_nan=False)
        tmp = self.manifest_path.with_suffix(".json.tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, self.manifest_path)
        return self.manifest_path

    def read_manifest(self) -> RunManifest:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DataQualityError(f"{self.manifest_path}: {exc}") from exc
        if not isinstance(data, dict):
            raise DataQualityError(f"{self.manifest_path}: not a JSON object")
        return RunManifest.from_json(data, str(self.manifest_path))

    def reader(self) -> LakeReader:
        return LakeReader(self.lake_root)

    def load_equity(self, account_id: str | None = None) -> EquityCurve:
        return load_equity(self.reader(), account_id)

    def load_trades(self) -> pl.DataFrame:
        return load_trades(self.reader())

    def load_report(self, *, risk_free_rate_annual: float = 0.0) -> PerformanceReport:
        return performance_report(
            self.load_equity(),
            self.load_trades(),
            risk_free_rate_annual=risk_free_rate_annual,
        )


def load_equity(reader: LakeReader, account_id: str | None = None) -> EquityCurve:
    """Daily close of net liquidation from ``account_snapshots`` (one account; name it when
    the lake holds several)."""
    table = "account_snapshots"
    if not reader.exists(table):
        return EquityCurve.from_values([], [])
    frame = reader.read(table, columns=["account_id", "net_liquidation", "ts_event", "trade_date"])
    accounts = sorted(frame["account_id"].unique().to_list())
    if account_id is not None:
        frame = frame.filter(pl.col("account_id") == account_id)
    elif len(accounts) > 1:
        raise InputRejected(f"{table} holds several accounts {accounts}: name one")
    return EquityCurve.from_snapshots(frame)


def load_trades(reader: LakeReader) -> pl.DataFrame:
    """The trades table from ``strategies``: every strategy that was opened; closed and
    rolled ones with their exit, realised P&L and exit rule (the reason when no rule)."""
    table = "strategies"
    if not reader.exists(table):
        return empty_trades()
    frame = reader.latest(table)
    if frame.is_empty():
        return empty_trades()
    status = pl.col("status").str.to_lowercase()
    ended = status.is_in(list(ENDED_STATUSES))
    trades = frame.filter(pl.col("opened_at").is_not_null() & ~status.is_in(list(NEVER_OPENED)))
    return normalise_trades(
        trades.select(
            pl.col("strategy_id"),
            pl.col("opened_at").alias("entry_time"),
            pl.when(ended).then(pl.col("closed_at")).alias("exit_time"),
            pl.col("strategy_type"),
            pl.when(ended)
            .then(pl.coalesce(pl.col("exit_rule"), pl.col("exit_reason")))
            .alias("exit_rule"),
            pl.when(ended).then(pl.col("realized_pnl")).alias("pnl"),
            pl.col("max_loss"),
            pl.col("underlying"),
            pl.col("regime"),
            pl.col("exit_reason"),
        )
    )


def write_run_reports(
    folder: RunFolder, *, risk_free_rate_annual: float = 0.0, title: str | None = None
) -> dict[str, Path]:
    """Load the run, then write ``reports/report.html`` and the PNG charts; returns the
    files by name (``html`` and each chart)."""
    from v6.analytics.html import write_run_report_html
    from v6.analytics.png import write_run_pngs

    manifest = folder.read_manifest()
    curve, trades = folder.load_equity(), folder.load_trades()
    report = performance_report(curve, trades, risk_free_rate_annual=risk_free_rate_annual)
    notes = {
        "scenario": manifest.scenario,
        "seed": str(manifest.seed),
        "days": str(manifest.days),
        "version": manifest.version,
        "created_at": manifest.created_at.isoformat(),
    }
    html_path = write_run_report_html(
        folder.reports_dir / "report.html",
        curve,
        report,
        trades,
        title=title or f"v6 run: {manifest.scenario} (seed {manifest.seed})",
        notes=notes,
    )
    return {"html": html_path, **write_run_pngs(folder.reports_dir, curve, report)}

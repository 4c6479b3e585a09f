"""Saved backtest runs and comparisons: one folder per run under ``DATA_DIR/runs`` holding a
``manifest.json``. A run written by ``v6.analytics.RunFolder`` (manifest with config, seed,
scenario, days, metrics; the run's own journal under ``lake/``; reports under ``reports/``)
is read through it, its equity curve being the daily close of its journal's net liquidation.
Any other folder is read generically: whatever the manifest holds (name, kind, metrics, a
``paired`` block), an ``equity.parquet`` / ``equity.csv`` and ``*.png`` plots; a folder whose
manifest cannot be read is listed with its error rather than hidden.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from v6.analytics.runfolder import LAKE_DIR, REPORTS_DIR, RunFolder
from v6.errors import DataQualityError, InputRejected

RUNS_DIR = "runs"
MANIFEST = "manifest.json"
EQUITY_FILES = ("equity.parquet", "equity.csv")
SERIES_COLUMNS = ("series", "variant", "name", "label", "path")


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One saved run. ``metrics`` holds the manifest's flat numbers and short texts."""

    name: str
    path: Path
    kind: str
    created_at: datetime | None
    metrics: Mapping[str, float | str] = field(default_factory=dict)
    manifest: Mapping[str, Any] = field(default_factory=dict)
    equity_file: Path | None = None
    images: tuple[Path, ...] = ()
    error: str | None = None
    lake_dir: Path | None = None
    """The run's own journal (a ``RunFolder`` run); its equity curve comes from there."""
    report_html: Path | None = None


def _when(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    return None


def _metrics(raw: Any) -> dict[str, float | str]:
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, float | str] = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            out[str(key)] = str(value)
        elif isinstance(value, int | float):
            if math.isfinite(value):
                out[str(key)] = float(value)
        elif isinstance(value, str):
            out[str(key)] = value
    return out


def _analytics_run(folder: Path, equity: Path | None, images: tuple[Path, ...]) -> RunInfo | None:
    """The run as ``v6.analytics.RunFolder`` reads it, or None if it is not one of those."""
    try:
        manifest = RunFolder(folder).read_manifest()
    except (DataQualityError, InputRejected):
        return None
    extra = manifest.extra
    lake = folder / LAKE_DIR
    report = folder / REPORTS_DIR / "report.html"
    return RunInfo(
        name=str(
            extra.get("name") or f"{manifest.scenario} (seed {manifest.seed}, {manifest.days} days)"
        ),
        path=folder,
        kind=str(extra.get("kind") or "backtest"),
        created_at=manifest.created_at,
        metrics=_metrics(manifest.metrics),
        manifest=manifest.to_json(),
        equity_file=equity,
        images=images,
        lake_dir=lake if (lake / "account_snapshots").is_dir() else None,
        report_html=report if report.is_file() else None,
    )


def read_run(folder: Path) -> RunInfo:
    """The run in ``folder`` (which holds ``manifest.json``)."""
    equity = next((folder / f for f in EQUITY_FILES if (folder / f).is_file()), None)
    images = tuple(sorted(folder.glob("*.png"))) + tuple(
        sorted((folder / REPORTS_DIR).glob("*.png"))
    )
    known = _analytics_run(folder, equity, images)
    if known is not None:
        return known
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return RunInfo(
            folder.name, folder, "unknown", None, equity_file=equity, images=images, error=str(exc)
        )
    if not isinstance(raw, dict):
        return RunInfo(
            folder.name,
            folder,
            "unknown",
            None,
            equity_file=equity,
            images=images,
            error="manifest is not a JSON object",
        )
    return RunInfo(
        name=str(raw.get("name") or folder.name),
        path=folder,
        kind=str(raw.get("kind") or ("comparison" if "variants" in raw else "backtest")),
        created_at=_when(raw.get("created_at")),
        metrics=_metrics(raw.get("metrics")),
        manifest=raw,
        equity_file=equity,
        images=images,
    )


def list_runs(data_dir: Path) -> list[RunInfo]:
    """Every saved run, newest first (runs without a time last, by name)."""
    root = data_dir / RUNS_DIR
    if not root.is_dir():
        return []
    runs = [read_run(p.parent) for p in root.glob(f"*/{MANIFEST}")]
    oldest = datetime.min.replace(tzinfo=UTC)
    runs.sort(key=lambda r: (r.created_at or oldest, r.name), reverse=True)
    return runs


def run_equity(run: RunInfo) -> pl.DataFrame:
    """The run's equity curve(s) in long form: ``x`` (time or date), ``series``, ``equity``.

    A file with a series column (``series``, ``variant``, ...) is already long; otherwise
    every numeric column after the first time column is one series.
    """
    empty = pl.DataFrame(schema={"x": pl.String, "series": pl.String, "equity": pl.Float64})
    if run.lake_dir is not None:
        try:
            curve = RunFolder(run.path).load_equity()
        except (DataQualityError, InputRejected):
            curve = None
        if curve is not None and curve.dates.size:
            return pl.DataFrame(
                {
                    "x": curve.dates.tolist(),
                    "series": ["equity"] * int(curve.dates.size),
                    "equity": curve.equity_dollars.tolist(),
                }
            )
    if run.equity_file is None:
        return empty
    try:
        if run.equity_file.suffix == ".parquet":
            frame = pl.read_parquet(run.equity_file)
        else:
            frame = pl.read_csv(run.equity_file, try_parse_dates=True)
    except (OSError, pl.exceptions.PolarsError):
        return empty
    if frame.is_empty() or not frame.columns:
        return empty
    x = frame.columns[0]
    series = next((c for c in SERIES_COLUMNS if c in frame.columns), None)
    numeric = [c for c in frame.columns[1:] if c != series and frame.schema[c].is_numeric()]
    if not numeric:
        return empty
    if series is not None:
        return frame.select(
            pl.col(x).alias("x"),
            pl.col(series).cast(pl.String).alias("series"),
            pl.col(numeric[0]).cast(pl.Float64).alias("equity"),
        )
    return (
        frame.select(x, *numeric)
        .unpivot(index=x, variable_name="series", value_name="equity")
        .rename({x: "x"})
        .with_columns(pl.col("equity").cast(pl.Float64))
    )

"""``v6 compare``: two configurations on the same N simulated paths (common random numbers:
path ``i`` is the market of seed ``S + i`` for both), run in parallel processes, then paired.

Each (config, path) run is one job for a ``ProcessPoolExecutor`` with the ``spawn`` start
method (safe with threads and on every platform): the job is plain data, the worker a
top-level function, and each path keeps its journal in memory only. The default regime chain
of ``SimConfig`` (calm, normal, trending, range-bound, high-vol, crashes at 0.5 a year) gives
the paths their crash and vol-spike episodes at realistic frequencies.

Saved under ``DATA_DIR/runs/compare-<name>/``: ``manifest.json`` (read by the dashboard's
Backtests page: kind ``comparison``, headline metrics, a ``paired`` block with each path's
Sharpe under both configs), ``paths.parquet`` and ``paths.csv`` (every metric of every path,
one row per path and config), ``equity_paths.parquet`` (each path's daily equity), and
``reports/`` (``report.html`` and the PNGs of ``v6.analytics``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from v6 import __version__
from v6.analytics.compare import PairedComparison, compare_metrics
from v6.analytics.runfolder import RunFolder, RunManifest
from v6.clock import WallClock
from v6.config.models import Mode, TradingConfig
from v6.config.redact import redacted_dict
from v6.config.sections import AlertsConfig
from v6.errors import InputRejected
from v6.sim.backtest.options import MONTE_CARLO_STEP_MINUTES, BacktestOptions, JournalMode
from v6.sim.backtest.runner import Backtest
from v6.sim.config import SimConfig

COMPARE_METRICS = (
    "sharpe_ratio",
    "max_drawdown_fraction",
    "annualised_return",
    "annualised_volatility",
    "sortino_ratio",
    "cvar_5pct_daily_return",
    "win_rate",
)
PAIRED_METRIC = "sharpe_ratio"
"""The metric whose per-path values the manifest's ``paired`` block carries (dashboard)."""


def portable_config(cfg: TradingConfig) -> dict[str, Any]:
    """The config as plain data a worker process can receive (frozen config maps do not
    pickle). Secrets are dropped first (a backtest never connects or notifies), so the data
    validates back into the same config (``config_from_portable``)."""
    plain = cfg.model_copy(
        update={
            "mode": Mode.SIM,
            "ib": cfg.ib.model_copy(update={"account": None}),
            "alerts": AlertsConfig(),
            "dashboard": cfg.dashboard.model_copy(update={"password": None}),
        }
    )
    data: dict[str, Any] = plain.model_dump(mode="json")
    return data


def config_from_portable(data: Mapping[str, Any]) -> TradingConfig:
    return TradingConfig.model_validate(dict(data))


@dataclass(frozen=True, slots=True)
class PathJob:
    """One config on one path: everything a worker needs, as plain picklable data."""

    label: str
    cfg: dict[str, Any]
    """``portable_config`` of the config."""
    path_id: int
    seed: int
    days: int
    step_minutes: int
    lag_entries: int = 0
    sim: SimConfig | None = None


@dataclass(frozen=True, slots=True)
class PathResult:
    label: str
    path_id: int
    seed: int
    metrics: dict[str, float]
    """``PerformanceReport.scalars()`` of the path."""
    exits_by_rule: dict[str, int]
    dates: list[date]
    equity: list[float]
    wall_s: float
    cpu_s: float
    regime_sessions: dict[str, int] = field(default_factory=dict)
    """Sessions per regime of the path (the simulator's own label at each close)."""


def run_path(job: PathJob) -> PathResult:
    """The worker: one backtest kept in memory, reduced to its metrics and equity curve."""
    root = logging.getLogger()
    if not root.handlers:  # a spawned worker: its engine's warnings belong to its own run only
        root.addHandler(logging.NullHandler())
    tag = re.sub(r"[^A-Za-z0-9_-]+", "-", job.label)[:32]
    work = Path(tempfile.mkdtemp(prefix=f"v6-path-{tag}-{job.path_id}-"))
    try:
        opts = BacktestOptions(
            days=job.days,
            seed=job.seed,
            step_minutes=job.step_minutes,
            lag_entries=job.lag_entries,
            journal=JournalMode.MEMORY,
            sim=job.sim,
        )
        cfg = config_from_portable(job.cfg)
        result = asyncio.run(Backtest(cfg, opts, work_dir=work, wall=WallClock()).run())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    curve = result.equity
    return PathResult(
        label=job.label,
        path_id=job.path_id,
        seed=job.seed,
        metrics=result.report.scalars(),
        exits_by_rule=dict(result.report.exits_by_rule),
        dates=[d.item() for d in curve.dates],
        equity=[float(x) for x in curve.equity_dollars],
        wall_s=result.wall_s,
        cpu_s=result.cpu_s,
        regime_sessions=dict(Counter(m.regime for m in result.marks)),
    )


@dataclass(frozen=True, slots=True)
class CompareSpec:
    """A vs B over ``paths`` paths of ``days`` sessions; path ``i`` has seed ``seed + i``."""

    cfg_a: TradingConfig
    cfg_b: TradingConfig
    paths: int
    days: int
    seed: int
    workers: int = 2
    step_minutes: int = MONTE_CARLO_STEP_MINUTES
    lag_entries: int = 0
    label_a: str = "A"
    label_b: str = "B"
    sim: SimConfig | None = None

    def __post_init__(self) -> None:
        if self.paths < 1:
            raise InputRejected(f"--paths must be >= 1, got {self.paths}")
        if self.workers < 1:
            raise InputRejected(f"--workers must be >= 1, got {self.workers}")
        if self.label_a == self.label_b:
            raise InputRejected("the two configurations need different labels")

    def jobs(self) -> list[PathJob]:
        """Both configs of path 0, then of path 1, ... (a path's pair finishes together)."""
        out: list[PathJob] = []
        a, b = portable_config(self.cfg_a), portable_config(self.cfg_b)
        for i in range(self.paths):
            for label, cfg in ((self.label_a, a), (self.label_b, b)):
                out.append(
                    PathJob(
                        label,
                        cfg,
                        i,
                        self.seed + i,
                        self.days,
                        self.step_minutes,
                        self.lag_entries,
                        self.sim,
                    )
                )
        return out


@dataclass(slots=True)
class Comparison:
    """Per-path results of both sides and the paired statistics."""

    spec: CompareSpec
    results: list[PathResult]
    comparisons: dict[str, PairedComparison]
    wall_s: float
    notes: list[str] = field(default_factory=list)

    def frame(self) -> pl.DataFrame:
        """One row per path and config: ``config``, ``path_id``, ``seed``, every metric."""
        regimes = sorted({g for r in self.results for g in r.regime_sessions})
        rows = [
            {
                "config": r.label,
                "path_id": r.path_id,
                "seed": r.seed,
                **r.metrics,
                **{f"sessions_{g}": r.regime_sessions.get(g, 0) for g in regimes},
            }
            for r in sorted(self.results, key=lambda r: (r.path_id, r.label))
        ]
        return pl.DataFrame(rows)

    def side(self, label: str) -> pl.DataFrame:
        frame = self.frame().filter(pl.col("config") == label).drop("config")
        return frame.with_columns(pl.col("path_id").cast(pl.String))

    def equity_frame(self) -> pl.DataFrame:
        rows: dict[str, list[Any]] = {"config": [], "path_id": [], "date": [], "equity": []}
        for r in self.results:
            n = len(r.dates)
            rows["config"] += [r.label] * n
            rows["path_id"] += [r.path_id] * n
            rows["date"] += r.dates
            rows["equity"] += r.equity
        return pl.DataFrame(
            rows,
            schema={
                "config": pl.String,
                "path_id": pl.Int64,
                "date": pl.Date,
                "equity": pl.Float64,
            },
        )

    @property
    def cpu_s_per_run(self) -> float:
        return sum(r.cpu_s for r in self.results) / max(len(self.results), 1)

    def headline(self) -> dict[str, float]:
        """The few numbers the dashboard's run list shows first."""
        sharpe = self.comparisons["sharpe_ratio"]
        dd = self.comparisons["max_drawdown_fraction"]
        return {
            "median_sharpe_a": sharpe.median_a,
            "median_sharpe_b": sharpe.median_b,
            "median_max_drawdown_a": dd.median_a,
            "median_max_drawdown_b": dd.median_b,
            "share_a_better_sharpe": sharpe.share_a_better,
            "paths": float(self.spec.paths),
            "worst5_drawdown_mean_a": dd.worst_tail_mean_a,
            "worst5_drawdown_mean_b": dd.worst_tail_mean_b,
            "share_a_better_drawdown": dd.share_a_better,
            "mean_sharpe_difference": sharpe.mean_difference,
            "mean_sharpe_difference_ci_low": sharpe.mean_ci_t.low,
            "mean_sharpe_difference_ci_high": sharpe.mean_ci_t.high,
        }


def compare(
    spec: CompareSpec,
    *,
    progress: Callable[[int, int, PathResult], None] | None = None,
    executor_factory: Callable[[int], Any] | None = None,
) -> Comparison:
    """Run every job (in ``spec.workers`` spawned processes; in this process with 1 worker)
    and pair the results."""
    jobs = spec.jobs()
    t0 = time.perf_counter()
    results: list[PathResult] = []
    if spec.workers == 1 and executor_factory is None:
        for job in jobs:
            results.append(run_path(job))
            if progress is not None:
                progress(len(results), len(jobs), results[-1])
    else:
        factory = executor_factory or _spawn_pool
        with factory(min(spec.workers, len(jobs))) as pool:
            futures: list[Future[PathResult]] = [pool.submit(run_path, job) for job in jobs]
            for fut in as_completed(futures):
                results.append(fut.result())
                if progress is not None:
                    progress(len(results), len(jobs), results[-1])
    return pair(spec, results, time.perf_counter() - t0)


def _spawn_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def pair(spec: CompareSpec, results: Sequence[PathResult], wall_s: float) -> Comparison:
    """The paired statistics of finished paths (every metric in ``COMPARE_METRICS``)."""
    comparison = Comparison(spec, list(results), {}, wall_s)
    a, b = comparison.side(spec.label_a), comparison.side(spec.label_b)
    comparison.comparisons = compare_metrics(
        a, b, metrics=COMPARE_METRICS, label_a=spec.label_a, label_b=spec.label_b, seed=spec.seed
    )
    for metric, c in comparison.comparisons.items():
        if c.n_dropped:
            comparison.notes.append(f"{metric}: {c.n_dropped} path(s) without a value left out")
    return comparison


def save_comparison(
    comparison: Comparison,
    path: Path,
    *,
    name: str,
    created_at: datetime,
    sources: Mapping[str, str],
) -> RunFolder:
    """Write the comparison folder (see the module docstring)."""
    from v6.analytics.html import write_comparison_report_html
    from v6.analytics.png import write_comparison_pngs

    spec = comparison.spec
    sharpe = comparison.comparisons[PAIRED_METRIC]
    manifest = RunManifest(
        config={spec.label_a: redacted_dict(spec.cfg_a), spec.label_b: redacted_dict(spec.cfg_b)},
        seed=spec.seed,
        scenario="monte-carlo",
        days=spec.days,
        created_at=created_at,
        version=__version__,
        metrics=comparison.headline(),
        extra={
            "name": name,
            "kind": "comparison",
            "variants": [spec.label_a, spec.label_b],
            "sources": dict(sources),
            "paths": spec.paths,
            "seeds": [spec.seed, spec.seed + spec.paths - 1],
            "workers": spec.workers,
            "step_minutes": spec.step_minutes,
            "lag_entries": spec.lag_entries,
            "wall_s": round(comparison.wall_s, 3),
            "cpu_s_per_run": round(comparison.cpu_s_per_run, 3),
            "notes": comparison.notes,
            "paired": {
                "metric": PAIRED_METRIC,
                "a": spec.label_a,
                "b": spec.label_b,
                "values_a": [_finite(x) for x in sharpe.a.tolist()],
                "values_b": [_finite(x) for x in sharpe.b.tolist()],
            },
            "comparisons": {m: summary(c) for m, c in comparison.comparisons.items()},
        },
    )
    folder = RunFolder.create(path, manifest)
    frame = comparison.frame()
    frame.write_parquet(folder.path / "paths.parquet")
    frame.write_csv(folder.path / "paths.csv")
    comparison.equity_frame().write_parquet(folder.path / "equity_paths.parquet")
    title = f"v6 compare: {spec.label_a} vs {spec.label_b}, {spec.paths} paths x {spec.days} days"
    write_comparison_report_html(
        folder.reports_dir / "report.html", comparison.comparisons, title=title
    )
    write_comparison_pngs(folder.reports_dir, comparison.comparisons)
    shutil.rmtree(folder.lake_root, ignore_errors=True)  # a comparison has no journal of its own
    return folder


def summary(c: PairedComparison) -> dict[str, Any]:
    """One metric's paired result as JSON (NaN as null)."""
    return {
        "n_paths": c.n_paths,
        "n_dropped": c.n_dropped,
        "higher_is_better": c.higher_is_better,
        "median_a": _finite(c.median_a),
        "median_b": _finite(c.median_b),
        "mean_a": _finite(c.mean_a),
        "mean_b": _finite(c.mean_b),
        "mean_difference": _finite(c.mean_difference),
        "median_difference": _finite(c.median_difference),
        "mean_ci_t": [_finite(c.mean_ci_t.low), _finite(c.mean_ci_t.high)],
        "median_ci_bootstrap": [
            _finite(c.median_ci_bootstrap.low),
            _finite(c.median_ci_bootstrap.high),
        ],
        "share_a_better": _finite(c.share_a_better),
        "share_equal": _finite(c.share_equal),
        "p_value_sign": _finite(c.p_value_sign),
        "p_value_t": _finite(c.p_value_t),
        "worst_tail_mean_a": _finite(c.worst_tail_mean_a),
        "worst_tail_mean_b": _finite(c.worst_tail_mean_b),
        "quantiles_a": {str(q): _finite(v) for q, v in c.quantiles_a.items()},
        "quantiles_b": {str(q): _finite(v) for q, v in c.quantiles_b.items()},
    }


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


__all__ = [
    "COMPARE_METRICS",
    "CompareSpec",
    "Comparison",
    "PathJob",
    "PathResult",
    "compare",
    "config_from_portable",
    "pair",
    "portable_config",
    "run_path",
    "save_comparison",
]

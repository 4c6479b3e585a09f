"""``v6 backtest`` (one run of any config over a simulated path, a forced scenario or a replayed
daily history, saved as a run folder with its reports) and ``v6 compare`` (two configs on the
same N simulated paths in parallel processes, with a paired report). See docs/backtest.md.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from v6.cli.config_cmd import parse_set_options
from v6.clock import WallClock
from v6.config import load_config_with_source
from v6.errors import InputRejected
from v6.sim.backtest.options import (
    DEFAULT_STEP_MINUTES,
    MONTE_CARLO_STEP_MINUTES,
    BacktestOptions,
    JournalMode,
)
from v6.sim.regimes import ScenarioName

RUNS_DIR = "runs"

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: config/trading_config.yaml)."),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", envvar="V6_DATA_DIR", file_okay=False, help="Data directory (runs/ in it)."
    ),
]


def _console() -> Console:
    out = Console()
    return out if out.is_terminal else Console(width=140)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "run"


def parse_history(items: list[str]) -> dict[str, Path]:
    """``["SPY=spy.csv"]`` -> ``{"SPY": Path("spy.csv")}``."""
    out: dict[str, Path] = {}
    for item in items:
        symbol, sep, path = item.partition("=")
        if not sep or not symbol.strip() or not path.strip():
            raise InputRejected(f"--history-csv {item!r}: expected SYMBOL=path, e.g. SPY=spy.csv")
        out[symbol.strip().upper()] = Path(path.strip())
    return out


def _out_dir(data_dir: Path, out: Path | None, name: str) -> Path:
    target = out if out is not None else data_dir / RUNS_DIR / name
    if (target / "manifest.json").exists():
        raise InputRejected(f"{target} already holds a run: choose another --out or --name")
    return target


def _bar(console: Console) -> Progress:
    """The progress bar both commands show: label, bar, done/total, elapsed, live stats."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[stats]}"),
        console=console,
    )


def backtest(
    config: ConfigOpt = None,
    days: Annotated[int, typer.Option(min=1, max=2520, help="Sessions to run.")] = 250,
    seed: Annotated[int, typer.Option(min=0, help="Market seed (same seed, same run).")] = 7,
    scenario: Annotated[
        ScenarioName | None, typer.Option(help="Force a scenario (crash-day, vol-spike, ...).")
    ] = None,
    scenario_day: Annotated[
        int | None, typer.Option(min=0, help="Session at which the scenario starts.")
    ] = None,
    history_csv: Annotated[
        list[str] | None,
        typer.Option(
            "--history-csv",
            help="Replay daily bars instead of a simulated path: SYMBOL=path (repeatable).",
            metavar="SYMBOL=PATH",
        ),
    ] = None,
    vix_csv: Annotated[
        Path | None, typer.Option(help="Daily VIX (date,vix) for --history-csv.", dir_okay=False)
    ] = None,
    lag_entries: Annotated[
        int, typer.Option(min=0, help="Send every entry N grid steps after it is decided.")
    ] = 0,
    step_minutes: Annotated[
        int, typer.Option(min=1, max=390, help="Grid (and monitoring) step in minutes.")
    ] = DEFAULT_STEP_MINUTES,
    full_journal: Annotated[
        bool, typer.Option(help="Also journal position/account snapshots every cycle.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(file_okay=False, help="Run folder (default: DATA_DIR/runs/<name>)."),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Run name (default: config, seed, time).")
    ] = None,
    reports: Annotated[bool, typer.Option(help="Write the HTML and PNG reports.")] = True,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
    data_dir: DataDirOpt = None,
) -> None:
    """Backtest one config: the engine on a virtual clock over a simulated path (or a forced
    scenario, or replayed daily history with synthesised chains), saved as a run folder with
    its journal, metrics and reports; prints the metrics summary."""
    from v6.analytics.terminal import print_summary
    from v6.sim.backtest.folder import save_run
    from v6.sim.backtest.runner import Backtest, BacktestResult
    from v6.sim.backtest.runner import Progress as RunProgress

    overrides = {"data_dir": str(data_dir)} if data_dir is not None else None
    loaded = load_config_with_source(config, overrides=overrides)
    cfg = loaded.config
    history = parse_history(history_csv or [])
    opts = BacktestOptions(
        days=days,
        seed=seed,
        scenario=scenario,
        scenario_day=scenario_day,
        step_minutes=step_minutes,
        lag_entries=lag_entries,
        history=history,
        vix_csv=vix_csv,
        journal=JournalMode.FULL if full_journal else JournalMode.LEAN,
    )
    wall = WallClock()
    now = wall.now()
    stem = config.stem if config is not None else "trading_config"
    run_name = _slug(name or f"backtest-{stem}-s{seed}-{days}d-{now:%Y%m%dT%H%M%S}")
    target = _out_dir(cfg.data_dir, out, run_name)
    work = target.parent / f".{target.name}.work"
    console = _console()
    runner = Backtest(cfg, opts, work_dir=work, wall=wall)
    try:
        if progress:
            bar = _bar(console)
            with bar:
                task = bar.add_task("backtest", total=days, stats="")

                def show(p: RunProgress) -> None:
                    stats = (
                        f"equity {p.equity:,.0f}  open {p.open_strategies}  "
                        f"entries {p.entries}  exits {p.exits}"
                    )
                    bar.update(task, completed=p.day, description=f"{p.ts:%Y-%m-%d}", stats=stats)

                result: BacktestResult = asyncio.run(runner.run(show))
        else:
            result = asyncio.run(runner.run())
        folder = save_run(
            result,
            target,
            name=run_name,
            created_at=now,
            config_source=loaded.source,
            reports=reports,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_summary(result.report, console, title=f"Backtest {run_name}")
    console.print(
        f"{result.steps:,} steps, {len(result.marks)} sessions in {result.wall_s:.1f} s "
        f"({result.cpu_s / max(len(result.marks), 1) * 250:.1f} s CPU per 250 sessions); "
        f"entries lagged {opts.lag_entries} steps; market {opts.source}, seed {seed}"
    )
    console.print(f"run folder: {folder.path}")
    if reports:
        console.print(f"report: {folder.reports_dir / 'report.html'}")


def compare(
    config_a: Annotated[Path, typer.Argument(help="Config A (e.g. config/trading_config.yaml).")],
    config_b: Annotated[Path, typer.Argument(help="Config B (e.g. config/baseline_v5.yaml).")],
    paths: Annotated[int, typer.Option(min=1, help="Simulated paths (both configs on each).")] = 20,
    days: Annotated[int, typer.Option(min=1, max=2520, help="Sessions per path.")] = 250,
    seed: Annotated[int, typer.Option(min=0, help="Path i uses market seed S + i.")] = 1,
    workers: Annotated[int, typer.Option(min=1, help="Parallel worker processes.")] = 2,
    step_minutes: Annotated[
        int, typer.Option(min=1, max=390, help="Grid (and monitoring) step in minutes.")
    ] = MONTE_CARLO_STEP_MINUTES,
    lag_entries: Annotated[
        int, typer.Option(min=0, help="Send every entry N grid steps after it is decided.")
    ] = 0,
    set_a: Annotated[
        list[str] | None,
        typer.Option(
            "--set-a",
            help="Override one key of A, e.g. rules.vix_exit.enabled=false.",
            metavar="KEY=VALUE",
        ),
    ] = None,
    set_b: Annotated[
        list[str] | None,
        typer.Option("--set-b", help="Override one key of B (repeatable).", metavar="KEY=VALUE"),
    ] = None,
    label_a: Annotated[str | None, typer.Option(help="Name of A (default: its file name).")] = None,
    label_b: Annotated[str | None, typer.Option(help="Name of B (default: its file name).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(file_okay=False, help="Folder (default: DATA_DIR/runs/compare-<name>)."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Comparison name.")] = None,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
    data_dir: DataDirOpt = None,
) -> None:
    """Compare two configs on the same simulated paths (common random numbers), in parallel
    processes: distributions of Sharpe and max drawdown, per-path differences, the share of
    paths where A beats B and confidence intervals; saved with an HTML report."""
    from v6.analytics.terminal import print_comparison
    from v6.sim.backtest.montecarlo import CompareSpec, PathResult, save_comparison
    from v6.sim.backtest.montecarlo import compare as run_compare

    base: dict[str, object] = {"data_dir": str(data_dir)} if data_dir is not None else {}
    a = load_config_with_source(config_a, overrides={**base, **parse_set_options(set_a or [])})
    b = load_config_with_source(config_b, overrides={**base, **parse_set_options(set_b or [])})
    label_a = label_a or config_a.stem
    label_b = label_b or config_b.stem
    if label_a == label_b:
        label_a, label_b = f"A-{label_a}", f"B-{label_b}"
    spec = CompareSpec(
        a.config,
        b.config,
        paths=paths,
        days=days,
        seed=seed,
        workers=workers,
        step_minutes=step_minutes,
        lag_entries=lag_entries,
        label_a=label_a,
        label_b=label_b,
    )
    wall = WallClock()
    now: datetime = wall.now()
    run_name = _slug(
        name or f"compare-{label_a}-vs-{label_b}-{paths}x{days}-s{seed}-{now:%Y%m%dT%H%M%S}"
    )
    if not run_name.startswith("compare-"):
        run_name = f"compare-{run_name}"
    target = _out_dir(a.config.data_dir, out, run_name)
    console = _console()
    if progress:
        bar = _bar(console)
        with bar:
            task = bar.add_task("compare", total=paths * 2, stats="")

            def show(done: int, total: int, r: PathResult) -> None:
                sharpe = r.metrics.get("sharpe_ratio", float("nan"))
                stats = f"last: {r.label} path {r.path_id} Sharpe {sharpe:.2f} ({r.wall_s:.1f} s)"
                bar.update(task, completed=done, stats=stats)

            comparison = run_compare(spec, progress=show)
    else:
        comparison = run_compare(spec)
    folder = save_comparison(
        comparison,
        target,
        name=run_name,
        created_at=now,
        sources={label_a: a.source, label_b: b.source},
    )
    print_comparison(comparison.comparisons, console)
    _print_tails(console, comparison.headline(), label_a, label_b)
    for note in comparison.notes:
        console.print(f"note: {note}")
    console.print(
        f"{paths} paths x {days} sessions x 2 configs in {comparison.wall_s:.1f} s on "
        f"{workers} worker(s) ({comparison.cpu_s_per_run:.1f} s CPU per run, "
        f"{step_minutes}-minute steps); seeds {seed}..{seed + paths - 1}"
    )
    console.print(f"comparison folder: {folder.path}")
    console.print(f"report: {folder.reports_dir / 'report.html'}")


def _print_tails(console: Console, head: dict[str, float], a: str, b: str) -> None:
    table = Table(title="Drawdown tails and Sharpe difference", header_style="bold")
    table.add_column("measure")
    table.add_column(a, justify="right")
    table.add_column(b, justify="right")
    table.add_row(
        "mean of the worst 5 % max drawdowns",
        f"{head['worst5_drawdown_mean_a']:.2%}",
        f"{head['worst5_drawdown_mean_b']:.2%}",
    )
    table.add_row(
        "median max drawdown",
        f"{head['median_max_drawdown_a']:.2%}",
        f"{head['median_max_drawdown_b']:.2%}",
    )
    table.add_row(
        "median Sharpe", f"{head['median_sharpe_a']:.2f}", f"{head['median_sharpe_b']:.2f}"
    )
    table.add_row(
        "mean Sharpe difference (95 % CI)",
        f"{head['mean_sharpe_difference']:+.2f}",
        f"[{head['mean_sharpe_difference_ci_low']:+.2f}, "
        f"{head['mean_sharpe_difference_ci_high']:+.2f}]",
    )
    console.print(table)


def mount(app: typer.Typer) -> None:
    """Register ``backtest`` and ``compare`` on the ``v6`` app."""
    app.command("backtest")(backtest)
    app.command("compare")(compare)


__all__ = ["backtest", "compare", "mount", "parse_history"]

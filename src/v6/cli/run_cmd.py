"""``v6 run`` (the engine; sim mode: a simulated period with a live progress bar and a closing
summary), ``v6 status``, ``v6 positions``, ``v6 resume`` and ``v6 kill``.

Only ``v6 run`` writes the journal. The other commands read it (``status``, ``positions``) or
drop a file the engine applies on its next cycle (``resume``: a request; ``kill``: the
kill-switch flag), so they are safe next to a running engine.
"""

from __future__ import annotations

import asyncio
import getpass
import json
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from v6.clock import WallClock
from v6.config import Mode, TradingConfig, load_config
from v6.errors import InputRejected
from v6.logs import setup_logging
from v6.queries import Queries
from v6.risk.killswitch import KillSwitch
from v6.sim.regimes import ScenarioName
from v6.store.reader import LakeReader
from v6.workflows.control import pending_resumes, write_resume_request
from v6.workflows.health import read_health
from v6.workflows.runner import Progress as RunProgress
from v6.workflows.runner import RunResult, SimOptions, SimRun
from v6.workflows.summary import RunSummary

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: config/trading_config.yaml)."),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="V6_DATA_DIR",
        file_okay=False,
        help="Data directory (default: the config's).",
    ),
]


def _console() -> Console:
    out = Console()
    return out if out.is_terminal else Console(width=140)


def _config(config: Path | None, data_dir: Path | None) -> tuple[TradingConfig, Path]:
    overrides = {"data_dir": str(data_dir)} if data_dir is not None else None
    cfg = load_config(config, overrides=overrides)
    return cfg, cfg.data_dir


def run(
    mode: Annotated[
        Mode | None, typer.Option(case_sensitive=False, help="sim (default), paper or live.")
    ] = None,
    days: Annotated[
        int | None, typer.Option(min=1, max=2520, help="Sessions to simulate (sim; default 60).")
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Market seed (same seed, same run).")] = 7,
    scenario: Annotated[
        ScenarioName | None, typer.Option(help="Force a scenario (crash-day, vol-spike, ...).")
    ] = None,
    scenario_day: Annotated[
        int | None, typer.Option(min=0, help="Session at which the scenario starts.")
    ] = None,
    realtime: Annotated[
        bool, typer.Option("--realtime", help="Pace the simulation at wall-clock speed.")
    ] = False,
    speed: Annotated[
        float, typer.Option(min=0.001, help="With --realtime: this many times faster.")
    ] = 1.0,
    checkpoint: Annotated[
        bool,
        typer.Option(help="Save the paper broker after every call so a killed run can --resume."),
    ] = False,
    resume: Annotated[
        bool, typer.Option(help="Continue a checkpointed simulated run from its checkpoint.")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show the live progress bar.")] = True,
    summary_json: Annotated[
        Path | None, typer.Option(help="Also write the closing summary to this JSON file.")
    ] = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Run the trading engine (sim: DAYS simulated sessions, then a summary).

    In sim mode (the default) the engine trades the built-in market with the paper broker, as
    fast as the machine allows, then prints a summary of what it did.
    """
    cfg, root = _config(config, data_dir)
    chosen = mode or cfg.mode
    if chosen is not Mode.SIM:
        raise InputRejected(f"{chosen.value} mode needs the IB adapter, which does not exist yet")
    setup_logging(
        cfg.log_dir, level=cfg.logging.level, console=False, file_name=cfg.logging.json_file
    )
    opts = SimOptions(
        days=days or cfg.engine.sim_days,
        seed=seed,
        scenario=scenario,
        scenario_day=scenario_day,
        realtime=speed if realtime else None,
        checkpoint=checkpoint or resume,
        resume=resume,
    )
    sim_run = SimRun(cfg, opts, data_dir=root, wall=WallClock())
    out = _console()
    result = _run_with_progress(sim_run, out) if progress else asyncio.run(sim_run.run())
    _print_summary(out, result, root)
    if summary_json is not None:
        summary_json.write_text(json.dumps(result.summary.as_dict(), indent=2), encoding="utf-8")


def _run_with_progress(sim_run: SimRun, out: Console) -> RunResult:
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("day {task.completed:>3.0f}/{task.total:.0f}"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[stats]}"),
        console=out,
        transient=False,
    )
    with bar:
        task = bar.add_task("sim", total=sim_run.opts.days, stats="")

        def show(p: RunProgress) -> None:
            top = sorted(p.exits.items(), key=lambda kv: -kv[1])[:3]
            exits = ", ".join(f"{k} {v}" for k, v in top) or "-"
            colour = "green" if p.pnl >= 0 else "red"
            state = p.state if p.state == "ACTIVE" else f"[bold red]{p.state}[/]"
            stats = (
                f"entries {p.entries}  exits {sum(p.exits.values())} ({exits})  "
                f"open {p.open_strategies}  P&L [{colour}]{p.pnl:+,.0f}[/]  "
                f"DD {p.drawdown:,.0f}  {state}"
            )
            bar.update(task, completed=p.day, description=p.ts.strftime("%Y-%m-%d"), stats=stats)

        return asyncio.run(sim_run.run(show))


def _money(x: float) -> str:
    return f"{x:+,.2f}"


def _print_summary(out: Console, result: RunResult, root: Path) -> None:
    s: RunSummary = result.summary
    title = "Simulated run" + (" (stopped early)" if result.stopped else "")
    table = Table(title=f"{title}: {s.first_day} .. {s.last_day}, {s.sessions} sessions")
    table.add_column("measure")
    table.add_column("value", justify="right")
    win = "-" if s.win_rate is None else f"{s.win_rate:.1%}"
    rows = [
        ("equity start / end", f"{s.starting_equity:,.2f} / {s.final_equity:,.2f}"),
        ("P&L (account)", _money(s.pnl)),
        ("  realised / open", f"{_money(s.realised_pnl)} / {_money(s.open_pnl)}"),
        ("  commissions", f"{s.commissions:,.2f}"),
        ("trades closed", str(s.trades)),
        ("win rate", win),
        ("closed trades' P&L (journal)", _money(s.trade_pnl)),
        ("max drawdown (daily equity)", f"{s.max_drawdown:,.2f} ({s.max_drawdown_fraction:.2%})"),
        ("Sharpe (daily, annualised)", "-" if s.sharpe is None else f"{s.sharpe:.2f}"),
        ("entries by type", _counts(s.entries_by_type)),
        ("exits by rule", _counts(s.exits_by_rule)),
        ("alerts by severity", _counts(s.alerts_by_severity)),
        ("open strategies at the end", str(s.open_strategies)),
        ("cycles / CPU per cycle", f"{result.cycles} / {result.cpu_ms_per_cycle:.2f} ms"),
        ("wall time", f"{result.wall_s:.1f} s"),
    ]
    for k, v in rows:
        table.add_row(k, v)
    out.print(table)
    out.print(f"journal: {root / 'lake'}   health: {root / 'health.json'}")


def _counts(items: dict[str, int] | object) -> str:
    if not isinstance(items, dict) or not items:
        return "-"
    return ", ".join(f"{k} {v}" for k, v in sorted(items.items(), key=lambda kv: (-kv[1], kv[0])))


def status(data_dir: DataDirOpt = None, config: ConfigOpt = None) -> None:
    """Engine health: trading state, heartbeat, last cycle, open strategies, alerts.

    Also shows the kill switch and pending resume requests.
    """
    cfg, root = _config(config, data_dir)
    out = _console()
    now = WallClock().now()
    health = read_health(root / cfg.engine.health_file)
    table = Table(title=f"v6 status ({root})")
    table.add_column("item")
    table.add_column("value", overflow="fold")
    if health is None:
        table.add_row("engine", "no health record: the engine has not run here")
    else:
        alive = health.alive(now)
        table.add_row(
            "engine",
            f"{'running' if alive else 'not running'} (pid {health.pid}, v{health.version})",
        )
        table.add_row("mode / state", f"{health.mode} / {health.state}")
        if health.state_reason:
            table.add_row("state reason", health.state_reason)
        table.add_row(
            "heartbeat", f"{health.heartbeat:%Y-%m-%d %H:%M:%S} UTC ({health.age_s(now):.0f} s ago)"
        )
        table.add_row("engine clock", f"{health.clock_at:%Y-%m-%d %H:%M:%S} UTC")
        table.add_row("cycles / last cycle", f"{health.cycles} / {health.last_cycle_ms:.2f} ms")
        if health.equity is not None:
            daily = "-" if health.daily_pnl is None else _money(health.daily_pnl)
            table.add_row("equity / today", f"{health.equity:,.2f} / {daily}")
        table.add_row("counts", _counts(dict(health.counts)))
    reader = LakeReader(root / "lake")
    table.add_row("open strategies (journal)", str(_open_strategies(reader).height))
    table.add_row("open alerts (journal)", str(len(Queries.for_data_dir(root).active_alerts())))
    kill = KillSwitch.from_config(root, cfg.risk.kill_switch).read()
    table.add_row("kill switch", "clear" if kill is None else f"SET: {kill.reason or '-'}")
    table.add_row("resume requests waiting", str(len(pending_resumes(root))))
    out.print(table)


def _open_strategies(reader: LakeReader) -> pl.DataFrame:
    if not reader.exists("strategies"):
        return pl.DataFrame()
    frame = reader.latest("strategies")
    return frame.filter(pl.col("status").is_in(["OPEN", "CLOSING"]))


def positions(data_dir: DataDirOpt = None, config: ConfigOpt = None) -> None:
    """Open strategies from the journal with their last marks and P&L."""
    _cfg, root = _config(config, data_dir)
    out = _console()
    reader = LakeReader(root / "lake")
    open_now = _open_strategies(reader)
    if open_now.is_empty():
        out.print("no open strategies")
        return
    snaps = reader.latest("position_snapshots") if reader.exists("position_snapshots") else None
    table = Table(title=f"open strategies ({root / 'lake'})")
    for col in (
        "strategy",
        "type",
        "underlying",
        "expiry",
        "units",
        "DTE",
        "P&L",
        "of max",
        "delta",
    ):
        table.add_column(
            col, justify="right" if col in ("units", "DTE", "P&L", "of max", "delta") else "left"
        )
    total = 0.0
    by_id = {}
    if snaps is not None and not snaps.is_empty():
        by_id = {r["strategy_id"]: r for r in snaps.iter_rows(named=True)}
    for row in open_now.sort("strategy_id").iter_rows(named=True):
        snap = by_id.get(row["strategy_id"], {})
        pnl = snap.get("unrealized_pnl")
        frac = snap.get("pnl_fraction_of_max_profit")
        delta = snap.get("delta")
        total += pnl or 0.0
        table.add_row(
            str(row["strategy_id"])[:48],
            str(row.get("strategy_type") or "-"),
            str(row.get("underlying") or "-"),
            str(row.get("expiry") or "-"),
            str(row.get("quantity") or "-"),
            "-" if snap.get("dte_days") is None else str(snap["dte_days"]),
            "-" if pnl is None else _money(pnl),
            "-" if frac is None else f"{frac:.0%}",
            "-" if delta is None else f"{delta:+.1f}",
        )
    out.print(table)
    out.print(f"{open_now.height} open, unrealised P&L {_money(total)} (last snapshots)")


def resume(
    note: Annotated[str, typer.Option(help="Why trading may resume (journaled).")] = "",
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Ask the engine to leave HALTED/REDUCING (and clear the kill switch if it is set)."""
    cfg, root = _config(config, data_dir)
    now = WallClock().now()
    out = _console()
    kill = KillSwitch.from_config(root, cfg.risk.kill_switch)
    if kill.clear():
        out.print(f"kill switch cleared ({kill.path})")
    path = write_resume_request(root, requested_at=now, by=_user(), note=note)
    health = read_health(root / cfg.engine.health_file)
    when = (
        "on its next cycle" if health is not None and health.alive(now) else "when it next starts"
    )
    out.print(f"resume requested ({path.name}): the engine applies it {when}")


def kill(
    flatten: Annotated[
        bool, typer.Option("--flatten", help="Also close every position (not just cancel orders).")
    ] = False,
    reason: Annotated[str, typer.Option(help="Why (shown in alerts and status).")] = "operator",
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Set the kill switch: cancel working orders and stop trading (--flatten: close all).

    ``v6 resume`` clears it.
    """
    cfg, root = _config(config, data_dir)
    switch = KillSwitch.from_config(root, cfg.risk.kill_switch)
    switch.set(now=WallClock().now(), reason=reason, flatten=flatten, by=_user())
    what = "cancel working orders and flatten" if flatten else "cancel working orders"
    _console().print(f"kill switch set ({switch.path}): the engine will {what} and stop trading")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def mount(app: typer.Typer) -> None:
    """Register the commands on the ``v6`` app."""
    app.command("run")(run)
    app.command("status")(status)
    app.command("positions")(positions)
    app.command("resume")(resume)
    app.command("kill")(kill)


__all__ = ["kill", "mount", "positions", "resume", "run", "status"]

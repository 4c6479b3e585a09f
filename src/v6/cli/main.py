"""The ``v6`` command: global options, sub-command wiring and the one place errors are shown.

Any ``V6Error`` becomes one clear line on stderr and the error's exit code; ``--debug`` (or
``V6_DEBUG=1``) shows the traceback instead. Sub-command groups live in their own modules.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from v6 import __version__
from v6.cli import (
    alerts_cmd,
    backtest_cmd,
    config_cmd,
    dashboard_cmd,
    db_cmd,
    explain_cmd,
    run_cmd,
    sim_cmd,
)
from v6.cli.doctor import (
    Check,
    Status,
    check_packages,
    check_port,
    check_python,
    check_tables,
    check_writable,
    guarded,
)
from v6.errors import V6Error
from v6.logs import setup_logging

app = typer.Typer(
    name="v6",
    help="Autonomous options trading for one Interactive Brokers account.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(db_cmd.app, name="db")
app.add_typer(sim_cmd.app, name="sim")
app.add_typer(alerts_cmd.app, name="alerts")
app.command("explain")(explain_cmd.explain)
app.command("dashboard")(dashboard_cmd.dashboard)
run_cmd.mount(app)
backtest_cmd.mount(app)

console = Console()
log = logging.getLogger("v6.cli")
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: config/trading_config.yaml)."),
]


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """Autonomous options trading for one Interactive Brokers account."""
    if debug:
        os.environ["V6_DEBUG"] = "1"


@app.command()
def version() -> None:
    """Print the v6 version."""
    console.print(f"v6 {__version__}")


@app.command()
def doctor(config: ConfigOption = None) -> None:
    """Check Python, dependencies, config, data directory, tables and the IB port. Never trades."""
    from v6.config import load_config_with_source

    checks: list[Check] = [check_python(), check_packages()]
    try:
        loaded = load_config_with_source(config)
    except V6Error as exc:
        checks.append(Check("config", Status.FAIL, str(exc)))
    else:
        cfg = loaded.config
        with contextlib.suppress(OSError):  # an unwritable data dir is reported below
            setup_logging(
                cfg.log_dir,
                level=cfg.logging.level,
                console=cfg.logging.console,
                file_name=cfg.logging.json_file,
            )
        log.info("doctor run", extra={"config_source": loaded.source})
        checks.append(Check("config", Status.OK, f"valid, mode={cfg.mode} ({loaded.source})"))
        checks.append(guarded("data directory", lambda: check_writable(cfg.data_dir)))
        checks.append(guarded("tables", lambda: check_tables(cfg.lake_dir)))
        if cfg.mode == "sim":
            checks.append(Check("IB gateway port", Status.SKIP, "sim mode: no broker needed"))
        else:
            checks.append(guarded("IB gateway port", lambda: check_port(cfg.ib.host, cfg.ib.port)))
    table = Table(title="v6 doctor", show_lines=False)
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    colours = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "red", Status.SKIP: "dim"}
    for c in checks:
        table.add_row(c.name, f"[{colours[c.status]}]{c.status.value}[/]", c.detail)
    console.print(table)
    failed = [c for c in checks if c.status is Status.FAIL]
    if failed:
        console.print(f"[red]{len(failed)} check(s) failed[/]")
        raise typer.Exit(1)
    console.print("[green]healthy[/]: v6 can run here")


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point. Click's own usage errors keep click's message and code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or os.environ.get("V6_DEBUG") == "1"
    try:
        app(args=args, prog_name="v6")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except V6Error as exc:
        if debug:
            traceback.print_exc()
        Console(stderr=True).print(f"[red]error:[/] {exc}", highlight=False)
        return exc.exit_code
    except Exception as exc:  # the last line of defence: one line unless --debug
        if debug:
            traceback.print_exc()
        else:
            Console(stderr=True).print(
                f"[red]unexpected error:[/] {type(exc).__name__}: {exc} (run with --debug)",
                highlight=False,
            )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

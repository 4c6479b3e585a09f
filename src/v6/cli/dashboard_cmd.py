"""``v6 dashboard``: serve the read-only Streamlit dashboard over the journal and the engine's
heartbeat. Listens on 127.0.0.1 unless ``--host`` (or ``dashboard.host``) says otherwise, and
refuses any other address when no ``dashboard.password`` is configured.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from v6.config import DEFAULT_CONFIG_PATH, load_config_with_source
from v6.dashboard.launch import plan_launch


def dashboard(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="TCP port (default 8501).")] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Config file (default: config/trading_config.yaml)."),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            envvar="V6_DATA_DIR",
            file_okay=False,
            help="Data directory (default: data_dir from the config).",
        ),
    ] = None,
    refresh: Annotated[
        float | None,
        typer.Option("--refresh", help="Seconds between automatic panel refreshes."),
    ] = None,
    print_command: Annotated[
        bool,
        typer.Option("--print-command", help="Print the server command line and exit."),
    ] = False,
) -> None:
    """Serve the dashboard (read-only; acknowledging an alert only files a request)."""
    overrides: dict[str, object] = {}
    for key, value in (
        ("dashboard.host", host),
        ("dashboard.port", port),
        ("dashboard.refresh_s", refresh),
        ("data_dir", None if data_dir is None else str(data_dir)),
    ):
        if value is not None:
            overrides[key] = value
    loaded = load_config_with_source(config, overrides=overrides)
    path = loaded.path if loaded.path is not None else None
    if path is None and config is None and DEFAULT_CONFIG_PATH.is_file():
        path = DEFAULT_CONFIG_PATH
    plan = plan_launch(loaded.config, config_path=path, base_env=os.environ)
    out = Console()
    if print_command:
        out.print(" ".join(plan.command), soft_wrap=True, highlight=False)
        return
    out.print(
        f"v6 dashboard on [bold]{plan.url}[/] (data {loaded.config.data_dir}, "
        f"refresh {loaded.config.dashboard.refresh_s:g} s); Ctrl-C stops it",
        highlight=False,
    )
    sys.stdout.flush()
    # become the server (no parent left behind to orphan it when a service manager stops us)
    os.execve(plan.command[0], list(plan.command), dict(plan.env))

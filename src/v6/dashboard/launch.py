"""How ``v6 dashboard`` starts Streamlit: the exact command line (bound to the configured host,
loopback by default, headless, no usage statistics, no file watcher) and the environment that
tells the app which config and data directory to read.

Binding anywhere but a loopback address without ``dashboard.password`` is refused here, before
any process starts. The password never appears on a command line: the app reads it from the
same config file or ``V6__DASHBOARD__PASSWORD`` as this process did.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from v6.config import TradingConfig, is_loopback_host
from v6.dashboard.context import CONFIG_ENV
from v6.errors import InputRejected

APP = Path(__file__).resolve().parent / "app.py"


class InsecureBinding(InputRejected):
    """The dashboard would listen beyond this machine without a password."""


@dataclass(frozen=True, slots=True)
class LaunchPlan:
    """A ready-to-run Streamlit server: ``command`` with ``env``, reachable at ``url``."""

    command: tuple[str, ...]
    env: Mapping[str, str]
    url: str
    host: str
    port: int


def check_binding(cfg: TradingConfig) -> None:
    """Refuse a non-loopback host without a password (``InsecureBinding``, exit code 2)."""
    dash = cfg.dashboard
    if not is_loopback_host(dash.host) and dash.password is None:
        raise InsecureBinding(
            f"refusing to serve the dashboard on {dash.host}: it is not a loopback address and "
            "no dashboard.password is configured. Set one (config file or "
            "V6__DASHBOARD__PASSWORD, at least 8 characters) or bind to 127.0.0.1"
        )


def streamlit_command(
    host: str, port: int, *, app: Path = APP, python: str = sys.executable
) -> tuple[str, ...]:
    """The ``streamlit run`` command line for ``host:port``."""
    return (
        python,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--server.showEmailPrompt",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--client.showErrorDetails",
        "full" if is_loopback_host(host) else "type",
    )


def plan_launch(
    cfg: TradingConfig,
    *,
    config_path: Path | None,
    base_env: Mapping[str, str],
) -> LaunchPlan:
    """The command and environment serving ``cfg`` (checked with ``check_binding`` first).

    The child reads the same config file (``V6_DASHBOARD_CONFIG``) plus the environment, with
    the data directory and dashboard settings chosen here pinned as ``V6__`` keys so command
    line choices reach it.
    """
    check_binding(cfg)
    dash = cfg.dashboard
    env = dict(base_env)
    if config_path is not None:
        env[CONFIG_ENV] = str(config_path.resolve())
    else:
        env.pop(CONFIG_ENV, None)
    env["V6__DATA_DIR"] = str(cfg.data_dir.resolve())
    env["V6__DASHBOARD__HOST"] = dash.host
    env["V6__DASHBOARD__PORT"] = str(dash.port)
    env["V6__DASHBOARD__REFRESH_S"] = repr(dash.refresh_s)
    shown = f"[{dash.host}]" if ":" in dash.host else dash.host
    return LaunchPlan(
        command=streamlit_command(dash.host, dash.port),
        env=env,
        url=f"http://{shown}:{dash.port}",
        host=dash.host,
        port=dash.port,
    )

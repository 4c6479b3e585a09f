"""``v6 config check`` and ``v6 config show``: validate the layered configuration, or print
the effective merged configuration with every secret masked.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
import yaml

from v6.config import LoadedConfig, load_config_with_source, render_json, render_yaml
from v6.errors import ConfigError

app = typer.Typer(
    help="Check or show the configuration (file < V6__ environment < --set overrides).",
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


ConfigPath = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: config/trading_config.yaml if it exists, else defaults).",
        dir_okay=False,
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override one key, e.g. --set ib.port=4002 (value read as YAML; repeatable).",
        metavar="KEY=VALUE",
    ),
]


def parse_set_options(items: list[str]) -> dict[str, object]:
    """``["ib.port=4002"]`` -> ``{"ib.port": 4002}``; values are parsed as YAML scalars."""
    overrides: dict[str, object] = {}
    problems: list[str] = []
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            problems.append(f"--set {item!r}: expected KEY=VALUE, e.g. ib.port=4002")
            continue
        try:
            overrides[key.strip()] = yaml.safe_load(raw)
        except yaml.YAMLError:
            problems.append(f"--set {item!r}: the value is not valid YAML (quote it)")
    if problems:
        raise ConfigError(problems, "command line")
    return overrides


def _load(config: Path | None, sets: list[str] | None) -> LoadedConfig:
    return load_config_with_source(config, overrides=parse_set_options(sets or []))


@app.command()
def check(config: ConfigPath = None, set_: SetOption = None) -> None:
    """Validate the configuration; print every problem and exit 2 if any."""
    try:
        loaded = _load(config, set_)
    except ConfigError as exc:
        where = f" ({exc.source})" if exc.source else ""
        typer.echo(f"config INVALID{where}:", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(exc.exit_code) from None
    typer.echo(f"config OK ({loaded.source})")


@app.command()
def show(
    config: ConfigPath = None,
    set_: SetOption = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.YAML,
) -> None:
    """Print the effective configuration after all layers, secrets masked."""
    loaded = _load(config, set_)
    if output_format is OutputFormat.JSON:
        typer.echo(render_json(loaded.config))
    else:
        header = f"effective v6 configuration\nsource: {loaded.source}\nsecrets shown as ****"
        typer.echo(render_yaml(loaded.config, header=header), nl=False)

"""``v6 sim``: tools around the embedded market simulator: ``preview`` (simulate a stretch of
market, print a summary, draw charts) and ``import-csv`` (turn CSV files into the recorded
Parquet format that ``RecordedMarketData`` replays).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from v6.sim.config import SimConfig
from v6.sim.preview import Preview, build_preview
from v6.sim.recorded import import_csv
from v6.sim.regimes import ScenarioName

app = typer.Typer(help="Market simulator tools", no_args_is_help=True)


class RecordedKind(StrEnum):
    OPTIONS = "options"
    BARS = "bars"


@app.command()
def preview(
    days: Annotated[int, typer.Option(min=2, max=2520, help="Trading sessions to simulate.")] = 30,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same market).")] = 7,
    out: Annotated[Path, typer.Option(help="Folder for the PNG charts.", file_okay=False)] = Path(
        "data/preview"
    ),
    scenario: Annotated[
        ScenarioName | None, typer.Option(help="Force a scenario inside the window.")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="First session, YYYY-MM-DD (default: the config's).")
    ] = None,
) -> None:
    """Simulate DAYS sessions, print per-symbol statistics and write charts to OUT."""
    data: dict[str, object] = {"seed": seed}
    if scenario is not None:
        data["scenario"] = scenario.value
        data["scenario_day"] = min(5, days // 3)
    if start is not None:
        data["start_date"] = start
    result = build_preview(SimConfig.model_validate(data), days, out)
    _print(result)


def _print(p: Preview) -> None:
    console = Console()
    title = (
        f"Simulated market, seed {p.cfg.seed}: {len(p.days)} sessions "
        f"{p.days[0]:%d %b %Y} .. {p.days[-1]:%d %b %Y}"
    )
    table = Table(title=title)
    for col in ("symbol", "start $", "end $", "return", "realised vol", "max drawdown"):
        table.add_column(col, justify="right" if col != "symbol" else "left")
    for s in p.stats:
        table.add_row(
            s.symbol,
            f"{s.start:,.2f}",
            f"{s.end:,.2f}",
            f"{s.return_pct:+.1f} %",
            f"{s.realised_vol_pct:.1f} %",
            f"{s.max_drawdown_pct:.1f} %",
        )
    console.print(table)
    console.print(f"VIX: min {p.vix_min:.1f}, max {p.vix_max:.1f}")
    regimes = ", ".join(f"{r.value} {n} d" for r, n in p.regime_days.items())
    console.print(f"Regimes: {regimes}")
    crashes = ", ".join(f"{d:%d %b %Y}" for d in p.crash_days) or "none"
    forced = " (crash-day scenario forced: none occurred naturally)" if p.forced_scenario else ""
    console.print(f"Crash sessions: {crashes}{forced}")
    for smile in p.smiles:
        console.print(
            f"Smile {smile.label}: {smile.state.ts:%d %b %Y %H:%M} UTC, VIX {smile.state.vix:.1f}, "
            f"expiry {smile.expiry:%d %b %Y}"
        )
    for chart in p.charts:
        console.print(f"wrote {chart}")


@app.command("import-csv")
def import_csv_cmd(
    kind: Annotated[RecordedKind, typer.Argument(help="options (chain snapshots) or bars")],
    csv: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV file")],
    root: Annotated[Path, typer.Option(help="Recorded-data folder.", file_okay=False)] = Path(
        "data/recorded"
    ),
    tz: Annotated[str, typer.Option(help="Zone of timestamps without an offset.")] = "UTC",
) -> None:
    """Import CSV (documented columns, see docs/simulator.md) into the Parquet format."""
    path = import_csv(csv, root, kind.value, tz=tz)
    Console().print(f"wrote {path}")

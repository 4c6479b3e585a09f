"""``v6 db``: inspect and maintain the Delta Lake journal (list, history, optimize, vacuum,
backup, restore).

Reads use fresh handles and are safe next to a running engine. ``optimize`` and ``vacuum``
commit from this process (Delta resolves the conflict with the engine's writer); ``restore``
needs the engine stopped. Errors are raised as ``v6.errors`` exceptions for ``main`` to print.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from v6.errors import InputRejected
from v6.store.backup import backup_lake, restore_lake
from v6.store.lake import Lake
from v6.store.maintenance import find_leftovers, optimize_table, remove_leftovers, vacuum_table
from v6.store.reader import LakeReader

app = typer.Typer(
    help="Inspect and maintain the Delta Lake journal (tables under DATA_DIR/lake).",
    no_args_is_help=True,
)

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        envvar="V6_DATA_DIR",
        help="Data directory; the lake is DATA_DIR/lake.",
        file_okay=False,
    ),
]
DEFAULT_DATA_DIR = Path("data")


def lake_root(data_dir: Path) -> Path:
    return data_dir / "lake"


def _console() -> Console:
    """Rich console; when piped (no terminal) use a wide fixed width instead of 80 columns."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def _size(num_bytes: int) -> str:
    size = float(num_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def _when(ts: datetime | None) -> str:
    return "-" if ts is None else ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _require_tables(reader: LakeReader, root: Path) -> list[str]:
    tables = reader.tables()
    if not tables:
        raise InputRejected(f"no tables under {root} (has the engine run with this data dir?)")
    return tables


@app.command("list")
def list_tables(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Tables with their version, rows, files, size and last write."""
    root = lake_root(data_dir)
    reader = LakeReader(root)
    out = Table(title=f"Delta tables in {root}")
    for column in ("table", "kind", "version", "rows", "files", "size", "last write (UTC)"):
        justify = "right" if column in ("version", "rows", "files", "size") else "left"
        out.add_column(column, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for name in _require_tables(reader, root):
        s = reader.stats(name)
        out.add_row(
            s.name,
            s.kind,
            str(s.version),
            f"{s.rows:,}",
            str(s.files),
            _size(s.size_bytes),
            _when(s.last_write),
        )
    _console().print(out)


@app.command()
def history(
    table: Annotated[str, typer.Argument(help="Table name, e.g. orders.")],
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest commits to show.")] = 20,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Commit log of one table, newest first, with the batch id of each writer commit."""
    root = lake_root(data_dir)
    reader = LakeReader(root)
    if not reader.exists(table):
        raise InputRejected(f"table {table!r} does not exist under {root}")
    out = Table(title=f"{table}: last {limit} commits")
    for column in ("version", "time (UTC)", "operation", "batch", "rows", "files +/-"):
        out.add_column(column, no_wrap=True)
    for c in reader.history(table, limit):
        batch = f"{c.app_id}#{c.seq}" if c.app_id else "-"
        rows = c.rows if c.rows is not None else c.metrics.get("num_added_rows", "-")
        added = c.metrics.get("num_added_files", c.metrics.get("numFilesAdded", 0))
        removed = c.metrics.get("num_removed_files", c.metrics.get("numFilesRemoved", 0))
        out.add_row(
            str(c.version),
            _when(c.timestamp),
            c.operation,
            batch,
            str(rows),
            f"+{added}/-{removed}",
        )
    _console().print(out)


@app.command()
def optimize(
    table: Annotated[str | None, typer.Argument(help="One table; all tables if omitted.")] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Compact small files (z-order option_snapshots) and write a checkpoint."""
    root = lake_root(data_dir)
    lake = Lake(root)
    names = [lake.spec(table).name] if table else _require_tables(LakeReader(root), root)
    out = Table(title=f"optimize {root}")
    for column in ("table", "operation", "files removed", "files added", "version"):
        out.add_column(column, no_wrap=True)
    for name in names:
        r = optimize_table(lake.open(name), lake.spec(name))
        out.add_row(
            name,
            r.operation,
            str(r.files_removed),
            str(r.files_added),
            f"{r.version_before} -> {r.version_after}",
        )
    _console().print(out)


@app.command()
def vacuum(
    retention_hours: Annotated[
        int, typer.Option("--retention-hours", min=0, help="Keep files needed this far back.")
    ] = 168,
    dry_run: Annotated[
        bool, typer.Option("--dry-run/--no-dry-run", help="Only list what would be deleted.")
    ] = True,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Delete data files no version within the retention needs (and crash leftovers)."""
    root = lake_root(data_dir)
    lake = Lake(root)
    console = _console()
    out = Table(title=f"vacuum {root} ({'dry run' if dry_run else 'deleting'})")
    for column in ("table", "files", "leftovers"):
        out.add_column(column, no_wrap=True)
    for name in _require_tables(LakeReader(root), root):
        r = vacuum_table(
            lake.open(name), lake.spec(name), retention_hours=retention_hours, dry_run=dry_run
        )
        # staging files of a killed writer: invisible to vacuum, removed once an hour old
        clean = find_leftovers if dry_run else remove_leftovers
        leftovers = clean(lake.path(name), min_age_s=3600.0)
        out.add_row(name, str(len(r.paths)), str(len(leftovers)))
    console.print(out)
    if retention_hours < 168:
        console.print("[yellow]retention under 7 days: time travel before it will fail[/]")
    if dry_run:
        console.print("dry run: nothing deleted (use --no-dry-run to delete)")


@app.command()
def backup(
    dest: Annotated[Path, typer.Argument(help="New (or empty) folder for the backup.")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Consistent copy of every table (each pinned at its current version)."""
    root = lake_root(data_dir)
    manifest = backup_lake(root, dest, created_at=datetime.now(UTC))
    out = Table(title=f"backup {root} -> {dest}")
    for column in ("table", "version", "data files", "log files"):
        out.add_column(column, no_wrap=True)
    for name, copy in sorted(manifest.tables.items()):
        out.add_row(name, str(copy.version), str(copy.data_files), str(copy.log_files))
    _console().print(out)


@app.command()
def restore(
    src: Annotated[Path, typer.Argument(help="Folder written by `v6 db backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a non-empty lake (moved aside, not deleted).")
    ] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Replace the lake with a backup. Stop the engine first."""
    root = lake_root(data_dir)
    manifest, moved = restore_lake(src, root, force=force)
    console = _console()
    console.print(f"restored {len(manifest.tables)} tables from {src} into {root}")
    if moved is not None:
        console.print(f"previous lake moved to {moved}")

"""Table upkeep: compaction (or z-order), checkpoints, vacuum and crash-leftover removal.

Many small commits make full reads ~75x slower until compacted and checkpointed; vacuum frees
files no version inside the retention window needs. Crash leftovers (``*.parquet#N`` staging
files and ``_delta_log/N.json#N`` temporary commits) are invisible to vacuum, so they are found
here by name.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from deltalake import DeltaTable

from v6.store.schemas import TableSpec

_LEFTOVER = re.compile(r"#\d+$")
"""object_store writes ``name#N`` then renames or links it; a crash leaves the ``#N`` file."""


@dataclass(frozen=True, slots=True)
class MaintenanceResult:
    """Outcome of one maintenance operation on one table."""

    table: str
    operation: str  # compact | z_order | checkpoint | vacuum | cleanup
    version_before: int
    version_after: int
    files_added: int = 0
    files_removed: int = 0
    paths: tuple[str, ...] = ()


def optimize_table(dt: DeltaTable, spec: TableSpec) -> MaintenanceResult:
    """Compact small files (z-order where the spec asks for it), then write a checkpoint.

    Safe next to appends; it conflicts with a concurrent merge, so the writer runs it between
    batches on its own thread.
    """
    before = dt.version()
    if spec.zorder_by:
        metrics = dt.optimize.z_order(list(spec.zorder_by))
        operation = "z_order"
    else:
        metrics = dt.optimize.compact()
        operation = "compact"
    dt.create_checkpoint()
    return MaintenanceResult(
        table=spec.name,
        operation=operation,
        version_before=before,
        version_after=dt.version(),
        files_added=int(metrics.get("numFilesAdded", 0)),
        files_removed=int(metrics.get("numFilesRemoved", 0)),
    )


def checkpoint_table(dt: DeltaTable, spec: TableSpec) -> MaintenanceResult:
    before = dt.version()
    dt.create_checkpoint()
    return MaintenanceResult(spec.name, "checkpoint", before, dt.version())


def vacuum_table(
    dt: DeltaTable, spec: TableSpec, *, retention_hours: float, dry_run: bool
) -> MaintenanceResult:
    """Delete (or with ``dry_run`` list) files unreferenced for ``retention_hours``.

    The retention is the caller's explicit choice, so the table's own minimum is not enforced;
    a retention shorter than the time-travel window breaks time travel to older versions.
    """
    before = dt.version()
    paths = dt.vacuum(
        retention_hours=int(retention_hours),
        dry_run=dry_run,
        enforce_retention_duration=False,
    )
    return MaintenanceResult(
        table=spec.name,
        operation="vacuum",
        version_before=before,
        version_after=dt.version(),
        files_removed=0 if dry_run else len(paths),
        paths=tuple(paths),
    )


def find_leftovers(table_path: Path, *, min_age_s: float = 0.0) -> list[Path]:
    """Staging files a killed writer left behind, older than ``min_age_s``.

    Ages compare file mtimes with the wall clock (both are the filesystem's clock, not the
    trading clock). Use a non-zero age when another writer might be mid-write.
    """
    if not table_path.is_dir():
        return []
    now = time.time()
    found: list[Path] = []
    for path in table_path.rglob("*#*"):
        if not _LEFTOVER.search(path.name) or not path.is_file():
            continue
        try:
            age_s = now - path.stat().st_mtime
        except FileNotFoundError:
            continue
        if age_s >= min_age_s:
            found.append(path)
    return sorted(found)


def remove_leftovers(table_path: Path, *, min_age_s: float = 0.0) -> list[Path]:
    """Delete the files ``find_leftovers`` reports; returns what was removed."""
    removed: list[Path] = []
    for path in find_leftovers(table_path, min_age_s=min_age_s):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed

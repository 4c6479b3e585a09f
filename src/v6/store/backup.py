"""Consistent backups of the lake and restores from them.

Delta data files are immutable, so a table is copied consistently by pinning its version V:
copy the log up to V (newer commits are ignored) and every data file V references, plus the
other data files still on disk so older versions stay readable. Both directions write to a
temporary sibling folder, fsync it, and rename it into place, so a crash leaves no half-copy.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa
from deltalake import DeltaTable

from v6.errors import InputRejected
from v6.store.durability import FsyncFn, default_fsync, fsync_path

MANIFEST = "v6-backup.json"


@dataclass(frozen=True, slots=True)
class TableCopy:
    version: int
    data_files: int
    log_files: int


@dataclass(frozen=True, slots=True)
class BackupManifest:
    """What a backup holds: the pinned version of every table."""

    tables: dict[str, TableCopy] = field(default_factory=dict)
    created_at: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> BackupManifest:
        raw = json.loads(text)
        tables = {name: TableCopy(**entry) for name, entry in raw["tables"].items()}
        return BackupManifest(tables=tables, created_at=raw.get("created_at"))


def delta_tables(root: Path) -> list[Path]:
    """Table folders directly under ``root`` (any Delta table, not only known ones)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "_delta_log").is_dir())


def backup_lake(
    root: Path,
    dest: Path,
    *,
    created_at: datetime | None = None,
    fsync: FsyncFn = default_fsync,
) -> BackupManifest:
    """Copy every table of the lake at ``root`` into the new folder ``dest``."""
    tables = delta_tables(root)
    if not tables:
        raise InputRejected(f"no Delta tables under {root}: nothing to back up")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise InputRejected(f"backup destination {dest} exists and is not empty")
    staging = _staging_dir(dest, "partial")
    try:
        copies = {t.name: _copy_table(t, staging / t.name, fsync) for t in tables}
        manifest = BackupManifest(
            tables=copies, created_at=None if created_at is None else created_at.isoformat()
        )
        (staging / MANIFEST).write_text(manifest.to_json())
        fsync_path(staging / MANIFEST, fsync)
        fsync_path(staging, fsync)
        if dest.exists():
            dest.rmdir()
        os.replace(staging, dest)
        fsync_path(dest.parent, fsync)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def restore_lake(
    src: Path, root: Path, *, force: bool = False, fsync: FsyncFn = default_fsync
) -> tuple[BackupManifest, Path | None]:
    """Replace the lake at ``root`` with the backup in ``src``; stop the engine first.

    Refuses a non-empty lake unless ``force``; then the old lake is moved aside (returned as
    the second value) rather than deleted.
    """
    manifest_path = src / MANIFEST
    if not manifest_path.is_file():
        raise InputRejected(f"{src} is not a v6 backup (no {MANIFEST})")
    manifest = BackupManifest.from_json(manifest_path.read_text())
    non_empty = root.exists() and any(root.iterdir())
    if non_empty and not force:
        raise InputRejected(f"lake {root} is not empty; pass --force to replace it")
    staging = _staging_dir(root, "restoring")
    try:
        for name, entry in manifest.tables.items():
            _copy_tree(src / name, staging / name, fsync)
            restored = DeltaTable(str(staging / name)).version()
            if restored != entry.version:
                raise InputRejected(
                    f"backup of {name} is inconsistent: version {restored}, "
                    f"manifest says {entry.version}"
                )
        fsync_path(staging, fsync)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    moved_aside: Path | None = None
    if root.exists():
        if non_empty:
            moved_aside = _free_name(root.parent / f"{root.name}.before-restore")
            os.replace(root, moved_aside)
        else:
            root.rmdir()
    root.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, root)
    fsync_path(root.parent, fsync)
    return manifest, moved_aside


def _copy_table(table: Path, target: Path, fsync: FsyncFn) -> TableCopy:
    dt = DeltaTable(str(table))
    version = int(dt.version())
    actions = pa.table(dt.get_add_actions(flatten=True))
    referenced = {unquote(str(p)) for p in actions.column("path").to_pylist()}
    log_dir = table / "_delta_log"
    log_files = [p for p in log_dir.iterdir() if _log_entry_at_or_before(p, version)]
    data_files = [
        p for p in table.rglob("*.parquet") if "_delta_log" not in p.relative_to(table).parts
    ]
    present = {p.relative_to(table).as_posix() for p in data_files}
    missing = referenced - present
    if missing:
        raise InputRejected(f"table {table.name} v{version} references missing files {missing}")
    for path in [*log_files, *data_files]:
        try:
            _copy_file(path, target / path.relative_to(table), fsync)
        except FileNotFoundError:
            if path.relative_to(table).as_posix() in referenced:
                raise
            # an unreferenced file vacuumed while copying: only older versions needed it
    _fsync_dirs(target, fsync)
    return TableCopy(version=version, data_files=len(data_files), log_files=len(log_files))


def _log_entry_at_or_before(path: Path, version: int) -> bool:
    name = path.name
    if "#" in name or name.endswith(".tmp"):
        return False
    if name == "_last_checkpoint":
        return int(json.loads(path.read_text())["version"]) <= version
    head = name[:20]
    return head.isdigit() and int(head) <= version


def _copy_tree(src: Path, dst: Path, fsync: FsyncFn) -> None:
    for path in src.rglob("*"):
        if path.is_file() and "#" not in path.name:
            _copy_file(path, dst / path.relative_to(src), fsync)
    _fsync_dirs(dst, fsync)


def _copy_file(src: Path, dst: Path, fsync: FsyncFn) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    fsync_path(dst, fsync)


def _fsync_dirs(top: Path, fsync: FsyncFn) -> None:
    for path in [top, *(p for p in top.rglob("*") if p.is_dir())]:
        fsync_path(path, fsync)


def _staging_dir(target: Path, label: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = _free_name(target.parent / f".{target.name}.{label}")
    staging.mkdir()
    return staging


def _free_name(base: Path) -> Path:
    candidate, n = base, 1
    while candidate.exists():
        candidate = base.with_name(f"{base.name}-{n}")
        n += 1
    return candidate

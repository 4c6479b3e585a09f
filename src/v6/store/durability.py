"""fsync a Delta commit after the fact, because delta-rs never calls fsync itself.

A commit is durable once its ``_delta_log/N.json``, every earlier commit, the data files they add
and the directories holding them are synced; ``sync_versions`` does that. The fsync function is
injectable so a test can record or fail the calls (the default resolves ``os.fsync`` at call time).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

FsyncFn = Callable[[int], None]


def default_fsync(fd: int) -> None:
    """``os.fsync`` looked up at call time, so monkeypatching ``os.fsync`` is observed."""
    os.fsync(fd)


def commit_path(table_path: Path, version: int) -> Path:
    return table_path / "_delta_log" / f"{version:020d}.json"


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What ``sync_commit`` made durable: the commit file, data files and directories."""

    commit_file: Path
    data_files: tuple[Path, ...]
    directories: tuple[Path, ...]


def fsync_path(path: Path, fsync: FsyncFn = default_fsync) -> None:
    """fsync one file or directory by path (directories are opened read-only)."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        fsync(fd)
    finally:
        os.close(fd)


def added_files(table_path: Path, version: int) -> list[Path]:
    """Data files the commit ``version`` adds (paths in the log are URL-encoded, relative)."""
    files: list[Path] = []
    with commit_path(table_path, version).open("rb") as fh:
        for line in fh:
            if not line.strip():
                continue
            action = json.loads(line)
            add = action.get("add")
            if add is not None:
                files.append(table_path / unquote(add["path"]))
    return files


def commit_has_txn(table_path: Path, version: int, app_id: str, seq: int) -> bool:
    """True if commit ``version`` carries the application transaction ``(app_id, seq)``."""
    path = commit_path(table_path, version)
    if not path.exists():
        return False
    with path.open("rb") as fh:
        for line in fh:
            if b'"txn"' not in line:
                continue
            txn = json.loads(line).get("txn")
            if txn and txn.get("appId") == app_id and int(txn.get("version", -1)) == seq:
                return True
    return False


def _log_version(name: str) -> int | None:
    head = name[:20]
    return int(head) if len(name) > 20 and head.isdigit() and name[20] == "." else None


def sync_versions(
    table_path: Path,
    first: int,
    last: int,
    fsync: FsyncFn = default_fsync,
    *,
    sync_parent: bool = False,
) -> SyncReport:
    """Make commits ``first..last`` (inclusive) of the table durable.

    A durable commit N needs every earlier commit on disk too (a gap in the log makes the table
    unreadable), so the writer syncs every version since its last durable point, not only the
    newest. Order: data files, checkpoints and commit files, then every directory entry that
    names them (partition folders, ``_delta_log``, the table folder, for a new table the lake
    root).
    """
    log_dir = table_path / "_delta_log"
    data: list[Path] = []
    for version in range(max(first, 0), last + 1):
        data.extend(added_files(table_path, version))
    log_files = sorted(
        p
        for p in log_dir.iterdir()
        if (v := _log_version(p.name)) is not None
        and first <= v <= last
        and not p.name.endswith(".crc")
        and "#" not in p.name
    )
    last_checkpoint = log_dir / "_last_checkpoint"
    if last_checkpoint.exists():
        log_files.append(last_checkpoint)
    directories: dict[Path, None] = {}
    for path in data:
        if path.exists():  # a later commit in the range may have compacted it away
            fsync_path(path, fsync)
            directories[path.parent] = None
    for path in log_files:
        fsync_path(path, fsync)
    directories[log_dir] = None
    directories[table_path] = None
    if sync_parent:  # first durable commit of this writer: the lake folder's own entries
        directories[table_path.parent] = None
        directories[table_path.parent.parent] = None
    for directory in directories:
        fsync_path(directory, fsync)
    return SyncReport(commit_path(table_path, last), tuple(data), tuple(directories))

"""``v6 doctor``: checks that this machine can run v6, and reports; it never trades.

Each check is a small function returning a ``Check``; the command prints them as a table and
exits non-zero if any failed, so scripts and ``make run`` can rely on it.
"""

from __future__ import annotations

import importlib
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from importlib import metadata
from pathlib import Path

from v6.errors import V6Error

REQUIRED_PACKAGES = (
    "numpy",
    "scipy",
    "pydantic",
    "yaml",
    "deltalake",
    "pyarrow",
    "polars",
    "typer",
    "rich",
)
_DIST_NAMES = {"yaml": "PyYAML"}
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class Status(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: Status
    detail: str


def check_python(minimum: tuple[int, int] = (3, 11)) -> Check:
    v = sys.version_info
    text = f"{v.major}.{v.minor}.{v.micro}"
    if (v.major, v.minor) >= minimum:
        return Check("python", Status.OK, text)
    return Check("python", Status.FAIL, f"{text}; v6 needs >= {minimum[0]}.{minimum[1]}")


def check_packages(names: tuple[str, ...] = REQUIRED_PACKAGES) -> Check:
    found: list[str] = []
    missing: list[str] = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            missing.append(f"{name} ({exc})")
            continue
        try:
            found.append(f"{name} {metadata.version(_DIST_NAMES.get(name, name))}")
        except metadata.PackageNotFoundError:
            found.append(name)
    if missing:
        return Check("dependencies", Status.FAIL, "missing: " + ", ".join(missing))
    return Check("dependencies", Status.OK, ", ".join(found))


def check_writable(data_dir: Path) -> Check:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".doctor-", delete=True) as fh:
            fh.write(b"ok")
            fh.flush()
    except OSError as exc:
        return Check("data directory", Status.FAIL, f"{data_dir}: not writable ({exc})")
    return Check("data directory", Status.OK, f"{data_dir.resolve()} is writable")


def check_port(host: str, port: int, timeout_s: float = 1.0) -> Check:
    """Does something listen on the IB gateway port? Loopback only: v6 never dials out."""
    name = "IB gateway port"
    if host not in LOOPBACK:
        return Check(name, Status.FAIL, f"{host}:{port}: only loopback hosts are checked")
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        return Check(name, Status.FAIL, f"{host}:{port} does not answer ({exc.strerror or exc})")
    return Check(name, Status.OK, f"{host}:{port} accepts connections")


def guarded(name: str, fn: Callable[[], Check]) -> Check:
    """Run a check so that a crash inside it becomes a FAIL line, not a traceback."""
    try:
        return fn()
    except V6Error as exc:
        return Check(name, Status.FAIL, str(exc))
    except Exception as exc:  # a doctor must report, not crash
        return Check(name, Status.FAIL, f"{type(exc).__name__}: {exc}")


def check_tables(lake_dir: Path) -> Check:
    """Open and read the first row of every table that exists; list the ones not created yet."""
    from v6.store import TABLES, LakeReader

    name = "tables"
    if not lake_dir.exists():
        return Check(name, Status.OK, f"no lake at {lake_dir} yet; the engine creates it")
    reader = LakeReader(lake_dir)
    present = reader.tables()
    broken: list[str] = []
    for table in present:
        try:
            reader.scan(table).head(1).collect()
        except Exception as exc:  # report every unreadable table, not just the first
            broken.append(f"{table} ({type(exc).__name__}: {exc})")
    if broken:
        return Check(name, Status.FAIL, "unreadable: " + "; ".join(broken))
    missing = sorted(set(TABLES) - set(present))
    detail = f"{len(present)} readable in {lake_dir}"
    if missing:
        return Check(name, Status.WARN, f"{detail}; not created yet: {', '.join(missing)}")
    return Check(name, Status.OK, detail)

"""``v6 db`` sub-commands over a real temporary lake."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from v6.cli.db_cmd import app
from v6.errors import InputRejected
from v6.store import Lake, LakeReader, LakeWriter
from v6.store.schemas import TABLES

from .helpers import FAST, option_rows, order_rows, parquet_files

ENV = {"COLUMNS": "220"}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data dir whose lake has every table, 3 order batches and 4 snapshot batches."""
    data = tmp_path / "data"
    writer = LakeWriter(Lake(data / "lake"), FAST)
    for i in range(3):
        writer.append("orders", order_rows(2, prefix=f"b{i}-"))
    for i in range(4):
        writer.append("option_snapshots", option_rows(25, marker=i))
    writer.close()
    return data


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env=ENV)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def test_list_shows_every_table_with_counts(data_dir: Path) -> None:
    out = run("list", "--data-dir", str(data_dir))
    for name in TABLES:
        assert name in out
    stats = LakeReader(data_dir / "lake").stats("option_snapshots")
    line = next(ln for ln in out.splitlines() if "option_snapshots" in ln)
    assert f" {stats.version} " in line
    assert " 100 " in line  # rows
    assert " 4 " in line  # files


def test_history_limits_and_names_batches(data_dir: Path) -> None:
    out = run("history", "orders", "--limit", "2", "--data-dir", str(data_dir))
    assert out.count("v6/orders/direct#") == 2
    assert "v6/orders/direct#3" in out
    assert "v6/orders/direct#1" not in out
    with pytest.raises(InputRejected, match="nope"):
        run("history", "nope", "--data-dir", str(data_dir))


def test_optimize_one_table_compacts_it(data_dir: Path) -> None:
    reader = LakeReader(data_dir / "lake")
    assert reader.stats("option_snapshots").files == 4
    out = run("optimize", "option_snapshots", "--data-dir", str(data_dir))
    assert "z_order" in out
    assert reader.stats("option_snapshots").files == 1
    assert reader.stats("orders").files == 3  # only the named table
    run("optimize", "--data-dir", str(data_dir))
    assert reader.stats("orders").files == 1


def test_vacuum_dry_run_then_delete(data_dir: Path) -> None:
    run("optimize", "--data-dir", str(data_dir))
    table = data_dir / "lake" / "orders"
    assert len(parquet_files(table)) == 4
    out = run("vacuum", "--retention-hours", "0", "--data-dir", str(data_dir))
    assert "dry run" in out
    assert len(parquet_files(table)) == 4
    run("vacuum", "--retention-hours", "0", "--no-dry-run", "--data-dir", str(data_dir))
    assert len(parquet_files(table)) == 1
    assert LakeReader(data_dir / "lake").read("orders").height == 6


def test_backup_and_restore(data_dir: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    out = run("backup", str(backup), "--data-dir", str(data_dir))
    assert "orders" in out
    with pytest.raises(InputRejected, match="not empty"):
        run("backup", str(backup), "--data-dir", str(data_dir))

    fresh = tmp_path / "fresh"
    run("restore", str(backup), "--data-dir", str(fresh))
    original, restored = LakeReader(data_dir / "lake"), LakeReader(fresh / "lake")
    for name in ("orders", "option_snapshots"):
        assert restored.version(name) == original.version(name)
        assert restored.read(name).sort("ts_init").equals(original.read(name).sort("ts_init"))
    # history came along: v0 created the table, v1 set its schema version, v2 the 1st batch
    assert restored.read("orders", version=1).height == 0
    assert restored.read("orders", version=2).height == 2

    # writes after the backup are not in it; restoring over a lake needs --force
    LakeWriter(Lake(data_dir / "lake"), FAST).append("orders", order_rows(1, prefix="late"))
    with pytest.raises(InputRejected, match="--force"):
        run("restore", str(backup), "--data-dir", str(data_dir))
    out = run("restore", str(backup), "--force", "--data-dir", str(data_dir))
    assert "moved to" in out
    assert LakeReader(data_dir / "lake").read("orders").height == 6
    assert (tmp_path / "data" / "lake.before-restore").is_dir()


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path: Path) -> None:
    with pytest.raises(InputRejected, match="not a v6 backup"):
        run("restore", str(tmp_path), "--data-dir", str(tmp_path / "d"))


def test_commands_on_a_missing_lake_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(InputRejected, match="no tables"):
        run("list", "--data-dir", str(tmp_path / "empty"))

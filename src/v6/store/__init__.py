"""Delta Lake persistence: table schemas, the single writer, readers, maintenance, backups.

Write through ``WriterService`` (one thread, fed by a queue) or, single-threaded, ``LakeWriter``;
read through ``LakeReader``. Table layouts live in ``v6.store.schemas``.
"""

from v6.store.backup import BackupManifest, backup_lake, restore_lake
from v6.store.buffers import BatchId, CommitResult
from v6.store.convert import RowsRejected, to_arrow
from v6.store.lake import Lake, SchemaMigrationError
from v6.store.maintenance import MaintenanceResult, find_leftovers, remove_leftovers
from v6.store.reader import CommitInfo, LakeReader, TableStats
from v6.store.schemas import TABLES, TableSpec
from v6.store.service import WriterService
from v6.store.writer import LakeWriter, WriterConfig, WriterStatus

__all__ = [
    "TABLES",
    "BackupManifest",
    "BatchId",
    "CommitInfo",
    "CommitResult",
    "Lake",
    "LakeReader",
    "LakeWriter",
    "MaintenanceResult",
    "RowsRejected",
    "SchemaMigrationError",
    "TableSpec",
    "TableStats",
    "WriterConfig",
    "WriterService",
    "WriterStatus",
    "backup_lake",
    "find_leftovers",
    "remove_leftovers",
    "restore_lake",
    "to_arrow",
]

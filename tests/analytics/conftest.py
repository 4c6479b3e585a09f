"""Fixtures: a writer over a temporary lake holding only the tables a test needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from v6.store import Lake, LakeWriter, WriterConfig
from v6.store.schemas import TABLES

FAST = WriterConfig(sync_on_start=False, commit_backoff_s=0.001)

MakeWriter = Callable[[Path, Sequence[str]], LakeWriter]


@pytest.fixture
def make_writer() -> Iterator[MakeWriter]:
    """``make_writer(root, tables)``: a LakeWriter on ``root`` with only ``tables``; closed
    at the end of the test."""
    made: list[LakeWriter] = []

    def make(root: Path, tables: Sequence[str]) -> LakeWriter:
        writer = LakeWriter(Lake(root, {t: TABLES[t] for t in tables}), FAST)
        made.append(writer)
        return writer

    yield make
    for w in made:
        w.close()

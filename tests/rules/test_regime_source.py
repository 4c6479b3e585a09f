"""External regime overrides: the file source and resolution against the detector."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from v6.domain import Regime
from v6.rules import ExternalRegime, FileRegimeSource, RegimeConfig, resolve_regime

from .kit import TS


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def test_json_mapping_is_read_and_fresh_entries_override(tmp_path: Path) -> None:
    path = tmp_path / "regimes.json"
    _write_json(
        path,
        {
            "SPY": {"regime": "high_vol", "ts": "2026-11-20T14:00:00Z"},
            "qqq": {"regime": "TRENDING", "ts": "2026-11-20T14:30:00+00:00"},
        },
    )
    src = FileRegimeSource(path, max_age=timedelta(hours=2))
    spy = src.lookup("SPY", TS)
    assert spy == ExternalRegime(
        "SPY", Regime.HIGH_VOL, TS - timedelta(hours=1), "external:regimes.json"
    )
    assert src.lookup("QQQ", TS) is not None
    assert resolve_regime("SPY", Regime.NORMAL, src, TS) == (
        Regime.HIGH_VOL,
        "external:regimes.json",
    )
    assert resolve_regime("IWM", Regime.NORMAL, src, TS) == (Regime.NORMAL, "detector")
    assert resolve_regime("IWM", None, src, TS) == (None, "")
    assert resolve_regime("SPY", Regime.NORMAL, None, TS) == (Regime.NORMAL, "detector")


def test_stale_and_future_entries_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    _write_json(
        path,
        [
            {"symbol": "SPY", "regime": "crash", "ts": "2026-11-19T15:00:00Z"},
            {"symbol": "QQQ", "regime": "crash", "ts": "2026-11-20T15:00:01Z"},
        ],
    )
    src = FileRegimeSource(path, max_age=timedelta(hours=23))
    assert src.lookup("SPY", TS) is None  # 24 h old
    assert src.lookup("QQQ", TS) is None  # from the future
    assert FileRegimeSource(path, max_age=timedelta(hours=24)).lookup("SPY", TS) is not None


def test_csv_with_bad_rows_keeps_the_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "symbol,regime,ts\n"
        "SPY,low_vol,2026-11-20T12:00:00\n"
        "QQQ,sideways,2026-11-20T12:00:00\n"
        "IWM,normal,yesterday\n"
        "SPY,range_bound,2026-11-20T13:00:00\n",
        encoding="utf-8",
    )
    src = FileRegimeSource(path)
    entry = src.lookup("SPY", TS)
    assert entry is not None
    assert entry.regime is Regime.RANGE_BOUND
    assert src.lookup("QQQ", TS) is None
    assert src.lookup("IWM", TS) is None
    assert src.problems == (
        "row 2: needs symbol, a known regime and an ISO ts",
        "row 3: needs symbol, a known regime and an ISO ts",
    )


def test_missing_or_broken_files_give_no_override_and_say_why(tmp_path: Path) -> None:
    missing = FileRegimeSource(tmp_path / "nope.json")
    assert missing.lookup("SPY", TS) is None
    assert missing.problems
    broken = tmp_path / "b.json"
    broken.write_text("{not json", encoding="utf-8")
    src = FileRegimeSource(broken)
    assert src.lookup("SPY", TS) is None
    assert "b.json" in src.problems[0]


def test_the_file_is_reread_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    _write_json(path, {"SPY": {"regime": "normal", "ts": "2026-11-20T14:00:00Z"}})
    src = FileRegimeSource(path)
    assert src.lookup("SPY", TS).regime is Regime.NORMAL  # type: ignore[union-attr]
    _write_json(path, {"SPY": {"regime": "crash", "ts": "2026-11-20T14:50:00Z"}})
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert src.lookup("SPY", TS).regime is Regime.CRASH  # type: ignore[union-attr]


def test_from_config(tmp_path: Path) -> None:
    assert FileRegimeSource.from_config(RegimeConfig()) is None
    path = tmp_path / "r.json"
    _write_json(path, {"SPY": {"regime": "crash", "ts": "2026-11-20T14:59:00Z"}})
    src = FileRegimeSource.from_config(RegimeConfig(external_file=path, external_max_age_s=30.0))
    assert src is not None
    assert src.lookup("SPY", TS) is None  # 60 s old, 30 s allowed
    assert src.lookup("SPY", TS - timedelta(seconds=45)) is not None

"""Recorded data: Parquet format, CSV import, replay that never returns the future."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from v6.clock import VirtualClock
from v6.domain.contracts import OptionContract, Right
from v6.errors import DataQualityError
from v6.ports.market_data import MarketData
from v6.sim.recorded import (
    RecordedMarketData,
    con_id_for,
    import_csv,
    read_recorded,
    write_recorded,
)

T = TypeVar("T")
T0 = datetime(2026, 3, 30, 14, 0, tzinfo=UTC)
SNAP_TIMES = [T0 + timedelta(minutes=m) for m in (0, 15, 30, 60)]
EXPIRIES = [date(2026, 4, 2), date(2026, 4, 17)]
STRIKES = [550.0, 560.0, 570.5]


def run(coro: Coroutine[object, object, T]) -> T:
    return asyncio.run(coro)


def option_rows() -> pl.DataFrame:
    rows = []
    for n, ts in enumerate(SNAP_TIMES):
        for expiry in EXPIRIES:
            for strike in STRIKES:
                for right in ("C", "P"):
                    base = 1.0 + n + strike / 1000
                    rows.append(
                        {
                            "ts": ts,
                            "symbol": "SPY",
                            "expiry": expiry,
                            "strike": strike,
                            "right": right,
                            "bid": base,
                            "ask": base + 0.02,
                            "bid_size": 10 + n,
                            "ask_size": 12,
                            "iv": 0.15 + n / 100,
                            "delta": 0.5 if right == "C" else -0.5,
                            "gamma": 0.01,
                            "theta_per_day": -0.1,
                            # the last snapshot has no vega: Greeks must then come back None
                            "vega_per_vol_point": None if n == 3 else 0.6,
                            "underlying_price": 560.0 + n,
                        }
                    )
    return pl.DataFrame(rows)


def bar_rows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts": [T0 + timedelta(minutes=5 * i) for i in range(12)],
            "symbol": ["SPY"] * 12,
            "open": [560.0 + i for i in range(12)],
            "high": [561.0 + i for i in range(12)],
            "low": [559.0 + i for i in range(12)],
            "close": [560.5 + i for i in range(12)],
        }
    )


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("recorded")
    write_recorded(option_rows(), path, "options", "2026-03-30")
    write_recorded(bar_rows(), path, "bars", "2026-03-30")
    return path


def test_replay_implements_the_market_data_port(root: Path) -> None:
    assert isinstance(RecordedMarketData(root, VirtualClock(T0)), MarketData)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(min_value=-30, max_value=120))
def test_replay_returns_the_latest_row_at_or_before_now_never_later(
    root: Path, minutes: int
) -> None:
    now = T0 + timedelta(minutes=minutes, seconds=7)
    md = RecordedMarketData(root, VirtualClock(now))
    contract = OptionContract("SPY", EXPIRIES[1], 570.5, Right.PUT)
    quotes = run(md.option_quotes([contract]))
    assert quotes is not None
    past = [t for t in SNAP_TIMES if t <= now]
    if not past:
        assert quotes == {}
    else:
        q = quotes[contract.key]
        assert q.ts == max(past) <= now
        n = SNAP_TIMES.index(max(past))
        assert q.bid == pytest.approx(1.0 + n + 0.5705)
        assert q.source == "recorded"
        assert (q.greeks is None) == (n == 3)
    bar = run(md.underlying_quote("SPY"))
    if now < T0:
        assert bar is None
    else:
        assert bar is not None
        assert bar.ts <= now
        assert now - bar.ts < timedelta(minutes=5) or now > T0 + timedelta(minutes=55)


def test_the_clock_moving_reveals_data_step_by_step(root: Path) -> None:
    clock = VirtualClock(T0 - timedelta(minutes=1))
    md = RecordedMarketData(root, clock)
    contract = OptionContract("SPY", EXPIRIES[0], 560.0, Right.CALL)
    assert run(md.option_quotes([contract])) == {}
    assert run(md.chain("SPY")) is None
    seen = []
    for _ in range(90):
        clock.advance(timedelta(minutes=1))
        q = run(md.option_quotes([contract]))
        assert q is not None
        seen.append(q[contract.key].ts)
        assert seen[-1] <= clock.now()
    assert sorted(set(seen)) == SNAP_TIMES


def test_chain_is_the_latest_snapshot_and_drops_expired(root: Path) -> None:
    md = RecordedMarketData(root, VirtualClock(T0 + timedelta(minutes=20)))
    chain = run(md.chain("SPY"))
    assert chain is not None
    assert chain.expiries == tuple(EXPIRIES)
    assert chain.strikes[EXPIRIES[0]] == tuple(STRIKES)
    assert run(md.chain("QQQ")) is None
    later = RecordedMarketData(root, VirtualClock(datetime(2026, 4, 6, 15, tzinfo=UTC)))
    late_chain = run(later.chain("SPY"))
    # The last snapshot was on 2026-03-30; both expiries were still live then.
    assert late_chain is not None
    assert late_chain.expiries == tuple(EXPIRIES)


def test_qualify_sets_stable_ids_and_drops_unknown(root: Path) -> None:
    md = RecordedMarketData(root, VirtualClock(T0 + timedelta(minutes=1)))
    known = OptionContract("SPY", EXPIRIES[0], 550.0, Right.PUT)
    unknown = OptionContract("SPY", EXPIRIES[0], 551.0, Right.PUT)
    out = run(md.qualify([known, unknown]))
    assert out == [known]
    assert out[0].con_id == con_id_for(known.key) > 0


def test_subscribe_respects_the_line_limit(root: Path) -> None:
    md = RecordedMarketData(root, VirtualClock(T0), max_lines=2)
    contracts = [OptionContract("SPY", EXPIRIES[0], k, Right.CALL) for k in STRIKES]
    assert run(md.subscribe(contracts[:2])) == 2
    assert run(md.subscribe(contracts[2:])) is None
    run(md.unsubscribe(contracts[:1]))
    assert run(md.subscribe(contracts[2:])) == 2


def test_csv_import_round_trip(tmp_path: Path) -> None:
    original = option_rows()
    csv = tmp_path / "chain.csv"
    original.with_columns(
        pl.col("ts").dt.convert_time_zone("America/New_York").dt.to_string("%Y-%m-%dT%H:%M:%S%z")
    ).write_csv(csv)
    out = import_csv(csv, tmp_path / "lake", "options")
    assert out.exists()
    back = read_recorded(tmp_path / "lake", "options")
    assert back.height == original.height
    for col in ("ts", "expiry", "strike", "right", "bid", "ask", "iv", "vega_per_vol_point"):
        assert back.get_column(col).to_list() == original.get_column(col).to_list(), col


def test_daily_bars_csv_is_stamped_at_the_close(tmp_path: Path) -> None:
    csv = tmp_path / "spy_daily.csv"
    csv.write_text(
        "date,symbol,open,high,low,close\n"
        "2026-03-27,SPY,550,556,548,555\n"
        "2026-03-30,SPY,555,561,553,560\n"
    )
    import_csv(csv, tmp_path / "lake", "bars")
    ny_1559 = datetime(2026, 3, 30, 19, 59, tzinfo=UTC)  # 15:59 New York (EDT)
    md = RecordedMarketData(tmp_path / "lake", VirtualClock(ny_1559))
    q = run(md.underlying_quote("SPY"))
    assert q is not None
    assert q.last == 555.0
    md2 = RecordedMarketData(tmp_path / "lake", VirtualClock(ny_1559 + timedelta(minutes=1)))
    q2 = run(md2.underlying_quote("SPY"))
    assert q2 is not None
    assert q2.last == 560.0


def test_naive_times_use_the_given_zone(tmp_path: Path) -> None:
    csv = tmp_path / "bars.csv"
    csv.write_text("ts,symbol,close\n2026-03-30T10:00:00,SPY,560\n")
    import_csv(csv, tmp_path / "lake", "bars", tz="America/New_York")
    bars = read_recorded(tmp_path / "lake", "bars")
    assert bars.get_column("ts").to_list() == [datetime(2026, 3, 30, 14, 0, tzinfo=UTC)]
    assert bars.get_column("high").to_list() == [560.0]  # missing OHLC filled from the close


def test_bad_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataQualityError, match="missing required columns"):
        write_recorded(pl.DataFrame({"ts": [T0], "symbol": ["SPY"]}), tmp_path, "options", "x")
    bad_right = option_rows().with_columns(pl.lit("X").alias("right"))
    with pytest.raises(DataQualityError, match="right"):
        write_recorded(bad_right, tmp_path, "options", "y")

"""Recorded market data: the on-disk format (Parquet), writers, a CSV importer, and a
``MarketData`` adapter that replays it on a virtual clock without ever showing the future.

Layout under one root directory (any number of files per folder; all are read)::

    <root>/option_quotes/*.parquet      option-chain snapshots
    <root>/underlying_bars/*.parquet    underlying bars

``option_quotes`` columns (one row per contract per snapshot; prices per share):

    ts                  timestamp[us, UTC]  when the snapshot was taken (data known at ts)
    symbol              string              underlying symbol, e.g. "SPY"
    expiry              date32              expiration date
    strike              float64             strike in dollars
    right               string              "C" or "P"
    bid, ask            float64             top of book
    bid_size, ask_size  int64               contracts
    last                float64, nullable   last trade
    iv                  float64, nullable   implied vol (0.20 = 20 %)
    delta, gamma        float64, nullable   per share, per $1 of the underlying
    theta_per_day       float64, nullable   $ per calendar day
    vega_per_vol_point  float64, nullable   $ per 1 vol point
    underlying_price    float64, nullable   underlying price at ts

``underlying_bars`` columns:

    ts                      timestamp[us, UTC]  the bar's END: the moment its close was known
    symbol                  string
    open, high, low, close  float64
    volume                  int64, nullable
    bid, ask                float64, nullable   top of book at ts (else the close is used)

Replay answers every query with the latest row at or before the clock's ``now`` and never a
row after it (a bar is stamped with its end precisely so that its high, low and close cannot
leak into the bar's own interval). Greeks are returned only when all four are present.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Final, Literal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import polars as pl

from v6.domain.contracts import OptionContract, Right
from v6.domain.greeks import Greeks
from v6.domain.quote import Quote
from v6.errors import DataQualityError
from v6.ports.clock import Clock
from v6.ports.market_data import ChainDefinition

OPTIONS_DIR: Final = "option_quotes"
BARS_DIR: Final = "underlying_bars"
SOURCE: Final = "recorded"
NY: Final = ZoneInfo("America/New_York")

OPTION_SCHEMA: Final[dict[str, pl.DataType]] = {
    "ts": pl.Datetime("us", "UTC"),
    "symbol": pl.String(),
    "expiry": pl.Date(),
    "strike": pl.Float64(),
    "right": pl.String(),
    "bid": pl.Float64(),
    "ask": pl.Float64(),
    "bid_size": pl.Int64(),
    "ask_size": pl.Int64(),
    "last": pl.Float64(),
    "iv": pl.Float64(),
    "delta": pl.Float64(),
    "gamma": pl.Float64(),
    "theta_per_day": pl.Float64(),
    "vega_per_vol_point": pl.Float64(),
    "underlying_price": pl.Float64(),
}
BAR_SCHEMA: Final[dict[str, pl.DataType]] = {
    "ts": pl.Datetime("us", "UTC"),
    "symbol": pl.String(),
    "open": pl.Float64(),
    "high": pl.Float64(),
    "low": pl.Float64(),
    "close": pl.Float64(),
    "volume": pl.Int64(),
    "bid": pl.Float64(),
    "ask": pl.Float64(),
}
_REQUIRED_OPTION = ("ts", "symbol", "expiry", "strike", "right", "bid", "ask")
_REQUIRED_BAR = ("ts", "symbol", "close")

Kind = Literal["options", "bars"]


def conform(frame: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    """Cast ``frame`` to the documented schema (optional columns filled with nulls)."""
    schema = OPTION_SCHEMA if kind == "options" else BAR_SCHEMA
    required = _REQUIRED_OPTION if kind == "options" else _REQUIRED_BAR
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataQualityError(f"recorded {kind}: missing required columns {missing}")
    cols = []
    for name, dtype in schema.items():
        if name in frame.columns:
            col = pl.col(name)
            if frame.schema[name] == pl.String() and dtype == pl.Date():
                col = col.str.to_date("%Y-%m-%d")  # polars 2 no longer casts str -> date
            cols.append(col.cast(dtype))
        else:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
    out = frame.select(cols)
    if kind == "options":
        bad = out.filter(~pl.col("right").is_in(["C", "P"]))
        if bad.height:
            raise DataQualityError(f"recorded options: right must be C or P ({bad.height} rows)")
    if kind == "bars":
        out = out.with_columns(
            pl.col("open").fill_null(pl.col("close")),
            pl.col("high").fill_null(pl.col("close")),
            pl.col("low").fill_null(pl.col("close")),
        )
    if out.select(pl.col("ts").is_null().any()).item():
        raise DataQualityError(f"recorded {kind}: null timestamps")
    return out


def write_recorded(frame: pl.DataFrame, root: Path, kind: Kind, name: str) -> Path:
    """Write one Parquet file of ``kind`` under ``root`` (schema enforced); returns its path."""
    folder = root / (OPTIONS_DIR if kind == "options" else BARS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.parquet"
    conform(frame, kind).sort("ts").write_parquet(path)
    return path


def import_csv(csv_path: Path, root: Path, kind: Kind, *, tz: str = "UTC") -> Path:
    """Import a CSV with the documented column names into ``root``.

    ``ts`` may carry an offset (ISO 8601) or be naive, then read in ``tz``; a bare date in a
    bars file means that day's 16:00 New York close (the moment a daily bar is complete).
    """
    raw = pl.read_csv(csv_path, infer_schema_length=0)  # all strings; we cast explicitly
    if "ts" not in raw.columns and "date" in raw.columns:
        raw = raw.rename({"date": "ts"})
    if "ts" not in raw.columns:
        raise DataQualityError(f"{csv_path}: needs a ts (or date) column")
    ts = raw.get_column("ts")
    raw = raw.with_columns(pl.Series("ts", [_parse_ts(v, tz, kind) for v in ts.to_list()]))
    return write_recorded(raw, root, kind, csv_path.stem)


def _parse_ts(value: str | None, tz: str, kind: Kind) -> datetime:
    if value is None or not value.strip():
        raise DataQualityError("recorded CSV: empty timestamp")
    text = value.strip()
    if len(text) == 10 and kind == "bars":
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, 16, 0, tzinfo=NY).astimezone(UTC)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed.astimezone(UTC)


def read_recorded(root: Path, kind: Kind) -> pl.DataFrame:
    """All files of ``kind`` under ``root``, conformed and sorted by time (empty if none)."""
    folder = root / (OPTIONS_DIR if kind == "options" else BARS_DIR)
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    schema = OPTION_SCHEMA if kind == "options" else BAR_SCHEMA
    if not files:
        return pl.DataFrame(schema=schema)
    return conform(pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed"), kind)


def con_id_for(key: str) -> int:
    """A stable positive 31-bit contract id derived from the contract key."""
    return zlib.crc32(key.encode()) & 0x7FFFFFFF or 1


def _to_us(ts: datetime) -> int:
    delta = ts.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_us(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


@dataclass(frozen=True, slots=True)
class _Series:
    """Rows of one contract (or one underlying), sorted by time: ``ts_us[i]`` is row ``rows[i]``."""

    ts_us: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int64]

    def latest_at(self, now_us: int) -> int | None:
        i = int(np.searchsorted(self.ts_us, now_us, side="right")) - 1
        return int(self.rows[i]) if i >= 0 else None


def _group(frame: pl.DataFrame, by: Sequence[str]) -> dict[tuple[object, ...], _Series]:
    frame = frame.with_row_index("_row").sort([*by, "ts"])
    ts_us = frame.get_column("ts").dt.epoch("us").to_numpy().astype(np.int64)
    rows = frame.get_column("_row").to_numpy().astype(np.int64)
    keys = list(frame.select(by).iter_rows())
    out: dict[tuple[object, ...], _Series] = {}
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            out[keys[start]] = _Series(ts_us[start:i], rows[start:i])
            start = i
    return out


class RecordedMarketData:
    """Replays recorded snapshots and bars through the ``MarketData`` port.

    Every answer is the latest data at or before ``clock.now()``; a row stamped after now is
    never returned (checked again on the way out, raising ``DataQualityError`` if violated).
    """

    def __init__(self, root: Path, clock: Clock, *, max_lines: int = 100) -> None:
        self._clock = clock
        self._max_lines = max_lines
        self._streaming: set[str] = set()
        self._opts = read_recorded(root, "options")
        self._bars = read_recorded(root, "bars")
        self._opt_cols = {c: self._opts.get_column(c).to_list() for c in self._opts.columns}
        self._bar_cols = {c: self._bars.get_column(c).to_list() for c in self._bars.columns}
        self._by_contract: dict[str, _Series] = {}
        for (sym, exp, strike, right), series in _group(
            self._opts, ("symbol", "expiry", "strike", "right")
        ).items():
            if not (isinstance(exp, date) and isinstance(strike, float)):
                raise DataQualityError(f"recorded options: bad expiry/strike {exp!r} {strike!r}")
            key = OptionContract(str(sym), exp, strike, Right(str(right))).key
            self._by_contract[key] = series
        self._snapshots = {
            str(k[0]): s for k, s in _group(self._opts.select("symbol", "ts"), ("symbol",)).items()
        }
        self._by_symbol = {str(k[0]): s for k, s in _group(self._bars, ("symbol",)).items()}

    def _now_us(self) -> int:
        return _to_us(self._clock.now())

    def _checked(self, ts: datetime) -> datetime:
        ts = ts.astimezone(UTC)
        if ts > self._clock.now():
            raise DataQualityError(f"recorded replay: row at {ts} is after now {self._clock.now()}")
        return ts

    async def qualify(self, contracts: Sequence[OptionContract]) -> list[OptionContract] | None:
        now_us = self._now_us()
        out = []
        for c in contracts:
            series = self._by_contract.get(c.key)
            if series is not None and series.ts_us[0] <= now_us:
                out.append(c.with_con_id(con_id_for(c.key)))
        return out

    async def chain(self, symbol: str) -> ChainDefinition | None:
        """Expiries and strikes of the latest snapshot of ``symbol`` at or before now."""
        series = self._snapshots.get(symbol)
        if series is None:
            return None
        now_us = self._now_us()
        i = int(np.searchsorted(series.ts_us, now_us, side="right")) - 1
        if i < 0:
            return None
        latest = series.ts_us[i]
        lo = int(np.searchsorted(series.ts_us, latest, side="left"))
        today = _from_us(int(latest)).astimezone(NY).date()
        strikes: dict[date, set[float]] = {}
        expiry_col, strike_col = self._opt_cols["expiry"], self._opt_cols["strike"]
        for row in series.rows[lo : i + 1].tolist():
            expiry = expiry_col[row]
            if expiry >= today:
                strikes.setdefault(expiry, set()).add(strike_col[row])
        expiries = tuple(sorted(strikes))
        return ChainDefinition(symbol, expiries, {e: tuple(sorted(strikes[e])) for e in expiries})

    async def underlying_quote(self, symbol: str) -> Quote | None:
        series = self._by_symbol.get(symbol)
        row = series.latest_at(self._now_us()) if series is not None else None
        if row is None:
            return None
        c = self._bar_cols
        close = float(c["close"][row])
        bid, ask = c["bid"][row], c["ask"][row]
        return Quote(
            bid=close if bid is None else float(bid),
            ask=close if ask is None else float(ask),
            ts=self._checked(c["ts"][row]),
            last=close,
            source=SOURCE,
        )

    async def option_quotes(
        self, contracts: Sequence[OptionContract]
    ) -> Mapping[str, Quote] | None:
        now_us = self._now_us()
        out: dict[str, Quote] = {}
        for contract in contracts:
            series = self._by_contract.get(contract.key)
            row = series.latest_at(now_us) if series is not None else None
            if row is not None:
                out[contract.key] = self._option_quote(row)
        return out

    def _option_quote(self, row: int) -> Quote:
        c = self._opt_cols
        parts = [c[n][row] for n in ("delta", "gamma", "theta_per_day", "vega_per_vol_point")]
        greeks = None if any(p is None for p in parts) else Greeks(*(float(p) for p in parts))
        return Quote(
            bid=float(c["bid"][row]),
            ask=float(c["ask"][row]),
            ts=self._checked(c["ts"][row]),
            last=c["last"][row],
            bid_size=int(c["bid_size"][row] or 0),
            ask_size=int(c["ask_size"][row] or 0),
            source=SOURCE,
            iv=c["iv"][row],
            greeks=greeks,
            underlying_price=c["underlying_price"][row],
        )

    async def subscribe(self, contracts: Sequence[OptionContract]) -> int | None:
        keys = {c.key for c in contracts}
        if len(self._streaming | keys) > self._max_lines:
            return None
        self._streaming |= keys
        return len(self._streaming)

    async def unsubscribe(self, contracts: Sequence[OptionContract]) -> None:
        self._streaming -= {c.key for c in contracts}

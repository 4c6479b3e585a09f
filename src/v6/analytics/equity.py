"""The daily mark-to-market equity curve every performance metric is computed from, and the
series derived from it (daily returns, P&L, drawdown, monthly returns).

Validated once on construction (dates strictly increasing, equity finite and positive) so the
metric functions can stay plain array math without re-checking their input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from v6.errors import DataQualityError

FloatArray = npt.NDArray[np.float64]
DateArray = npt.NDArray[np.datetime64]


def _readonly(a: npt.NDArray[np.generic]) -> None:
    a.setflags(write=False)


@dataclass(frozen=True, slots=True, eq=False)
class EquityCurve:
    """Account equity in dollars at each trading day's close, oldest first.

    Daily *mark-to-market* equity (open positions at their marks), not realised P&L: Sharpe
    and drawdown of a short-premium book look far too good when losses only count at exit.
    """

    dates: DateArray
    """``datetime64[D]``, strictly increasing."""
    equity_dollars: FloatArray

    def __post_init__(self) -> None:
        dates = np.array(self.dates, dtype="datetime64[D]").reshape(-1)
        equity = np.array(self.equity_dollars, dtype=np.float64).reshape(-1)
        if dates.shape != equity.shape:
            raise DataQualityError(
                f"equity curve: {dates.size} dates but {equity.size} equity values"
            )
        if np.isnat(dates).any():
            raise DataQualityError("equity curve: a date is missing (NaT)")
        if dates.size > 1 and not bool(np.all(dates[1:] > dates[:-1])):
            raise DataQualityError("equity curve: dates must be strictly increasing (one per day)")
        bad = ~np.isfinite(equity) | (equity <= 0)
        if bad.any():
            first = int(np.argmax(bad))
            raise DataQualityError(
                f"equity curve: equity must be finite and > 0, got {equity[first]!r} "
                f"on {dates[first]}"
            )
        _readonly(dates)
        _readonly(equity)
        object.__setattr__(self, "dates", dates)
        object.__setattr__(self, "equity_dollars", equity)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_values(
        cls, dates: Sequence[date] | DateArray, equity_dollars: Sequence[float] | FloatArray
    ) -> EquityCurve:
        return cls(np.asarray(dates, dtype="datetime64[D]"), np.asarray(equity_dollars, float))

    @classmethod
    def from_frame(
        cls, frame: pl.DataFrame, *, date_column: str = "date", equity_column: str = "equity"
    ) -> EquityCurve:
        """One row per day with a ``pl.Date`` (or datetime) column and an equity column."""
        missing = [c for c in (date_column, equity_column) if c not in frame.columns]
        if missing:
            raise DataQualityError(f"equity frame: missing columns {missing}")
        if frame[equity_column].null_count():
            raise DataQualityError(f"equity frame: null values in {equity_column}")
        dates = frame[date_column].cast(pl.Date).to_numpy().astype("datetime64[D]")
        return cls(dates, frame[equity_column].cast(pl.Float64).to_numpy())

    @classmethod
    def from_snapshots(
        cls,
        frame: pl.DataFrame,
        *,
        value_column: str = "net_liquidation",
        ts_column: str = "ts_event",
        date_column: str = "trade_date",
    ) -> EquityCurve:
        """Daily close from intraday snapshots (e.g. ``account_snapshots``): the last value of
        each trade date by timestamp; rows without a value are ignored."""
        missing = [c for c in (value_column, ts_column, date_column) if c not in frame.columns]
        if missing:
            raise DataQualityError(f"snapshot frame: missing columns {missing}")
        daily = (
            frame.filter(pl.col(value_column).is_not_null())
            .sort(ts_column, maintain_order=True)
            .group_by(date_column, maintain_order=True)
            .last()
            .sort(date_column)
        )
        return cls.from_frame(daily, date_column=date_column, equity_column=value_column)

    # ------------------------------------------------------------------ derived series
    def __len__(self) -> int:
        return int(self.equity_dollars.size)

    @property
    def start(self) -> date | None:
        return self.dates[0].item() if len(self) else None

    @property
    def end(self) -> date | None:
        return self.dates[-1].item() if len(self) else None

    def returns(self) -> FloatArray:
        """Simple daily returns ``E[t] / E[t-1] - 1`` (one fewer than there are days)."""
        e = self.equity_dollars
        out: FloatArray = e[1:] / e[:-1] - 1.0
        return out

    def pnl_dollars(self) -> FloatArray:
        """Daily P&L in dollars ``E[t] - E[t-1]``."""
        return np.diff(self.equity_dollars)

    def drawdown_fraction(self) -> FloatArray:
        """Distance below the running peak as a fraction of the peak (0 at a new high)."""
        e = self.equity_dollars
        if not e.size:
            return np.zeros(0)
        out: FloatArray = 1.0 - e / np.maximum.accumulate(e)
        return out

    def to_frame(self) -> pl.DataFrame:
        """``date``, ``equity``, ``daily_return`` (null on the first day), ``drawdown``."""
        r = self.returns()
        return pl.DataFrame(
            {
                "date": pl.Series(self.dates, dtype=pl.Date),
                "equity": self.equity_dollars,
                "daily_return": pl.Series([None, *r.tolist()], dtype=pl.Float64)
                if len(self)
                else pl.Series([], dtype=pl.Float64),
                "drawdown": self.drawdown_fraction(),
            }
        )


def monthly_returns(curve: EquityCurve) -> pl.DataFrame:
    """Return of each calendar month (``year``, ``month``, ``return_fraction``): the month's
    last equity over the previous month's last (the curve's first value for the first month),
    so the months compound exactly to the total return."""
    schema = {"year": pl.Int32, "month": pl.Int8, "return_fraction": pl.Float64}
    if len(curve) < 2:
        return pl.DataFrame(schema=schema)
    frame = pl.DataFrame(
        {"date": pl.Series(curve.dates, dtype=pl.Date), "equity": curve.equity_dollars}
    )
    month_end = (
        frame.with_columns(
            pl.col("date").dt.year().cast(pl.Int32).alias("year"),
            pl.col("date").dt.month().cast(pl.Int8).alias("month"),
        )
        .group_by("year", "month", maintain_order=True)
        .agg(pl.col("equity").last())
    )
    ends = month_end["equity"].to_numpy()
    starts = np.concatenate(([curve.equity_dollars[0]], ends[:-1]))
    return month_end.select("year", "month").with_columns(
        pl.Series("return_fraction", ends / starts - 1.0, dtype=pl.Float64)
    )


def monthly_return_matrix(curve: EquityCurve) -> tuple[list[int], FloatArray]:
    """Monthly returns as a years x 12 matrix (NaN for months outside the curve), the
    layout of the monthly-returns table in reports."""
    months = monthly_returns(curve)
    if months.is_empty():
        return [], np.full((0, 12), np.nan)
    years = sorted(set(months["year"].to_list()))
    matrix = np.full((len(years), 12), np.nan)
    row = {y: i for i, y in enumerate(years)}
    for y, mth, r in months.iter_rows():
        matrix[row[y], mth - 1] = r
    return years, matrix

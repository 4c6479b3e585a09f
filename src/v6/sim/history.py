"""Option chains synthesised over a recorded daily history, so strategies can be run across
real market episodes when only daily bars of the underlying and the VIX are at hand.

Inputs are CSV files: one per underlying with ``date,open,high,low,close`` and one with
``date,vix``. Each session becomes a grid of states: the price runs open -> first extreme ->
second extreme -> close (the extreme nearer the open first), with a seeded Brownian bridge
between those anchors kept inside the day's range; the VIX moves linearly from the previous
close to the day's value. ATM 30-day vol is the VIX scaled per symbol (``VIX_TO_ATM``), the
regime is read from the VIX level and the day's move, and the usual surface, listings and
quotes of ``MarketSimulator`` do the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from v6.errors import DataQualityError
from v6.sim.calendar import TradingCalendar
from v6.sim.config import SimConfig
from v6.sim.faults import symbol_key
from v6.sim.market import MarketSimulator
from v6.sim.paths import MarketState
from v6.sim.regimes import Regime

FloatArray = npt.NDArray[np.float64]

VIX_TO_ATM: Mapping[str, float] = {
    # 30-day ATM implied vol per VIX point / 100. The VIX sits ~5 % above SPY's ATM vol (it
    # integrates the OTM puts); the Nasdaq-100 and small caps run ~25 % and ~35 % above SPY.
    "SPY": 1.0 / 1.05,
    "QQQ": 1.25 / 1.05,
    "IWM": 1.35 / 1.05,
}
DEFAULT_VIX_TO_ATM = 1.2 / 1.05
CRASH_DAY_RETURN = -0.04
"""A reference-symbol close-to-close fall at least this large marks a crash session."""


@dataclass(frozen=True, slots=True)
class DailyBar:
    open: float
    high: float
    low: float
    close: float


def _read(path: Path, columns: Sequence[str]) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema_length=0)
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataQualityError(f"{path}: missing columns {missing}")
    return frame.select(
        pl.col("date").str.strip_chars().str.to_date("%Y-%m-%d"),
        *(pl.col(c).cast(pl.Float64) for c in columns if c != "date"),
    ).sort("date")


def load_daily_csv(path: Path) -> dict[date, DailyBar]:
    """Daily bars from ``date,open,high,low,close`` (extra columns ignored), checked."""
    out: dict[date, DailyBar] = {}
    for day, o, h, lo, c in _read(path, ("date", "open", "high", "low", "close")).iter_rows():
        values = (o, h, lo, c)
        if any(v is None or not math.isfinite(v) or v <= 0 for v in values):
            raise DataQualityError(f"{path}: bad prices on {day}: {values}")
        if not lo <= min(o, c) <= max(o, c) <= h:
            raise DataQualityError(f"{path}: {day}: open/close outside low..high")
        out[day] = DailyBar(o, h, lo, c)
    return out


def load_vix_csv(path: Path) -> dict[date, float]:
    """VIX closes from ``date,vix`` (index points)."""
    out: dict[date, float] = {}
    for day, vix in _read(path, ("date", "vix")).iter_rows():
        if vix is None or not math.isfinite(vix) or vix <= 0:
            raise DataQualityError(f"{path}: bad VIX on {day}: {vix}")
        out[day] = vix
    return out


def regime_from_vix(vix: float, day_return: float) -> Regime:
    """A regime label for surface shape: crash, high-vol, normal or calm."""
    if day_return <= CRASH_DAY_RETURN or vix >= 35.0:
        return Regime.CRASH
    if vix >= 25.0:
        return Regime.HIGH_VOL
    if vix < 13.0:
        return Regime.LOW_VOL
    return Regime.NORMAL


def intraday_path(bar: DailyBar, n: int, rng: np.random.Generator) -> FloatArray:
    """``n`` prices from open to close that touch the high and the low and stay inside them."""
    if n == 1:
        return np.array([bar.close])
    first, second = (
        (bar.high, bar.low) if bar.high - bar.open <= bar.open - bar.low else (bar.low, bar.high)
    )
    x = np.linspace(0.0, 1.0, n)
    knots = np.array([0.0, 1 / 3, 2 / 3, 1.0])
    line = np.interp(x, knots, np.array([bar.open, first, second, bar.close]))
    # Brownian bridge noise, zero at every anchor, scaled to the day's range.
    noise = np.cumsum(rng.standard_normal(n)) * (bar.high - bar.low) * 0.08 / math.sqrt(n)
    anchors = np.interp(x, knots, np.interp(knots, x, noise))
    path: FloatArray = np.clip(line + noise - anchors, bar.low, bar.high)
    # The grid points nearest the anchors carry them exactly, so the day's high and low print.
    path[round((n - 1) / 3)] = first
    path[round(2 * (n - 1) / 3)] = second
    path[0], path[-1] = bar.open, bar.close
    return path


class HistorySource:
    """A ``SessionSource`` over recorded daily bars: sessions where every symbol and the VIX
    have data, in date order."""

    def __init__(
        self,
        bars: Mapping[str, Mapping[date, DailyBar]],
        vix: Mapping[date, float],
        *,
        calendar: TradingCalendar | None = None,
        step_minutes: int = 5,
        seed: int = 0,
        reference_symbol: str | None = None,
        vix_to_atm: Mapping[str, float] | None = None,
    ) -> None:
        if not bars:
            raise DataQualityError("history: no underlyings given")
        self.calendar = calendar or TradingCalendar()
        self._bars = {s: dict(b) for s, b in bars.items()}
        self._vix = dict(vix)
        self._step = timedelta(minutes=step_minutes)
        self._seed = seed
        self._ref = reference_symbol or next(iter(self._bars))
        self._scale = {s: (vix_to_atm or VIX_TO_ATM).get(s, DEFAULT_VIX_TO_ATM) for s in bars}
        common = set(self._vix)
        for b in self._bars.values():
            common &= set(b)
        self.days = tuple(sorted(d for d in common if self.calendar.is_session(d)))
        if len(self.days) < 2:
            raise DataQualityError("history: fewer than two sessions with all symbols and VIX")

    def session_states(self, index: int) -> list[MarketState] | None:
        # Session 0 only supplies the previous close; states start at the second session.
        if index + 1 >= len(self.days):
            return None
        prev, day = self.days[index], self.days[index + 1]
        times = self.calendar.session_times(day, self._step)
        n = len(times)
        vix_path = np.linspace(self._vix[prev], self._vix[day], n + 1)[1:]
        ref_ret = self._bars[self._ref][day].close / self._bars[self._ref][prev].close - 1.0
        regime = regime_from_vix(self._vix[day], ref_ret)
        paths = {}
        for s, bars in self._bars.items():
            rng = np.random.default_rng([self._seed, day.toordinal(), symbol_key(s)])
            paths[s] = intraday_path(bars[day], n, rng).tolist()
        vix_list = vix_path.tolist()
        states = []
        for j, ts in enumerate(times):
            vols = {s: vix_list[j] / 100.0 * self._scale[s] for s in self._bars}
            states.append(
                MarketState(
                    ts=ts,
                    spots={s: p[j] for s, p in paths.items()},
                    inst_vol=vols,
                    expected_vol_30d=vols,
                    vix=vix_list[j],
                    regime=regime,
                    futures={},
                    session_day=day,
                )
            )
        return states


def history_simulator(
    bars_csv: Mapping[str, Path],
    vix_csv: Path,
    *,
    cfg: SimConfig | None = None,
    calendar: TradingCalendar | None = None,
) -> MarketSimulator:
    """A ``MarketSimulator`` replaying daily CSV history with synthesised chains.

    Rates, dividends, seed, step and faults come from ``cfg`` (default ``SimConfig()``).
    """
    cfg = cfg or SimConfig()
    calendar = calendar or TradingCalendar()
    source = HistorySource(
        {s: load_daily_csv(p) for s, p in bars_csv.items()},
        load_vix_csv(vix_csv),
        calendar=calendar,
        step_minutes=cfg.step_minutes,
        seed=cfg.seed,
    )
    return MarketSimulator(cfg, calendar=calendar, source=source)

"""The simulated market's path: every underlying, its volatility, VIX and the futures on the
cash-session grid of real trading days, generated one session at a time, cached, and
reproducible byte for byte from ``SimConfig.seed``.

Lead-lag: the model simulates the *efficient* price; futures trade on it directly while the
cash index (the ETF spot) shows it ``futures.lead_minutes`` late, interpolated linearly between
grid points (and between the bridged pre-open point and the open). Futures quotes outside the
cash session (Globex evening and night) come from a per-night Brownian bridge between the
close and the pre-open point, drawn from its own seeded stream, so any timestamp can be
quoted in any order with the same answer. See ``config`` for the model and its defaults.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt

from v6.errors import DomainError
from v6.sim.calendar import NY, TradingCalendar
from v6.sim.config import SimConfig
from v6.sim.futures import FuturesContract, fair_value, front_month, futures_trading
from v6.sim.regimes import Regime
from v6.sim.stepper import KEY_NIGHT, DayStepper, stream

FloatArray = npt.NDArray[np.float64]
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_BRIDGE_STEP_S: Final = 60.0

__all__ = ["DailySeries", "JumpEvent", "MarketPath", "MarketState", "Regime", "SessionPath"]


@dataclass(frozen=True, slots=True)
class MarketState:
    """The world at one grid time."""

    ts: datetime
    """UTC."""
    spots: Mapping[str, float]
    """Underlying (cash) prices, lagging the futures by the configured lead."""
    inst_vol: Mapping[str, float]
    """Instantaneous annualised vol ``sqrt(v_t)`` per symbol."""
    expected_vol_30d: Mapping[str, float]
    """ATM 30-day implied vol the model implies (expected variance x premium), before skew."""
    vix: float
    """Index points, e.g. 16.5."""
    regime: Regime
    futures: Mapping[str, float]
    """Front-month price per root (``ES``, ``NQ``, ``RTY``)."""
    session_day: date


@dataclass(frozen=True, slots=True)
class JumpEvent:
    """A jump that happened: ``symbol`` is ``None`` for a market-wide (beta-scaled) jump."""

    ts: datetime
    """Grid time at the end of the step that jumped (the open for an overnight jump)."""
    symbol: str | None
    log_size: float


@dataclass(frozen=True, slots=True)
class SessionPath:
    """One session on the grid; price arrays are ``(n_symbols, n_times)``."""

    index: int
    day: date
    times: tuple[datetime, ...]
    epoch_s: FloatArray
    symbols: tuple[str, ...]
    spot: FloatArray
    latent_log: FloatArray
    variance: FloatArray
    expected_vol_30d: FloatArray
    vix: FloatArray
    regime: Regime
    event: str | None
    """``"crash"`` (random), or the forced scenario's name, on the session it starts."""
    contracts: tuple[FuturesContract, ...]
    """Front-month contract per futures root for this session."""
    futures: FloatArray
    """``(n_roots, n_times)`` front-month prices."""
    prev_close_epoch_s: float
    prev_close_log: FloatArray
    pre_open_epoch_s: float
    pre_open_log: FloatArray
    overnight_variance_total: FloatArray
    jumps: tuple[JumpEvent, ...]

    def state(self, j: int) -> MarketState:
        syms = self.symbols
        return MarketState(
            ts=self.times[j],
            spots=dict(zip(syms, self.spot[:, j].tolist(), strict=True)),
            inst_vol=dict(zip(syms, np.sqrt(self.variance[:, j]).tolist(), strict=True)),
            expected_vol_30d=dict(zip(syms, self.expected_vol_30d[:, j].tolist(), strict=True)),
            vix=float(self.vix[j]),
            regime=self.regime,
            futures={c.root: float(self.futures[k, j]) for k, c in enumerate(self.contracts)},
            session_day=self.day,
        )

    def states(self) -> Iterator[MarketState]:
        """Every grid state of the session, open to close (built in bulk for speed)."""
        syms = self.symbols
        spot = self.spot.T.tolist()
        vol = np.sqrt(self.variance).T.tolist()
        ev = self.expected_vol_30d.T.tolist()
        vix = self.vix.tolist()
        roots = [c.root for c in self.contracts]
        fut = self.futures.T.tolist()
        for j, ts in enumerate(self.times):
            yield MarketState(
                ts,
                dict(zip(syms, spot[j], strict=True)),
                dict(zip(syms, vol[j], strict=True)),
                dict(zip(syms, ev[j], strict=True)),
                vix[j],
                self.regime,
                dict(zip(roots, fut[j], strict=True)),
                self.day,
            )


@dataclass(frozen=True, slots=True)
class DailySeries:
    """Per-session bars for statistics: arrays are ``(n_symbols, n_days)`` or ``(n_days,)``."""

    days: tuple[date, ...]
    symbols: tuple[str, ...]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    vix_close: FloatArray
    vix_high: FloatArray
    regimes: tuple[Regime, ...]
    events: tuple[str | None, ...]


class MarketPath:
    """A seeded market path over real sessions from ``cfg.start_date``, generated on demand."""

    def __init__(
        self,
        cfg: SimConfig,
        calendar: TradingCalendar | None = None,
        *,
        keep_sessions: int | None = None,
    ) -> None:
        """``keep_sessions`` bounds memory for long 1-minute runs: only the most recent that
        many sessions stay cached (older ones raise ``DomainError``); ``None`` keeps all."""
        if keep_sessions is not None and keep_sessions < 1:
            raise DomainError(f"keep_sessions must be >= 1, got {keep_sessions}")
        self.cfg = cfg
        self._keep = keep_sessions
        self.calendar = calendar or TradingCalendar()
        self.symbols = cfg.symbols
        start = cfg.start_date
        self.start_session = (
            start if self.calendar.is_session(start) else (self.calendar.next_session(start))
        )
        self._prev_close_s = self.calendar.open_close(
            self.calendar.previous_session(self.start_session)
        )[1]
        self._lead_s = cfg.futures.lead_minutes * 60.0
        self._step_s = cfg.step_minutes * 60
        self._stepper = DayStepper(cfg)
        self._sessions: dict[int, SessionPath] = {}
        self._generated = 0
        self._index: dict[date, int] = {}
        self._next_day = self.start_session
        self._fut_specs = cfg.futures.contracts
        self._fut_sym = [self.symbols.index(f.underlying) for f in self._fut_specs]
        self._q = np.array([u.dividend_yield for u in cfg.underlyings])
        self._bridges: dict[int, tuple[FloatArray, FloatArray]] = {}

    # ---- generation -------------------------------------------------------------------------
    def session(self, i: int) -> SessionPath:
        """Session ``i`` (0 = the first), generating every earlier one first."""
        if i < 0:
            raise DomainError(f"session index must be >= 0, got {i}")
        while self._generated <= i:
            self._generate_next()
        found = self._sessions.get(i)
        if found is None:
            raise DomainError(f"session {i} was evicted (keep_sessions={self._keep})")
        return found

    def sessions(self, days: int) -> list[SessionPath]:
        return [self.session(i) for i in range(days)]

    def states(self, days: int) -> Iterator[MarketState]:
        """Every grid state over the first ``days`` sessions, in time order."""
        for i in range(days):
            yield from self.session(i).states()

    def index_of(self, day: date) -> int:
        """Session index of ``day`` (generating up to it)."""
        if day < self.start_session or not self.calendar.is_session(day):
            raise DomainError(f"{day.isoformat()} is not a session of this path")
        while day not in self._index:
            self._generate_next()
        return self._index[day]

    def daily(self, days: int) -> DailySeries:
        """Open/high/low/close per session (cash prices) and VIX, for statistics."""
        ss = self.sessions(days)
        return DailySeries(
            days=tuple(s.day for s in ss),
            symbols=self.symbols,
            open=np.stack([s.spot[:, 0] for s in ss], axis=1),
            high=np.stack([s.spot.max(axis=1) for s in ss], axis=1),
            low=np.stack([s.spot.min(axis=1) for s in ss], axis=1),
            close=np.stack([s.spot[:, -1] for s in ss], axis=1),
            vix_close=np.array([s.vix[-1] for s in ss]),
            vix_high=np.array([s.vix.max() for s in ss]),
            regimes=tuple(s.regime for s in ss),
            events=tuple(s.event for s in ss),
        )

    def _generate_next(self) -> None:
        day = self._next_day
        o, c = self.calendar.open_close(day)
        o_s, c_s = _epoch(o), _epoch(c)
        grid = np.append(np.arange(o_s, c_s, self._step_s, dtype=np.float64), float(c_s))
        prev_close_s = _epoch(self._prev_close_s)
        arr = self._stepper.step_day(grid, prev_close_s, self._lead_s)
        spot = np.exp(arr.spot_log)
        pre_s = arr.pre_open_s
        index = self._generated
        contracts = tuple(
            front_month(
                f.root,
                day,
                roll_days_before_expiry=self.cfg.futures.roll_days_before_expiry,
                calendar=self.calendar,
            )
            for f in self._fut_specs
        )
        times = tuple(_EPOCH + timedelta(seconds=float(t)) for t in grid)
        futures = (
            np.stack(
                [
                    self._fair(k, ctr, arr.latent_log[self._fut_sym[k]], grid)
                    for k, ctr in enumerate(contracts)
                ]
            )
            if contracts
            else np.empty((0, grid.size))
        )
        jumps = self._jump_events(times, arr.idio_jumps, arr.market_jumps)
        for a in (spot, arr.latent_log, arr.variance, arr.expected_vol_30d, arr.vix, futures, grid):
            a.flags.writeable = False  # cached and shared: consumers must not edit the path
        self._sessions[index] = SessionPath(
            index=index,
            day=day,
            times=times,
            epoch_s=grid,
            symbols=self.symbols,
            spot=spot,
            latent_log=arr.latent_log,
            variance=arr.variance,
            expected_vol_30d=arr.expected_vol_30d,
            vix=arr.vix,
            regime=arr.plan.regime,
            event=arr.plan.event,
            contracts=contracts,
            futures=futures,
            prev_close_epoch_s=prev_close_s,
            prev_close_log=arr.prev_close_log,
            pre_open_epoch_s=pre_s,
            pre_open_log=arr.pre_open_log,
            overnight_variance_total=arr.overnight_variance_total,
            jumps=jumps,
        )
        self._generated += 1
        if self._keep is not None:
            self._sessions.pop(index - self._keep, None)
        self._index[day] = index
        self._prev_close_s = c
        self._next_day = self.calendar.next_session(day)

    def _jump_events(
        self, times: tuple[datetime, ...], idio: FloatArray, market: FloatArray
    ) -> tuple[JumpEvent, ...]:
        out = [JumpEvent(times[j], None, float(market[j])) for j in np.flatnonzero(market)]
        for i, sym in enumerate(self.symbols):
            out.extend(JumpEvent(times[j], sym, float(idio[i, j])) for j in np.flatnonzero(idio[i]))
        return tuple(out)

    # ---- futures ----------------------------------------------------------------------------
    def _fair(
        self, k: int, ctr: FuturesContract, latent_log: FloatArray, epoch_s: FloatArray
    ) -> FloatArray:
        spec = self._fut_specs[k]
        q = float(self._q[self._fut_sym[k]])
        tau = np.maximum(_epoch(ctr.expiry_ts) - epoch_s, 0.0) / (365.0 * 86_400.0)
        out: FloatArray = spec.index_per_share * np.exp(
            latent_log + (self.cfg.risk_free_rate - q) * tau
        )
        return out

    def futures_contract(self, root: str, ts: datetime) -> FuturesContract:
        """Front-month contract trading at ``ts`` (the Globex trade date's front month)."""
        s = self.session(self._session_for(ts))
        return s.contracts[self._root_index(root)]

    def futures_quote(self, root: str, ts: datetime) -> float | None:
        """Front-month futures price at any ``ts`` in the path; ``None`` when Globex is shut.

        Within the cash session: the efficient price, linear between grid points. Overnight:
        a seeded Brownian bridge from the close to the pre-open point. Raises ``DomainError``
        for a time before the path starts.
        """
        k = self._root_index(root)
        if not futures_trading(ts):
            return None
        s = self.session(self._session_for(ts))
        sym = self._fut_sym[k]
        t = _epoch(ts)
        if t >= s.pre_open_epoch_s:
            knots_t = np.concatenate(([s.pre_open_epoch_s], s.epoch_s))
            knots_x = np.concatenate(([s.pre_open_log[sym]], s.latent_log[sym]))
            x = float(np.interp(t, knots_t, knots_x))
        else:
            bt, bx = self._bridge(s)
            x = float(np.interp(t, bt, bx[sym]))
        spec = self._fut_specs[k]
        q = float(self._q[sym])
        return fair_value(
            spec.index_per_share * math.exp(x), s.contracts[k], ts, self.cfg.risk_free_rate, q
        )

    def _root_index(self, root: str) -> int:
        for k, spec in enumerate(self._fut_specs):
            if spec.root == root:
                return k
        raise DomainError(f"unknown futures root {root!r}")

    def _session_for(self, ts: datetime) -> int:
        """Index of the first session whose close is at or after ``ts``."""
        if ts.tzinfo is None:
            raise DomainError(f"timestamp must be timezone-aware: {ts.isoformat()}")
        if ts <= self._first_prev_close():
            raise DomainError(f"{ts.isoformat()} is before the simulated path starts")
        day = ts.astimezone(NY).date()
        cal = self.calendar
        if not (cal.is_session(day) and ts <= cal.open_close(day)[1]):
            day = cal.next_session(day)
        return self.index_of(day)

    def _first_prev_close(self) -> datetime:
        return self.calendar.open_close(self.calendar.previous_session(self.start_session))[1]

    def _bridge(self, s: SessionPath) -> tuple[FloatArray, FloatArray]:
        """Minute grid and efficient log prices for the night before session ``s``."""
        cached = self._bridges.get(s.index)
        if cached is not None:
            return cached
        t0, t1 = s.prev_close_epoch_s, s.pre_open_epoch_s
        m = max(math.ceil((t1 - t0) / _BRIDGE_STEP_S), 1)
        bt = np.linspace(t0, t1, m + 1)
        rng = stream(self.cfg.seed, KEY_NIGHT, s.index)
        frac = (t1 - t0) / max(s.epoch_s[0] - t0, 1.0)
        sd = np.sqrt(s.overnight_variance_total * frac / m)
        walk = (
            np.concatenate(
                (
                    np.zeros((len(self.symbols), 1)),
                    np.cumsum(rng.standard_normal((len(self.symbols), m)), axis=1),
                ),
                axis=1,
            )
            * sd[:, None]
        )
        w = np.linspace(0.0, 1.0, m + 1)
        bridge = walk - w * walk[:, -1:]
        line = s.prev_close_log[:, None] + w * (s.pre_open_log - s.prev_close_log)[:, None]
        out = (bt, line + bridge)
        if len(self._bridges) > 8:
            self._bridges.pop(next(iter(self._bridges)))
        self._bridges[s.index] = out
        return out


def _epoch(ts: datetime) -> float:
    return (ts - _EPOCH).total_seconds()

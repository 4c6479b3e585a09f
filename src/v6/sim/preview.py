"""What ``v6 sim preview`` shows: per-symbol statistics of a simulated stretch of market and
PNG charts (SPY with regime shading, the VIX, the 30-DTE smile on a calm and a stressed day),
so a person can judge at a glance whether the simulated market is believable.

If the stretch holds no crash, a ``crash-day`` scenario is forced inside it, so the two smiles
always contrast a quiet market with a stressed one.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from v6.sim.config import SimConfig
from v6.sim.listings import default_strike_rule, listed_expiries, strike_grid
from v6.sim.market import MarketSimulator, PathSource
from v6.sim.paths import MarketPath, MarketState
from v6.sim.regimes import Regime, ScenarioName

FloatArray = npt.NDArray[np.float64]
REGIME_COLOURS = {  # keyed by value, so the domain's and the simulator's Regime both work
    "low_vol": "#d8f0d8",
    "normal": "#f2f2f2",
    "trending": "#dde8f8",
    "range_bound": "#f3efd6",
    "high_vol": "#fbe0c4",
    "crash": "#f6b8b8",
}


@dataclass(frozen=True, slots=True)
class SymbolStats:
    symbol: str
    start: float
    end: float
    return_pct: float
    realised_vol_pct: float
    max_drawdown_pct: float


@dataclass(frozen=True, slots=True)
class Smile:
    """OTM implied vols of one expiry at one instant."""

    label: str
    state: MarketState
    expiry: date
    moneyness_pct: FloatArray
    delta: FloatArray
    iv_pct: FloatArray


@dataclass(frozen=True, slots=True)
class Preview:
    cfg: SimConfig
    days: tuple[date, ...]
    stats: tuple[SymbolStats, ...]
    vix_min: float
    vix_max: float
    regime_days: dict[Regime, int]
    crash_days: tuple[date, ...]
    forced_scenario: bool
    smiles: tuple[Smile, Smile]
    charts: tuple[Path, ...]


def _has_crash(path: MarketPath, days: int) -> bool:
    daily = path.daily(days)
    return any(r is Regime.CRASH for r in daily.regimes)


def _stats(symbol: str, closes: FloatArray, first_open: float) -> SymbolStats:
    series = np.concatenate(([first_open], closes))
    rets = np.diff(np.log(series))
    vol = float(np.std(rets, ddof=1) * math.sqrt(252) * 100) if rets.size > 1 else 0.0
    peak = np.maximum.accumulate(series)
    return SymbolStats(
        symbol=symbol,
        start=float(first_open),
        end=float(closes[-1]),
        return_pct=float((closes[-1] / first_open - 1) * 100),
        realised_vol_pct=vol,
        max_drawdown_pct=float(((series - peak) / peak).min() * 100),
    )


def _smile(sim: MarketSimulator, state: MarketState, label: str, symbol: str) -> Smile:
    """OTM puts below spot and OTM calls above it, for the listed expiry nearest 30 DTE."""
    spot = state.spots[symbol]
    expiries = listed_expiries(state.session_day, sim.calendar)
    expiry = min(expiries, key=lambda e: abs((e - state.session_day).days - 30))
    strikes = strike_grid(spot, default_strike_rule(symbol, spot))
    strikes = strikes[(strikes > 0.75 * spot) & (strikes < 1.15 * spot)]
    is_call = strikes >= spot
    ords = np.full(strikes.size, expiry.toordinal(), dtype=np.int64)
    batch = sim.quote_batch(symbol, ords, strikes, is_call, state)
    return Smile(
        label=label,
        state=state,
        expiry=expiry,
        moneyness_pct=strikes / spot * 100,
        delta=batch.delta,
        iv_pct=batch.iv * 100,
    )


def build_preview(cfg: SimConfig, days: int, out_dir: Path, symbol: str = "SPY") -> Preview:
    """Simulate ``days`` sessions, compute the summary and write the charts into ``out_dir``."""
    path = MarketPath(cfg)
    forced = False
    if cfg.scenario is None and not _has_crash(path, days):
        data = cfg.model_dump()
        data.update(scenario=ScenarioName.CRASH_DAY.value, scenario_day=max(1, days * 2 // 3))
        cfg = SimConfig.model_validate(data)
        path = MarketPath(cfg)
        forced = True
    sessions = path.sessions(days)
    daily = path.daily(days)
    sim = MarketSimulator(cfg, calendar=path.calendar, source=PathSource(path), max_days=days)
    stats = tuple(
        _stats(s, daily.close[i], float(daily.open[i][0])) for i, s in enumerate(daily.symbols)
    )
    # The calm smile at the close of the lowest-VIX session; the stressed one at the VIX peak.
    calm_i = int(np.argmin(daily.vix_close))
    stress_i = int(np.argmax(daily.vix_high))
    calm_state = sessions[calm_i].state(len(sessions[calm_i].times) - 1)
    peak_j = int(np.argmax(sessions[stress_i].vix))
    stress_state = sessions[stress_i].state(peak_j)
    smiles = (
        _smile(sim, calm_state, "calm", symbol),
        _smile(sim, stress_state, "stressed", symbol),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    sym_i = daily.symbols.index(symbol)
    times = [t for s in sessions for t in s.times]
    spots = np.concatenate([s.spot[sym_i] for s in sessions])
    vix = np.concatenate([s.vix for s in sessions])
    charts = (
        _price_chart(out_dir / f"{symbol.lower()}_price.png", symbol, times, spots, daily),
        _vix_chart(out_dir / "vix.png", times, vix),
        _smile_chart(out_dir / f"{symbol.lower()}_smile.png", symbol, smiles),
    )
    counts = Counter(daily.regimes)
    return Preview(
        cfg=cfg,
        days=daily.days,
        stats=stats,
        vix_min=float(vix.min()),
        vix_max=float(vix.max()),
        regime_days={r: counts[r] for r in Regime if counts.get(r)},
        crash_days=tuple(
            d for d, r in zip(daily.days, daily.regimes, strict=True) if r is Regime.CRASH
        ),
        forced_scenario=forced,
        smiles=smiles,
        charts=charts,
    )


def _figure(width: float = 11.0, height: float = 4.8) -> Figure:
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _price_chart(
    out: Path, symbol: str, times: list[datetime], spots: FloatArray, daily: object
) -> Path:
    fig = _figure()
    ax = fig.add_subplot()
    # One trading session per unit on x so nights and weekends do not leave gaps.
    x = np.arange(len(times))
    ax.plot(x, spots, color="#1f3b73", linewidth=1.0, label=f"{symbol} (cash, 5-min grid)")
    days: tuple[date, ...] = daily.days  # type: ignore[attr-defined]
    regimes: tuple[Regime, ...] = daily.regimes  # type: ignore[attr-defined]
    per_day = len(times) // len(days)
    seen: set[Regime] = set()
    for d, regime in enumerate(regimes):
        lo, hi = d * per_day, (d + 1) * per_day
        ax.axvspan(
            lo,
            hi,
            color=REGIME_COLOURS.get(regime.value, "#ffffff"),
            alpha=0.9,
            zorder=0,
            label=regime.value.replace("_", " ") if regime not in seen else None,
        )
        seen.add(regime)
    step = max(1, len(days) // 10)
    ticks = list(range(0, len(days), step))
    ax.set_xticks([t * per_day for t in ticks], [days[t].strftime("%d %b %y") for t in ticks])
    ax.set_xlim(0, len(times))
    ax.set_ylabel("price ($)")
    ax.set_title(f"{symbol}: simulated price by trading session, background = regime")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8, ncol=2)
    fig.savefig(out)
    return out


def _vix_chart(out: Path, times: list[datetime], vix: FloatArray) -> Path:
    fig = _figure(11.0, 3.6)
    ax = fig.add_subplot()
    ax.plot(np.arange(len(times)), vix, color="#8b1a1a", linewidth=1.0)
    n_days = max(1, len({t.date() for t in times}))
    per_day = len(times) // n_days
    step = max(1, n_days // 10)
    ticks = list(range(0, n_days, step))
    ax.set_xticks(
        [t * per_day for t in ticks], [times[t * per_day].strftime("%d %b %y") for t in ticks]
    )
    ax.set_xlim(0, len(times))
    ax.axhline(20, color="grey", linewidth=0.8, linestyle="--")
    ax.set_ylabel("VIX (index points)")
    ax.set_title("Simulated VIX (dashed: 20)")
    ax.grid(alpha=0.3)
    fig.savefig(out)
    return out


def _smile_chart(out: Path, symbol: str, smiles: tuple[Smile, Smile]) -> Path:
    fig = _figure(11.0, 4.6)
    left, right = fig.subplots(1, 2)
    colours = ("#2a7a2a", "#b22222")
    for smile, colour in zip(smiles, colours, strict=True):
        st = smile.state
        dte = (smile.expiry - st.session_day).days
        label = (
            f"{smile.label}: {st.ts:%d %b %Y %H:%M} UTC, {symbol} {st.spots[symbol]:.2f}, "
            f"VIX {st.vix:.1f}, exp {smile.expiry:%d %b} ({dte} DTE)"
        )
        left.plot(smile.moneyness_pct, smile.iv_pct, color=colour, label=label)
        otm_delta = np.where(smile.moneyness_pct < 100, smile.delta, smile.delta - 1.0)
        right.plot(otm_delta * 100, smile.iv_pct, color=colour)
    left.axvline(100, color="grey", linewidth=0.8, linestyle="--")
    left.set_xlabel("strike (% of spot)  -- OTM puts left, OTM calls right")
    left.set_ylabel("implied vol (%)")
    left.set_title(f"{symbol} ~30-DTE smile by strike")
    left.grid(alpha=0.3)
    left.legend(fontsize=7, loc="upper right")
    right.set_xlabel("put delta (%)  (OTM calls shown as call delta - 100)")
    right.set_ylabel("implied vol (%)")
    right.set_title("the same smiles by delta")
    right.set_xlim(-100, 0)
    right.grid(alpha=0.3)
    fig.savefig(out)
    return out

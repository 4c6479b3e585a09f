"""``EnhancedMarketRegimeDetector``: classifies an underlying's market as crash, high_vol,
low_vol, trending, range_bound or normal from its daily closes, VIX and VIX's daily change,
with hysteresis so the label does not flicker.

Features (over the last ``trend_window`` / ``vol_window`` daily log returns): the 1-day
return, the drawdown from the ``crash_window`` high, realised vol (annualised), Kaufman's
efficiency ratio ``|sum r| / sum |r|`` (trend strength: 1 = straight line, ~1/sqrt(n) for a
random walk) and the range ratio ``(max - min of log price) / (daily vol x sqrt(n))``, small
when price keeps returning to a level. Each regime gets a score that is >= 1 when its
condition holds; the first regime in the order crash, high_vol, trending, low_vol,
range_bound that scores >= 1 is the raw label, else normal (score 1): a strong trend is the
more specific reading of a calm market, and a calm market often also looks range-bound.

Hysteresis: crash is entered at once and left only after ``confirm_observations`` readings
in a row without it. Any other change needs the challenger to be the raw label for
``confirm_observations`` observations in a row, or to out-score the current regime by
``switch_margin``. The state is an explicit ``RegimeState`` passed in and returned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from v6.domain.regime import Regime
from v6.rules.config import RegimeConfig

ORDER: tuple[Regime, ...] = (
    Regime.CRASH,
    Regime.HIGH_VOL,
    Regime.TRENDING,
    Regime.LOW_VOL,
    Regime.RANGE_BOUND,
)
"""Precedence of the raw label; normal when none of these holds."""
_SCORE_CAP = 10.0
_TRADING_DAYS = 252.0


@dataclass(frozen=True, slots=True)
class RegimeFeatures:
    """Inputs of one classification; NaN where the history is too short or data missing."""

    return_1d: float
    drawdown: float
    """Fall from the highest close of the crash window, as a positive fraction."""
    realized_vol: float
    efficiency: float
    range_ratio: float
    vix: float
    vix_change_1d: float
    observations: int
    """Daily closes the features were computed from."""


@dataclass(frozen=True, slots=True)
class RegimeState:
    """Hysteresis memory: the current label and a challenger's run length."""

    current: Regime | None = None
    candidate: Regime | None = None
    candidate_count: int = 0


@dataclass(frozen=True, slots=True)
class RegimeReading:
    """One step's outcome: the (hysteresis-filtered) regime and why."""

    regime: Regime
    raw: Regime
    changed: bool
    scores: Mapping[Regime, float]
    features: RegimeFeatures
    state: RegimeState


def _ratio(x: float, threshold: float) -> float:
    return x / threshold if math.isfinite(x) else math.nan


def _inverse(x: float, threshold: float) -> float:
    """threshold / x, capped (x = 0 is "infinitely" below the threshold)."""
    if not math.isfinite(x):
        return math.nan
    return _SCORE_CAP if x <= threshold / _SCORE_CAP else threshold / x


def _max(*xs: float) -> float:
    finite = [x for x in xs if math.isfinite(x)]
    return min(max(finite), _SCORE_CAP) if finite else 0.0


def _min(*xs: float) -> float:
    finite = [x for x in xs if math.isfinite(x)]
    return min(finite) if finite else 0.0


def _opt(x: float | None) -> float:
    return math.nan if x is None else float(x)


class EnhancedMarketRegimeDetector:
    """Stateless apart from configuration: history and hysteresis state are arguments."""

    __slots__ = ("cfg",)

    def __init__(self, config: RegimeConfig | None = None) -> None:
        self.cfg = config or RegimeConfig()

    @property
    def history_needed(self) -> int:
        """Daily closes needed for every feature."""
        c = self.cfg
        return max(c.vol_window, c.trend_window, c.crash_window) + 1

    def features(
        self,
        closes: ArrayLike,
        vix: float | None = None,
        vix_change_1d: float | None = None,
    ) -> RegimeFeatures:
        """Features from daily closes, oldest first (the last may be today's live price)."""
        c = self.cfg
        px = np.asarray(closes, dtype=np.float64)
        px = px[np.isfinite(px) & (px > 0)][-self.history_needed :]
        n = px.size
        nan = math.nan
        if n < 2:
            return RegimeFeatures(nan, nan, nan, nan, nan, _opt(vix), _opt(vix_change_1d), n)
        lp = np.log(px)
        r = np.diff(lp)
        ret_1d = math.expm1(float(r[-1]))
        window_high = float(px[-(c.crash_window + 1) :].max())
        drawdown = 1.0 - float(px[-1]) / window_high
        rv = nan
        rv_r = r[-c.vol_window :]
        if rv_r.size >= 5:
            rv = float(rv_r.std(ddof=1)) * math.sqrt(_TRADING_DAYS)
        er = rr = nan
        if r.size >= c.trend_window:
            w = r[-c.trend_window :]
            path = float(np.abs(w).sum())
            er = abs(float(w.sum())) / path if path > 0 else 0.0
            sd = float(w.std(ddof=1))
            lw = lp[-(c.trend_window + 1) :]
            rr = float(lw.max() - lw.min()) / (sd * math.sqrt(w.size)) if sd > 0 else 0.0
        return RegimeFeatures(ret_1d, drawdown, rv, er, rr, _opt(vix), _opt(vix_change_1d), n)

    def scores(self, f: RegimeFeatures) -> dict[Regime, float]:
        """Per-regime strength: >= 1 when the regime's condition holds."""
        c = self.cfg
        return {
            Regime.CRASH: _max(
                _ratio(-f.return_1d, c.crash_return_1d),
                _ratio(f.drawdown, c.crash_drawdown),
                _ratio(f.vix, c.crash_vix),
                _ratio(f.vix_change_1d, c.crash_vix_change_1d),
            ),
            Regime.HIGH_VOL: _max(
                _ratio(f.vix, c.high_vol_vix), _ratio(f.realized_vol, c.high_vol_realized)
            ),
            Regime.LOW_VOL: _min(
                _inverse(f.vix, c.low_vol_vix), _inverse(f.realized_vol, c.low_vol_realized)
            ),
            Regime.TRENDING: _max(_ratio(f.efficiency, c.trend_efficiency)),
            Regime.RANGE_BOUND: _min(
                _inverse(f.efficiency, c.range_efficiency), _inverse(f.range_ratio, c.range_ratio)
            )
            if math.isfinite(f.efficiency) and math.isfinite(f.range_ratio)
            else 0.0,
            Regime.NORMAL: 1.0,
        }

    @staticmethod
    def raw_regime(scores: Mapping[Regime, float]) -> Regime:
        for regime in ORDER:
            if scores[regime] >= 1.0:
                return regime
        return Regime.NORMAL

    def classify(self, f: RegimeFeatures) -> Regime:
        """The raw label, without hysteresis."""
        return self.raw_regime(self.scores(f))

    def step(self, state: RegimeState | None, f: RegimeFeatures) -> RegimeReading:
        """One observation through the hysteresis filter."""
        st = state or RegimeState()
        scores = self.scores(f)
        raw = self.raw_regime(scores)
        current = st.current
        if current is None or raw is current or raw is Regime.CRASH:
            new = RegimeState(raw)  # first reading, no change, or a crash (entered at once)
        else:
            count = st.candidate_count + 1 if st.candidate is raw else 1
            # a crash is left only after confirm_observations calm readings: never on one day
            beats = (
                current is not Regime.CRASH
                and scores[raw] >= scores[current] + self.cfg.switch_margin
            )
            if count >= self.cfg.confirm_observations or beats:
                new = RegimeState(raw)
            else:
                new = RegimeState(current, raw, count)
        return RegimeReading(
            regime=new.current or raw,
            raw=raw,
            changed=current is not None and new.current is not current,
            scores=scores,
            features=f,
            state=new,
        )

    def update(
        self,
        state: RegimeState | None,
        closes: ArrayLike,
        vix: float | None = None,
        vix_change_1d: float | None = None,
    ) -> RegimeReading:
        """Features from the history, then ``step``."""
        return self.step(state, self.features(closes, vix, vix_change_1d))

    def run(
        self,
        closes: ArrayLike,
        vix: ArrayLike | None = None,
        vix_change_1d: ArrayLike | None = None,
    ) -> list[RegimeReading]:
        """One reading per close (a backtest or a test over a whole series)."""
        px = np.asarray(closes, dtype=np.float64)
        vx = np.asarray(vix, dtype=np.float64) if vix is not None else None
        vc = np.asarray(vix_change_1d, dtype=np.float64) if vix_change_1d is not None else None
        if vc is None and vx is not None:
            vc = np.full(vx.size, math.nan)
            vc[1:] = vx[1:] / vx[:-1] - 1.0
        state: RegimeState | None = None
        out: list[RegimeReading] = []
        need = self.history_needed
        for t in range(px.size):
            f = self.features(
                px[max(0, t + 1 - need) : t + 1],
                float(vx[t]) if vx is not None else None,
                float(vc[t]) if vc is not None else None,
            )
            reading = self.step(state, f)
            state = reading.state
            out.append(reading)
        return out

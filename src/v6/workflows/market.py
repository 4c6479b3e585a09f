"""Market memory the engine keeps between cycles: daily closes per underlying and of the VIX,
and the regime of each underlying.

The regime detector's hysteresis counts daily readings, so its state is committed once per
session (at the close); intraday reads step a copy of the committed state, which lets a crash
be recognised at once while any other change still needs its confirmations across days.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from v6.domain.regime import Regime
from v6.rules.regime import EnhancedMarketRegimeDetector, RegimeReading, RegimeState
from v6.rules.regime_source import ExternalRegimeSource, resolve_regime
from v6.rules.views import MarketView, UnderlyingView
from v6.strategies.scoring import MarketContext, Trend

MAX_CLOSES = 260


@dataclass(frozen=True, slots=True)
class SymbolRegime:
    """The regime of one underlying now, where it came from, and the detector's reading."""

    regime: Regime | None
    source: str
    reading: RegimeReading | None
    trend: Trend = Trend.NONE


class MarketHistory:
    """Daily closes (oldest first) per symbol and of the VIX, bounded."""

    __slots__ = ("closes", "vix_closes")

    def __init__(self) -> None:
        self.closes: dict[str, deque[float]] = {}
        self.vix_closes: deque[float] = deque(maxlen=MAX_CLOSES)

    def record_close(self, spots: Mapping[str, float | None], vix: float | None) -> None:
        for symbol, price in spots.items():
            if price is not None and math.isfinite(price) and price > 0:
                self.closes.setdefault(symbol, deque(maxlen=MAX_CLOSES)).append(price)
        if vix is not None and math.isfinite(vix) and vix > 0:
            self.vix_closes.append(vix)

    def prev_close(self, symbol: str) -> float | None:
        closes = self.closes.get(symbol)
        return closes[-1] if closes else None

    def vix_change_1d(self, vix: float | None) -> float | None:
        if vix is None or not self.vix_closes:
            return None
        return vix / self.vix_closes[-1] - 1.0

    def series(self, symbol: str, live: float | None) -> list[float]:
        """Closes with today's live price appended (what the detector reads intraday)."""
        out = list(self.closes.get(symbol, ()))
        if live is not None and math.isfinite(live) and live > 0:
            out.append(live)
        return out

    def returns(self, symbols: Iterable[str]) -> dict[str, list[float]]:
        """Daily log returns per symbol, oldest first (for correlation groups)."""
        out: dict[str, list[float]] = {}
        for s in symbols:
            c = list(self.closes.get(s, ()))
            out[s] = [math.log(b / a) for a, b in itertools.pairwise(c)]
        return out


class RegimeTracker:
    """Regime per underlying: detector (hysteresis committed daily) or an external source."""

    __slots__ = ("_committed", "current", "detector", "last_update", "source")

    def __init__(
        self, detector: EnhancedMarketRegimeDetector, source: ExternalRegimeSource | None = None
    ) -> None:
        self.detector = detector
        self.source = source
        self._committed: dict[str, RegimeState] = {}
        self.current: dict[str, SymbolRegime] = {}
        self.last_update: datetime | None = None

    def update(
        self,
        now: datetime,
        spots: Mapping[str, float | None],
        vix: float | None,
        history: MarketHistory,
        *,
        commit: bool = False,
    ) -> dict[str, SymbolRegime]:
        """Read every symbol's regime now; ``commit`` (at the close) advances the hysteresis."""
        change = history.vix_change_1d(vix)
        window = self.detector.cfg.trend_window
        for symbol, spot in spots.items():
            series = history.series(symbol, spot)
            reading = self.detector.update(self._committed.get(symbol), series, vix, change)
            if commit:
                self._committed[symbol] = reading.state
            regime, source = resolve_regime(symbol, reading.regime, self.source, now)
            trend = Trend.NONE
            if regime is Regime.TRENDING and len(series) > window:
                trend = Trend.UP if series[-1] >= series[-1 - window] else Trend.DOWN
            self.current[symbol] = SymbolRegime(regime, source or "detector", reading, trend)
        self.last_update = now
        return self.current

    def context(self, symbol: str) -> MarketContext:
        """What the strategy selector needs about ``symbol`` (normal when nothing is known)."""
        found = self.current.get(symbol)
        regime = found.regime if found is not None and found.regime is not None else Regime.NORMAL
        return MarketContext(regime, found.trend if found is not None else Trend.NONE)

    def market_view(
        self,
        now: datetime,
        spots: Mapping[str, float | None],
        vix: float | None,
        history: MarketHistory,
    ) -> MarketView:
        """The rules' view of the market this cycle."""
        underlyings: dict[str, UnderlyingView] = {}
        for symbol, spot in spots.items():
            found = self.current.get(symbol)
            vol = None
            if found is not None and found.reading is not None:
                rv = found.reading.features.realized_vol
                vol = rv if math.isfinite(rv) else None
            underlyings[symbol] = UnderlyingView(
                symbol,
                spot if spot is not None else math.nan,
                history.prev_close(symbol),
                vol,
                found.regime if found is not None else None,
                found.source if found is not None else "",
            )
        return MarketView(now, vix, history.vix_change_1d(vix), underlyings)


__all__ = ["MAX_CLOSES", "MarketHistory", "RegimeTracker", "SymbolRegime"]

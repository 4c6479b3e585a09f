"""Builds ``StrategyView``s for a whole monitoring cycle from strategies, quotes and spots.

Marks are the mids of valid quotes (a zero bid is allowed: far wings often have one). Greeks
and IVs come from the quotes when present and finite (IB's model Greeks); the rest are
computed in one vectorised pass per cycle: implied vols from the mids with
``v6.pricing.implied_vol``, then Greeks with ``v6.pricing.bsm_greeks``. Per-strategy numbers
that never change (max profit/loss, credit, leg layout, expiry close) are cached by strategy
id, since the exact ``Decimal`` payoff math is too slow to redo every 30 seconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from v6.domain.contracts import Right
from v6.domain.greeks import Greeks
from v6.domain.quote import Quote, QuoteValidity
from v6.domain.strategy import Strategy
from v6.errors import DomainError
from v6.pricing.bsm import bsm_greeks
from v6.pricing.iv import implied_vol
from v6.rules.views import LegView, StrategyView

ENTRY_IV_KEY = "entry_iv"
"""Strategy metadata key holding the IV at entry (a fraction, e.g. 0.21)."""
NEW_YORK = ZoneInfo("America/New_York")
_YEAR_S = 365.0 * 86400.0


@dataclass(frozen=True, slots=True)
class StrategyFacts:
    """What never changes for one strategy: computed once, reused every cycle."""

    strategy: Strategy
    max_profit: float
    max_loss: float
    entry_credit: float
    keys: tuple[str, ...]
    rights: tuple[Right, ...]
    strikes: tuple[float, ...]
    quantities: tuple[int, ...]
    open_prices: tuple[float, ...]
    multiplier: int
    expiry: date
    expiry_close: datetime
    """UTC instant of the session close on the nearest expiry."""
    entry_iv: float | None


def _bounded(value: float) -> float:
    return value if math.isfinite(value) else math.inf


def strategy_facts(strategy: Strategy, expiry_close: datetime) -> StrategyFacts:
    try:
        max_profit, max_loss = _bounded(strategy.max_profit), _bounded(strategy.max_loss)
    except DomainError:  # legs with several expiries: no expiry payoff
        max_profit = max_loss = math.inf
    raw_iv = strategy.metadata.get(ENTRY_IV_KEY)
    entry_iv = (
        float(raw_iv) if isinstance(raw_iv, int | float) and not isinstance(raw_iv, bool) else None
    )
    legs = strategy.legs
    return StrategyFacts(
        strategy=strategy,
        max_profit=max_profit,
        max_loss=max_loss,
        entry_credit=strategy.entry_cash,
        keys=tuple(leg.contract.key for leg in legs),
        rights=tuple(leg.contract.right for leg in legs),
        strikes=tuple(leg.contract.strike for leg in legs),
        quantities=tuple(leg.quantity for leg in legs),
        open_prices=tuple(leg.open_price for leg in legs),
        multiplier=strategy.multiplier,
        expiry=strategy.expiry,
        expiry_close=expiry_close,
        entry_iv=entry_iv,
    )


class StrategyViewBuilder:
    """Turns (strategies, quotes, spots, ts) into views; keeps a per-strategy facts cache."""

    __slots__ = ("_close", "_closes", "_facts", "_max_age", "_tz", "div_yield", "rate")

    def __init__(
        self,
        *,
        quote_max_age: timedelta = timedelta(seconds=10),
        rate: float = 0.04,
        div_yield: float = 0.0,
        session_close: time = time(16, 0),
        exchange_tz: ZoneInfo = NEW_YORK,
    ) -> None:
        self._max_age = quote_max_age
        self.rate = rate
        self.div_yield = div_yield
        self._close = session_close
        self._tz = exchange_tz
        self._facts: dict[str, StrategyFacts] = {}
        self._closes: dict[date, datetime] = {}

    def facts(self, strategy: Strategy) -> StrategyFacts:
        cached = self._facts.get(strategy.strategy_id)
        if cached is not None and (cached.strategy is strategy or cached.strategy == strategy):
            return cached
        facts = strategy_facts(strategy, self._expiry_close(strategy.expiry))
        self._facts[strategy.strategy_id] = facts
        return facts

    def forget(self, strategy_id: str) -> None:
        """Drop a closed strategy from the cache."""
        self._facts.pop(strategy_id, None)

    def _expiry_close(self, expiry: date) -> datetime:
        close = self._closes.get(expiry)
        if close is None:
            close = datetime.combine(expiry, self._close, self._tz).astimezone(UTC)
            self._closes[expiry] = close
        return close

    def build(
        self,
        strategies: Sequence[Strategy],
        quotes: Mapping[str, Quote],
        spots: Mapping[str, float],
        ts: datetime,
        *,
        roll_credits: Mapping[str, float] | None = None,
        entry_ivs: Mapping[str, float] | None = None,
    ) -> list[StrategyView]:
        """Views for ``strategies`` at ``ts``. ``quotes`` by contract key; ``spots`` by symbol
        (NaN or absent = no valid spot); ``roll_credits`` and ``entry_ivs`` by strategy id
        (``entry_ivs`` overrides the ``entry_iv`` metadata)."""
        facts = [self.facts(s) for s in strategies]
        today = ts.astimezone(self._tz).date()
        nan = math.nan
        max_age = self._max_age
        get = quotes.get
        # per-leg columns, gathered in Python lists (cheaper than numpy item assignment)
        marks: list[float] = []
        ivs: list[float] = []
        deltas: list[float] = []
        gammas: list[float] = []
        thetas: list[float] = []
        vegas: list[float] = []
        validity: list[QuoteValidity | None] = []
        leg_spots: list[float] = []
        leg_t: list[float] = []
        starts: list[int] = []
        for f in facts:
            starts.append(len(marks))
            n_legs = len(f.keys)
            leg_spots.extend([spots.get(f.strategy.symbol, nan)] * n_legs)
            leg_t.extend([max((f.expiry_close - ts).total_seconds(), 0.0) / _YEAR_S] * n_legs)
            for key in f.keys:
                q = get(key)
                v = None if q is None else q.validity(ts, max_age, allow_zero_bid=True)
                validity.append(v)
                if q is None or v is not QuoteValidity.VALID:
                    marks.append(nan)
                    ivs.append(nan)
                    deltas.append(nan)
                    gammas.append(nan)
                    thetas.append(nan)
                    vegas.append(nan)
                    continue
                marks.append((q.bid + q.ask) * 0.5)
                ivs.append(q.iv if q.iv is not None and q.iv > 0 else nan)
                g = q.greeks
                if g is None:
                    deltas.append(nan)
                    gammas.append(nan)
                    thetas.append(nan)
                    vegas.append(nan)
                else:
                    deltas.append(g.delta)
                    gammas.append(g.gamma)
                    thetas.append(g.theta_per_day)
                    vegas.append(g.vega_per_vol_point)
        mark = np.array(marks, dtype=np.float64)
        iv = np.array(ivs, dtype=np.float64)
        greeks = np.array([deltas, gammas, thetas, vegas], dtype=np.float64).reshape(4, -1)
        strike = np.fromiter((k for f in facts for k in f.strikes), np.float64, mark.size)
        is_call = np.fromiter(
            (r is Right.CALL for f in facts for r in f.rights), np.bool_, mark.size
        )
        spot = np.array(leg_spots, dtype=np.float64)
        self._fill_model_values(
            mark, iv, greeks, spot, strike, np.array(leg_t, dtype=np.float64), is_call
        )
        return self._views(
            facts,
            np.array(starts, dtype=np.intp),
            ts,
            today,
            mark,
            iv,
            greeks,
            spot,
            validity,
            roll_credits or {},
            entry_ivs or {},
        )

    def _fill_model_values(
        self,
        mark: np.ndarray,
        iv: np.ndarray,
        greeks: np.ndarray,
        spot: np.ndarray,
        strike: np.ndarray,
        t_years: np.ndarray,
        is_call: np.ndarray,
    ) -> None:
        """IV from the mid where the quote had none; Greeks where the quote had none."""
        need_iv = np.flatnonzero(~np.isfinite(iv) & np.isfinite(mark))
        if need_iv.size:
            iv[need_iv] = implied_vol(
                mark[need_iv],
                spot[need_iv],
                strike[need_iv],
                t_years[need_iv],
                self.rate,
                self.div_yield,
                is_call[need_iv],
            ).vol
        need_g = np.flatnonzero(~np.isfinite(greeks).all(axis=0) & np.isfinite(iv))
        if need_g.size:
            g = bsm_greeks(
                spot[need_g],
                strike[need_g],
                t_years[need_g],
                self.rate,
                self.div_yield,
                iv[need_g],
                is_call[need_g],
            )
            greeks[0, need_g] = g.delta
            greeks[1, need_g] = g.gamma
            greeks[2, need_g] = g.theta_per_day
            greeks[3, need_g] = g.vega_per_vol_point

    def _views(
        self,
        facts: list[StrategyFacts],
        starts: np.ndarray,
        ts: datetime,
        today: date,
        mark: np.ndarray,
        iv: np.ndarray,
        greeks: np.ndarray,
        spot: np.ndarray,
        validity: list[QuoteValidity | None],
        roll_credits: Mapping[str, float],
        entry_ivs: Mapping[str, float],
    ) -> list[StrategyView]:
        if not facts:
            return []
        qty = np.fromiter((q for f in facts for q in f.quantities), np.float64, mark.size)
        mult = np.fromiter((f.multiplier for f in facts for _ in f.keys), np.float64, mark.size)
        opened = np.fromiter((p for f in facts for p in f.open_prices), np.float64, mark.size)
        weight = qty * mult
        with np.errstate(invalid="ignore"):
            pnl = np.add.reduceat(weight * (mark - opened), starts)
            pos_greeks = np.add.reduceat(greeks * weight, starts, axis=1)
            short_w = np.where(qty < 0, -qty, 0.0)
            iv_now = np.add.reduceat(np.where(short_w > 0, iv * short_w, 0.0), starts) / (
                np.add.reduceat(short_w, starts)
            )
        views: list[StrategyView] = []
        mark_l, iv_l, delta_l, spot_l = (
            mark.tolist(),
            iv.tolist(),
            greeks[0].tolist(),
            spot.tolist(),
        )
        pnl_l, iv_now_l, starts_l = pnl.tolist(), iv_now.tolist(), starts.tolist()
        d_l, g_l, th_l, v_l = pos_greeks.tolist()
        for k, f in enumerate(facts):
            lo = starts_l[k]
            sid = f.strategy.strategy_id
            legs = tuple(
                LegView(
                    key,
                    right,
                    k_strike,
                    q,
                    mark_l[lo + j],
                    validity[lo + j],
                    delta_l[lo + j],
                    iv_l[lo + j],
                )
                for j, (key, right, k_strike, q) in enumerate(
                    zip(f.keys, f.rights, f.strikes, f.quantities, strict=True)
                )
            )
            views.append(
                StrategyView(
                    strategy=f.strategy,
                    ts=ts,
                    dte=(f.expiry - today).days,
                    underlying_price=spot_l[lo],
                    pnl=pnl_l[k],
                    max_profit=f.max_profit,
                    max_loss=f.max_loss,
                    entry_credit=f.entry_credit,
                    greeks=Greeks(d_l[k], g_l[k], th_l[k], v_l[k]),
                    legs=legs,
                    iv_now=iv_now_l[k],
                    iv_entry=entry_ivs.get(sid, f.entry_iv),
                    roll_credit_estimate=roll_credits.get(sid),
                )
            )
        return views

"""``ChainSnapshot``: one underlying's option chain at one instant, as NumPy arrays per expiry
and right, with a quote-status code per option, so strike selection is vectorised and pure.

Arrays of one expiry are aligned with its ascending strike grid. Unknown numbers are NaN (IV,
Greeks, open interest) and a missing or untradable quote has a non-zero ``QuoteStatus``.
``fill_missing_greeks`` completes IVs from mids and Greeks from IVs with ``v6.pricing``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import IntEnum
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from v6.domain.contracts import OptionContract, Right
from v6.domain.greeks import Greeks
from v6.domain.quote import QuoteValidity
from v6.errors import DomainError
from v6.pricing import bsm_greeks, implied_vol

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
StatusArray = NDArray[np.int8]

EXCHANGE_TZ = ZoneInfo("America/New_York")


class QuoteStatus(IntEnum):
    """Why an option's quote may not be traded on (``VALID`` = it may). Mirrors
    ``QuoteValidity`` plus ``MISSING`` (the source returned no quote at all)."""

    VALID = 0
    MISSING = 1
    NOT_FINITE = 2
    NEGATIVE = 3
    NO_ASK = 4
    ZERO_BID = 5
    CROSSED = 6
    STALE = 7
    FROM_FUTURE = 8


_FROM_VALIDITY: dict[QuoteValidity, QuoteStatus] = {
    QuoteValidity.VALID: QuoteStatus.VALID,
    QuoteValidity.NOT_FINITE: QuoteStatus.NOT_FINITE,
    QuoteValidity.NEGATIVE: QuoteStatus.NEGATIVE,
    QuoteValidity.NO_ASK: QuoteStatus.NO_ASK,
    QuoteValidity.ZERO_BID: QuoteStatus.ZERO_BID,
    QuoteValidity.CROSSED: QuoteStatus.CROSSED,
    QuoteValidity.STALE: QuoteStatus.STALE,
    QuoteValidity.FROM_FUTURE: QuoteStatus.FROM_FUTURE,
}

# Statuses whose mid is still a usable price estimate (for an IV, never for a fill).
_PRICED = np.array(
    [s in (QuoteStatus.VALID, QuoteStatus.ZERO_BID, QuoteStatus.STALE) for s in QuoteStatus]
)


def status_from_validity(validity: QuoteValidity | None) -> QuoteStatus:
    """The status code of a ``Quote.validity`` result; ``None`` (no quote) is ``MISSING``."""
    return QuoteStatus.MISSING if validity is None else _FROM_VALIDITY[validity]


def status_from_arrays(bid: FloatArray, ask: FloatArray) -> StatusArray:
    """Vectorised ``Quote.validity`` for quotes known to be fresh (same precedence)."""
    status = np.zeros(bid.shape, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        status[bid == 0] = QuoteStatus.ZERO_BID
        status[bid > ask] = QuoteStatus.CROSSED
        status[ask == 0] = QuoteStatus.NO_ASK
        status[(bid < 0) | (ask < 0)] = QuoteStatus.NEGATIVE
    status[~(np.isfinite(bid) & np.isfinite(ask))] = QuoteStatus.NOT_FINITE
    return status


@dataclass(frozen=True, slots=True)
class SideQuotes:
    """One right of one expiry, aligned with the expiry's strikes. Prices per share; Greeks
    per share in ``v6.domain.Greeks`` units (delta signed: puts negative)."""

    bid: FloatArray
    ask: FloatArray
    iv: FloatArray
    delta: FloatArray
    gamma: FloatArray
    theta_per_day: FloatArray
    vega_per_vol_point: FloatArray
    open_interest: FloatArray
    status: StatusArray

    def __post_init__(self) -> None:
        n = self.bid.shape
        for name in SIDE_FIELDS:
            arr = getattr(self, name)
            if arr.ndim != 1 or arr.shape != n:
                raise DomainError(f"chain side: {name} has shape {arr.shape}, expected {n}")

    @property
    def valid(self) -> BoolArray:
        """Tradable quotes (status ``VALID``)."""
        ok: BoolArray = self.status == QuoteStatus.VALID
        return ok

    def mid(self, i: int) -> float:
        """Mid price, rounded to 1/100 of a cent so cent quotes give exact half-cents
        (``(3.51 + 3.52) / 2`` is 3.5149999999999997 in floats)."""
        return round((float(self.bid[i]) + float(self.ask[i])) / 2.0, 4)

    def greeks(self, i: int) -> Greeks:
        return Greeks(
            float(self.delta[i]),
            float(self.gamma[i]),
            float(self.theta_per_day[i]),
            float(self.vega_per_vol_point[i]),
        )

    @staticmethod
    def from_prices(
        bid: FloatArray,
        ask: FloatArray,
        status: StatusArray | None = None,
        *,
        iv: FloatArray | None = None,
        open_interest: FloatArray | None = None,
    ) -> SideQuotes:
        """A side with only prices (and optionally IVs) known; Greeks are NaN until
        ``fill_missing_greeks``. ``status`` defaults to ``status_from_arrays(bid, ask)``."""
        nan = np.full(bid.shape, np.nan)
        return SideQuotes(
            bid=bid,
            ask=ask,
            iv=nan.copy() if iv is None else iv,
            delta=nan.copy(),
            gamma=nan.copy(),
            theta_per_day=nan.copy(),
            vega_per_vol_point=nan.copy(),
            open_interest=nan.copy() if open_interest is None else open_interest,
            status=status_from_arrays(bid, ask) if status is None else status,
        )


SIDE_FIELDS = (
    "bid",
    "ask",
    "iv",
    "delta",
    "gamma",
    "theta_per_day",
    "vega_per_vol_point",
    "open_interest",
    "status",
)
_GREEK_FIELDS = ("delta", "gamma", "theta_per_day", "vega_per_vol_point")


@dataclass(frozen=True, slots=True)
class ExpiryChain:
    """The listed strikes of one expiry (ascending, unique) and both rights' quotes."""

    expiry: date
    t_years: float
    strikes: FloatArray
    call: SideQuotes
    put: SideQuotes

    def __post_init__(self) -> None:
        if not (math.isfinite(self.t_years) and self.t_years >= 0):
            raise DomainError(f"expiry {self.expiry}: t_years must be >= 0, got {self.t_years}")
        if self.strikes.ndim != 1 or (
            self.strikes.size > 1 and not np.all(np.diff(self.strikes) > 0)
        ):
            raise DomainError(f"expiry {self.expiry}: strikes must be strictly ascending")
        for side in (self.call, self.put):
            if side.bid.shape != self.strikes.shape:
                raise DomainError(f"expiry {self.expiry}: quotes not aligned with the strikes")

    def side(self, right: Right) -> SideQuotes:
        return self.call if right is Right.CALL else self.put

    def contract(self, symbol: str, i: int, right: Right, multiplier: int = 100) -> OptionContract:
        return OptionContract(symbol, self.expiry, float(self.strikes[i]), right, multiplier)


@dataclass(frozen=True, slots=True)
class ChainSnapshot:
    """An underlying's chain at ``ts``: spot, carry inputs and expiries in ascending order."""

    symbol: str
    spot: float
    ts: datetime
    rate: float
    dividend_yield: float
    expiries: tuple[ExpiryChain, ...]
    multiplier: int = 100

    def __post_init__(self) -> None:
        if not (math.isfinite(self.spot) and self.spot > 0):
            raise DomainError(f"chain {self.symbol}: spot must be > 0, got {self.spot}")
        if not (math.isfinite(self.rate) and math.isfinite(self.dividend_yield)):
            raise DomainError(f"chain {self.symbol}: rate and dividend yield must be finite")
        if self.ts.tzinfo is None:
            raise DomainError(f"chain {self.symbol}: ts must be timezone-aware")
        days = [e.expiry for e in self.expiries]
        if days != sorted(set(days)):
            raise DomainError(f"chain {self.symbol}: expiries must be unique and ascending")

    @property
    def trade_date(self) -> date:
        """The exchange's (New York) calendar date at ``ts``: DTE counts from here."""
        return self.ts.astimezone(EXCHANGE_TZ).date()

    def dte(self, expiry: ExpiryChain) -> int:
        return (expiry.expiry - self.trade_date).days

    def forward(self, t_years: float) -> float:
        return self.spot * math.exp((self.rate - self.dividend_yield) * t_years)

    def in_dte_window(self, dte_min: int, dte_max: int) -> tuple[ExpiryChain, ...]:
        return tuple(e for e in self.expiries if dte_min <= self.dte(e) <= dte_max)

    @property
    def option_count(self) -> int:
        return sum(2 * e.strikes.size for e in self.expiries)


def choose_expiry(
    chain: ChainSnapshot, dte_min: int, dte_max: int, preferred_dte: int | None = None
) -> ExpiryChain | None:
    """The expiry in ``[dte_min, dte_max]`` nearest ``preferred_dte`` (default: the longest);
    ties go to the later expiry (more time for the position to work)."""
    window = chain.in_dte_window(dte_min, dte_max)
    if not window:
        return None
    target = dte_max if preferred_dte is None else preferred_dte
    return min(window, key=lambda e: (abs(chain.dte(e) - target), -chain.dte(e)))


def fill_missing_greeks(
    chain: ChainSnapshot, dte_window: tuple[int, int] | None = None
) -> ChainSnapshot:
    """The same chain with every NaN IV solved from the mid (where the quote is priced) and
    every incomplete set of Greeks computed from the IV, in one vectorised pass per kernel.

    Source IVs and Greeks (e.g. IB model Greeks) are kept wherever present. With
    ``dte_window`` only expiries in ``[lo, hi]`` DTE are completed (a builder never looks
    at the others), the rest are returned as they are.
    """
    todo = [
        e
        for e in chain.expiries
        if dte_window is None or dte_window[0] <= chain.dte(e) <= dte_window[1]
    ]
    if not todo:
        return chain
    sides = [e.side(r) for e in todo for r in (Right.CALL, Right.PUT)]
    sizes = np.repeat([e.strikes.size for e in todo], 2)
    cat = {name: np.concatenate([getattr(side, name) for side in sides]) for name in SIDE_FIELDS}
    strike = np.concatenate([np.concatenate([e.strikes, e.strikes]) for e in todo])
    t = np.repeat([e.t_years for e in todo], 2 * sizes[::2])
    is_call = np.repeat(np.tile([True, False], len(todo)), sizes)
    iv = cat["iv"].astype(np.float64, copy=True)
    from_source = np.isfinite(iv) & (iv > 0)
    need_iv = np.flatnonzero(~from_source & _PRICED[cat["status"]])
    if need_iv.size:
        mid = (cat["bid"][need_iv] + cat["ask"][need_iv]) / 2.0
        solved = implied_vol(
            mid,
            chain.spot,
            strike[need_iv],
            t[need_iv],
            chain.rate,
            chain.dividend_yield,
            is_call[need_iv],
        )
        iv[need_iv] = solved.vol
    fwd = chain.spot * np.exp((chain.rate - chain.dividend_yield) * t)
    in_the_money = np.where(is_call, strike < fwd, strike > fwd)
    # Row i's other right at the same strike: +n in a call block, -n in the put block.
    partner = np.arange(iv.size) + np.repeat(np.tile([1, -1], len(todo)) * sizes, sizes)
    _share_otm_iv(iv, from_source, in_the_money, partner)
    greeks = {name: cat[name].astype(np.float64, copy=True) for name in _GREEK_FIELDS}
    have = np.ones(iv.shape, dtype=np.bool_)
    for name in _GREEK_FIELDS:
        have &= np.isfinite(greeks[name])
    need = ~have & np.isfinite(iv) & (iv > 0)
    if need.all():
        g = bsm_greeks(chain.spot, strike, t, chain.rate, chain.dividend_yield, iv, is_call)
        greeks = {
            "delta": g.delta,
            "gamma": g.gamma,
            "theta_per_day": g.theta_per_day,
            "vega_per_vol_point": g.vega_per_vol_point,
        }
    elif need.any():
        rows = np.flatnonzero(need)
        g = bsm_greeks(
            chain.spot,
            strike[rows],
            t[rows],
            chain.rate,
            chain.dividend_yield,
            iv[rows],
            is_call[rows],
        )
        greeks["delta"][rows] = g.delta
        greeks["gamma"][rows] = g.gamma
        greeks["theta_per_day"][rows] = g.theta_per_day
        greeks["vega_per_vol_point"][rows] = g.vega_per_vol_point
    filled = {**cat, "iv": iv, **greeks}
    bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    done: dict[date, ExpiryChain] = {}
    for k, e in enumerate(todo):
        call_lo, put_lo, hi = bounds[2 * k], bounds[2 * k + 1], bounds[2 * k + 2]
        call = SideQuotes(**{name: filled[name][call_lo:put_lo] for name in SIDE_FIELDS})
        put = SideQuotes(**{name: filled[name][put_lo:hi] for name in SIDE_FIELDS})
        done[e.expiry] = replace(e, call=call, put=put)
    return replace(chain, expiries=tuple(done.get(e.expiry, e) for e in chain.expiries))


def _share_otm_iv(
    iv: FloatArray, from_source: BoolArray, in_the_money: BoolArray, partner: NDArray[np.intp]
) -> None:
    """Give an in-the-money option whose IV was solved from its mid (or is unknown) the
    out-of-the-money right's IV at the same strike (in place). Deep in the money the mid sits
    within a tick of intrinsic, so its IV is noise or unsolvable; put-call parity says both
    rights share one vol, and the out-of-the-money quote determines it well. IVs given by
    the source are kept. ``partner[i]`` is the row of the same strike's other right."""
    ok = np.isfinite(iv) & (iv > 0)
    take = ok[partner] & (~ok | (in_the_money & ~from_source))
    iv[take] = iv[partner[take]]


def snapshot(
    symbol: str,
    spot: float,
    ts: datetime,
    rate: float,
    dividend_yield: float,
    expiries: Sequence[ExpiryChain],
    *,
    multiplier: int = 100,
    complete: bool = True,
) -> ChainSnapshot:
    """A ``ChainSnapshot`` with expiries sorted, completed by ``fill_missing_greeks`` unless
    ``complete`` is false."""
    chain = ChainSnapshot(
        symbol,
        float(spot),
        ts,
        float(rate),
        float(dividend_yield),
        tuple(sorted(expiries, key=lambda e: e.expiry)),
        multiplier,
    )
    return fill_missing_greeks(chain) if complete else chain

"""Containers for quotes computed in bulk: ``ChainGrid`` (every listed contract of a chain as
arrays), ``QuoteBatch`` (quotes of one symbol at one instant as arrays) and ``LazyQuoteMap``
(the ``contract.key -> Quote`` mapping the ``MarketData`` port returns, built on demand).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from v6.domain.contracts import OptionContract, Right
from v6.domain.greeks import Greeks
from v6.domain.quote import Quote
from v6.ports.market_data import ChainDefinition

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SOURCE = "sim"
SECONDS_PER_YEAR = 365.0 * 86400.0


@dataclass(frozen=True, slots=True)
class ChainGrid:
    """Every listed contract of a chain as parallel arrays (built once per listing update)."""

    symbol: str
    expiry_ordinal: IntArray
    strike: FloatArray
    is_call: BoolArray

    @classmethod
    def from_chain(cls, chain: ChainDefinition) -> ChainGrid:
        ords: list[int] = []
        strikes: list[float] = []
        for expiry in chain.expiries:
            ks = chain.strikes.get(expiry, ())
            ords.extend([expiry.toordinal()] * (2 * len(ks)))
            strikes.extend(ks)
            strikes.extend(ks)
        n_calls = [len(chain.strikes.get(e, ())) for e in chain.expiries]
        is_call = np.concatenate(
            [np.repeat(np.array([True, False]), n) for n in n_calls] or [np.zeros(0, np.bool_)]
        )
        return cls(chain.symbol, np.array(ords, dtype=np.int64), np.array(strikes), is_call)

    def __len__(self) -> int:
        return int(self.strike.size)

    def contract(self, i: int, multiplier: int = 100) -> OptionContract:
        return OptionContract(
            self.symbol,
            date.fromordinal(int(self.expiry_ordinal[i])),
            float(self.strike[i]),
            Right.CALL if self.is_call[i] else Right.PUT,
            multiplier,
        )


def years_to_expiry(
    expiry_ordinal: IntArray, ts: datetime, close_epoch_s: Callable[[int], float]
) -> FloatArray:
    """Calendar years from ``ts`` to each expiry's close (negative once expired)."""
    now_s = ts.timestamp()
    if expiry_ordinal.size <= 64:
        small = [close_epoch_s(o) for o in expiry_ordinal.tolist()]
        return (np.array(small, dtype=np.float64) - now_s) / SECONDS_PER_YEAR
    uniq, inverse = np.unique(expiry_ordinal, return_inverse=True)
    closes = np.array([close_epoch_s(int(o)) for o in uniq.tolist()])
    out: FloatArray = (closes[inverse] - now_s) / SECONDS_PER_YEAR
    return out


@dataclass(frozen=True, slots=True)
class QuoteBatch:
    """Quotes for many contracts of one symbol at one instant, as parallel arrays.

    ``age_seconds`` is how old each quote's data is (non-zero for injected stale quotes);
    ``greeks_missing`` marks quotes delivered without IV and Greeks; ``available`` is False
    while the symbol's feed is down (then no quote exists at all).
    """

    symbol: str
    ts: datetime
    spot: float
    expiry_ordinal: IntArray
    strike: FloatArray
    is_call: BoolArray
    t_years: FloatArray
    iv: FloatArray
    theo: FloatArray
    bid: FloatArray
    ask: FloatArray
    bid_size: IntArray
    ask_size: IntArray
    delta: FloatArray
    gamma: FloatArray
    theta_per_day: FloatArray
    vega_per_vol_point: FloatArray
    greeks_missing: BoolArray
    age_seconds: FloatArray
    available: bool = True

    def __len__(self) -> int:
        return int(self.strike.size)

    def quote(self, i: int) -> Quote:
        """The ``i``-th quote as a domain ``Quote`` (per-share prices and Greeks)."""
        return self.quotes([i])[0]

    def quotes(self, rows: Sequence[int]) -> list[Quote]:
        """Domain ``Quote`` objects for ``rows``, converting the columns in bulk."""
        every = len(rows) == self.strike.size and all(i == r for i, r in enumerate(rows))
        idx = slice(None) if every else np.asarray(rows, dtype=np.intp)
        cols = [
            a[idx].tolist()
            for a in (
                self.bid,
                self.ask,
                self.bid_size,
                self.ask_size,
                self.iv,
                self.delta,
                self.gamma,
                self.theta_per_day,
                self.vega_per_vol_point,
                self.greeks_missing,
                self.age_seconds,
            )
        ]
        out = []
        ts, spot = self.ts, self.spot
        for bid, ask, bsz, asz, iv, d, g, th, v, missing, age in zip(*cols, strict=True):
            # Positional (bid, ask, ts, last, bid_size, ask_size, source, iv, greeks,
            # underlying_price): a third cheaper than keywords on this hot path.
            out.append(
                Quote(
                    bid,
                    ask,
                    ts - timedelta(seconds=age) if age > 0 else ts,
                    None,
                    bsz,
                    asz,
                    SOURCE,
                    None if missing else iv,
                    None if missing else Greeks(d, g, th, v),
                    spot,
                )
            )
        return out


class LazyQuoteMap(Mapping[str, Quote]):
    """``contract.key -> Quote`` over batches computed vectorised; ``Quote`` objects are built
    only when read (a small batch all at once, a big one row by row), so an 8,000-contract
    scan costs array math, not 8,000 objects."""

    __slots__ = ("_built", "_index")

    BULK_ROWS = 256

    def __init__(self) -> None:
        self._index: dict[str, tuple[QuoteBatch, int]] = {}
        self._built: dict[str, Quote] = {}

    def add(self, keys: Sequence[str], batch: QuoteBatch, rows: Sequence[int]) -> None:
        """Register ``keys[j]`` (a ``contract.key``) as row ``rows[j]`` of ``batch``."""
        if len(keys) <= self.BULK_ROWS:
            self._built.update(zip(keys, batch.quotes(rows), strict=True))
        for key, row in zip(keys, rows, strict=True):
            self._index[key] = (batch, row)

    def built(self) -> dict[str, Quote]:
        """Every quote, built now (the step cache of ``MarketSimulator`` holds them)."""
        if len(self._built) < len(self._index):
            for key in self._index:
                self[key]
        return self._built

    def __getitem__(self, key: str) -> Quote:
        quote = self._built.get(key)
        if quote is None:
            batch, row = self._index[key]
            quote = self._built[key] = batch.quote(row)
        return quote

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return key in self._index

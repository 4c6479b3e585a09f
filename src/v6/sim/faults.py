"""Data-quality faults injected on purpose (stale quotes, missing Greeks, zero bids, crossed
markets, feed gaps) so robustness tests prove that bad data is refused, not traded on.

Every fault is decided by a counter-based hash of (seed, symbol, contract, timestamp), never by
a sequential random stream: whether a quote is faulty does not depend on which other quotes
were asked for, or in what order, so lazily computed quotes stay byte-identical per seed. All
rates are 0 by default (``v6 run`` sees a clean feed); robustness tests switch them on.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from v6.config.types import ConfigSection, Fraction01, Int, PositiveFloat, PositiveInt

U64Array = npt.NDArray[np.uint64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)

# Salts keep the fault kinds (and the quote-size noise in chain.py) independent of each other.
SALT_STALE = 1
SALT_GREEKS = 2
SALT_ZERO_BID = 3
SALT_CROSSED = 4
SALT_GAP = 5
SALT_SIZE = 6
SALT_UNDERLYING = 8


_MASK64 = 0xFFFFFFFFFFFFFFFF
_GOLDEN_INT = 0x9E3779B97F4A7C15


def _mix64(x: U64Array) -> U64Array:
    """splitmix64 finaliser: a bijective avalanche of 64-bit integers (wraps on purpose)."""
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    out: U64Array = x ^ (x >> _S31)
    return out


def symbol_key(symbol: str) -> int:
    """A stable 32-bit key for a symbol (``hash()`` is salted per process; crc32 is not)."""
    return zlib.crc32(symbol.encode())


def contract_keys(
    expiry_ordinal: npt.NDArray[np.int64],
    strike: FloatArray,
    is_call: BoolArray,
    symbol_keys: Sequence[int],
    counts: Sequence[int],
) -> U64Array:
    """One 64-bit key per contract from symbol, expiry, strike in cents and right; rows are
    grouped by symbol, ``counts[i]`` rows with ``symbol_keys[i]``."""
    cents = np.rint(strike * 100.0).astype(np.uint64)
    ordinal = expiry_ordinal.astype(np.uint64)
    right = np.asarray(is_call, dtype=np.uint64)
    if len(symbol_keys) == 1:
        sym: U64Array | np.uint64 = np.uint64((symbol_keys[0] * _GOLDEN_INT) & _MASK64)
    else:
        mixed = [(k * _GOLDEN_INT) & _MASK64 for k in symbol_keys]
        sym = np.repeat(np.array(mixed, dtype=np.uint64), counts)
    out: U64Array = ((ordinal << np.uint64(33)) ^ (cents << np.uint64(1)) ^ right) ^ sym
    return out


def _mix64_int(x: int) -> int:
    """``_mix64`` on one Python int (cheaper than a NumPy call for the per-batch head)."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def hashed_uniform(seed: int, salt: int, keys: U64Array, epoch_s: int) -> FloatArray:
    """Uniform [0, 1) numbers, one per key, fixed by (seed, salt, key, time)."""
    h0 = 0
    for part in (seed, salt, epoch_s):
        h0 = _mix64_int(h0 ^ ((part + _GOLDEN_INT) & _MASK64))
    h = _mix64(np.asarray(keys, dtype=np.uint64) ^ np.uint64(h0))
    out: FloatArray = (h >> _S11).astype(np.float64) * (1.0 / 9007199254740992.0)
    return out


class FaultConfig(ConfigSection):
    """Rates of injected data faults. Each rate is the probability per quote per timestamp,
    except ``feed_gap_rate``: the fraction of ``feed_gap_minutes``-long windows in which a
    symbol has no quotes at all (options and underlying)."""

    stale_quote_rate: Fraction01 = 0.0
    stale_age_seconds: PositiveFloat = 900.0
    missing_greeks_rate: Fraction01 = 0.0
    zero_bid_rate: Fraction01 = 0.0
    crossed_market_rate: Fraction01 = 0.0
    feed_gap_rate: Fraction01 = 0.0
    feed_gap_minutes: PositiveInt = 15
    seed_offset: Int = 0

    @property
    def enabled(self) -> bool:
        return any(
            rate > 0
            for rate in (
                self.stale_quote_rate,
                self.missing_greeks_rate,
                self.zero_bid_rate,
                self.crossed_market_rate,
                self.feed_gap_rate,
            )
        )


@dataclass(frozen=True, slots=True)
class FaultMasks:
    """Which quotes of a batch carry which fault (all-False arrays when faults are off)."""

    stale: BoolArray
    missing_greeks: BoolArray
    zero_bid: BoolArray
    crossed: BoolArray


class FaultInjector:
    """Decides faults for quotes; stateless apart from its configuration and seed."""

    __slots__ = ("_cfg", "_seed")

    def __init__(self, cfg: FaultConfig | None, seed: int) -> None:
        self._cfg = cfg or FaultConfig()
        self._seed = seed + self._cfg.seed_offset

    @property
    def config(self) -> FaultConfig:
        return self._cfg

    @property
    def enabled(self) -> bool:
        return self._cfg.enabled

    def _mask(self, rate: float, salt: int, keys: U64Array, epoch_s: int) -> BoolArray:
        if rate <= 0:
            return np.zeros(keys.shape, dtype=np.bool_)
        out: BoolArray = hashed_uniform(self._seed, salt, keys, epoch_s) < rate
        return out

    def option_masks(self, keys: U64Array, ts: datetime) -> FaultMasks:
        """Fault masks for option quotes at ``ts``; ``keys`` from ``contract_keys``."""
        epoch_s = int(ts.timestamp())
        c = self._cfg
        return FaultMasks(
            stale=self._mask(c.stale_quote_rate, SALT_STALE, keys, epoch_s),
            missing_greeks=self._mask(c.missing_greeks_rate, SALT_GREEKS, keys, epoch_s),
            zero_bid=self._mask(c.zero_bid_rate, SALT_ZERO_BID, keys, epoch_s),
            crossed=self._mask(c.crossed_market_rate, SALT_CROSSED, keys, epoch_s),
        )

    def _symbol_uniform(self, salt: int, symbol: str, epoch_s: int) -> float:
        keys = np.array([symbol_key(symbol)], dtype=np.uint64)
        return float(hashed_uniform(self._seed, salt, keys, epoch_s)[0])

    def underlying_stale(self, symbol: str, ts: datetime) -> bool:
        """Whether the underlying's quote is stale at ``ts`` (same rate as option quotes)."""
        rate = self._cfg.stale_quote_rate
        return (
            rate > 0 and self._symbol_uniform(SALT_UNDERLYING, symbol, int(ts.timestamp())) < rate
        )

    def in_feed_gap(self, symbol: str, ts: datetime) -> bool:
        """Whether ``symbol``'s feed is down at ``ts``: windows of ``feed_gap_minutes`` aligned
        on the epoch, each down with probability ``feed_gap_rate``."""
        if self._cfg.feed_gap_rate <= 0:
            return False
        window = int(ts.timestamp()) // (60 * self._cfg.feed_gap_minutes)
        return self._symbol_uniform(SALT_GAP, symbol, window) < self._cfg.feed_gap_rate

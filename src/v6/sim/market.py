"""``MarketSimulator``: the one object that ties the simulated market together (path of
underlyings, listings, IV surface, quotes, injected faults) and serves it at the current grid
step, to the ``SimMarketData`` adapter and to the paper broker's fill model alike.

It steps over session grids (``advance``), lists each underlying's chain at every session open,
and prices only the contracts it is asked for. The state source is either the seeded
``MarketPath`` or a recorded daily history (``v6.sim.history``) with synthesised chains.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

import numpy as np

from v6.domain.contracts import OptionContract
from v6.domain.quote import Quote
from v6.errors import DomainError
from v6.ports.market_data import ChainDefinition
from v6.sim.calendar import TradingCalendar
from v6.sim.chain import (
    SECONDS_PER_YEAR,
    BoolArray,
    ChainGrid,
    FloatArray,
    IntArray,
    LazyQuoteMap,
    QuoteBatch,
    SymbolMarket,
    quote_segments,
    spread_params_for,
    stress_factor,
    years_to_expiry,
)
from v6.sim.config import SimConfig
from v6.sim.faults import FaultConfig, FaultInjector, U64Array, contract_keys, symbol_key
from v6.sim.listings import Listings
from v6.sim.paths import MarketPath, MarketState
from v6.sim.surface import VolSurface, build_surface, vol_params_for

DEFAULT_DIVIDEND_YIELD = 0.013


@dataclass(frozen=True, slots=True)
class _Request:
    """A prepared ``option_quotes`` request: listed rows grouped by symbol."""

    symbols: tuple[str, ...]
    counts: tuple[int, ...]
    row_keys: list[str]
    all_keys: list[str]
    expiry_ordinal: IntArray
    strike: FloatArray
    is_call: BoolArray
    hash_keys: U64Array
    close_epoch_s: FloatArray


_EMPTY_REQUEST = _Request(
    (),
    (),
    [],
    [],
    np.zeros(0, np.int64),
    np.zeros(0),
    np.zeros(0, np.bool_),
    np.zeros(0, np.uint64),
    np.zeros(0),
)


class SessionSource(Protocol):
    """Where market states come from, one session at a time."""

    def session_states(self, index: int) -> Sequence[MarketState] | None:
        """All grid states of session ``index`` (0 = first), or ``None`` past the end."""
        ...


class PathSource:
    """The seeded ``MarketPath`` as a ``SessionSource`` (endless)."""

    __slots__ = ("path",)

    def __init__(self, path: MarketPath) -> None:
        self.path = path

    def session_states(self, index: int) -> Sequence[MarketState] | None:
        return list(self.path.session(index).states())


class MarketSimulator:
    """The simulated market at its current grid step.

    ``advance()`` moves one grid step (``None`` once ``max_days`` sessions, or the source, are
    exhausted). Quote methods price at the current state unless a ``state`` is passed.
    """

    def __init__(
        self,
        cfg: SimConfig | None = None,
        *,
        calendar: TradingCalendar | None = None,
        source: SessionSource | None = None,
        faults: FaultConfig | None = None,
        max_days: int | None = None,
    ) -> None:
        self.cfg = cfg or SimConfig()
        self.calendar = calendar or TradingCalendar()
        if source is None:
            source = PathSource(MarketPath(self.cfg, self.calendar))
        self._source = source
        self._max_days = max_days
        self.faults = FaultInjector(
            faults if faults is not None else self.cfg.faults, self.cfg.seed
        )
        self.listings = Listings(self.calendar)
        self._vol_params = {
            u.symbol: vol_params_for(u.symbol, u.vol_level * u.implied_vol_premium)
            for u in self.cfg.underlyings
        }
        self._div = {u.symbol: u.dividend_yield for u in self.cfg.underlyings}
        self._session_index = -1
        self._states: Sequence[MarketState] = ()
        self._j = 0
        self._state: MarketState | None = None
        self._grids: dict[str, ChainGrid] = {}
        self._close_epoch: dict[int, float] = {}
        self._surfaces: dict[str, VolSurface] = {}
        self._step_quotes: dict[str, Quote | None] = {}
        self._step_maps: list[LazyQuoteMap] = []
        self._infos: dict[OptionContract, tuple[str, int, bool]] = {}
        self._requests: dict[tuple[OptionContract, ...], _Request] = {}
        self._last_request: tuple[tuple[OptionContract, ...], _Request] = ((), _EMPTY_REQUEST)

    # ---- time -------------------------------------------------------------------------------
    @property
    def state(self) -> MarketState:
        """The current state; ``advance()`` must have been called once."""
        if self._state is None:
            raise DomainError("market simulator: call advance() before reading the market")
        return self._state

    @property
    def started(self) -> bool:
        return self._state is not None

    def now(self) -> datetime:
        return self.state.ts

    @property
    def session_index(self) -> int:
        return self._session_index

    def advance(self) -> MarketState | None:
        """Move to the next grid step (listing chains at each session open)."""
        self._j += 1
        if self._j >= len(self._states):
            nxt = self._session_index + 1
            if self._max_days is not None and nxt >= self._max_days:
                return None
            states = self._source.session_states(nxt)
            if not states:
                return None
            self._session_index, self._states, self._j = nxt, states, 0
            self._set_state(states[0])
            self._list_session(states[0])
        else:
            self._set_state(self._states[self._j])
        return self._state

    def __iter__(self) -> Iterator[MarketState]:
        """Every remaining grid state (bounded by ``max_days`` or the source)."""
        while (state := self.advance()) is not None:
            yield state

    def _set_state(self, state: MarketState) -> None:
        self._state = state
        self._surfaces = {}
        self._step_quotes = {}
        self._step_maps = []

    def _list_session(self, state: MarketState) -> None:
        self._infos = {}
        self._requests = {}
        self._last_request = ((), _EMPTY_REQUEST)
        for symbol, spot in state.spots.items():
            chain = self.listings.update(symbol, state.session_day, spot)
            self._grids[symbol] = ChainGrid.from_chain(chain)

    # ---- model pieces -----------------------------------------------------------------------
    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self.state.spots)

    def dividend_yield(self, symbol: str) -> float:
        return self._div.get(symbol, DEFAULT_DIVIDEND_YIELD)

    def surface(self, symbol: str, state: MarketState | None = None) -> VolSurface:
        """The IV surface of ``symbol`` at ``state`` (cached for the current step)."""
        if state is not None and state is not self._state:
            return self._build_surface(symbol, state)
        cached = self._surfaces.get(symbol)
        if cached is None:
            cached = self._surfaces[symbol] = self._build_surface(symbol, self.state)
        return cached

    def _build_surface(self, symbol: str, state: MarketState) -> VolSurface:
        params = self._vol_params.get(symbol) or vol_params_for(symbol)
        return build_surface(params, state.expected_vol_30d[symbol], state.regime.name)

    def _close_of(self, ordinal: int) -> float:
        close = self._close_epoch.get(ordinal)
        if close is None:
            day = date.fromordinal(ordinal)
            close = self.calendar.open_close(day)[1].timestamp()
            self._close_epoch[ordinal] = close
        return close

    # ---- chains and quotes ------------------------------------------------------------------
    def chain(self, symbol: str) -> ChainDefinition | None:
        """Listed expiries and strikes of ``symbol`` today (``None`` if not simulated)."""
        return self.listings.chain(symbol)

    def chain_grid(self, symbol: str) -> ChainGrid | None:
        """Every listed contract of ``symbol`` as arrays (for vectorised chain scans)."""
        return self._grids.get(symbol)

    def is_listed(self, contract: OptionContract) -> bool:
        return self.listings.is_listed(contract)

    def _market(self, symbol: str, state: MarketState | None) -> SymbolMarket:
        st = state or self.state
        return SymbolMarket(
            symbol=symbol,
            spot=st.spots[symbol],
            rate=self.cfg.risk_free_rate,
            div_yield=self.dividend_yield(symbol),
            surface=self.surface(symbol, state),
            spread=spread_params_for(symbol),
        )

    def quote_batch(
        self,
        symbol: str,
        expiry_ordinal: IntArray,
        strike: FloatArray,
        is_call: BoolArray,
        state: MarketState | None = None,
    ) -> QuoteBatch:
        """Quotes for arbitrary contracts of ``symbol`` given as arrays (no listing check).
        Rows already expired at ``state`` are priced at ``t_years == 0`` (intrinsic value)."""
        st = state or self.state
        return quote_segments(
            [self._market(symbol, state)],
            [int(strike.size)],
            ts=st.ts,
            expiry_ordinal=expiry_ordinal,
            t_years=years_to_expiry(expiry_ordinal, st.ts, self._close_of),
            strike=strike,
            is_call=is_call,
            seed=self.cfg.seed,
            faults=self.faults,
        )[0]

    def quote_chain(self, symbol: str, state: MarketState | None = None) -> QuoteBatch | None:
        """The whole listed chain of ``symbol`` quoted at once (``None`` if not listed)."""
        grid = self._grids.get(symbol)
        if grid is None:
            return None
        return self.quote_batch(symbol, grid.expiry_ordinal, grid.strike, grid.is_call, state)

    def _info(self, contract: OptionContract) -> tuple[str, int, bool]:
        """(key, expiry ordinal, listed today) per contract, cached until the next listing."""
        info = self._infos.get(contract)
        if info is None:
            info = (contract.key, contract.expiry.toordinal(), self.listings.is_listed(contract))
            self._infos[contract] = info
        return info

    def _prepare(self, contracts: Sequence[OptionContract]) -> _Request:
        """Everything about a request that does not change within a session, cached: the
        engine asks for the same active contracts step after step."""
        cache_key = tuple(contracts)
        last_key, last = self._last_request
        if len(cache_key) == len(last_key) and all(map(operator.is_, cache_key, last_key)):
            return last  # the very same contract objects as last step: skip hashing them
        request = self._requests.get(cache_key)
        if request is not None:
            self._last_request = (cache_key, request)
            return request
        infos = [self._info(c) for c in contracts]
        groups: dict[str, list[int]] = {}
        for i, c in enumerate(contracts):
            if infos[i][2] and c.symbol in self._grids:
                groups.setdefault(c.symbol, []).append(i)
        order = [i for idx in groups.values() for i in idx]
        ords = np.array([infos[i][1] for i in order], dtype=np.int64)
        strikes = np.array([contracts[i].strike for i in order], dtype=np.float64)
        calls = np.array([contracts[i].is_call for i in order], dtype=np.bool_)
        counts = tuple(len(idx) for idx in groups.values())
        request = _Request(
            symbols=tuple(groups),
            counts=counts,
            row_keys=[infos[i][0] for i in order],
            all_keys=[info[0] for info in infos],
            expiry_ordinal=ords,
            strike=strikes,
            is_call=calls,
            hash_keys=contract_keys(ords, strikes, calls, [symbol_key(s) for s in groups], counts),
            close_epoch_s=np.array([self._close_of(o) for o in ords.tolist()], dtype=np.float64),
        )
        if len(self._requests) >= 64:
            self._requests.clear()
        self._requests[cache_key] = request
        self._last_request = (cache_key, request)
        return request

    def option_quotes(
        self, contracts: Sequence[OptionContract], state: MarketState | None = None
    ) -> Mapping[str, Quote]:
        """Quotes keyed by ``contract.key``; unlisted, expired and feed-gapped contracts are
        absent. One vectorised pass for all symbols; ``Quote`` objects are built lazily."""
        st = state or self.state
        if st is self._state:
            known = self._known_quotes(contracts)
            if known is not None:
                return known
        out = LazyQuoteMap()
        req = self._prepare(contracts)
        if req.symbols:
            t = (req.close_epoch_s - st.ts.timestamp()) / SECONDS_PER_YEAR
            batches = quote_segments(
                [self._market(sym, state) for sym in req.symbols],
                req.counts,
                ts=st.ts,
                expiry_ordinal=req.expiry_ordinal,
                t_years=t,
                strike=req.strike,
                is_call=req.is_call,
                seed=self.cfg.seed,
                faults=self.faults,
                hash_keys=req.hash_keys,
            )
            lo = 0
            for batch, n in zip(batches, req.counts, strict=True):
                if batch.available:
                    live = np.flatnonzero(t[lo : lo + n] >= 0).tolist()
                    out.add([req.row_keys[lo + j] for j in live], batch, live)
                lo += n
        if st is self._state:
            self._step_quotes.update(dict.fromkeys(req.all_keys))
            if len(out) <= LazyQuoteMap.BULK_ROWS:
                self._step_quotes.update(out.built())
            else:  # a chain-sized request stays lazy: quote() looks into it
                for key in out:
                    del self._step_quotes[key]
                self._step_maps.append(out)
        return out

    def _known_quotes(self, contracts: Sequence[OptionContract]) -> dict[str, Quote] | None:
        """This step's quotes of ``contracts`` if every one was already built this step (the
        backtest quotes the broker's book before the engine asks for the same legs), else
        None. Unavailable contracts are left out, as a fresh request leaves them out."""
        cache = self._step_quotes
        out: dict[str, Quote] = {}
        for contract in contracts:
            key = self._info(contract)[0]
            if key not in cache:
                return None
            quote = cache[key]
            if quote is not None:
                out[key] = quote
        return out

    def quote(self, contract: OptionContract) -> Quote | None:
        """The contract's quote now, or ``None`` (not listed, expired, feed down). Cached per
        step, so the broker's fill model and the engine see the same quote."""
        key = self._info(contract)[0]
        if key in self._step_quotes:
            return self._step_quotes[key]
        for lazy in self._step_maps:
            if key in lazy:
                return lazy[key]
        return self.option_quotes([contract]).get(key)

    def underlying_quote(self, symbol: str, state: MarketState | None = None) -> Quote | None:
        """Top of book of the underlying: a cent-wide market that widens in stress."""
        st = state or self.state
        spot = st.spots.get(symbol)
        if spot is None or self.faults.in_feed_gap(symbol, st.ts):
            return None
        stress = stress_factor(self.surface(symbol, state))
        spread = max(0.01, round(spot * 2e-5 * stress, 2))
        bid = math.floor((spot - spread / 2) * 100 + 1e-9) / 100
        ask = round(bid + spread, 2)
        size = max(1, round(2000 / stress))
        age = (
            self.faults.config.stale_age_seconds
            if self.faults.underlying_stale(symbol, st.ts)
            else 0
        )
        return Quote(
            bid=bid,
            ask=ask,
            ts=st.ts - timedelta(seconds=age) if age else st.ts,
            last=spot,
            bid_size=size,
            ask_size=size,
            source="sim",
        )

    def underlying_price(self, symbol: str) -> float | None:
        """Last price of ``symbol`` now (``None`` if unknown or its feed is down)."""
        if not self.started:
            return None
        spot = self.state.spots.get(symbol)
        if spot is None or self.faults.in_feed_gap(symbol, self.state.ts):
            return None
        return spot

    def futures_price(self, root: str) -> float | None:
        """Front-month futures price of ``root`` (``ES``, ``NQ``, ``RTY``) now."""
        return self.state.futures.get(root)

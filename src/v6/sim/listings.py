"""Which options are listed: expiry calendars and strike grids following the real listing rules
of the US ETF option classes the system trades (SPY, QQQ, IWM), so a strategy that scans the
simulated chain meets the same expiries, holiday shifts and strike spacings it meets at IB.

Expiry rules (``ExpiryRule``):

* **Weeklies**: every Friday up to ``weekly_horizon_days`` calendar days ahead (0 DTE included).
* **Monthlies**: the third Friday of each month up to ``monthly_horizon_days``.
* **Quarterlies**: the last session of March, June, September and December up to
  ``quarterly_horizon_days``.
* When the Friday is not a trading session (Good Friday, Juneteenth on a Friday, ...) the
  expiry moves to the previous session, as the OCC does: on 2026-03-30 the week's expiry is
  Thursday 2026-04-02 because Good Friday 2026-04-03 is an exchange holiday.

The real SPY/QQQ/IWM classes also list Monday-Thursday dailies; they are left out on purpose
(the strategies trade 0-60 DTE condors and verticals and the extra expiries would only make
chain scans larger).

Strike rules (``StrikeRule``), in dollars: ``near_increment`` strikes within ``near_band`` (a
fraction of spot) on each side of the money, ``far_increment`` strikes from ``lower`` x spot to
``upper`` x spot outside it. Defaults: SPY and QQQ $1 within +/-15 %, $5 from 50 % to 125 % (130 %
for QQQ) of spot; IWM $1 within +/-20 %, $5 from 50 % to 130 %; other symbols by price (see
``default_strike_rule``). As on a real exchange, strikes are *added* when the underlying moves
and never removed from a listed expiry, so a held contract stays listed until it expires.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

import numpy as np
import numpy.typing as npt

from v6.domain.contracts import OptionContract
from v6.errors import ConfigError
from v6.ports.market_data import ChainDefinition

FloatArray = npt.NDArray[np.float64]

FRIDAY = 4
QUARTER_END_MONTHS = (3, 6, 9, 12)


class SessionCalendar(Protocol):
    """The part of ``v6.sim.calendar.TradingCalendar`` the listing rules need."""

    def is_session(self, day: date) -> bool: ...

    def previous_session(self, day: date) -> date: ...


@dataclass(frozen=True, slots=True)
class StrikeRule:
    """Strike spacing of one option class, in dollars and fractions of spot."""

    near_increment: float
    far_increment: float
    near_band: float
    lower: float
    upper: float

    def __post_init__(self) -> None:
        problems = []
        if not 0 < self.near_increment <= self.far_increment:
            problems.append("strike rule: need 0 < near_increment <= far_increment")
        if not 0 < self.near_band < 1:
            problems.append("strike rule: near_band must be in (0, 1)")
        if not 0 < self.lower < 1 < self.upper:
            problems.append("strike rule: need 0 < lower < 1 < upper")
        if problems:
            raise ConfigError(problems, "StrikeRule")


@dataclass(frozen=True, slots=True)
class ExpiryRule:
    """How far out each expiry family is listed, in calendar days."""

    weekly_horizon_days: int = 70
    monthly_horizon_days: int = 190
    quarterly_horizon_days: int = 370


DEFAULT_STRIKE_RULES: Mapping[str, StrikeRule] = {
    "SPY": StrikeRule(1.0, 5.0, 0.15, 0.50, 1.25),
    "QQQ": StrikeRule(1.0, 5.0, 0.15, 0.50, 1.30),
    "IWM": StrikeRule(1.0, 5.0, 0.20, 0.50, 1.30),
}


def default_strike_rule(symbol: str, spot: float) -> StrikeRule:
    """The listed rule for known symbols; otherwise the CBOE-style price-tier rule."""
    rule = DEFAULT_STRIKE_RULES.get(symbol)
    if rule is not None:
        return rule
    if spot < 25:
        return StrikeRule(0.5, 2.5, 0.20, 0.50, 1.50)
    if spot < 1000:
        return StrikeRule(1.0, 5.0, 0.15, 0.50, 1.30)
    return StrikeRule(5.0, 25.0, 0.10, 0.50, 1.25)


def third_friday(year: int, month: int) -> date:
    """The third Friday of a month: the standard monthly expiration day."""
    first = date(year, month, 1)
    offset = (FRIDAY - first.weekday()) % 7
    return first + timedelta(days=offset + 14)


def session_on_or_before(day: date, calendar: SessionCalendar) -> date:
    """``day`` if it is a session, else the previous session (the OCC holiday rule)."""
    return day if calendar.is_session(day) else calendar.previous_session(day)


def _last_day_of_month(year: int, month: int) -> date:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return nxt - timedelta(days=1)


def listed_expiries(
    today: date, calendar: SessionCalendar, rule: ExpiryRule | None = None
) -> tuple[date, ...]:
    """Expiries listed on ``today`` (sorted, unique, none before ``today``)."""
    rule = rule or ExpiryRule()
    out: set[date] = set()
    horizon = max(rule.weekly_horizon_days, rule.monthly_horizon_days, rule.quarterly_horizon_days)
    last = today + timedelta(days=horizon)
    # Weeklies: every Friday from this week's on.
    friday = today + timedelta(days=(FRIDAY - today.weekday()) % 7)
    while (friday - today).days <= rule.weekly_horizon_days:
        out.add(session_on_or_before(friday, calendar))
        friday += timedelta(days=7)
    # Monthlies and quarterlies, month by month.
    year, month = today.year, today.month
    while date(year, month, 1) <= last:
        monthly = session_on_or_before(third_friday(year, month), calendar)
        if (monthly - today).days <= rule.monthly_horizon_days:
            out.add(monthly)
        if month in QUARTER_END_MONTHS:
            quarterly = session_on_or_before(_last_day_of_month(year, month), calendar)
            if (quarterly - today).days <= rule.quarterly_horizon_days:
                out.add(quarterly)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(sorted(d for d in out if d >= today))


def strike_grid(spot: float, rule: StrikeRule) -> FloatArray:
    """Strikes around ``spot`` by ``rule``: fine near the money, coarse in the wings."""
    if not (math.isfinite(spot) and spot > 0):
        raise ValueError(f"strike grid needs a positive finite spot, got {spot}")
    # Integer cents avoid float drift (e.g. 0.1 steps summing to 0.30000000000000004).
    near_c = round(rule.near_increment * 100)
    far_c = round(rule.far_increment * 100)
    spot_c = spot * 100
    near_lo = math.ceil(spot_c * (1 - rule.near_band) / near_c) * near_c
    near_hi = math.floor(spot_c * (1 + rule.near_band) / near_c) * near_c
    far_lo = math.ceil(spot_c * rule.lower / far_c) * far_c
    far_hi = math.floor(spot_c * rule.upper / far_c) * far_c
    near = np.arange(near_lo, near_hi + 1, near_c, dtype=np.int64)
    far = np.arange(far_lo, far_hi + 1, far_c, dtype=np.int64)
    far = far[(far < near_lo) | (far > near_hi)]
    cents = np.union1d(near, far)
    return cents[cents > 0].astype(np.float64) / 100.0


def _cents(strike: float) -> int:
    return round(strike * 100)


@dataclass(slots=True)
class _SymbolListing:
    day: date
    expiries: tuple[date, ...]
    strike_cents: dict[date, frozenset[int]] = field(default_factory=dict)
    chain: ChainDefinition | None = None


class Listings:
    """The listed chain per symbol, updated once per session from the opening price.

    Strikes accumulate per expiry while it is listed (exchanges add strikes as the underlying
    moves and never delist a strike with open interest).
    """

    __slots__ = ("_calendar", "_expiry_cache", "_expiry_rule", "_listings", "_rules")

    def __init__(
        self,
        calendar: SessionCalendar,
        *,
        strike_rules: Mapping[str, StrikeRule] | None = None,
        expiry_rule: ExpiryRule | None = None,
    ) -> None:
        self._calendar = calendar
        self._rules = dict(strike_rules or {})
        self._expiry_rule = expiry_rule or ExpiryRule()
        self._expiry_cache: dict[date, tuple[date, ...]] = {}
        self._listings: dict[str, _SymbolListing] = {}

    def rule_for(self, symbol: str, spot: float) -> StrikeRule:
        return self._rules.get(symbol) or default_strike_rule(symbol, spot)

    def expiries(self, today: date) -> tuple[date, ...]:
        cached = self._expiry_cache.get(today)
        if cached is None:
            cached = listed_expiries(today, self._calendar, self._expiry_rule)
            self._expiry_cache = {today: cached}  # one day at a time is all a run needs
        return cached

    def update(self, symbol: str, today: date, spot: float) -> ChainDefinition:
        """List (or extend) ``symbol``'s chain on ``today`` around ``spot``; drop expired."""
        expiries = self.expiries(today)
        grid = frozenset(
            int(c) for c in np.round(strike_grid(spot, self.rule_for(symbol, spot)) * 100)
        )
        prev = self._listings.get(symbol)
        strikes: dict[date, frozenset[int]] = {}
        for expiry in expiries:
            old = prev.strike_cents.get(expiry) if prev is not None else None
            strikes[expiry] = grid if old is None else (old | grid)
        chain = ChainDefinition(
            symbol=symbol,
            expiries=expiries,
            strikes={e: tuple(c / 100.0 for c in sorted(s)) for e, s in strikes.items()},
        )
        self._listings[symbol] = _SymbolListing(today, expiries, strikes, chain)
        return chain

    def chain(self, symbol: str) -> ChainDefinition | None:
        """The chain as last updated, or ``None`` if ``symbol`` was never listed."""
        listing = self._listings.get(symbol)
        return listing.chain if listing is not None else None

    def is_listed(self, contract: OptionContract) -> bool:
        """Whether the contract is on the current listing (expiry listed, strike on its grid)."""
        listing = self._listings.get(contract.symbol)
        if listing is None or contract.multiplier != 100:
            return False
        strikes = listing.strike_cents.get(contract.expiry)
        return strikes is not None and _cents(contract.strike) in strikes

    def contract_count(self, symbol: str) -> int:
        """Listed contracts (calls and puts) of ``symbol``."""
        listing = self._listings.get(symbol)
        if listing is None:
            return 0
        return 2 * sum(len(s) for s in listing.strike_cents.values())

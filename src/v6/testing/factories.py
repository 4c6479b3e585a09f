"""Factories for domain objects with sensible defaults (SPY, 2026-12-18 expiry, 1 lot)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from v6.domain import (
    Greeks,
    OptionContract,
    OptionLeg,
    Quote,
    Right,
    Strategy,
    StrategyStatus,
    StrategyType,
)

DEFAULT_EXPIRY = date(2026, 12, 18)
DEFAULT_TS = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def make_contract(
    strike: float,
    right: Right | str = Right.PUT,
    *,
    symbol: str = "SPY",
    expiry: date = DEFAULT_EXPIRY,
    multiplier: int = 100,
) -> OptionContract:
    return OptionContract(symbol, expiry, strike, Right(right), multiplier)


def make_iron_condor(
    put_long: float = 560.0,
    put_short: float = 565.0,
    call_short: float = 600.0,
    call_long: float = 605.0,
    *,
    prices: tuple[float, float, float, float] = (0.60, 1.20, 1.10, 0.55),
    quantity: int = 1,
    symbol: str = "SPY",
    expiry: date = DEFAULT_EXPIRY,
    strategy_id: str = "ic-1",
    status: StrategyStatus = StrategyStatus.OPEN,
) -> Strategy:
    """An iron condor; ``prices`` are the open prices of put-long, put-short, call-short,
    call-long (the defaults collect a 1.15 credit on $5 wings)."""
    pl, ps, cs, cl = prices
    legs = (
        OptionLeg(make_contract(put_long, Right.PUT, symbol=symbol, expiry=expiry), quantity, pl),
        OptionLeg(make_contract(put_short, Right.PUT, symbol=symbol, expiry=expiry), -quantity, ps),
        OptionLeg(
            make_contract(call_short, Right.CALL, symbol=symbol, expiry=expiry), -quantity, cs
        ),
        OptionLeg(make_contract(call_long, Right.CALL, symbol=symbol, expiry=expiry), quantity, cl),
    )
    return Strategy(strategy_id, StrategyType.IRON_CONDOR, legs, status, DEFAULT_TS)


def make_vertical(
    strategy_type: StrategyType,
    short_strike: float,
    long_strike: float,
    *,
    short_price: float,
    long_price: float,
    quantity: int = 1,
    symbol: str = "SPY",
    expiry: date = DEFAULT_EXPIRY,
    strategy_id: str = "vs-1",
    status: StrategyStatus = StrategyStatus.OPEN,
) -> Strategy:
    """A two-leg vertical; the right follows from the type (bull put / bear put use puts)."""
    right = (
        Right.PUT if strategy_type in (StrategyType.BULL_PUT, StrategyType.BEAR_PUT) else Right.CALL
    )
    legs = (
        OptionLeg(
            make_contract(short_strike, right, symbol=symbol, expiry=expiry), -quantity, short_price
        ),
        OptionLeg(
            make_contract(long_strike, right, symbol=symbol, expiry=expiry), quantity, long_price
        ),
    )
    return Strategy(strategy_id, strategy_type, legs, status, DEFAULT_TS)


def make_quote(
    bid: float,
    ask: float,
    *,
    ts: datetime = DEFAULT_TS,
    iv: float | None = 0.18,
    greeks: Greeks | None = None,
    source: str = "test",
) -> Quote:
    return Quote(
        bid=bid, ask=ask, ts=ts, bid_size=10, ask_size=10, source=source, iv=iv, greeks=greeks
    )

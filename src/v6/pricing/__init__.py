"""Vectorised Black-Scholes-Merton pricing: price and Greeks, implied vol, smile readings.

Pure functions over NumPy arrays (functional core): no I/O, no clock, no exceptions on bad
market data. Bad inputs come back as NaN (Greeks) or NaN plus an ``IVReason`` (implied vol).
"""

from v6.pricing.bsm import BSMGreeks, bsm_greeks, bsm_price
from v6.pricing.iv import IVReason, IVResult, implied_vol
from v6.pricing.skew import atm_iv, iv_at_strike, put_call_iv_ratio

__all__ = [
    "BSMGreeks",
    "IVReason",
    "IVResult",
    "atm_iv",
    "bsm_greeks",
    "bsm_price",
    "implied_vol",
    "iv_at_strike",
    "put_call_iv_ratio",
]

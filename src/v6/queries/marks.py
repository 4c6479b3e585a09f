"""Model marks for legs the journal holds no quote for: Black-Scholes at the strategy's own
implied vol (the ``iv`` of its latest position snapshot) and the underlying price it was
marked with. The engine does not journal every leg's quote, and a position page without leg
marks or a stress matrix without prices would be blind; a model mark is labelled as such.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from v6.pricing import bsm_greeks
from v6.risk.market import ExpiryClock

MODEL_RATE = 0.04
"""Risk-free rate of the model marks (the risk module's default)."""
_CLOCK = ExpiryClock()


def model_quote(
    right: str | None,
    strike: float | None,
    expiry: date | None,
    *,
    spot: float | None,
    iv: float | None,
    ts: datetime | None,
) -> Mapping[str, Any] | None:
    """A quote-shaped mapping (``mid``, ``bid``, ``ask``, ``iv``, ``delta``, ``ts_event``,
    ``source="model"``) or None when an input is missing."""
    if right is None or strike is None or expiry is None or ts is None:
        return None
    if spot is None or iv is None or not (spot > 0 and iv > 0):
        return None
    g = bsm_greeks(
        spot, strike, _CLOCK.t_years(expiry, ts), MODEL_RATE, 0.0, iv, right.upper().startswith("C")
    )
    price, delta = float(g.price), float(g.delta)
    if not (math.isfinite(price) and math.isfinite(delta)):
        return None
    return {
        "mid": price,
        "bid": None,
        "ask": None,
        "iv": iv,
        "delta": delta,
        "ts_event": ts,
        "underlying_price": spot,
        "source": "model",
    }

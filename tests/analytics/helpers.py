"""Builders for the analytics tests: equity curves on trading days, trade tables, and rows
of the ``strategy_predictions`` table with a chosen prediction error."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from v6.analytics.equity import EquityCurve
from v6.store.convert import to_arrow
from v6.store.schemas import TABLES

D0 = date(2026, 1, 5)  # a Monday
AS_OF = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)


def weekdays(n: int, start: date = D0) -> list[date]:
    """``n`` consecutive weekdays from ``start`` (holidays do not matter to the metrics)."""
    out: list[date] = []
    d = start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def curve(values: Sequence[float], start: date = D0) -> EquityCurve:
    return EquityCurve.from_values(weekdays(len(values), start), list(values))


def random_curve(n: int, seed: int, *, drift: float = 0.0004, vol: float = 0.01) -> EquityCurve:
    rng = np.random.default_rng(seed)
    returns = rng.normal(drift, vol, n - 1)
    equity = 100_000.0 * np.concatenate(([1.0], np.cumprod(1.0 + returns)))
    return curve(equity.tolist())


def utc(d: date, hour: int = 15) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


def trades(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """A trades table; each row needs entry_time, and exit_time/exit_rule/pnl when closed."""
    base = {
        "exit_time": None,
        "strategy_type": "iron_condor",
        "exit_rule": None,
        "pnl": None,
        "max_loss": 400.0,
    }
    return pl.DataFrame(
        [{**base, **r} for r in rows],
        schema_overrides={
            "entry_time": pl.Datetime("us", "UTC"),
            "exit_time": pl.Datetime("us", "UTC"),
            "pnl": pl.Float64,
            "max_loss": pl.Float64,
            "exit_rule": pl.String,
        },
    )


def prediction_row(
    i: int,
    *,
    error: float,
    exited_at: datetime,
    strategy_type: str = "iron_condor",
    regime: str = "normal",
    predicted_fraction: float = 0.5,
    win_probability: float = 0.7,
    max_profit: float = 100.0,
) -> dict[str, Any]:
    """A closed prediction whose return fraction missed by ``error`` (predicted - actual)."""
    actual_fraction = predicted_fraction - error
    return {
        "prediction_id": f"p{i}-{strategy_type}-{regime}-{exited_at:%Y%m%d}",
        "strategy_id": f"s{i}",
        "strategy_type": strategy_type,
        "underlying": "SPY",
        "regime": regime,
        "predicted_pnl": predicted_fraction * max_profit,
        "predicted_return_fraction": predicted_fraction,
        "predicted_win_probability": win_probability,
        "predicted_max_loss": 400.0,
        "entered_at": exited_at - timedelta(days=10),
        "actual_pnl": actual_fraction * max_profit,
        "actual_return_fraction": actual_fraction,
        "outcome": "WIN" if actual_fraction > 0 else "LOSS",
        "exit_reason": "take_profit",
        "exited_at": exited_at,
        "updated_at": exited_at,
    }


def predictions_frame(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """Rows as the lake would return them (exact table schema)."""
    frame = pl.from_arrow(to_arrow(TABLES["strategy_predictions"], list(rows)))
    assert isinstance(frame, pl.DataFrame)
    return frame

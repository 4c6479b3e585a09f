"""What the circuit breaker observes, what it remembers between observations, and each
trigger's condition in numbers (values beside thresholds, for the transition record).

Level triggers (daily loss, drawdown, rejection rate, stale data, broker, VIX) hold while
their level is beyond the threshold. The losing streak is an event: it fires once per streak
and the streak then restarts, so only its cool-down holds trading back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from v6.risk.config import BreakersConfig

Numbers = Mapping[str, float | str | None]


@dataclass(frozen=True, slots=True)
class Observation:
    """One look at the account and its plumbing. ``closed_trade_pnls`` are the realised P&Ls
    (dollars) of trades closed since the previous observation, oldest first; the order counts
    are likewise since the previous observation. ``None`` = not known this time (that trigger
    is not evaluated, its state is kept)."""

    equity: float | None = None
    daily_pnl: float | None = None
    closed_trade_pnls: tuple[float, ...] = ()
    orders_accepted: int = 0
    orders_rejected: int = 0
    market_data_ok: bool = True
    broker_connected: bool = True
    vix: float | None = None
    vix_change_1d: float | None = None
    """Fraction: 0.30 = VIX up 30 % since the previous close."""


@dataclass(frozen=True, slots=True)
class Trackers:
    """Running numbers the conditions need: the equity high, the current losing streak, the
    recent order outcomes (epoch seconds, accepted, rejected) and since when data or the broker
    have been bad."""

    equity_high: float | None = None
    loss_streak: int = 0
    orders: tuple[tuple[float, int, int], ...] = ()
    data_bad_since: datetime | None = None
    broker_down_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    name: str
    holds: bool | None
    """None: not evaluable this time (input unknown); the trigger keeps its state."""
    values: Numbers = field(default_factory=dict)
    thresholds: Numbers = field(default_factory=dict)
    event: bool = False


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def _track(trackers: Trackers, obs: Observation, now: datetime, window_s: float) -> Trackers:
    high = trackers.equity_high
    if _finite(obs.equity) and obs.equity is not None:
        high = obs.equity if high is None else max(high, obs.equity)
    streak = trackers.loss_streak
    for pnl in obs.closed_trade_pnls:
        streak = streak + 1 if pnl < 0 else 0
    ts = now.timestamp()
    orders = [o for o in trackers.orders if ts - o[0] < window_s]
    if obs.orders_accepted or obs.orders_rejected:
        orders.append((ts, obs.orders_accepted, obs.orders_rejected))
    data_since = None if obs.market_data_ok else (trackers.data_bad_since or now)
    down_since = None if obs.broker_connected else (trackers.broker_down_since or now)
    return Trackers(high, streak, tuple(orders), data_since, down_since)


def evaluate_conditions(
    trackers: Trackers,
    obs: Observation,
    now: datetime,
    cfg: BreakersConfig,
    daily_loss_limit: float,
) -> tuple[Trackers, list[Condition]]:
    """Update the trackers with ``obs`` and evaluate every trigger's condition."""
    t = _track(trackers, obs, now, cfg.rejection_rate.window_s)
    out: list[Condition] = []
    if _finite(obs.daily_pnl) and obs.daily_pnl is not None:
        loss = -obs.daily_pnl
        out.append(
            Condition(
                "daily_loss",
                loss >= daily_loss_limit,
                {"loss_today": loss},
                {"max_daily_loss": daily_loss_limit},
            )
        )
    if _finite(obs.equity) and obs.equity is not None and t.equity_high and t.equity_high > 0:
        dd = (t.equity_high - obs.equity) / t.equity_high
        cap = cfg.drawdown.max_drawdown_fraction
        out.append(
            Condition(
                "drawdown",
                dd >= cap,
                {"drawdown": dd, "equity": obs.equity, "equity_high": t.equity_high},
                {"max_drawdown_fraction": cap},
            )
        )
    n_losses = cfg.losing_streak.max_consecutive_losses
    out.append(
        Condition(
            "losing_streak",
            t.loss_streak >= n_losses,
            {"consecutive_losses": t.loss_streak},
            {"max_consecutive_losses": n_losses},
            event=True,
        )
    )
    out.append(_rejections(t, cfg))
    stale_for = (now - t.data_bad_since).total_seconds() if t.data_bad_since else 0.0
    out.append(
        Condition(
            "stale_data",
            t.data_bad_since is not None and stale_for >= cfg.stale_data.max_stale_s,
            {"stale_for_s": stale_for},
            {"max_stale_s": cfg.stale_data.max_stale_s},
        )
    )
    down_for = (now - t.broker_down_since).total_seconds() if t.broker_down_since else 0.0
    out.append(
        Condition(
            "broker",
            t.broker_down_since is not None and down_for >= cfg.broker.grace_s,
            {"disconnected_for_s": down_for},
            {"grace_s": cfg.broker.grace_s},
        )
    )
    out.append(_vix(obs, cfg))
    return t, [c for c in out if c.holds is not None]


def _rejections(t: Trackers, cfg: BreakersConfig) -> Condition:
    rc = cfg.rejection_rate
    accepted = sum(o[1] for o in t.orders)
    rejected = sum(o[2] for o in t.orders)
    total = accepted + rejected
    rate = rejected / total if total else 0.0
    return Condition(
        "rejection_rate",
        total >= rc.min_orders and rate >= rc.max_rejection_fraction,
        {"rejected": rejected, "orders": total, "rejection_rate": rate},
        {"max_rejection_fraction": rc.max_rejection_fraction, "min_orders": rc.min_orders},
    )


def _vix(obs: Observation, cfg: BreakersConfig) -> Condition:
    vc = cfg.vix_spike
    level_known = _finite(obs.vix)
    change_known = _finite(obs.vix_change_1d)
    if not (level_known or change_known):
        return Condition("vix_spike", None)
    level_hit = level_known and obs.vix is not None and obs.vix >= vc.max_vix
    change_hit = (
        change_known and obs.vix_change_1d is not None and obs.vix_change_1d >= vc.max_change_1d
    )
    return Condition(
        "vix_spike",
        bool(level_hit or change_hit),
        {"vix": obs.vix, "vix_change_1d": obs.vix_change_1d},
        {"max_vix": vc.max_vix, "max_change_1d": vc.max_change_1d},
    )

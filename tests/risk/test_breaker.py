"""Circuit breaker: each trigger trips to its state, releases only after its cool-down (or an
explicit resume), and every transition records trigger, values and thresholds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from v6.config.sections import TradingLimitsConfig
from v6.risk import BreakersConfig, CircuitBreaker, Observation, TradingState, Trigger
from v6.risk.config import BrokerBreaker, DailyLossBreaker, VixSpikeBreaker

from .kit import TS, later

OK = Observation(equity=100_000.0, daily_pnl=0.0, vix=18.0)


def _cb(**sections: object) -> CircuitBreaker:
    return CircuitBreaker(BreakersConfig(**sections), TradingLimitsConfig())  # type: ignore[arg-type]


def test_daily_loss_halts_and_releases_after_the_cool_down() -> None:
    cb = _cb()
    assert cb.update(OK, TS).state is TradingState.ACTIVE
    s = cb.update(Observation(daily_pnl=-2000.0), later(5))
    assert s.state is TradingState.HALTED
    t = s.history[-1]
    assert (t.trigger, t.from_state, t.to_state) == (
        Trigger.DAILY_LOSS,
        TradingState.ACTIVE,
        TradingState.HALTED,
    )
    assert t.values == {"loss_today": 2000.0}
    assert t.thresholds == {"max_daily_loss": 2000.0}
    assert s.since == later(5)
    cb.update(Observation(daily_pnl=-1500.0), later(10))  # condition clears at +10
    assert cb.update(Observation(daily_pnl=-1500.0), later(10 + 1799)).state is TradingState.HALTED
    s = cb.update(Observation(daily_pnl=-1500.0), later(10 + 1800))
    assert s.state is TradingState.ACTIVE
    t = s.history[-1]
    assert t.trigger is Trigger.DAILY_LOSS
    assert t.to_state is TradingState.ACTIVE
    assert t.values == {"clear_for_s": 1800.0}
    assert t.thresholds == {"cooldown_s": 1800.0}


def test_daily_loss_threshold_can_differ_from_the_limit() -> None:
    cb = _cb(daily_loss=DailyLossBreaker(max_loss_dollars=500.0, action="reducing"))
    assert cb.update(Observation(daily_pnl=-499.0), TS).state is TradingState.ACTIVE
    s = cb.update(Observation(daily_pnl=-500.0), later(1))
    assert s.state is TradingState.REDUCING
    assert s.history[-1].thresholds == {"max_daily_loss": 500.0}


def test_drawdown_from_the_equity_high() -> None:
    cb = _cb()
    cb.update(Observation(equity=100_000.0), TS)
    cb.update(Observation(equity=105_000.0), later(1))
    assert cb.update(Observation(equity=94_600.0), later(2)).state is TradingState.ACTIVE
    s = cb.update(Observation(equity=94_500.0), later(3))  # 10 % below 105k
    assert s.state is TradingState.HALTED
    assert s.history[-1].values["drawdown"] == pytest.approx(0.10)
    assert s.history[-1].values["equity_high"] == 105_000.0


def test_losing_streak_reduces_then_pauses_for_its_cool_down() -> None:
    cb = _cb()
    cb.update(Observation(closed_trade_pnls=(-50.0, -20.0)), TS)
    cb.update(Observation(closed_trade_pnls=(10.0,)), later(1))  # a win resets the streak
    assert cb.update(Observation(closed_trade_pnls=(-5.0, -5.0)), later(2)).state is (
        TradingState.ACTIVE
    )
    s = cb.update(Observation(closed_trade_pnls=(-5.0,)), later(3))
    assert s.state is TradingState.REDUCING
    assert s.history[-1].values == {"consecutive_losses": 3}
    assert s.trackers.loss_streak == 0
    assert cb.update(OK, later(3 + 86399)).state is TradingState.REDUCING
    assert cb.update(OK, later(3 + 86400)).state is TradingState.ACTIVE


def test_rejection_rate_over_a_window() -> None:
    cb = _cb()
    cb.update(Observation(orders_accepted=2, orders_rejected=1), TS)
    assert cb.state.state is TradingState.ACTIVE  # 3 orders: below min_orders
    s = cb.update(Observation(orders_rejected=1), later(10))
    assert s.state is TradingState.HALTED
    assert s.history[-1].values == {"rejected": 2, "orders": 4, "rejection_rate": 0.5}
    # nothing is sent while halted; the window empties after 600 s, then the cool-down runs
    assert cb.update(OK, later(599)).state is TradingState.HALTED
    cb.update(OK, later(611))
    assert cb.update(OK, later(611 + 599)).state is TradingState.HALTED
    assert cb.update(OK, later(611 + 600)).state is TradingState.ACTIVE


def test_stale_data_for_longer_than_the_limit() -> None:
    cb = _cb()
    cb.update(Observation(market_data_ok=False), TS)
    assert cb.update(Observation(market_data_ok=False), later(59)).state is TradingState.ACTIVE
    s = cb.update(Observation(market_data_ok=False), later(60))
    assert s.state is TradingState.HALTED
    assert s.history[-1].trigger is Trigger.STALE_DATA
    assert s.history[-1].values == {"stale_for_s": 60.0}
    cb.update(OK, later(61))
    assert cb.update(OK, later(61 + 300)).state is TradingState.ACTIVE


def test_good_data_in_between_restarts_the_stale_clock() -> None:
    cb = _cb()
    cb.update(Observation(market_data_ok=False), TS)
    cb.update(OK, later(30))
    cb.update(Observation(market_data_ok=False), later(40))
    assert cb.update(Observation(market_data_ok=False), later(99)).state is TradingState.ACTIVE


def test_broker_disconnect_after_grace() -> None:
    cb = _cb()
    cb.update(Observation(broker_connected=False), TS)
    assert cb.update(Observation(broker_connected=False), later(29)).state is TradingState.ACTIVE
    s = cb.update(Observation(broker_connected=False), later(30))
    assert s.state is TradingState.HALTED
    assert s.history[-1].trigger is Trigger.BROKER_DISCONNECTED
    immediate = _cb(broker=BrokerBreaker(grace_s=0.0))
    assert immediate.update(Observation(broker_connected=False), TS).state is TradingState.HALTED


@pytest.mark.parametrize(
    "obs", [Observation(vix=35.0), Observation(vix=20.0, vix_change_1d=0.30)], ids=["level", "jump"]
)
def test_vix_spike_reduces(obs: Observation) -> None:
    cb = _cb()
    s = cb.update(obs, TS)
    assert s.state is TradingState.REDUCING
    assert s.history[-1].trigger is Trigger.VIX_SPIKE
    assert s.history[-1].thresholds == {"max_vix": 35.0, "max_change_1d": 0.30}


def test_unknown_vix_keeps_the_state() -> None:
    cb = _cb()
    cb.update(Observation(vix=40.0), TS)
    cb.update(Observation(vix=None), later(1))  # no reading: not a clear
    assert cb.update(Observation(vix=None), later(1 + 7200)).state is TradingState.REDUCING


def test_states_stack_and_unwind_in_order() -> None:
    cb = _cb(vix_spike=VixSpikeBreaker(cooldown_s=600.0))
    cb.update(Observation(vix=40.0), TS)
    cb.update(Observation(vix=40.0, broker_connected=False), later(1))
    s = cb.update(Observation(vix=40.0, broker_connected=False), later(31))
    assert s.state is TradingState.HALTED
    cb.update(Observation(vix=20.0), later(40))  # both clear at +40
    s = cb.update(Observation(vix=20.0), later(40 + 300))
    assert s.state is TradingState.REDUCING  # broker released, VIX still cooling down
    assert s.history[-1].trigger is Trigger.BROKER_DISCONNECTED
    assert cb.update(Observation(vix=20.0), later(40 + 600)).state is TradingState.ACTIVE
    path = [(t.from_state, t.to_state) for t in cb.state.history]
    assert path == [
        (TradingState.ACTIVE, TradingState.REDUCING),
        (TradingState.REDUCING, TradingState.HALTED),
        (TradingState.HALTED, TradingState.REDUCING),
        (TradingState.REDUCING, TradingState.ACTIVE),
    ]


def test_a_relapse_during_the_cool_down_restarts_it() -> None:
    cb = _cb()
    cb.update(Observation(daily_pnl=-2500.0), TS)
    cb.update(Observation(daily_pnl=-100.0), later(100))
    cb.update(Observation(daily_pnl=-2100.0), later(1000))  # back over the limit
    cb.update(Observation(daily_pnl=-100.0), later(1100))
    assert cb.update(OK, later(100 + 1800)).state is TradingState.HALTED
    assert cb.update(OK, later(1100 + 1800)).state is TradingState.ACTIVE


def test_explicit_resume_acknowledges_a_condition_still_present() -> None:
    cb = _cb()
    cb.update(Observation(daily_pnl=-2500.0), TS)
    s = cb.request_resume(later(60), "checked by hand")
    assert s.state is TradingState.ACTIVE
    assert s.history[-1].trigger is Trigger.RESUME
    assert "checked by hand" in s.history[-1].reason
    assert Trigger.DAILY_LOSS in s.acknowledged
    assert cb.update(Observation(daily_pnl=-2600.0), later(61)).state is TradingState.ACTIVE
    cb.update(Observation(daily_pnl=-100.0), later(120))  # cleared once: armed again
    assert cb.update(Observation(daily_pnl=-2100.0), later(180)).state is TradingState.HALTED


def test_manual_halt_ignores_cool_downs_until_resumed() -> None:
    cb = _cb()
    s = cb.request_halt(TS, "going on holiday")
    assert s.state is TradingState.HALTED
    assert s.history[-1].trigger is Trigger.MANUAL
    assert cb.update(OK, later(10 * 86400)).state is TradingState.HALTED
    assert cb.request_resume(later(10 * 86400 + 1)).state is TradingState.ACTIVE


def test_disabled_breaker_never_trips() -> None:
    cb = _cb(daily_loss=DailyLossBreaker(enabled=False))
    assert cb.update(Observation(daily_pnl=-1e6), TS).state is TradingState.ACTIVE


def test_history_is_bounded() -> None:
    cb = _cb(history_limit=3)
    for i in range(10):
        cb.request_halt(TS + timedelta(hours=i), "x")
        cb.request_resume(TS + timedelta(hours=i, minutes=1))
    assert len(cb.state.history) == 3
    assert cb.state.history[-1].trigger is Trigger.RESUME


def test_step_is_pure() -> None:
    cb = _cb()
    start = cb.state
    a = cb.step(start, Observation(daily_pnl=-3000.0), TS)
    b = cb.step(start, Observation(daily_pnl=-3000.0), TS)
    assert a == b
    assert start.state is TradingState.ACTIVE
    assert not start.history
    assert cb.state is start


def test_a_trip_from_a_breaker_since_disabled_is_released() -> None:
    tripped = _cb().update(Observation(daily_pnl=-3000.0), TS)
    cb = CircuitBreaker(
        BreakersConfig(daily_loss=DailyLossBreaker(enabled=False)), TradingLimitsConfig(), tripped
    )
    assert cb.update(Observation(daily_pnl=-3000.0), later(1)).state is TradingState.ACTIVE

"""Circuit breakers: the trading state machine ACTIVE / REDUCING / HALTED (NautilusTrader's
states), driven by observations, with every transition recorded with its trigger and numbers.

``CircuitBreaker.step(state, observation, now)`` is pure: the new ``BreakerState`` is computed
from the old one. A trigger trips when its condition holds and is released only after its
condition has been clear for its cool-down, or by an explicit ``resume``; the state is the most
severe action among tripped triggers. A resume while a condition still holds acknowledges it:
that trigger stays quiet until its condition has cleared once, so the resume is not undone on
the next observation. ``halt`` is a manual trip that only a resume releases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from v6.config.sections import TradingLimitsConfig
from v6.risk.config import BreakerRule, BreakersConfig
from v6.risk.triggers import Condition, Observation, Trackers, evaluate_conditions

Numbers = Mapping[str, float | str | None]


class TradingState(StrEnum):
    ACTIVE = "active"
    REDUCING = "reducing"
    """Closes, reductions and hedges only."""
    HALTED = "halted"
    """Nothing, except (optionally) closes of held strategies."""

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


class Trigger(StrEnum):
    DAILY_LOSS = "daily_loss"
    DRAWDOWN = "drawdown"
    LOSING_STREAK = "losing_streak"
    REJECTION_RATE = "rejection_rate"
    STALE_DATA = "stale_data"
    BROKER_DISCONNECTED = "broker"
    VIX_SPIKE = "vix_spike"
    MANUAL = "manual"
    RESUME = "resume"


@dataclass(frozen=True, slots=True)
class Trip:
    """A tripped trigger: when, what it demands, and the numbers that tripped it."""

    trigger: Trigger
    demands: TradingState
    tripped_at: datetime
    values: Numbers
    thresholds: Numbers
    cleared_at: datetime | None = None
    """When the condition stopped holding (the cool-down runs from here); None while it holds."""
    cooldown: timedelta = timedelta(0)
    manual: bool = False


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of trading state, with its cause in numbers."""

    ts: datetime
    from_state: TradingState
    to_state: TradingState
    trigger: Trigger
    reason: str
    values: Numbers = field(default_factory=dict)
    thresholds: Numbers = field(default_factory=dict)

    def data(self) -> dict[str, object]:
        return {
            "ts": self.ts,
            "from_state": self.from_state.value,
            "to_state": self.to_state.value,
            "trigger": self.trigger.value,
            "reason": self.reason,
            **{f"value_{k}": v for k, v in self.values.items()},
            **{f"threshold_{k}": v for k, v in self.thresholds.items()},
        }


@dataclass(frozen=True, slots=True)
class BreakerState:
    """The breaker's whole memory: state, tripped triggers, trackers and history."""

    state: TradingState = TradingState.ACTIVE
    since: datetime | None = None
    trips: Mapping[Trigger, Trip] = field(default_factory=dict)
    acknowledged: frozenset[Trigger] = frozenset()
    trackers: Trackers = field(default_factory=Trackers)
    history: tuple[Transition, ...] = ()

    @property
    def reason(self) -> str:
        """Why trading is restricted now (empty when ACTIVE)."""
        return "; ".join(
            f"{t.trigger.value} ({t.demands.value})"
            for t in sorted(self.trips.values(), key=lambda t: t.trigger.value)
        )


def _rule(cfg: BreakersConfig, trigger: Trigger) -> BreakerRule | None:
    rules: dict[Trigger, BreakerRule] = {
        Trigger.DAILY_LOSS: cfg.daily_loss,
        Trigger.DRAWDOWN: cfg.drawdown,
        Trigger.LOSING_STREAK: cfg.losing_streak,
        Trigger.REJECTION_RATE: cfg.rejection_rate,
        Trigger.STALE_DATA: cfg.stale_data,
        Trigger.BROKER_DISCONNECTED: cfg.broker,
        Trigger.VIX_SPIKE: cfg.vix_spike,
    }
    return rules.get(trigger)


class CircuitBreaker:
    """Holds the config and (for convenience) the current state; ``step`` is the pure core."""

    __slots__ = ("cfg", "daily_loss_limit", "state")

    def __init__(
        self,
        cfg: BreakersConfig | None = None,
        limits: TradingLimitsConfig | None = None,
        state: BreakerState | None = None,
    ) -> None:
        self.cfg = cfg or BreakersConfig()
        fallback = (limits or TradingLimitsConfig()).max_daily_loss
        self.daily_loss_limit = self.cfg.daily_loss.max_loss_dollars or fallback
        self.state = state or BreakerState()

    # -- stateful conveniences -------------------------------------------------------------------

    def update(self, observation: Observation, now: datetime) -> BreakerState:
        self.state = self.step(self.state, observation, now)
        return self.state

    def request_resume(self, now: datetime, reason: str = "operator resume") -> BreakerState:
        self.state = self.resume(self.state, now, reason)
        return self.state

    def request_halt(self, now: datetime, reason: str = "operator halt") -> BreakerState:
        self.state = self.halt(self.state, now, reason)
        return self.state

    # -- pure core -----------------------------------------------------------------------------

    def step(self, state: BreakerState, obs: Observation, now: datetime) -> BreakerState:
        """The state after ``obs`` at ``now``."""
        trackers, conditions = evaluate_conditions(
            state.trackers, obs, now, self.cfg, self.daily_loss_limit
        )
        trips = dict(state.trips)
        acknowledged = set(state.acknowledged)
        tripped_now: list[Trip] = []
        released: list[Trip] = []
        fired_events = False
        for cond in conditions:
            trigger = Trigger(cond.name)
            rule = _rule(self.cfg, trigger)
            if rule is None or not rule.enabled:
                continue
            fired = self._apply(trigger, rule, cond, now, trips, acknowledged, tripped_now)
            fired_events = fired_events or (fired and cond.event)
        for trigger, trip in list(trips.items()):
            rule = _rule(self.cfg, trigger)
            disabled = rule is not None and not rule.enabled  # a state from an older config
            cooled = trip.cleared_at is not None and now - trip.cleared_at >= trip.cooldown
            if not trip.manual and (cooled or disabled):
                released.append(trips.pop(trigger))
        if fired_events:  # an event trigger consumes what fired it (the streak restarts)
            trackers = replace(trackers, loss_streak=0)
        new_state = _most_severe(trips)
        history = state.history
        since = state.since
        if new_state is not state.state:
            history = self._record(
                history, _transition(state.state, new_state, now, tripped_now, released)
            )
            since = now
        return BreakerState(new_state, since, trips, frozenset(acknowledged), trackers, history)

    def resume(self, state: BreakerState, now: datetime, reason: str) -> BreakerState:
        """Release every trip at once; conditions still present are acknowledged."""
        still = frozenset(
            t.trigger for t in state.trips.values() if t.cleared_at is None and not t.manual
        )
        history = state.history
        if state.state is not TradingState.ACTIVE:
            history = self._record(
                history,
                Transition(
                    now,
                    state.state,
                    TradingState.ACTIVE,
                    Trigger.RESUME,
                    f"resume: {reason}; released {state.reason}",
                    {"acknowledged": ",".join(sorted(t.value for t in still))},
                ),
            )
        return BreakerState(
            TradingState.ACTIVE, now, {}, state.acknowledged | still, state.trackers, history
        )

    def halt(self, state: BreakerState, now: datetime, reason: str) -> BreakerState:
        """A manual HALT that only ``resume`` releases."""
        trip = Trip(Trigger.MANUAL, TradingState.HALTED, now, {"reason": reason}, {}, manual=True)
        trips = {**state.trips, Trigger.MANUAL: trip}
        history = state.history
        if state.state is not TradingState.HALTED:
            history = self._record(
                history,
                Transition(
                    now, state.state, TradingState.HALTED, Trigger.MANUAL, f"halt: {reason}"
                ),
            )
        return BreakerState(
            TradingState.HALTED, now, trips, state.acknowledged, state.trackers, history
        )

    # -- internals -----------------------------------------------------------------------------

    def _apply(
        self,
        trigger: Trigger,
        rule: BreakerRule,
        cond: Condition,
        now: datetime,
        trips: dict[Trigger, Trip],
        acknowledged: set[Trigger],
        tripped_now: list[Trip],
    ) -> bool:
        """Apply one condition to ``trips``; True when the trigger fired (tripped or, for an
        event trigger, fired again during its cool-down, which restarts it)."""
        trip = trips.get(trigger)
        if not cond.holds:
            acknowledged.discard(trigger)  # cleared once: armed again
            if trip is not None and trip.cleared_at is None and not trip.manual:
                trips[trigger] = replace(trip, cleared_at=now)
            return False
        if trigger in acknowledged:
            return False
        if trip is None:
            new = Trip(
                trigger,
                TradingState(rule.action),
                now,
                cond.values,
                cond.thresholds,
                now if cond.event else None,
                timedelta(seconds=rule.cooldown_s),
            )
            trips[trigger] = new
            tripped_now.append(new)
            return True
        # still (or again) holding: the cool-down starts over when it next clears
        trips[trigger] = replace(trip, cleared_at=now if cond.event else None, values=cond.values)
        return True

    def _record(
        self, history: tuple[Transition, ...], transition: Transition
    ) -> tuple[Transition, ...]:
        return (*history, transition)[-self.cfg.history_limit :]


def _most_severe(trips: Mapping[Trigger, Trip]) -> TradingState:
    state = TradingState.ACTIVE
    for t in trips.values():
        if t.demands.severity > state.severity:
            state = t.demands
    return state


def _transition(
    old: TradingState,
    new: TradingState,
    now: datetime,
    tripped: list[Trip],
    released: list[Trip],
) -> Transition:
    if new.severity > old.severity:
        cause = max(tripped, key=lambda t: t.demands.severity)
        others = [t.trigger.value for t in tripped if t is not cause]
        extra = f" (also {', '.join(others)})" if others else ""
        return Transition(
            now,
            old,
            new,
            cause.trigger,
            f"{cause.trigger.value} tripped{extra}",
            cause.values,
            cause.thresholds,
        )
    cause = max(released, key=lambda t: t.demands.severity)
    waited = (now - cause.cleared_at).total_seconds() if cause.cleared_at else 0.0
    return Transition(
        now,
        old,
        new,
        cause.trigger,
        f"{cause.trigger.value} clear for {waited:.0f} s "
        f"(cool-down {cause.cooldown.total_seconds():.0f} s)",
        {"clear_for_s": waited},
        {"cooldown_s": cause.cooldown.total_seconds()},
    )

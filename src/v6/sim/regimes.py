"""The market regime process: a seeded daily Markov chain over calm / normal / trending /
range-bound / high-vol, Poisson-triggered crash episodes, and forced scenarios, turned into one
``DayPlan`` per session that the path generator obeys.

Chain: from regime ``i`` the market leaves with probability ``1 / mean_duration_days`` each
session and then picks ``j != i`` with probability proportional to ``weight_j``. Crashes arrive
at ``crash.per_year / 252`` per session from any non-crash regime, last 2-5 sessions, start
with a gap at an open, pin the reference symbol's closes so the total drawdown lies in
``[drawdown_min, drawdown_max]``, reset variance to ``U(vol_multiplier_min, _max) * vol_level``
squared, and hand over to ``high_vol``. Forced scenarios (``SimConfig.scenario``) replace the
chain for their window starting at ``scenario_day``; the chain resumes afterwards:

- ``crash-day``: a crash episode (drawn like a random one), then high-vol to the window end.
- ``vol-spike``: vol jumps to ``vol_spike_multiplier`` x ``vol_level`` (2.5x), the day falls
  1.5-3 %, high-vol for 10 sessions.
- ``grind-up``: 20 sessions closing higher every day (+0.35 % +- 0.2 %, at least +0.08 %)
  with calm variance and vol reset to 0.7x ``vol_level``.
- ``whipsaw``: 10 sessions of closes alternating +-1.5-3 %, each opening against its close,
  at 1.8x ``vol_level``.

Pinned moves are for a beta-1 symbol and scale with each underlying's ``beta``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from v6.domain.regime import Regime as DomainRegime

if TYPE_CHECKING:
    from v6.sim.config import RegimeSpec, SimConfig

SESSIONS_PER_YEAR = 252
"""Trading sessions per model year: every rate "per year" in the simulator uses this clock."""


# One vocabulary for the whole system: the simulator's regimes are the domain's regimes.
Regime = DomainRegime


CHAIN_REGIMES: tuple[Regime, ...] = (
    Regime.LOW_VOL,
    Regime.NORMAL,
    Regime.TRENDING,
    Regime.RANGE_BOUND,
    Regime.HIGH_VOL,
)
"""The regimes the Markov chain moves between; ``CRASH`` is entered only by a crash episode."""


class ScenarioName(StrEnum):
    """Forced scenarios, so exit and hedge rules can be exercised on demand."""

    CRASH_DAY = "crash-day"
    VOL_SPIKE = "vol-spike"
    GRIND_UP = "grind-up"
    WHIPSAW = "whipsaw"


SCENARIO_DEFAULT_DAYS: dict[ScenarioName, int] = {
    ScenarioName.CRASH_DAY: 3,
    ScenarioName.VOL_SPIKE: 10,
    ScenarioName.GRIND_UP: 20,
    ScenarioName.WHIPSAW: 10,
}
"""Window length in sessions when ``SimConfig.scenario_days`` is not given."""


@dataclass(frozen=True, slots=True)
class DayPlan:
    """What one session must look like; log-returns are for a beta-1 symbol.

    ``gap_log_return`` pins the overnight move into the open and ``close_log_return`` the
    close-to-close move (gap included); ``None`` leaves the model free.
    """

    regime: Regime
    variance_multiplier: float
    excess_drift_annual: float
    price_reversion_per_year: float
    regime_started: bool
    vol_reset_multiplier: float | None = None
    gap_log_return: float | None = None
    close_log_return: float | None = None
    event: str | None = None


def transition_matrix(specs: Mapping[Regime, RegimeSpec]) -> np.ndarray:
    """Daily transition probabilities over ``CHAIN_REGIMES`` (rows sum to 1)."""
    n = len(CHAIN_REGIMES)
    p = np.zeros((n, n))
    weights = np.array([specs[r].weight for r in CHAIN_REGIMES])
    for i, r in enumerate(CHAIN_REGIMES):
        leave = 1.0 / specs[r].mean_duration_days
        others = weights.copy()
        others[i] = 0.0
        p[i] = leave * others / others.sum()
        p[i, i] = 1.0 - leave
    return p


def stationary_distribution(specs: Mapping[Regime, RegimeSpec]) -> dict[Regime, float]:
    """Long-run share of sessions spent in each chain regime."""
    p = transition_matrix(specs)
    n = p.shape[0]
    a = np.vstack([p.T - np.eye(n), np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi, *_ = np.linalg.lstsq(a, b, rcond=None)
    return {r: float(max(pi[i], 0.0)) for i, r in enumerate(CHAIN_REGIMES)}


def variance_normaliser(cfg: SimConfig) -> float:
    """Long-run mean of the regime variance multiplier, so ``vol_level`` stays the long-run vol.

    With regimes disabled the multiplier is constant (the start regime's) and is normalised away.
    """
    specs = dict(cfg.regimes.specs)
    if not cfg.regimes.enabled:
        return specs[_chain_start(cfg)].variance_multiplier
    pi = stationary_distribution(specs)
    return sum(pi[r] * specs[r].variance_multiplier for r in CHAIN_REGIMES)


def _chain_start(cfg: SimConfig) -> Regime:
    return cfg.regimes.start if cfg.regimes.start in CHAIN_REGIMES else Regime.NORMAL


@dataclass(slots=True)
class RegimeProcess:
    """Draws one ``DayPlan`` per session, strictly in order (it carries the chain's state)."""

    cfg: SimConfig
    rng: np.random.Generator
    scenario_rng: np.random.Generator
    _regime: Regime = Regime.NORMAL
    _next_day: int = 0
    _queued: dict[int, DayPlan] = field(default_factory=dict)
    _forced_until: int = -1

    def __post_init__(self) -> None:
        self._regime = _chain_start(self.cfg)
        if self.cfg.scenario is not None:
            self._queue_scenario(self.cfg.scenario)

    @property
    def regime(self) -> Regime:
        return self._regime

    def plan(self, day_index: int) -> DayPlan:
        """The plan for session ``day_index``; must be called for 0, 1, 2, ... in order."""
        if day_index != self._next_day:
            raise ValueError(f"regime plans must be drawn in order: expected {self._next_day}")
        self._next_day += 1
        # Always the same number of uniforms per session so the stream stays aligned.
        u_leave, u_pick, u_crash = self.rng.random(3)
        queued = self._queued.pop(day_index, None)
        if queued is not None:
            started = queued.regime is not self._regime
            self._regime = queued.regime
            return _with_started(queued, started)
        if day_index <= self._forced_until:
            return self._steady(started=False)
        crashes = self.cfg.regimes.crash
        if (
            self._regime is not Regime.CRASH
            and u_crash < crashes.per_year / SESSIONS_PER_YEAR
            and not any(day_index + k in self._queued for k in range(crashes.days_max))
        ):
            self._queue_crash(day_index, self.rng, event="crash")
            first = self._queued.pop(day_index)
            self._regime = Regime.CRASH
            return _with_started(first, True)
        if self._regime is Regime.CRASH:  # an episode just ended
            self._regime = Regime.HIGH_VOL
            return self._steady(started=True)
        if not self.cfg.regimes.enabled:
            return self._steady(started=False)
        specs = self.cfg.regimes.specs
        if u_leave < 1.0 / specs[self._regime].mean_duration_days:
            self._regime = _pick_other(self._regime, specs, u_pick)
            return self._steady(started=True)
        return self._steady(started=False)

    # ---- plans ------------------------------------------------------------------------------
    def _steady(self, *, started: bool) -> DayPlan:
        if self._regime is Regime.CRASH:
            c = self.cfg.regimes.crash
            return DayPlan(Regime.CRASH, c.variance_multiplier, 0.0, 0.0, started)
        spec = self.cfg.regimes.specs[self._regime]
        return DayPlan(
            self._regime,
            spec.variance_multiplier,
            spec.excess_drift_annual,
            spec.price_reversion_per_year,
            started,
        )

    def _queue_crash(self, start: int, rng: np.random.Generator, event: str) -> int:
        """Queue a crash episode from ``start``; returns its last session index."""
        c = self.cfg.regimes.crash
        n_days = int(rng.integers(c.days_min, c.days_max + 1))
        drawdown = float(rng.uniform(c.drawdown_min, c.drawdown_max))
        total = math.log1p(-drawdown)
        gap = float(rng.uniform(c.gap_share_min, c.gap_share_max)) * total
        weights = rng.dirichlet(np.full(n_days, 2.0))
        vol_mult = float(rng.uniform(c.vol_multiplier_min, c.vol_multiplier_max))
        rest = total - gap
        for k in range(n_days):
            self._queued[start + k] = DayPlan(
                Regime.CRASH,
                c.variance_multiplier,
                0.0,
                0.0,
                regime_started=False,
                vol_reset_multiplier=vol_mult if k == 0 else None,
                gap_log_return=gap if k == 0 else None,
                close_log_return=(gap if k == 0 else 0.0) + float(weights[k]) * rest,
                event=event if k == 0 else None,
            )
        self._forced_until = max(self._forced_until, start + n_days - 1)
        return start + n_days - 1

    def _queue_scenario(self, name: ScenarioName) -> None:
        cfg = self.cfg
        d0 = cfg.scenario_day
        n = cfg.scenario_days or SCENARIO_DEFAULT_DAYS[name]
        rng = self.scenario_rng
        specs = cfg.regimes.specs
        if name is ScenarioName.CRASH_DAY:
            last = self._queue_crash(d0, rng, event=name.value)
            # Optional tail: keep the crash regime's aftermath as high-vol for the window.
            for k in range(last + 1, d0 + n):
                hv = specs[Regime.HIGH_VOL]
                self._queued[k] = DayPlan(
                    Regime.HIGH_VOL, hv.variance_multiplier, hv.excess_drift_annual, 0.0, False
                )
        elif name is ScenarioName.VOL_SPIKE:
            hv = specs[Regime.HIGH_VOL]
            drop = float(rng.uniform(0.015, 0.03))
            for k in range(n):
                first = k == 0
                self._queued[d0 + k] = DayPlan(
                    Regime.HIGH_VOL,
                    hv.variance_multiplier,
                    hv.excess_drift_annual,
                    0.0,
                    regime_started=False,
                    vol_reset_multiplier=cfg.regimes.vol_spike_multiplier if first else None,
                    gap_log_return=math.log1p(-0.6 * drop) if first else None,
                    close_log_return=math.log1p(-drop) if first else None,
                    event=name.value if first else None,
                )
        elif name is ScenarioName.GRIND_UP:
            tr = specs[Regime.TRENDING]
            calm = specs[Regime.LOW_VOL]
            for k in range(n):
                up = max(float(rng.normal(0.0035, 0.002)), 0.0008)
                self._queued[d0 + k] = DayPlan(
                    Regime.TRENDING,
                    calm.variance_multiplier,
                    tr.excess_drift_annual,
                    0.0,
                    regime_started=False,
                    vol_reset_multiplier=0.7 if k == 0 else None,
                    gap_log_return=float(rng.normal(0.0, 0.001)),
                    close_log_return=up,
                    event=name.value if k == 0 else None,
                )
        else:  # WHIPSAW: big alternating days that open against their close.
            hv = specs[Regime.HIGH_VOL]
            sign = -1.0 if rng.random() < 0.5 else 1.0
            for k in range(n):
                size = float(rng.uniform(0.015, 0.03))
                self._queued[d0 + k] = DayPlan(
                    Regime.RANGE_BOUND,
                    hv.variance_multiplier,
                    0.0,
                    0.0,
                    regime_started=False,
                    vol_reset_multiplier=1.8 if k == 0 else None,
                    gap_log_return=-0.4 * sign * size,
                    close_log_return=sign * size,
                    event=name.value if k == 0 else None,
                )
                sign = -sign
        self._forced_until = max(self._forced_until, d0 + n - 1)


def _with_started(plan: DayPlan, started: bool) -> DayPlan:
    if plan.regime_started == started:
        return plan
    return DayPlan(
        plan.regime,
        plan.variance_multiplier,
        plan.excess_drift_annual,
        plan.price_reversion_per_year,
        started,
        plan.vol_reset_multiplier,
        plan.gap_log_return,
        plan.close_log_return,
        plan.event,
    )


def _pick_other(current: Regime, specs: Mapping[Regime, RegimeSpec], u: float) -> Regime:
    others = [r for r in CHAIN_REGIMES if r is not current]
    weights = np.array([specs[r].weight for r in others])
    cum = np.cumsum(weights / weights.sum())
    idx = int(np.searchsorted(cum, u, side="right"))
    return others[min(idx, len(others) - 1)]

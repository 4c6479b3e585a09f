"""Auto-hedge: when portfolio delta (or the gamma of near-expiry strategies) passes its trigger,
produce intents that bring it back inside the target band. Intents only: they go through the
same gate and execution engine as everything else.

Method ``reduce_largest`` (the default, fully implemented): close near-expiry strategies with
the largest gamma first, then reduce the largest delta contributors (whole units of the
structure, fewest units that land inside the band). Method ``underlying_shares`` proposes an
``UnderlyingHedge`` in the hedge instrument sized from beta-weighted delta; stock legs are not
in the domain yet (``LegInstruction`` needs an ``OptionContract``), so those proposals are for
the journal and a human until the domain and execution engine support share orders.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from v6.domain.orders import Intent, IntentKind, LegInstruction, Urgency, make_intent_id
from v6.risk.book import FloatArray, LegBook
from v6.risk.calculator import PortfolioRisk
from v6.risk.config import HedgeConfig
from v6.risk.market import NEW_YORK

HEDGE_ORIGIN = "auto_hedge"
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class UnderlyingHedge:
    """A proposed share hedge: buy (> 0) or sell (< 0) ``shares`` of ``symbol``."""

    symbol: str
    shares: int
    reason: str
    beta_weighted_delta_before: float
    expected_after: float


@dataclass(frozen=True, slots=True)
class HedgePlan:
    """What the hedger wants this cycle, and the numbers it acted on."""

    intents: tuple[Intent, ...] = ()
    share_hedges: tuple[UnderlyingHedge, ...] = ()
    triggered: tuple[str, ...] = ()
    values: Mapping[str, float] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=dict)
    reason: str = ""

    @property
    def empty(self) -> bool:
        return not self.intents and not self.share_hedges


class AutoHedger:
    """Plans hedges from a ``PortfolioRisk``; pure."""

    __slots__ = ("cfg",)

    def __init__(self, cfg: HedgeConfig | None = None) -> None:
        self.cfg = cfg or HedgeConfig()

    def plan(
        self,
        risk: PortfolioRisk,
        now: datetime,
        *,
        sequence: str,
        exclude: frozenset[str] = frozenset(),
        spots: Mapping[str, float] | None = None,
    ) -> HedgePlan:
        """Hedge intents for this cycle. ``sequence`` makes intent ids deterministic (e.g. the
        cycle's timestamp); ``exclude`` lists strategies already being closed; ``spots`` are
        needed only for a share hedge in an instrument the portfolio does not hold."""
        cfg = self.cfg
        if not cfg.enabled or risk.book.n_strategies == 0:
            return HedgePlan()
        if not risk.greeks_valid:
            return HedgePlan(reason="no hedge: portfolio Greeks not computable")
        book = risk.book
        g = risk.strategy_greeks
        units = np.asarray(book.units)
        usable = np.array([s.strategy_id not in exclude for s in book.strategies])
        usable &= np.isfinite(g).all(axis=0)
        chosen: dict[int, int] = {}
        values: dict[str, float] = {"delta": risk.greeks.delta}
        triggered: list[str] = []
        today = now.astimezone(NEW_YORK).date().toordinal()
        near = (np.asarray(book.strategy_expiry_ordinal) - today <= cfg.gamma_dte) & usable
        gamma_near = float(g[1, near].sum())
        values["gamma_near_expiry"] = gamma_near
        if abs(gamma_near) > cfg.gamma_trigger:
            triggered.append("gamma")
            remaining = gamma_near
            for k in _largest_first(g[1], near, gamma_near, book):
                if abs(remaining) <= cfg.gamma_target:
                    break
                chosen[k] = int(units[k])
                remaining -= g[1, k]
            values["gamma_near_expiry_after"] = remaining
        delta = risk.greeks.delta - sum(g[0, k] for k in chosen)
        shares: tuple[UnderlyingHedge, ...] = ()
        if cfg.method == "reduce_largest" and abs(delta) > cfg.delta_trigger:
            triggered.append("delta")
            delta = self._reduce_delta(g[0], units, usable, delta, chosen, book)
            values["delta_after"] = delta
        elif cfg.method == "underlying_shares":
            shares = self._share_hedge(risk, spots or {}, values, triggered)
        intents = self._intents(risk, chosen, now, sequence, values)
        thresholds = {
            "delta_trigger": cfg.delta_trigger,
            "delta_target": cfg.delta_target,
            "gamma_trigger": cfg.gamma_trigger,
            "gamma_target": cfg.gamma_target,
            "gamma_dte": float(cfg.gamma_dte),
        }
        reason = _describe(triggered, values, thresholds) if triggered else ""
        return HedgePlan(intents, shares, tuple(triggered), values, thresholds, reason)

    def _reduce_delta(
        self,
        deltas: FloatArray,
        units: NDArray[np.int64],
        usable: NDArray[np.bool_],
        delta: float,
        chosen: dict[int, int],
        book: LegBook,
    ) -> float:
        """Greedy: the largest same-sign contributors first, fewest units into the band."""
        target = self.cfg.delta_target
        mask = usable.copy()
        for k in chosen:
            mask[k] = False
        for k in _largest_first(deltas, mask, delta, book):
            if abs(delta) <= target or len(chosen) >= self.cfg.max_intents_per_cycle:
                break
            per_unit = abs(float(deltas[k])) / int(units[k])
            size = abs(delta)
            n_min = math.ceil((size - target) / per_unit - _EPS)
            n_max = math.floor((size + target) / per_unit + _EPS)
            if n_min <= n_max:
                n = min(n_min, int(units[k]))
            else:  # one unit overshoots the band: take the count nearest to flat
                n = min(int(units[k]), max(1, round(size / per_unit)))
            if n <= 0 or abs(size - n * per_unit) >= size:
                continue
            chosen[k] = n
            delta -= math.copysign(n * per_unit, delta)
        return delta

    def _share_hedge(
        self,
        risk: PortfolioRisk,
        spots: Mapping[str, float],
        values: dict[str, float],
        triggered: list[str],
    ) -> tuple[UnderlyingHedge, ...]:
        cfg = self.cfg
        bwd = risk.beta_weighted_delta
        values["beta_weighted_delta"] = bwd
        if not math.isfinite(bwd) or abs(bwd) <= cfg.delta_trigger:
            return ()
        triggered.append("beta_weighted_delta")
        excess = bwd - math.copysign(cfg.delta_target, bwd)
        inst = cfg.instrument
        factor = 1.0
        if inst != risk.benchmark:
            held = risk.by_underlying.get(inst)
            s_inst = held.spot if held else spots.get(inst, math.nan)
            bench = risk.by_underlying.get(risk.benchmark)
            s_bench = bench.spot if bench else spots.get(risk.benchmark, math.nan)
            beta = risk.betas.get(inst, 1.0)
            factor = s_bench / (beta * s_inst)
        shares = -round(excess * factor)
        if not shares:
            return ()
        return (
            UnderlyingHedge(
                inst,
                int(shares),
                f"beta-weighted delta {bwd:+.0f} {risk.benchmark} shares beyond "
                f"{cfg.delta_trigger:g}: {'buy' if shares > 0 else 'sell'} {abs(shares)} {inst}",
                bwd,
                bwd + shares / factor,
            ),
        )

    def _intents(
        self,
        risk: PortfolioRisk,
        chosen: dict[int, int],
        now: datetime,
        sequence: str,
        values: Mapping[str, float],
    ) -> tuple[Intent, ...]:
        out: list[Intent] = []
        for k, n in list(chosen.items())[: self.cfg.max_intents_per_cycle]:
            s = risk.book.strategies[k]
            units = s.units
            kind = IntentKind.CLOSE if n >= units else IntentKind.REDUCE
            legs = tuple(
                LegInstruction(leg.contract, -(leg.quantity // units) * n) for leg in s.legs
            )
            d = float(risk.strategy_greeks[0, k]) * n / units
            out.append(
                Intent(
                    intent_id=make_intent_id(s.strategy_id, kind, f"hedge:{sequence}"),
                    kind=kind,
                    strategy_id=s.strategy_id,
                    legs=legs,
                    created_at=now,
                    urgency=Urgency.HIGH,
                    reason=(
                        f"auto-hedge: portfolio delta {values['delta']:+.0f}, near-expiry gamma "
                        f"{values['gamma_near_expiry']:+.1f}; {kind.value} {n} of {units} units "
                        f"of {s.strategy_id} (delta {-d:+.0f})"
                    ),
                    metadata={
                        "origin": HEDGE_ORIGIN,
                        "portfolio_delta": values["delta"],
                        "delta_removed": d,
                        "units": n,
                    },
                )
            )
        return tuple(out)


def _largest_first(
    values: FloatArray, mask: NDArray[np.bool_], total: float, book: LegBook
) -> list[int]:
    """Indices under ``mask`` contributing in the direction of ``total``, largest first (ties
    by strategy id, so the plan is deterministic)."""
    sign = math.copysign(1.0, total)
    idx = [int(k) for k in np.flatnonzero(mask & (sign * values > 0))]
    ids = book.strategies
    return sorted(idx, key=lambda k: (-abs(float(values[k])), ids[k].strategy_id))


def _describe(
    triggered: list[str], values: Mapping[str, float], thresholds: Mapping[str, float]
) -> str:
    parts = []
    if "gamma" in triggered:
        parts.append(
            f"near-expiry gamma {values['gamma_near_expiry']:+.1f} beyond "
            f"{thresholds['gamma_trigger']:g} (target {thresholds['gamma_target']:g})"
        )
    if "delta" in triggered or "beta_weighted_delta" in triggered:
        parts.append(
            f"delta {values['delta']:+.0f} beyond {thresholds['delta_trigger']:g} "
            f"(target {thresholds['delta_target']:g})"
        )
    return "auto-hedge: " + "; ".join(parts)

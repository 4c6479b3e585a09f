"""Rolls: what a roll would bring in (the DTE-roll rule's ``roll_credit_estimate``) and the
new position a filled roll opens.

The estimate is the credit of the same structure built now on an expiry in the rule's target
window, at mid, minus what closing the current legs costs at mid (dollars, whole position).
No proposal can be built (no strike near the target delta, credit too low): 0.0, no credit
roll. A roll is carried out as its closing half first (kind ROLL); once that has filled, the
new position is built again on the market of that moment and opened through the gate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from v6.domain.decision import Decision
from v6.domain.quote import Quote
from v6.domain.strategy import Strategy, StrategyType
from v6.strategies.builders import builder_for
from v6.strategies.chain import EXCHANGE_TZ, ChainSnapshot
from v6.strategies.results import Proposal
from v6.strategies.rules import BuildSpec
from v6.workflows.feed import MarketFeed
from v6.workflows.services import Services


def _int(x: object, default: int) -> int:
    if isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x):
        return int(x)
    return default


class RollDesk:
    """Roll estimates and successors; caches one chain snapshot per symbol per cycle."""

    __slots__ = ("_base", "_chains", "_chains_at", "_proposals", "svc")

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        cfg = svc.cfg
        self._base = BuildSpec.from_config(cfg.entry, cfg.strategies)
        self._chains: dict[tuple[str, int, int], ChainSnapshot | None] = {}
        self._proposals: dict[tuple[str, StrategyType, int, int, int], Proposal | None] = {}
        self._chains_at: datetime | None = None

    @property
    def feed(self) -> MarketFeed:
        return self.svc.feed

    def window(self, decision: Decision) -> tuple[int, int]:
        """The target DTE window a ROLL decision names (config defaults otherwise)."""
        cfg = self.svc.cfg.rules.dte_roll
        lo = _int(decision.thresholds.get("target_dte_min"), cfg.target_dte_min)
        hi = _int(decision.thresholds.get("target_dte_max"), cfg.target_dte_max)
        return (lo, max(lo, hi))

    def chain(self, symbol: str, window: tuple[int, int], now: datetime) -> ChainSnapshot | None:
        if self._chains_at != now:
            self._chains.clear()
            self._proposals.clear()
            self._chains_at = now
        key = (symbol, *window)
        if key not in self._chains:
            self._chains[key] = self.feed.chain_snapshot(
                symbol,
                now,
                dte_min=window[0],
                dte_max=window[1],
                quote_max_age=self.svc.quote_max_age,
                max_moneyness=self.svc.cfg.strategies.max_moneyness,
            )
        return self._chains[key]

    def proposal(
        self, strategy: Strategy, window: tuple[int, int], now: datetime
    ) -> Proposal | None:
        """The same structure (and size) built now on an expiry in ``window``."""
        if strategy.strategy_type is StrategyType.CUSTOM:
            return None
        chain = self.chain(strategy.symbol, window, now)  # also resets the caches each cycle
        if chain is None:
            return None
        key = (strategy.symbol, strategy.strategy_type, strategy.units, *window)
        if key not in self._proposals:
            spec = replace(
                self._base,
                dte_min=window[0],
                dte_max=window[1],
                preferred_dte=None,
                quantity=strategy.units,
            )
            result = builder_for(strategy.strategy_type, spec).build(chain)
            self._proposals[key] = result if isinstance(result, Proposal) else None
        return self._proposals[key]

    def estimates(
        self, strategies: Sequence[Strategy], quotes: Mapping[str, Quote], now: datetime
    ) -> dict[str, float]:
        """``roll_credit_estimate`` (dollars) of every strategy inside the roll window."""
        cfg = self.svc.cfg.rules.dte_roll
        if not cfg.enabled:
            return {}
        today = now.astimezone(EXCHANGE_TZ).date()
        window = (cfg.target_dte_min, cfg.target_dte_max)
        out: dict[str, float] = {}
        for s in strategies:
            if s.days_to_expiry(today) > cfg.roll_dte or s.strategy_type is StrategyType.CUSTOM:
                continue
            close_cost = 0.0
            for leg in s.legs:
                q = quotes.get(leg.contract.key)
                if q is None or not (math.isfinite(q.bid) and math.isfinite(q.ask)):
                    close_cost = math.nan
                    break
                close_cost -= leg.quantity * q.mid * leg.contract.multiplier
            if not math.isfinite(close_cost):
                continue  # unknown: the rule then falls back on its policy
            proposal = self.proposal(s, window, now)
            if proposal is None:
                out[s.strategy_id] = 0.0
                continue
            credit = proposal.credit_mid * s.units * s.multiplier
            out[s.strategy_id] = credit - close_cost
        return out


__all__ = ["RollDesk"]

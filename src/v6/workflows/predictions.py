"""Prediction tracking (phase 9-05) wired into the engine: a prediction per entry (expected
P&L, probability of profit, expected hold, type, regime) recorded in ``strategy_predictions``
when the entry fills, the actual result filled in when the strategy ends, and the selector's
variance weights recomputed from those rows once a session.

The prediction is a deliberately plain prior from the proposal and the configured exits, so
its error means something: with ``p`` the proposal's probability of profit at expiry,
``expected P&L = p * target * max_profit - (1 - p) * loss``, where ``target`` is the take-profit
fraction the rules will use (the regime's ``profit_targets`` with dynamic take-profit on, else
``take_profit.fraction``, else 1) and ``loss`` is what the stop loss caps (``credit_multiple``
times the credit, or ``debit_fraction`` of the debit) or else the max loss. Expected hold is the
days to the rule that manages DTE (roll or time exit), else to expiry.

The rows it writes are also kept here (latest per prediction), so the weights need no read of
the lake: the same pure ``v6.analytics.variance`` functions run over them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from v6.analytics import variance as va
from v6.analytics.predictions import (
    TABLE,
    Prediction,
    StrategyPredictionsTable,
    prediction_id_for,
)
from v6.config.models import TradingConfig
from v6.domain.regime import Regime
from v6.domain.strategy import Strategy, StrategyStatus
from v6.store.convert import to_arrow
from v6.store.port import LakeStore
from v6.strategies.results import Proposal
from v6.strategies.scoring import VarianceWeights
from v6.strategies.structure import DEBIT_TYPES
from v6.workflows.book import ClosedTrade

_ENTERED = (StrategyStatus.OPEN, StrategyStatus.CLOSING, StrategyStatus.CLOSED)


def expected_pnl(proposal: Proposal, regime: Regime, cfg: TradingConfig) -> float:
    """The prior described in the module docstring (dollars, whole position)."""
    rules = cfg.rules
    if rules.dynamic_take_profit.enabled:
        target = cfg.profit_targets.for_regime(regime)
    elif rules.take_profit.enabled:
        target = rules.take_profit.fraction
    else:
        target = 1.0
    loss = proposal.max_loss
    if rules.stop_loss.enabled:
        if proposal.strategy_type in DEBIT_TYPES:
            loss = min(loss, rules.stop_loss.debit_fraction * proposal.max_loss)
        else:
            loss = min(loss, rules.stop_loss.credit_multiple * proposal.max_profit)
    p = min(max(proposal.pop, 0.0), 1.0)
    return p * target * proposal.max_profit - (1.0 - p) * loss


def expected_hold_days(proposal: Proposal, cfg: TradingConfig) -> float:
    rules = cfg.rules
    exit_dte = 0
    if rules.dte_roll.enabled:
        exit_dte = rules.dte_roll.roll_dte
    elif rules.time_exit.enabled and not rules.time_exit.hold_to_expiry:
        exit_dte = rules.time_exit.exit_dte
    return float(max(proposal.dte - exit_dte, 1))


class PredictionTracker:
    """One per engine. ``expect`` at submission, ``after_step`` with every step's changes,
    ``weights`` once a session."""

    __slots__ = ("_cache", "_expected", "_open", "_rows", "cfg", "table")

    def __init__(self, table: StrategyPredictionsTable, cfg: TradingConfig, store: LakeStore):
        self.table = table
        self.cfg = cfg
        self._expected: dict[str, Prediction] = {}
        """strategy id -> its prediction, waiting for the entry to fill."""
        self._open: set[str] = set()
        """Strategy ids with a recorded prediction and no actual yet."""
        self._rows: dict[str, dict[str, Any]] = {}
        self._cache: tuple[frozenset[str], VarianceWeights] | None = None
        store.observe(TABLE, self._on_rows)
        for row in table.frame().iter_rows(named=True):  # a restart: what the lake holds
            self._rows[str(row["prediction_id"])] = row
            if row.get("exited_at") is None and row.get("strategy_id"):
                self._open.add(str(row["strategy_id"]))

    def _on_rows(self, _table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        for row in rows:
            self._rows[str(row["prediction_id"])] = dict(row)

    def expect(self, proposal: Proposal, regime: str, now: datetime) -> None:
        """An entry was submitted: its prediction is recorded once it fills."""
        try:
            reg = Regime(regime)
        except ValueError:
            return  # no regime known (e.g. a roll of an adopted position): nothing to learn
        if not (proposal.max_profit > 0 and math.isfinite(proposal.max_loss)):
            return
        s = proposal.strategy
        skew = proposal.skew.ratio if math.isfinite(proposal.skew.ratio) else None
        self._expected[s.strategy_id] = Prediction(
            strategy_id=s.strategy_id,
            strategy_type=s.strategy_type,
            underlying=s.symbol,
            regime=reg,
            entered_at=now,
            predicted_pnl_dollars=expected_pnl(proposal, reg, self.cfg),
            max_profit_dollars=proposal.max_profit,
            max_loss_dollars=proposal.max_loss,
            win_probability=min(max(proposal.pop, 0.0), 1.0),
            expected_hold_days=expected_hold_days(proposal, self.cfg),
            skew_ratio=skew,
        )

    def after_step(
        self, changed: Sequence[Strategy], ended: Sequence[ClosedTrade], now: datetime
    ) -> None:
        """Record predictions of entries that filled; fill in actuals of trades that ended."""
        for s in changed:
            pred = self._expected.get(s.strategy_id)
            if pred is None:
                continue
            if s.status in _ENTERED or s.status is StrategyStatus.ROLLED:
                del self._expected[s.strategy_id]
                entered = s.opened_at or now
                self.table.record_prediction(
                    Prediction(**{**_fields(pred), "entered_at": entered}), now=now
                )
                self._open.add(s.strategy_id)
            elif s.status is StrategyStatus.CANCELLED:
                del self._expected[s.strategy_id]
        for trade in ended:
            if trade.strategy_id not in self._open:
                continue
            self._open.discard(trade.strategy_id)
            self.table.update_actuals(
                prediction_id_for(trade.strategy_id),
                actual_pnl_dollars=trade.pnl,
                exited_at=max(trade.closed_at, trade.opened_at or trade.closed_at),
                exit_reason=trade.rule,
                now=now,
            )

    def weights(self, as_of: datetime) -> VarianceWeights:
        """The selector's weights from the closed predictions (all 1.0 when disabled).

        The analysis depends only on the predictions closed inside the lookback window, so
        it is recomputed only when that set changes, and skipped while it is smaller than
        ``min_predictions`` (no group can have a computed weight yet: config weights only).
        """
        cfg = self.cfg.variance_analysis
        if not cfg.enabled:
            return VarianceWeights()
        end = as_of.astimezone(UTC)
        begin = end - timedelta(days=cfg.lookback_days)
        window = frozenset(
            pid
            for pid, row in self._rows.items()
            if row.get("actual_return_fraction") is not None
            and row.get("predicted_return_fraction") is not None
            and isinstance(ts := row.get("exited_at"), datetime)
            and begin <= ts.astimezone(UTC) <= end
        )
        if len(window) < cfg.min_predictions:
            return VarianceWeights.from_config(cfg)
        if self._cache is not None and self._cache[0] == window:
            return self._cache[1]
        spec = self.table.reader.lake.spec(TABLE)
        frame = pl.from_arrow(to_arrow(spec, list(self._rows.values())))
        assert isinstance(frame, pl.DataFrame)
        analysis = va.analyze_prediction_variance(frame, as_of, cfg.lookback_days)
        weights = va.variance_weights(analysis, cfg)
        self._cache = (window, weights)
        return weights


def _fields(p: Prediction) -> dict[str, Any]:
    return {name: getattr(p, name) for name in Prediction.__dataclass_fields__}


__all__ = ["PredictionTracker", "expected_hold_days", "expected_pnl"]

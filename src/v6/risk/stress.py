"""The stress matrix: portfolio P&L for every (underlying move, IV shift) on a grid, by full
revaluation with the BSM kernel: all contracts x all grid points in ONE vectorised price call.

P&L is the model value at the shocked inputs minus the model value now (same kernel, same
inputs otherwise), so the (0 %, 0 point) cell is exactly zero and the matrix is additive across
legs, strategies and underlyings. Each distinct contract is priced once, with the net position
held across all strategies. The shock is instantaneous: time to expiry does not move. A held
contract without a usable IV or spot makes its underlying's cells (and the total) NaN rather
than silently dropping it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from v6.pricing.bsm import bsm_price
from v6.risk.book import FloatArray
from v6.risk.calculator import PortfolioRisk
from v6.risk.config import StressConfig

_MIN_SPOT_FACTOR = 1e-6


@dataclass(frozen=True, slots=True, eq=False)
class StressMatrix:
    """``pnl[i, j]``: portfolio P&L in dollars for ``moves[i]`` (fraction of spot) and
    ``vol_shifts_points[j]`` (volatility points); ``by_underlying`` has the same layout."""

    moves: tuple[float, ...]
    vol_shifts_points: tuple[float, ...]
    pnl: FloatArray
    by_underlying: Mapping[str, FloatArray]

    @property
    def worst(self) -> tuple[float, float, float]:
        """(P&L, move, vol shift) of the worst cell; NaN P&L if any cell is NaN."""
        if self.pnl.size == 0 or not np.isfinite(self.pnl).all():
            return (math.nan, math.nan, math.nan)
        i, j = np.unravel_index(int(np.argmin(self.pnl)), self.pnl.shape)
        return (float(self.pnl[i, j]), self.moves[i], self.vol_shifts_points[j])

    def cell(self, move: float, vol_shift_points: float) -> float:
        return float(
            self.pnl[self.moves.index(move), self.vol_shifts_points.index(vol_shift_points)]
        )

    def rows(self) -> list[dict[str, float | str]]:
        """One row per cell and underlying (``symbol`` = ``*`` for the portfolio), for the
        journal and the dashboard."""
        out: list[dict[str, float | str]] = []
        tables = [("*", self.pnl), *self.by_underlying.items()]
        for symbol, table in tables:
            for i, m in enumerate(self.moves):
                for j, v in enumerate(self.vol_shifts_points):
                    out.append(
                        {"symbol": symbol, "move": m, "vol_shift_points": v, "pnl": table[i, j]}
                    )
        return out


def stress_matrix(
    risk: PortfolioRisk,
    cfg: StressConfig | None = None,
    *,
    moves: Sequence[float] | None = None,
    vol_shifts_points: Sequence[float] | None = None,
) -> StressMatrix:
    """Revalue every leg of ``risk`` on the grid (``moves`` / ``vol_shifts_points`` override
    the configured ones)."""
    cfg = cfg or StressConfig()
    mv = tuple(float(m) for m in (cfg.moves if moves is None else moves))
    vs = tuple(
        float(v)
        for v in (cfg.vol_shifts_points if vol_shifts_points is None else vol_shifts_points)
    )
    book = risk.book
    n_moves, n_shifts = len(mv), len(vs)
    n_sym = len(book.symbols)
    # price each distinct contract once, weighted by the net position held across strategies;
    # contracts netting to zero (one condor's short is another's long) drop out entirely
    weight = book.net_weight()
    rows = np.flatnonzero(weight != 0.0)
    legs = book.unique_first_leg[rows]
    sym = book.unique_symbol[rows]
    if rows.size == 0:
        zero = np.zeros((n_moves, n_shifts))
        return StressMatrix(mv, vs, zero, {s: zero.copy() for s in book.symbols})
    move_arr = np.asarray(mv)
    if cfg.beta_scaled:
        sym_beta = np.array([risk.betas.get(s, 1.0) for s in book.symbols])
        factor = 1.0 + sym_beta[sym][:, None] * move_arr[None, :]
    else:
        factor = np.broadcast_to(1.0 + move_arr[None, :], (rows.size, n_moves))
    factor = np.maximum(factor, _MIN_SPOT_FACTOR)
    spot0, iv0 = risk.leg_spot[legs], risk.leg_iv[legs]
    t, div = risk.leg_t_years[legs], risk.leg_div[legs]
    strike, is_call = np.asarray(book.strike)[legs], np.asarray(book.is_call)[legs]
    spot = (spot0[:, None] * factor)[:, :, None]
    shift = np.asarray(vs)[None, :] / 100.0
    # the floor only applies to shifted vols, so the unshifted column revalues to exactly 0
    vol = np.where(shift == 0.0, iv0[:, None], np.maximum(iv0[:, None] + shift, cfg.min_vol))
    col = (slice(None), None, None)
    shocked = bsm_price(
        spot, strike[col], t[col], risk.rate, div[col], vol[:, None, :], is_call[col]
    )
    base = bsm_price(spot0, strike, t, risk.rate, div, iv0, is_call)
    shocked -= base[col]
    shocked *= weight[rows][col]
    per_symbol = np.zeros((n_sym, n_moves, n_shifts))
    starts = np.searchsorted(sym, np.arange(n_sym))
    present = np.flatnonzero(np.bincount(sym, minlength=n_sym))
    per_symbol[present] = np.add.reduceat(shocked, starts[present], axis=0)
    by_symbol = {s: per_symbol[i] for i, s in enumerate(book.symbols)}
    return StressMatrix(mv, vs, per_symbol.sum(axis=0), by_symbol)

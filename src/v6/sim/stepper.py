"""Generates one trading session of the latent (efficient) price and variance of every
underlying at once: Heston variance by full-truncation Euler on ~30-minute blocks, prices on
every grid step inside a block, correlated shocks (Cholesky), Poisson jumps, regime drift and
variance, and the closes pinned by crash or scenario plans.

Random streams: each symbol has its own PCG64 stream for diffusion shocks and one for jumps,
keyed by the symbol's name, so adding a symbol at the end of the list leaves the others'
paths unchanged. Per session, every stream draws a count of numbers that depends only on the
grid, never on the state, so the same seed reproduces the same path byte for byte.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from v6.sim.config import SimConfig
from v6.sim.lag import close_sensitivity, interp_rows, knots
from v6.sim.regimes import SESSIONS_PER_YEAR, DayPlan, Regime, RegimeProcess, variance_normaliser
from v6.sim.vix import expected_mean_variance, vix_from_implied

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FULL_SESSION_MINUTES: Final = 390.0
_SEASONALITY_DECAY_MINUTES: Final = 30.0
_VAR_FLOOR_FRACTION: Final = 0.25
"""Variance never drops below (0.25 * vol_level)^2: keeps quotes sane when Feller fails."""

_SPIKE_VARIANCE_FACTOR: Final = 1.5

# SeedSequence spawn keys, one per random component.
KEY_REGIME: Final = 1
KEY_MARKET_JUMPS: Final = 2
KEY_SCENARIO: Final = 3
KEY_NIGHT: Final = 4
KEY_SYMBOL_SHOCKS: Final = 10
KEY_SYMBOL_JUMPS: Final = 11


def stream(seed: int, *key: int) -> np.random.Generator:
    """An independent PCG64 generator for one component of the simulation."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def symbol_key(symbol: str) -> int:
    """Stable per-symbol key (crc32; ``hash()`` is salted per process)."""
    return zlib.crc32(symbol.encode())


@dataclass(frozen=True, slots=True)
class DayArrays:
    """One generated session of the latent process; arrays are ``(n_symbols, n_times)``."""

    plan: DayPlan
    latent_log: FloatArray
    """ln of the efficient price at each grid time (futures-implied, per ETF share)."""
    variance: FloatArray
    """Instantaneous variance in force at each grid time (floored)."""
    expected_vol_30d: FloatArray
    vix: FloatArray
    spot_log: FloatArray
    """ln cash (ETF) price: the efficient price ``lead`` earlier."""
    pre_open_s: float
    pre_open_log: FloatArray
    """ln efficient price ``lead`` before the open (where the lagging cash index opens)."""
    prev_close_log: FloatArray
    overnight_variance_total: FloatArray
    """Diffusive variance of the overnight step (for bridging futures quotes overnight)."""
    idio_jumps: FloatArray
    market_jumps: FloatArray
    """Market jump (beta-1 log size) per step; column 0 is the overnight step."""


class DayStepper:
    """Carries the state (log price, variance, anchor, regime) from one session to the next."""

    def __init__(self, cfg: SimConfig) -> None:
        self.cfg = cfg
        u = cfg.underlyings
        f = np.array
        self.n = len(u)
        self.beta = f([s.beta for s in u])
        self.vol_level = f([s.vol_level for s in u])
        self.kappa = f([s.mean_reversion_per_year for s in u])
        self.xi = f([s.vol_of_vol for s in u])
        self.rho = f([s.spot_vol_correlation for s in u])
        self.rho_perp = np.sqrt(1.0 - self.rho**2)
        self.q = f([s.dividend_yield for s in u])
        self.mu = f([s.drift_annual for s in u])
        self.premium = f([s.implied_vol_premium for s in u])
        mj = cfg.market_jumps
        self.j_lam = f([s.jumps.intensity_per_year for s in u])
        self.j_mu = f([s.jumps.mean_log_return for s in u])
        self.j_sd = f([s.jumps.std_log_return for s in u])
        self.jump_var = f([s.jumps.variance_per_year for s in u]) + self.beta**2 * (
            mj.variance_per_year
        )
        compensator = self.j_lam * np.expm1(self.j_mu + 0.5 * self.j_sd**2) + (
            mj.intensity_per_year
            * np.expm1(self.beta * mj.mean_log_return + 0.5 * (self.beta * mj.std_log_return) ** 2)
        )
        self.base_drift = self.mu - self.q - compensator
        self.theta_base = (self.vol_level**2 - self.jump_var) / variance_normaliser(cfg)
        self.floor = (_VAR_FLOOR_FRACTION * self.vol_level) ** 2
        self.chol = np.linalg.cholesky(cfg.correlation_matrix())
        self.ref = cfg.symbols.index(cfg.vix.reference_symbol)
        seed = cfg.seed
        self.shock_rng = [stream(seed, KEY_SYMBOL_SHOCKS, symbol_key(s.symbol)) for s in u]
        self.jump_rng = [stream(seed, KEY_SYMBOL_JUMPS, symbol_key(s.symbol)) for s in u]
        self.market_rng = stream(seed, KEY_MARKET_JUMPS)
        self.regimes = RegimeProcess(cfg, stream(seed, KEY_REGIME), stream(seed, KEY_SCENARIO))
        self.block_steps = max(1, round(cfg.vol_block_minutes / cfg.step_minutes))
        self.x = np.log(f([s.start_price for s in u]))
        start_mult = cfg.regimes.specs[self.regimes.regime].variance_multiplier
        self.v = np.array(
            [
                s.start_vol**2 if s.start_vol is not None else tb * start_mult
                for s, tb in zip(u, self.theta_base, strict=True)
            ]
        )
        self.anchor = self.x.copy()
        self.spot_close_log = self.x.copy()
        self.day = 0

    def _time_steps(self, epoch_s: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Drift time and variance time (year fractions) of the overnight + intraday steps."""
        cfg = self.cfg
        minutes = np.diff(epoch_s) / 60.0
        share = cfg.overnight_variance_share
        dt_int = (1.0 - share) / SESSIONS_PER_YEAR * minutes / FULL_SESSION_MINUTES
        weight = np.ones_like(minutes)
        if cfg.intraday_seasonality > 0 and minutes.size > 1:
            mid = np.cumsum(minutes) - 0.5 * minutes
            total = minutes.sum()
            d = _SEASONALITY_DECAY_MINUTES
            weight = 1.0 + cfg.intraday_seasonality * (
                np.exp(-mid / d) + np.exp(-(total - mid) / d)
            )
            weight *= minutes.sum() / (weight * minutes).sum()
        dt_on = share / SESSIONS_PER_YEAR
        dt = np.concatenate(([dt_on], dt_int))
        dtv = np.concatenate(([dt_on], dt_int * weight))
        return dt, dtv

    def step_day(self, epoch_s: FloatArray, prev_close_s: float, lead_s: float) -> DayArrays:
        """Generate the session whose grid (open .. close, UTC epoch seconds) is ``epoch_s``."""
        n, n_t = self.n, epoch_s.size
        plan = self.regimes.plan(self.day)
        self.day += 1
        theta = self.theta_base * plan.variance_multiplier
        if plan.vol_reset_multiplier is not None:
            target = (plan.vol_reset_multiplier * self.vol_level) ** 2
            # A spike (multiplier >= 1) never lowers vol: in an already stressed market the
            # variance still jumps by half. A calming reset (grind-up) sets it outright.
            spiked = np.maximum(target, _SPIKE_VARIANCE_FACTOR * self.v)
            self.v = spiked if plan.vol_reset_multiplier >= 1.0 else target
        elif plan.regime_started:
            a = self.cfg.regimes.switch_vol_adjustment
            self.v = (1.0 - a) * np.maximum(self.v, self.floor) + a * theta
        if plan.regime_started:
            self.anchor = self.x.copy()
        dt, dtv = self._time_steps(epoch_s)
        sqrt_dtv = np.sqrt(dtv)
        starts = np.concatenate(([0], np.arange(1, n_t, self.block_steps)))
        ends = np.append(starts[1:], n_t)
        # Fixed-size draws per stream (grid-dependent only) keep every stream aligned.
        z = self.chol @ np.stack([g.standard_normal(n_t) for g in self.shock_rng])
        zv = self.chol @ np.stack([g.standard_normal(starts.size) for g in self.shock_rng])
        zb = np.array([g.standard_normal() for g in self.shock_rng])
        idio = np.empty((n, n_t))
        for i, g in enumerate(self.jump_rng):
            counts = g.poisson(self.j_lam[i] * dt)
            idio[i] = counts * self.j_mu[i] + np.sqrt(counts) * self.j_sd[i] * g.standard_normal(
                n_t
            )
        mj = self.cfg.market_jumps
        m_counts = self.market_rng.poisson(mj.intensity_per_year * dt)
        market = m_counts * mj.mean_log_return + np.sqrt(m_counts) * mj.std_log_return * (
            self.market_rng.standard_normal(n_t)
        )
        jumps = idio + self.beta[:, None] * market
        drift = self.base_drift + self.beta * plan.excess_drift_annual
        # Everything that does not depend on the variance path is computed for the whole day;
        # the loop only steps the variance (and ln S for the range-bound pull) per block.
        dw = z * sqrt_dtv
        dw_blk = np.add.reduceat(dw, starts, axis=1)
        jump_blk = np.add.reduceat(jumps, starts, axis=1)
        dt_blk = np.add.reduceat(dt, starts)
        dtv_blk = np.add.reduceat(dtv, starts)
        perp_blk = self.rho_perp[:, None] * np.sqrt(dtv_blk) * zv
        reversion = plan.price_reversion_per_year
        nb = starts.size
        vp_blk = np.empty((n, nb))
        rate_blk = np.empty((n, nb))
        x = self.x.copy()
        v = self.v
        kappa, xi, rho, floor = self.kappa, self.xi, self.rho, self.floor
        for b in range(nb):
            vp = np.maximum(v, floor)
            sq = np.sqrt(vp)
            vp_blk[:, b] = vp
            if reversion > 0.0:
                rate = drift - reversion * (x - self.anchor)
                rate_blk[:, b] = rate
                x = (
                    x
                    + rate * dt_blk[b]
                    - 0.5 * vp * dtv_blk[b]
                    + sq * dw_blk[:, b]
                    + jump_blk[:, b]
                )
            v = (
                v
                + kappa * (theta - vp) * dt_blk[b]
                + xi * sq * (rho * dw_blk[:, b] + perp_blk[:, b])
            )
        sizes = ends - starts
        v_used = np.repeat(vp_blk, sizes, axis=1)
        rate_steps = np.repeat(rate_blk, sizes, axis=1) if reversion > 0.0 else drift[:, None]
        incr = rate_steps * dt - 0.5 * v_used * dtv + np.sqrt(v_used) * dw + jumps
        prev_close = self.x
        # The lagging cash index opens at the efficient price ``lead_s`` before the open,
        # a Brownian-bridge point inside the overnight step.
        night_s = max(epoch_s[0] - prev_close_s, 1.0)
        frac = min(lead_s / night_s, 1.0)
        on_var = v_used[:, 0] * dtv[0]
        bridge = np.sqrt(on_var * frac * (1.0 - frac)) * zb
        if plan.gap_log_return is not None and frac < 1.0:
            # Pin the gap the cash index shows: pre-open point minus yesterday's spot close.
            want = self.spot_close_log + self.beta * plan.gap_log_return
            incr[:, 0] = (want - prev_close - bridge) / (1.0 - frac)
        pre_open = prev_close + (1.0 - frac) * incr[:, 0] + bridge
        knot_s = knots(epoch_s[0] - frac * night_s, epoch_s)
        path = prev_close[:, None] + np.cumsum(incr, axis=1)
        spot_log = self._spot_log(epoch_s, lead_s, knot_s, pre_open, path)
        if plan.close_log_return is not None and n_t > 1:
            # Pin the cash close-to-close move, shifting intraday increments along variance
            # time (a Brownian bridge to the target) so the day still looks like a day.
            sens = close_sensitivity(knot_s, lead_s)
            u = sens * dtv[1:]
            denom = float((sens * u).sum())
            if denom > 0.0:
                resid = self.spot_close_log + self.beta * plan.close_log_return - spot_log[:, -1]
                incr[:, 1:] += resid[:, None] * (u / denom)
                path = prev_close[:, None] + np.cumsum(incr, axis=1)
                spot_log = self._spot_log(epoch_s, lead_s, knot_s, pre_open, path)
        self.x = path[:, -1].copy()
        self.spot_close_log = spot_log[:, -1].copy()
        self.v = v
        var_grid = np.empty((n, n_t))
        var_grid[:, :-1] = v_used[:, 1:]
        var_grid[:, -1] = np.maximum(v, self.floor)
        ev = expected_mean_variance(
            var_grid, theta[:, None], self.kappa[:, None], self.jump_var[:, None]
        )
        ev30 = np.sqrt(ev) * self.premium[:, None]
        vix = vix_from_implied(ev30[self.ref], self.cfg.vix.premium_over_atm)
        return DayArrays(
            plan=plan,
            latent_log=path,
            spot_log=spot_log,
            variance=var_grid,
            expected_vol_30d=ev30,
            vix=vix,
            pre_open_s=float(knot_s[0]),
            pre_open_log=pre_open,
            prev_close_log=prev_close,
            overnight_variance_total=on_var,
            idio_jumps=idio,
            market_jumps=market,
        )

    @staticmethod
    def _spot_log(
        epoch_s: FloatArray,
        lead_s: float,
        knot_s: FloatArray,
        pre_open: FloatArray,
        path: FloatArray,
    ) -> FloatArray:
        if lead_s <= 0.0:
            return path
        values = np.concatenate((pre_open[:, None], path), axis=1)
        return interp_rows(epoch_s - lead_s, knot_s, values)

    @property
    def regime(self) -> Regime:
        return self.regimes.regime

"""Paired statistics for Monte Carlo comparisons: configs A and B run on the *same* simulated
paths, so each path gives one difference ``A - B`` and the noise shared by both (the path's
market) cancels. Reports the share of paths where A is better, t-based and seeded bootstrap
confidence intervals, sign and t-test p-values, and each side's quantiles and worst tail.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats

from v6.analytics.equity import FloatArray
from v6.analytics.performance import PerformanceReport
from v6.errors import InputRejected

DEFAULT_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

METRIC_DIRECTIONS: Mapping[str, bool] = MappingProxyType(
    {
        "total_return": True,
        "annualised_return": True,
        "annualised_volatility": False,
        "sharpe_ratio": True,
        "sortino_ratio": True,
        "calmar_ratio": True,
        "max_drawdown_fraction": False,
        "max_drawdown_duration_trading_days": False,
        "max_drawdown_duration_calendar_days": False,
        "longest_drawdown_trading_days": False,
        "worst_day_return": True,
        "worst_day_pnl_dollars": True,
        "cvar_5pct_daily_return": True,
        "win_rate": True,
        "avg_win_dollars": True,
        "avg_loss_dollars": True,
        "profit_factor": True,
        "worst_trade_pnl_dollars": True,
        "total_trade_pnl_dollars": True,
        "end_equity_dollars": True,
    }
)
"""Whether a larger value is better, for each ``PerformanceReport`` metric worth comparing."""

DEFAULT_METRICS = (
    "sharpe_ratio",
    "max_drawdown_fraction",
    "annualised_return",
    "sortino_ratio",
    "cvar_5pct_daily_return",
    "win_rate",
)


@dataclass(frozen=True, slots=True)
class Interval:
    """A two-sided confidence interval (NaN bounds when it cannot be computed)."""

    low: float
    high: float

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high


NAN_INTERVAL = Interval(math.nan, math.nan)


@dataclass(frozen=True, slots=True, eq=False)
class PairedComparison:
    """A vs B on one metric over paired paths. Differences are ``A - B``; "better" follows
    ``higher_is_better``. The worst tail is the ``tail_fraction`` of paths worst for that
    side (the lowest Sharpes, the deepest drawdowns): its boundary and its mean."""

    metric: str
    higher_is_better: bool
    label_a: str
    label_b: str
    a: FloatArray
    b: FloatArray
    differences: FloatArray
    n_dropped: int
    """Paths left out because either side's value was NaN (e.g. a flat path's Sharpe)."""
    mean_a: float
    mean_b: float
    median_a: float
    median_b: float
    mean_difference: float
    median_difference: float
    share_a_better: float
    share_equal: float
    confidence: float
    mean_ci_t: Interval
    mean_ci_bootstrap: Interval
    median_ci_bootstrap: Interval
    p_value_t: float
    """Two-sided paired t-test of mean difference 0."""
    p_value_sign: float
    """Two-sided sign test (binomial) on the paths that differ."""
    quantiles_a: Mapping[float, float]
    quantiles_b: Mapping[float, float]
    tail_fraction: float
    worst_tail_boundary_a: float
    worst_tail_boundary_b: float
    worst_tail_mean_a: float
    worst_tail_mean_b: float
    n_bootstrap: int
    seed: int
    notes: Mapping[str, str] = field(default_factory=dict)

    @property
    def n_paths(self) -> int:
        return int(self.differences.size)

    @property
    def share_b_better(self) -> float:
        return 1.0 - self.share_a_better - self.share_equal if self.n_paths else math.nan


def _readonly(a: npt.ArrayLike) -> FloatArray:
    out = np.array(a, dtype=np.float64).reshape(-1)
    out.setflags(write=False)
    return out


def _worst_tail(values: FloatArray, tail: float, higher_is_better: bool) -> tuple[float, float]:
    """Boundary and mean of the worst ``tail`` share of ``values``."""
    if not values.size:
        return math.nan, math.nan
    if higher_is_better:
        cut = float(np.quantile(values, tail))
        return cut, float(values[values <= cut].mean())
    cut = float(np.quantile(values, 1.0 - tail))
    return cut, float(values[values >= cut].mean())


def _bootstrap(d: FloatArray, n_boot: int, seed: int, alpha: float) -> tuple[Interval, Interval]:
    """Percentile intervals of the mean and the median, resampling paths with replacement
    (in chunks so 1,000 paths x 10,000 resamples stays a few MB)."""
    rng = np.random.default_rng(seed)
    means = np.empty(n_boot)
    medians = np.empty(n_boot)
    chunk = max(1, 2_000_000 // d.size)
    for lo in range(0, n_boot, chunk):
        hi = min(n_boot, lo + chunk)
        sample = d[rng.integers(0, d.size, size=(hi - lo, d.size))]
        means[lo:hi] = sample.mean(axis=1)
        medians[lo:hi] = np.median(sample, axis=1)
    q = (alpha / 2, 1 - alpha / 2)
    m_lo, m_hi = np.quantile(means, q)
    md_lo, md_hi = np.quantile(medians, q)
    return Interval(float(m_lo), float(m_hi)), Interval(float(md_lo), float(md_hi))


def paired_comparison(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    *,
    metric: str = "metric",
    higher_is_better: bool | None = None,
    label_a: str = "A",
    label_b: str = "B",
    confidence: float = 0.95,
    n_bootstrap: int = 2_000,
    seed: int = 0,
    tail_fraction: float = 0.05,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
) -> PairedComparison:
    """Compare per-path values of A and B (``a[i]`` and ``b[i]`` from the same path).

    ``higher_is_better`` defaults to ``METRIC_DIRECTIONS[metric]``. Deterministic for a given
    ``seed``. Raises InputRejected for unequal lengths or an unknown direction.
    """
    if higher_is_better is None:
        if metric not in METRIC_DIRECTIONS:
            raise InputRejected(f"say whether a higher {metric!r} is better (higher_is_better)")
        higher_is_better = METRIC_DIRECTIONS[metric]
    if not 0 < confidence < 1:
        raise InputRejected(f"confidence must be in (0, 1), got {confidence!r}")
    if not 0 < tail_fraction < 1:
        raise InputRejected(f"tail_fraction must be in (0, 1), got {tail_fraction!r}")
    if n_bootstrap < 1:
        raise InputRejected(f"n_bootstrap must be >= 1, got {n_bootstrap!r}")
    xa = np.asarray(a, dtype=np.float64).reshape(-1)
    xb = np.asarray(b, dtype=np.float64).reshape(-1)
    if xa.shape != xb.shape:
        raise InputRejected(f"paired samples differ in length: {xa.size} vs {xb.size}")
    keep = np.isfinite(xa) & np.isfinite(xb)
    xa, xb = xa[keep], xb[keep]
    d = xa - xb
    n = int(d.size)
    notes: dict[str, str] = {}
    dropped = int(keep.size - n)
    if dropped:
        notes["dropped"] = f"{dropped} path(s) with a non-finite value left out"
    alpha = 1.0 - confidence
    nan = math.nan
    if n == 0:
        notes["empty"] = "no path has a finite value on both sides"
        mean_a = mean_b = med_a = med_b = mean_d = med_d = share_a = share_eq = nan
        t_ci = boot_mean = boot_med = NAN_INTERVAL
        p_t = p_sign = nan
    else:
        mean_a, mean_b = float(xa.mean()), float(xb.mean())
        med_a, med_b = float(np.median(xa)), float(np.median(xb))
        mean_d, med_d = float(d.mean()), float(np.median(d))
        better = d > 0 if higher_is_better else d < 0
        n_better, n_equal = int(better.sum()), int((d == 0).sum())
        share_a, share_eq = n_better / n, n_equal / n
        differing = n - n_equal
        p_sign = float(stats.binomtest(n_better, differing, 0.5).pvalue) if differing else 1.0
        t_ci, p_t = _t_interval(d, confidence, notes)
        boot_mean, boot_med = _bootstrap(d, n_bootstrap, seed, alpha)
    qs = tuple(float(q) for q in quantiles)
    ba, ma = _worst_tail(xa, tail_fraction, higher_is_better)
    bb, mb = _worst_tail(xb, tail_fraction, higher_is_better)
    return PairedComparison(
        metric=metric,
        higher_is_better=higher_is_better,
        label_a=label_a,
        label_b=label_b,
        a=_readonly(xa),
        b=_readonly(xb),
        differences=_readonly(d),
        n_dropped=dropped,
        mean_a=mean_a,
        mean_b=mean_b,
        median_a=med_a,
        median_b=med_b,
        mean_difference=mean_d,
        median_difference=med_d,
        share_a_better=share_a,
        share_equal=share_eq,
        confidence=confidence,
        mean_ci_t=t_ci,
        mean_ci_bootstrap=boot_mean,
        median_ci_bootstrap=boot_med,
        p_value_t=p_t,
        p_value_sign=p_sign,
        quantiles_a=_quantiles(xa, qs),
        quantiles_b=_quantiles(xb, qs),
        tail_fraction=tail_fraction,
        worst_tail_boundary_a=ba,
        worst_tail_boundary_b=bb,
        worst_tail_mean_a=ma,
        worst_tail_mean_b=mb,
        n_bootstrap=n_bootstrap,
        seed=seed,
        notes=MappingProxyType(notes),
    )


def _t_interval(d: FloatArray, confidence: float, notes: dict[str, str]) -> tuple[Interval, float]:
    n = d.size
    if n < 2:
        notes["t"] = "one path: no t interval"
        return NAN_INTERVAL, math.nan
    mean = float(d.mean())
    se = float(d.std(ddof=1)) / math.sqrt(n)
    if se == 0.0:
        notes["t"] = "every path has the same difference: the interval is that value"
        return Interval(mean, mean), (1.0 if mean == 0 else 0.0)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * se
    p = float(2.0 * stats.t.sf(abs(mean / se), n - 1))
    return Interval(mean - half, mean + half), p


def _quantiles(values: FloatArray, qs: tuple[float, ...]) -> Mapping[float, float]:
    if not values.size:
        return MappingProxyType(dict.fromkeys(qs, math.nan))
    return MappingProxyType(dict(zip(qs, np.quantile(values, qs).tolist(), strict=True)))


def compare_metrics(
    a: pl.DataFrame,
    b: pl.DataFrame,
    *,
    key: str = "path_id",
    metrics: Iterable[str] = DEFAULT_METRICS,
    label_a: str = "A",
    label_b: str = "B",
    confidence: float = 0.95,
    n_bootstrap: int = 2_000,
    seed: int = 0,
    tail_fraction: float = 0.05,
) -> dict[str, PairedComparison]:
    """Compare per-path metric tables (one row per path, a ``key`` column and one column per
    metric, e.g. ``reports_frame``) metric by metric, pairing rows by ``key``.

    Refuses tables whose paths differ: a comparison on unmatched paths is not paired.
    """
    for name, frame in ((label_a, a), (label_b, b)):
        if key not in frame.columns:
            raise InputRejected(f"{name}: no {key!r} column to pair paths by")
        if frame[key].n_unique() != frame.height:
            raise InputRejected(f"{name}: repeated values in {key!r}")
    unmatched = set(a[key].to_list()) ^ set(b[key].to_list())
    if unmatched:
        raise InputRejected(
            f"{label_a} and {label_b} were not run on the same paths "
            f"({len(unmatched)} path(s) in only one, e.g. {sorted(map(str, unmatched))[:3]})"
        )
    joined = a.join(b, on=key, how="inner", suffix="__b").sort(key)
    out: dict[str, PairedComparison] = {}
    for i, metric in enumerate(metrics):
        for name, frame in ((label_a, a), (label_b, b)):
            if metric not in frame.columns:
                raise InputRejected(f"{name}: no column {metric!r}")
        out[metric] = paired_comparison(
            joined[metric].cast(pl.Float64).fill_null(math.nan).to_numpy(),
            joined[f"{metric}__b"].cast(pl.Float64).fill_null(math.nan).to_numpy(),
            metric=metric,
            label_a=label_a,
            label_b=label_b,
            confidence=confidence,
            n_bootstrap=n_bootstrap,
            seed=seed + i,
            tail_fraction=tail_fraction,
        )
    return out


def reports_frame(
    reports: Mapping[str, PerformanceReport], *, key: str = "path_id"
) -> pl.DataFrame:
    """One row per path (``key`` plus every scalar metric) from ``{path_id: report}``: the
    table ``compare_metrics`` pairs."""
    rows = [{key: str(path_id), **r.scalars()} for path_id, r in reports.items()]
    if not rows:
        return pl.DataFrame(schema={key: pl.String})
    return pl.DataFrame(rows)

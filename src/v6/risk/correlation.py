"""Correlation groups and betas from recent daily returns (supplied by the caller).

Two underlyings whose return correlation is at or above the threshold count as one for the
per-underlying and concentration caps. Grouping is transitive (SPY~QQQ and QQQ~IWM put all
three in one group even if SPY~IWM is just under): the conservative reading of "count
together". A pair with too few common finite returns is treated as uncorrelated and reported.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, slots=True)
class CorrelationGroups:
    """Underlyings that count as one. Symbols not in any listed group stand alone."""

    groups: tuple[frozenset[str], ...] = ()
    correlations: Mapping[tuple[str, str], float] = field(default_factory=dict)
    """Pairwise correlations measured (keys sorted), for journaling."""
    threshold: float = 1.0
    notes: tuple[str, ...] = ()

    def group_of(self, symbol: str) -> frozenset[str]:
        for g in self.groups:
            if symbol in g:
                return g
        return frozenset({symbol})

    def key(self, symbol: str) -> str:
        """A stable label of the symbol's group, e.g. ``QQQ+SPY``."""
        return "+".join(sorted(self.group_of(symbol)))

    @staticmethod
    def singletons() -> CorrelationGroups:
        """No correlation known: every underlying stands alone."""
        return CorrelationGroups()

    @staticmethod
    def of(groups: Iterable[Iterable[str]], threshold: float = 1.0) -> CorrelationGroups:
        """Groups given directly (config, tests)."""
        return CorrelationGroups(tuple(frozenset(g) for g in groups), {}, threshold)


def _tails(returns: Mapping[str, Sequence[float]], lookback: int) -> dict[str, np.ndarray]:
    """The last ``lookback`` returns of each symbol, right-aligned (the most recent days)."""
    n = min((len(r) for r in returns.values()), default=0)
    n = min(n, lookback)
    return {s: np.asarray(r[len(r) - n :], dtype=np.float64) for s, r in returns.items()}


def _corr(a: np.ndarray, b: np.ndarray, min_obs: int) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    if int(ok.sum()) < min_obs:
        return math.nan
    x, y = a[ok] - a[ok].mean(), b[ok] - b[ok].mean()
    den = math.sqrt(float((x * x).sum()) * float((y * y).sum()))
    return float((x * y).sum()) / den if den > 0 else math.nan


def correlation_groups(
    returns: Mapping[str, Sequence[float]],
    threshold: float,
    *,
    lookback: int = 60,
    min_observations: int = 20,
) -> CorrelationGroups:
    """Group underlyings whose daily-return correlation is >= ``threshold``.

    ``returns`` maps symbol to its daily returns, oldest first, all ending on the same day;
    the last ``lookback`` common days are used.
    """
    tails = _tails(returns, lookback)
    symbols = sorted(tails)
    parent = {s: s for s in symbols}

    def find(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    corrs: dict[tuple[str, str], float] = {}
    notes: list[str] = []
    for i, a in enumerate(symbols):
        for b in symbols[i + 1 :]:
            c = _corr(tails[a], tails[b], min_observations)
            corrs[(a, b)] = c
            if math.isnan(c):
                notes.append(f"{a}/{b}: fewer than {min_observations} common returns")
            elif c >= threshold:
                parent[find(a)] = find(b)
    members: dict[str, set[str]] = {}
    for s in symbols:
        members.setdefault(find(s), set()).add(s)
    groups = tuple(sorted((frozenset(m) for m in members.values() if len(m) > 1), key=sorted))
    return CorrelationGroups(groups, corrs, threshold, tuple(notes))


def estimate_betas(
    returns: Mapping[str, Sequence[float]],
    benchmark: str,
    *,
    lookback: int = 60,
    min_observations: int = 20,
) -> dict[str, float]:
    """Beta of each symbol to ``benchmark``: cov(r, r_b) / var(r_b) over the last ``lookback``
    common days. Symbols with too few returns (or a flat benchmark) are left out, so the
    caller's configured table applies to them."""
    tails = _tails(returns, lookback)
    bench = tails.get(benchmark)
    if bench is None:
        return {}
    out: dict[str, float] = {}
    for s, r in tails.items():
        ok = np.isfinite(r) & np.isfinite(bench)
        if int(ok.sum()) < min_observations:
            continue
        x, y = r[ok] - r[ok].mean(), bench[ok] - bench[ok].mean()
        var = float((y * y).sum())
        if var > 0:
            out[s] = float((x * y).sum()) / var
    return out

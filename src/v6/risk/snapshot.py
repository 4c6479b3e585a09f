"""``RiskSnapshot``: everything the pre-trade gate judges an intent against, gathered once per
cycle by the shell (portfolio, this cycle's risk report, market inputs, correlation groups and
the broker's buying power)."""

from __future__ import annotations

from dataclasses import dataclass, field

from v6.domain.portfolio import Portfolio
from v6.risk.calculator import PortfolioRisk
from v6.risk.correlation import CorrelationGroups
from v6.risk.market import MarketInputs


@dataclass(frozen=True, slots=True, eq=False)
class RiskSnapshot:
    """The portfolio as it is; the gate derives the portfolio as it would be after a trade.

    ``buying_power`` is the broker's available funds in dollars (None: not known, that check
    is skipped and the margin-use limit alone bounds new risk).
    """

    portfolio: Portfolio
    risk: PortfolioRisk
    market: MarketInputs
    groups: CorrelationGroups = field(default_factory=CorrelationGroups.singletons)
    buying_power: float | None = None

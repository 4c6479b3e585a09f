"""Trade statistics by hand: win rate, average win/loss, profit factor, worst trade, exits
by rule, exposure on exchange dates, turnover; and the table checks."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import polars as pl
import pytest

from v6.analytics.performance import performance_report
from v6.analytics.trades import exposure_fraction, normalise_trades, trade_stats
from v6.errors import DataQualityError

from .helpers import curve, trades, utc, weekdays

D = weekdays(5)


def closed(i: int, pnl: float, rule: str, stype: str = "iron_condor") -> dict[str, object]:
    return {
        "entry_time": utc(D[0]),
        "exit_time": utc(D[min(i, 4)]),
        "pnl": pnl,
        "exit_rule": rule,
        "strategy_type": stype,
    }


BOOK = trades(
    [
        closed(1, 100.0, "take_profit"),
        closed(2, -50.0, "stop_loss", "bull_put"),
        closed(2, 30.0, "take_profit"),
        closed(3, 0.0, "dte_exit"),
        closed(4, -20.0, "take_profit", "bull_put"),
        {"entry_time": utc(D[3])},  # still open
    ]
)


def test_trade_stats_by_hand() -> None:
    s = trade_stats(normalise_trades(BOOK))
    assert (s.closed_trades, s.open_trades, s.wins, s.losses) == (5, 1, 2, 2)
    assert s.win_rate.value == pytest.approx(2 / 5)  # the scratch counts, as neither
    assert s.avg_win_dollars.value == pytest.approx(65.0)
    assert s.avg_loss_dollars.value == pytest.approx(-35.0)
    assert s.profit_factor.value == pytest.approx(130 / 70)
    assert s.worst_trade_pnl_dollars.value == -50.0
    assert s.total_pnl_dollars == pytest.approx(60.0)
    assert dict(s.exits_by_rule) == {"take_profit": 3, "dte_exit": 1, "stop_loss": 1}
    assert list(s.exits_by_rule) == ["take_profit", "dte_exit", "stop_loss"]  # most first
    assert dict(s.pnl_by_strategy_type_dollars) == {"bull_put": -70.0, "iron_condor": 130.0}


def test_no_losing_trade_leaves_profit_factor_undefined() -> None:
    rep = performance_report(curve([100, 101, 102]), trades([closed(1, 10.0, "take_profit")]))
    assert rep.win_rate == 1.0
    assert math.isnan(rep.profit_factor)
    assert rep.undefined["profit_factor"] == "no losing trade"


def test_exposure_counts_days_with_an_open_trade_in_exchange_time() -> None:
    c = curve([100.0] * 5)
    book = trades(
        [
            # entered Monday, closed Tuesday: two days
            {"entry_time": utc(D[0]), "exit_time": utc(D[1]), "pnl": 1.0, "exit_rule": "tp"},
            # 02:00 UTC Thursday is still Wednesday evening in New York
            {
                "entry_time": datetime(2026, 1, 8, 2, tzinfo=UTC),
                "exit_time": datetime(2026, 1, 8, 3, tzinfo=UTC),
                "pnl": 1.0,
                "exit_rule": "tp",
            },
        ]
    )
    assert exposure_fraction(c, normalise_trades(book)).value == pytest.approx(3 / 5)
    still_open = trades([{"entry_time": utc(D[3])}])
    assert exposure_fraction(c, normalise_trades(still_open)).value == pytest.approx(2 / 5)
    assert exposure_fraction(c, normalise_trades(None)).value == 0.0


def test_turnover_is_max_loss_put_on_per_year_over_mean_equity() -> None:
    c = curve([100_000.0, 100_000.0, 100_000.0, 100_000.0, 100_000.0])
    book = trades(
        [
            {"entry_time": utc(D[0]), "max_loss": 1_000.0},
            {"entry_time": utc(D[2]), "max_loss": 2_000.0},
        ]
    )
    rep = performance_report(c, book)
    assert rep.turnover_per_year == pytest.approx(3_000 / 100_000 / (4 / 252))
    assert rep.exposure_fraction == pytest.approx(1.0)


def test_bad_trade_tables_are_refused() -> None:
    with pytest.raises(DataQualityError, match="missing columns"):
        normalise_trades(pl.DataFrame({"entry_time": [utc(D[0])]}))
    with pytest.raises(DataQualityError, match="before it was entered"):
        normalise_trades(trades([{"entry_time": utc(D[2]), "exit_time": utc(D[1]), "pnl": 1.0}]))
    with pytest.raises(DataQualityError, match="no finite pnl"):
        normalise_trades(trades([{"entry_time": utc(D[0]), "exit_time": utc(D[1])}]))


def test_naive_and_date_timestamps_are_read_as_utc() -> None:
    naive = pl.DataFrame(
        {
            "entry_time": [datetime(2026, 1, 5, 15)],
            "exit_time": [datetime(2026, 1, 6, 15)],
            "strategy_type": ["iron_condor"],
            "exit_rule": ["tp"],
            "pnl": [5.0],
            "max_loss": [100.0],
        }
    )
    out = normalise_trades(naive)
    assert out.schema["entry_time"] == pl.Datetime("us", "UTC")
    assert out["entry_time"][0] == datetime(2026, 1, 5, 15, tzinfo=UTC)
    assert set(out.columns) >= {"regime", "strategy_id"}

"""Every page of the app under Streamlit's AppTest on the fixture journal: it renders without an
exception or a failed panel, and the numbers it shows are the ones in the tables (computed here
straight from the Delta tables with polars, not through ``v6.queries``)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from v6.dashboard import format as fmt
from v6.dashboard.fixtures import FixtureLake
from v6.dashboard.panels.common import PANEL_FAILED

from .conftest import APP, table

pytestmark = pytest.mark.usefixtures("app_env")


def run_page(page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    if page is not None:
        at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    failed = [e.value for e in at.error if PANEL_FAILED in str(e.value)]
    assert not failed, failed
    return at


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no metric {label!r}; have {[m.label for m in at.metric]}"
    return values[0]


def frame(at: AppTest, *columns: str, index: int = 0) -> pl.DataFrame:
    """The ``index``-th table on the page that has all of ``columns``."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert len(found) > index, f"no table with columns {columns}"
    return pl.from_pandas(found[index])


def last_account(lake: FixtureLake) -> dict[str, object]:
    return table(lake, "account_snapshots").sort("ts_event").row(-1, named=True)


def open_ids(lake: FixtureLake) -> set[str]:
    s = table(lake, "strategies")
    return set(s.filter(pl.col("status") == "OPEN").get_column("strategy_id").to_list())


PAGES = ("overview", "positions", "risk", "decisions", "orders", "alerts", "system", "backtests")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_the_header(page: str, lake: FixtureLake) -> None:
    at = run_page(page)
    assert at.title, "page has no title"
    last = last_account(lake)
    assert metric(at, "Net liq") == fmt.money(last["net_liquidation"])  # type: ignore[arg-type]
    assert metric(at, "Mode") == "SIM"
    assert metric(at, "Trading") == "ACTIVE"


def test_header_shows_the_account_numbers(lake: FixtureLake) -> None:
    at = run_page()
    acct = table(lake, "account_snapshots").sort("ts_event")
    last = acct.row(-1, named=True)
    before = acct.filter(pl.col("trade_date") < last["trade_date"]).get_column("net_liquidation")
    assert metric(at, "Day P&L") == fmt.money(last["net_liquidation"] - before[-1], signed=True)
    assert metric(at, "Open P&L") == fmt.money(last["unrealized_pnl"], signed=True)
    assert metric(at, "Margin use") == fmt.pct(last["initial_margin"] / last["net_liquidation"])
    theta, vega = last["portfolio_theta_per_day"], last["portfolio_vega_per_vol_point"]
    assert metric(at, "Theta / day") == fmt.money(theta, cents=True, signed=True)
    assert metric(at, "Vega / pt") == fmt.money(vega, cents=True, signed=True)
    assert metric(at, "Kill switch") == "off"
    assert metric(at, "Broker") == "connected"


def test_overview_equity_numbers(lake: FixtureLake) -> None:
    at = run_page("overview")
    nl = table(lake, "account_snapshots").sort("ts_event").get_column("net_liquidation")
    peak = nl.cum_max()
    assert metric(at, "Start") == fmt.money(nl[0])
    assert metric(at, "Now") == fmt.money(nl[-1])
    assert metric(at, "Max drawdown") == fmt.pct(float((nl / peak - 1).min()), 2)  # type: ignore[arg-type]
    assert len(at.get("plotly_chart")) >= 4


def test_positions_table_matches_open_strategies_and_snapshots(lake: FixtureLake) -> None:
    at = run_page("positions")
    shown = frame(at, "strategy", "closest rule")
    ids = open_ids(lake)
    assert set(shown.get_column("strategy").to_list()) == ids
    snaps = table(lake, "position_snapshots").sort("ts_event").group_by("strategy_id").last()
    expected = {r["strategy_id"]: r["unrealized_pnl"] for r in snaps.iter_rows(named=True)}
    for row in shown.iter_rows(named=True):
        assert row["P&L $"] == pytest.approx(expected[row["strategy"]])
    flagged = shown.filter(pl.col("flag") != "").get_column("strategy").to_list()
    assert flagged == [lake.flagged_id]
    flagged_index = shown.get_column("strategy").to_list().index(lake.flagged_id)
    legs = frame(at, "strike", "right", "qty", index=flagged_index)
    assert (
        legs.height == table(lake, "legs").filter(pl.col("strategy_id") == lake.flagged_id).height
    )
    assert metric(at, "0-7 DTE") == "1 open"


def test_risk_totals_are_the_sum_of_the_latest_snapshots(lake: FixtureLake) -> None:
    at = run_page("risk")
    shown = frame(at, "underlying", "delta (sh)")
    snaps = (
        table(lake, "position_snapshots")
        .filter(pl.col("strategy_id").is_in(list(open_ids(lake))))
        .sort("ts_event")
        .group_by("strategy_id")
        .last()
    )
    total = shown.filter(pl.col("underlying") == "TOTAL").row(0, named=True)
    assert total["delta (sh)"] == pytest.approx(snaps.get_column("delta").sum())
    assert total["vega $/pt"] == pytest.approx(snaps.get_column("vega_per_vol_point").sum())
    assert total["max loss $"] == pytest.approx(
        table(lake, "strategies").filter(pl.col("status") == "OPEN").get_column("max_loss").sum()
    )
    assert metric(at, "Strategies") == str(len(open_ids(lake)))
    assert metric(at, "Worst cell").startswith(("-$", "$"))


def test_decisions_filtered_by_the_strategy_in_the_address(lake: FixtureLake) -> None:
    at = run_page("decisions", strategy=lake.flagged_id)
    shown = frame(at, "decision id", "rule")
    expected = table(lake, "decisions").filter(pl.col("strategy_id") == lake.flagged_id)
    assert shown.height == expected.unique("decision_id").height
    assert set(shown.get_column("strategy").to_list()) == {lake.flagged_id}
    newest = expected.sort("ts_event").row(-1, named=True)
    assert shown.row(0, named=True)["rule"] == newest["rule"] == "catastrophe"
    sentences = [m.value for m in at.markdown if "because catastrophe" in m.value]
    assert sentences, "the newest decision is not explained in plain language"


def test_orders_page_working_fills_and_rejections(lake: FixtureLake) -> None:
    at = run_page("orders")
    working = frame(at, "order ref", "walk step")
    assert working.get_column("order ref").to_list() == [lake.working_order_ref]
    events = table(lake, "order_events").filter(pl.col("order_ref") == lake.working_order_ref)
    assert working.row(0, named=True)["walk step"] == events.get_column("walk_step").max()
    fills = table(lake, "executions")
    assert metric(at, "Fills") == f"{fills.height:,}"
    assert metric(at, "Commissions") == fmt.money(
        float(fills.get_column("commission").sum()), cents=True
    )
    rejected = frame(at, "error_code", "source")
    codes = set(rejected.get_column("error_code").drop_nulls().to_list())
    expected = set(table(lake, "order_events").get_column("error_code").drop_nulls().to_list())
    assert codes == expected


def test_alerts_page_lists_open_alerts_and_history(lake: FixtureLake) -> None:
    at = run_page("alerts")
    rows = table(lake, "alerts").sort("ts_init").group_by("alert_id").last()
    still_open = rows.filter(pl.col("status") != "RESOLVED")
    assert frame(at, "alert id", index=0).height == still_open.height
    assert frame(at, "alert id", index=1).height == rows.height
    buttons = [b for b in at.button if b.label == "Acknowledge"]
    assert len(buttons) == still_open.filter(pl.col("status") == "ACTIVE").height


def test_system_page_shows_health_and_tables(lake: FixtureLake) -> None:
    at = run_page("system")
    assert metric(at, "Last cycle") == "42 ms"
    assert metric(at, "Streaming slots") == "n/a in sim"
    shown = frame(at, "table", "version")
    for row in shown.iter_rows(named=True):
        assert row["rows"] == table(lake, row["table"]).height, row["table"]
    errors = frame(at, "logger", "message")
    log = (lake.data_dir / "logs" / "v6.jsonl").read_text(encoding="utf-8")
    assert errors.height == log.count('"level": "ERROR"')


def test_backtests_page_lists_runs_and_their_metrics(lake: FixtureLake) -> None:
    at = run_page("backtests")
    manifests = sorted((lake.data_dir / "runs").glob("*/manifest.json"))
    assert frame(at, "run", "kind").height == len(manifests)
    assert len(at.get("plotly_chart")) >= 1


def test_missing_journal_shows_empty_panels_not_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .conftest import write_config

    monkeypatch.setenv(
        "V6_DASHBOARD_CONFIG", str(write_config(tmp_path / "c.yaml", tmp_path / "d"))
    )
    for page in PAGES:
        at = run_page(page)
        assert metric(at, "Heartbeat") == "no engine"


def test_password_gate_shows_nothing_until_signed_in(
    lake: FixtureLake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("V6__DASHBOARD__PASSWORD", "correct-horse-battery")
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.switch_page("views/positions.py").run()
    assert not at.metric
    assert not at.dataframe
    at.text_input[0].input("not-the-password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["wrong password"]
    assert not at.metric
    at.text_input[0].input("correct-horse-battery")
    at.button[0].click().run()
    assert not at.exception
    assert metric(at, "Net liq") == fmt.money(last_account(lake)["net_liquidation"])  # type: ignore[arg-type]

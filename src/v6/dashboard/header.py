"""The strip at the top of every page: mode, broker link, heartbeat age, trading state and
kill switch, then net liquidation, day and open P&L, margin use, beta-weighted delta, theta per
day and vega. It refreshes itself (a fragment) every ``dashboard.refresh_s`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from v6.dashboard import data
from v6.dashboard import format as fmt
from v6.dashboard.context import DashboardContext
from v6.queries.account import AccountSummary
from v6.queries.health import HealthRecord

STATE_COLORS = {"ACTIVE": "green", "REDUCING": "orange", "HALTED": "red"}
STALE_INTERVALS = 3
"""A heartbeat older than this many heartbeat (or monitoring) intervals is shown as stale."""


@dataclass(frozen=True, slots=True)
class HeaderValues:
    """What the strip shows, already formatted (kept apart from drawing for the tests)."""

    mode: str
    broker: str
    heartbeat: str
    heartbeat_help: str
    heartbeat_stale: bool
    trading_state: str
    kill_switch: str
    net_liq: str
    day_pnl: str
    open_pnl: str
    margin_use: str
    beta_delta: str
    theta: str
    vega: str


def values(
    ctx: DashboardContext, record: HealthRecord | None, acct: AccountSummary | None
) -> HeaderValues:
    now = data.now()
    mode = (record.mode if record and record.mode else ctx.config.mode.value).upper()
    if record is None or record.broker_connected is None:
        broker = "in process" if mode == "SIM" else "unknown"
    else:
        broker = "connected" if record.broker_connected else "DISCONNECTED"
    age = None if record is None else record.age_s(now)
    refresh = ctx.config.refresh
    stale_after = STALE_INTERVALS * max(refresh.heartbeat_s, refresh.monitoring_s)
    kill = data.kill_switch(ctx) is not None or bool(record and record.kill_switch)
    bwd = next((e.beta_weighted_delta for e in data.exposure(ctx) if e.underlying == "TOTAL"), None)
    return HeaderValues(
        mode=mode,
        broker=broker,
        heartbeat="no engine"
        if record is None
        else ("unreadable" if record.error else fmt.duration(age)),
        heartbeat_help=(
            "no health.json in the data directory: the engine has not run here"
            if record is None
            else record.error or f"last heartbeat {fmt.both(record.heartbeat_at)}"
        ),
        heartbeat_stale=age is None or age > stale_after,
        trading_state=(record.trading_state if record and record.trading_state else "UNKNOWN"),
        kill_switch="SET" if kill else "off",
        net_liq=fmt.money(acct.net_liquidation if acct else None),
        day_pnl=fmt.money(acct.day_pnl if acct else None, signed=True),
        open_pnl=fmt.money(acct.unrealized_pnl if acct else None, signed=True),
        margin_use=fmt.pct(acct.margin_use if acct else None),
        beta_delta=fmt.delta(bwd),
        theta=fmt.money(acct.theta_per_day if acct else None, cents=True, signed=True),
        vega=fmt.money(acct.vega_per_vol_point if acct else None, cents=True, signed=True),
    )


STYLE = """<style>
[data-testid="stMetricValue"] { font-size: 1.45rem; }
[data-testid="stMetricLabel"] p { font-size: 0.8rem; }
</style>"""
"""Denser metrics than Streamlit's default: a trading screen shows many numbers at once."""


def _attention(v: HeaderValues) -> list[tuple[str, str, str]]:
    """(label, colour, why) badges for what needs a person's eye; nothing when all is well."""
    out: list[tuple[str, str, str]] = []
    if v.mode == "LIVE":
        out.append(("LIVE", "red", "orders go to the live IB account"))
    if v.trading_state not in ("ACTIVE", "UNKNOWN"):
        out.append((v.trading_state, STATE_COLORS.get(v.trading_state, "gray"), "trading state"))
    if v.heartbeat_stale:
        out.append(("heartbeat stale", "red", "the engine has not written its heartbeat recently"))
    if v.kill_switch == "SET":
        out.append(("KILL SWITCH", "red", "nothing is traded; working orders are cancelled"))
    if v.broker == "DISCONNECTED":
        out.append(("broker down", "red", "the engine reports no broker connection"))
    return out


def render(ctx: DashboardContext) -> None:
    """Draw the strip (call it inside a fragment)."""
    record = data.health_record(ctx)
    acct = data.account_summary(ctx)
    v = values(ctx, record, acct)
    reason = record.state_reason if record and record.state_reason else ""
    top = st.columns(6)
    top[0].metric("Mode", v.mode, help="where orders go: simulator, IB paper or IB live")
    top[1].metric("Broker", v.broker)
    top[2].metric("Heartbeat", v.heartbeat, help=v.heartbeat_help)
    top[3].metric(
        "Trading", v.trading_state, help=reason or "circuit breakers: ACTIVE, REDUCING or HALTED"
    )
    top[4].metric("Kill switch", v.kill_switch, help=f"{ctx.data_dir / ctx.kill_file}")
    top[5].metric("Net liq", v.net_liq)
    cols = st.columns(6)
    cols[0].metric("Day P&L", v.day_pnl, help="change of net liquidation since the previous close")
    cols[1].metric("Open P&L", v.open_pnl)
    cols[2].metric("Margin use", v.margin_use, help="initial margin / net liquidation")
    cols[3].metric(
        "Beta-wtd delta",
        v.beta_delta,
        help=f"portfolio delta in {ctx.config.risk.benchmark} shares",
    )
    cols[4].metric("Theta / day", v.theta, help="dollars per calendar day")
    cols[5].metric("Vega / pt", v.vega, help="dollars per volatility point")
    badges = _attention(v)
    if badges:
        with st.container(horizontal=True):
            for text, color, why in badges:
                st.badge(text, color=color, help=why)  # type: ignore[arg-type]
    if v.kill_switch == "SET":
        st.error("Kill switch is set: nothing is traded and working orders are cancelled.")
    elif v.trading_state == "HALTED":
        why = f": {fmt.md(reason)}" if reason else ""
        st.error(f"Trading is HALTED by a circuit breaker{why}.")
    st.divider()

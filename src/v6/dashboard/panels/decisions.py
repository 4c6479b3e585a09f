"""Decisions: the decision journal, filterable by strategy, rule and action, newest first; each
decision expands to its plain-language explanation (``v6.rules.explain``, through
``v6.queries``) and the numbers it saw. ``?strategy=ID`` in the address preselects a strategy,
which is how the Positions page links here.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import streamlit as st

from v6.dashboard import data
from v6.dashboard import format as fmt
from v6.dashboard.context import DashboardContext
from v6.dashboard.panels.common import empty, live
from v6.domain.decision import Action
from v6.journal.codec import DecisionRecord
from v6.queries.explain import explain_record
from v6.rules.config import RULE_NAMES

ALL = "(all)"
EXPANDED_LIMIT = 25
"""Decisions shown with their explanation below the table (the table lists up to 500)."""


def decisions_frame(records: Sequence[DecisionRecord]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "time (ET)": fmt.new_york(r.decision.ts, seconds=True),
                "UTC": fmt.utc(r.decision.ts),
                "strategy": r.decision.strategy_id,
                "rule": r.decision.rule,
                "priority": r.decision.priority,
                "action": r.decision.action.name,
                "urgency": r.decision.urgency.name,
                "reason": r.decision.reason,
                "data valid": r.decision.data_valid,
                "decision id": r.decision_id,
            }
            for r in records
        ],
        schema_overrides={"priority": pl.Int64},
    )


def _pairs(items: Sequence[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"name": [k for k, _ in items], "value": [v for _, v in items]},
        schema={"name": pl.String, "value": pl.String},
    )


def _journal(
    ctx: DashboardContext, strategy: str | None, rule: str | None, action: str | None
) -> None:
    records = data.decisions(
        ctx, strategy_id=strategy, rule=rule, action=None if action is None else Action[action]
    )
    st.subheader(f"Decisions ({len(records)})")
    if not records:
        empty("decisions matching these filters")
        return
    st.dataframe(decisions_frame(records), hide_index=True, key="decisions")
    for r in records[:EXPANDED_LIMIT]:
        d = r.decision
        title = f"{fmt.new_york(d.ts)} · {d.strategy_id} · {d.action.name} · {d.rule}"
        with st.expander(fmt.md(title)):
            explanation = explain_record(r)
            st.markdown(f"**{fmt.md(explanation.sentence)}**")
            meta = st.columns(4)
            meta[0].caption(f"priority {d.priority}, urgency {d.urgency.name}")
            meta[1].caption(f"decided {fmt.both(d.ts)}")
            meta[2].caption(
                f"cycle {r.cycle_id or fmt.MISSING}, intent {r.intent_id or fmt.MISSING}"
            )
            meta[3].caption(f"id {r.decision_id}" + ("" if d.data_valid else " · DATA NOT VALID"))
            left, right = st.columns(2)
            with left:
                st.caption("numbers it saw")
                st.dataframe(_pairs(explanation.inputs), hide_index=True, key=f"in-{r.decision_id}")
            with right:
                st.caption("thresholds")
                st.dataframe(
                    _pairs(explanation.thresholds), hide_index=True, key=f"th-{r.decision_id}"
                )


def _choice(label: str, options: list[str], param: str) -> str | None:
    wanted = st.query_params.get(param)
    if wanted and wanted not in options:
        options = [*options, wanted]
    index = options.index(wanted) if wanted in options else 0
    picked = st.selectbox(label, options, index=index, key=f"filter-{param}")
    if picked == ALL:
        st.query_params.pop(param, None)
        return None
    st.query_params[param] = picked
    return picked


def render(ctx: DashboardContext) -> None:
    st.title("Decisions")
    frame = data.strategy_pnl(ctx)
    strategies = sorted(frame.get_column("strategy_id").to_list()) if not frame.is_empty() else []
    cols = st.columns(3)
    with cols[0]:
        strategy = _choice("Strategy", [ALL, *strategies], "strategy")
    with cols[1]:
        rule = _choice("Rule", [ALL, *RULE_NAMES, "hold", "data_invalid"], "rule")
    with cols[2]:
        action = _choice("Action", [ALL, *(a.name for a in Action)], "action")
    live(ctx, _journal, strategy, rule, action)

"""``v6 explain DECISION_ID``: why the engine did something, in one sentence, with the numbers
the rule saw and the thresholds it compared them with (read through ``v6.queries``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from v6.cli.alerts_cmd import console
from v6.cli.db_cmd import DEFAULT_DATA_DIR, DataDir
from v6.queries import Explanation, Queries


def _when(ts: datetime | None) -> str:
    return "-" if ts is None else ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def facts_table(e: Explanation) -> Table:
    d = e.decision
    strategy = d.strategy_id
    if e.strategy is not None:
        status = f", {e.strategy.status}" if e.strategy.status else ""
        strategy = f"{d.strategy_id} ({e.strategy.label}{status})"
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    rows = [
        ("decision", d.decision_id),
        ("strategy", strategy),
        ("action", d.action.name),
        ("rule", f"{d.rule} (priority {d.priority})"),
        ("urgency", d.urgency.name),
        ("decided at", _when(d.ts)),
        ("journaled at", _when(e.record.recorded_at)),
        ("data valid", "yes" if d.data_valid else "NO"),
        ("cycle", e.record.cycle_id or "-"),
        ("order intent", e.record.intent_id or "-"),
    ]
    for name, value in rows:
        table.add_row(name, Text(value))
    return table


def numbers_table(e: Explanation) -> Table:
    table = Table(title="inputs vs thresholds")
    table.add_column("kind", no_wrap=True)
    table.add_column("name", no_wrap=True)
    table.add_column("value", justify="right", overflow="fold")
    for name, value in e.thresholds:
        table.add_row(Text("threshold", style="yellow"), Text(name), Text(value))
    if e.thresholds and e.inputs:
        table.add_section()
    for name, value in e.inputs:
        table.add_row("input", Text(name), Text(value))
    return table


def explain(
    decision_id: Annotated[str, typer.Argument(help="Decision id (or a unique prefix of it).")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Explain one decision: what, why, and the numbers behind it."""
    e = Queries.for_data_dir(data_dir).explain(decision_id)
    out = console()
    out.print(Text(e.sentence, style="bold"))
    if e.decision.reason and e.decision.reason not in e.sentence:
        out.print(Text(f"rule's note: {e.decision.reason}"))
    out.print()
    out.print(facts_table(e))
    out.print()
    if e.inputs or e.thresholds:
        out.print(numbers_table(e))
    else:
        out.print("the decision carries no inputs or thresholds")

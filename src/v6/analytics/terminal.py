"""Rich tables for the terminal: a run's summary and an A vs B comparison, built from the
report objects (``v6 run`` and ``v6 compare`` print them when they finish)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console, Group
from rich.table import Table

from v6.analytics.compare import PairedComparison
from v6.analytics.labels import format_value, label, summary_rows
from v6.analytics.performance import PerformanceReport


def summary_table(report: PerformanceReport, *, title: str = "Run summary") -> Table:
    caption = f"{report.start} to {report.end}, {report.trading_days} trading days"
    table = Table(title=title, caption=caption, show_header=True, header_style="bold")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("note", style="dim")
    for name, value, why in summary_rows(report):
        table.add_row(name, value, why)
    return table


def exits_table(report: PerformanceReport) -> Table:
    table = Table(title="Exits by rule", header_style="bold")
    table.add_column("rule")
    table.add_column("trades", justify="right")
    total = sum(report.exits_by_rule.values())
    table.add_column("share", justify="right")
    for rule, count in report.exits_by_rule.items():
        table.add_row(rule, f"{count:,d}", f"{count / total * 100:.1f} %")
    return table


def run_summary(report: PerformanceReport, *, title: str = "Run summary") -> Group:
    """The summary, followed by the exits table when any trade closed."""
    parts: list[Table] = [summary_table(report, title=title)]
    if report.exits_by_rule:
        parts.append(exits_table(report))
    return Group(*parts)


def comparison_table(
    comparisons: Mapping[str, PairedComparison], *, title: str = "A vs B (paired paths)"
) -> Table:
    first = next(iter(comparisons.values()), None)
    a, b = (first.label_a, first.label_b) if first else ("A", "B")
    table = Table(title=title, header_style="bold")
    for col in ("metric", f"median {a}", f"median {b}", f"mean {a}-{b}", "CI (t)"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    table.add_column(f"{a} better", justify="right")
    table.add_column("p (sign)", justify="right")
    for metric, c in comparisons.items():

        def f(v: float, m: str = metric) -> str:
            return format_value(m, v)

        table.add_row(
            label(metric),
            f(c.median_a),
            f(c.median_b),
            f(c.mean_difference),
            f"[{f(c.mean_ci_t.low)}, {f(c.mean_ci_t.high)}]",
            f"{c.share_a_better * 100:.1f} %",
            f"{c.p_value_sign:.3g}",
        )
    return table


def print_summary(
    report: PerformanceReport, console: Console | None = None, *, title: str = "Run summary"
) -> None:
    (console or Console()).print(run_summary(report, title=title))


def print_comparison(
    comparisons: Mapping[str, PairedComparison], console: Console | None = None
) -> None:
    (console or Console()).print(comparison_table(comparisons))

"""Analytics: performance metrics over a run's daily mark-to-market equity and its trades
(``PerformanceReport``), paired Monte Carlo comparison statistics, HTML/PNG/terminal reports,
run folders, and the prediction-variance feedback loop (``StrategyPredictionsTable``).

Names resolve lazily: the engine imports the predictions table on every start and must not
pay for matplotlib (half a second) or plotly, which only the reports need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from v6.analytics.compare import (
        METRIC_DIRECTIONS,
        Interval,
        PairedComparison,
        compare_metrics,
        paired_comparison,
        reports_frame,
    )
    from v6.analytics.equity import EquityCurve, monthly_return_matrix, monthly_returns
    from v6.analytics.html import (
        comparison_report_html,
        run_report_html,
        write_comparison_report_html,
        write_run_report_html,
    )
    from v6.analytics.metrics import Drawdown, Estimate
    from v6.analytics.performance import PerformanceReport, performance_report
    from v6.analytics.png import write_comparison_pngs, write_run_pngs
    from v6.analytics.predictions import (
        Outcome,
        Prediction,
        PredictionResult,
        StrategyPredictionsTable,
        prediction_id_for,
    )
    from v6.analytics.runfolder import RunFolder, RunManifest, load_equity, load_trades
    from v6.analytics.terminal import (
        comparison_table,
        print_comparison,
        print_summary,
        run_summary,
        summary_table,
    )
    from v6.analytics.trades import normalise_trades
    from v6.analytics.variance import (
        VarianceAnalysis,
        VarianceStats,
        analyze_prediction_variance,
        prediction_stats,
        regime_strategy_weights,
        strategy_weights,
        variance_weights,
    )

_EXPORTS = {
    "METRIC_DIRECTIONS": "v6.analytics.compare",
    "Interval": "v6.analytics.compare",
    "PairedComparison": "v6.analytics.compare",
    "compare_metrics": "v6.analytics.compare",
    "paired_comparison": "v6.analytics.compare",
    "reports_frame": "v6.analytics.compare",
    "EquityCurve": "v6.analytics.equity",
    "monthly_return_matrix": "v6.analytics.equity",
    "monthly_returns": "v6.analytics.equity",
    "comparison_report_html": "v6.analytics.html",
    "run_report_html": "v6.analytics.html",
    "write_comparison_report_html": "v6.analytics.html",
    "write_run_report_html": "v6.analytics.html",
    "Drawdown": "v6.analytics.metrics",
    "Estimate": "v6.analytics.metrics",
    "PerformanceReport": "v6.analytics.performance",
    "performance_report": "v6.analytics.performance",
    "write_comparison_pngs": "v6.analytics.png",
    "write_run_pngs": "v6.analytics.png",
    "Outcome": "v6.analytics.predictions",
    "Prediction": "v6.analytics.predictions",
    "PredictionResult": "v6.analytics.predictions",
    "StrategyPredictionsTable": "v6.analytics.predictions",
    "prediction_id_for": "v6.analytics.predictions",
    "RunFolder": "v6.analytics.runfolder",
    "RunManifest": "v6.analytics.runfolder",
    "load_equity": "v6.analytics.runfolder",
    "load_trades": "v6.analytics.runfolder",
    "comparison_table": "v6.analytics.terminal",
    "print_comparison": "v6.analytics.terminal",
    "print_summary": "v6.analytics.terminal",
    "run_summary": "v6.analytics.terminal",
    "summary_table": "v6.analytics.terminal",
    "normalise_trades": "v6.analytics.trades",
    "VarianceAnalysis": "v6.analytics.variance",
    "VarianceStats": "v6.analytics.variance",
    "analyze_prediction_variance": "v6.analytics.variance",
    "prediction_stats": "v6.analytics.variance",
    "regime_strategy_weights": "v6.analytics.variance",
    "strategy_weights": "v6.analytics.variance",
    "variance_weights": "v6.analytics.variance",
}


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'v6.analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "METRIC_DIRECTIONS",
    "Drawdown",
    "EquityCurve",
    "Estimate",
    "Interval",
    "Outcome",
    "PairedComparison",
    "PerformanceReport",
    "Prediction",
    "PredictionResult",
    "RunFolder",
    "RunManifest",
    "StrategyPredictionsTable",
    "VarianceAnalysis",
    "VarianceStats",
    "analyze_prediction_variance",
    "compare_metrics",
    "comparison_report_html",
    "comparison_table",
    "load_equity",
    "load_trades",
    "monthly_return_matrix",
    "monthly_returns",
    "normalise_trades",
    "paired_comparison",
    "performance_report",
    "prediction_id_for",
    "prediction_stats",
    "print_comparison",
    "print_summary",
    "regime_strategy_weights",
    "reports_frame",
    "run_report_html",
    "run_summary",
    "strategy_weights",
    "summary_table",
    "variance_weights",
    "write_comparison_pngs",
    "write_comparison_report_html",
    "write_run_pngs",
    "write_run_report_html",
]

"""The dashboard's pages in menu order: script (and URL path) under ``views/``, title, icon."""

from __future__ import annotations

from pathlib import Path

PAGE_DIR = Path(__file__).resolve().parent / "views"
PAGES: tuple[tuple[str, str, str], ...] = (
    ("overview", "Overview", ":material/monitoring:"),
    ("positions", "Positions", ":material/list_alt:"),
    ("risk", "Greeks and risk", ":material/shield:"),
    ("decisions", "Decisions", ":material/psychology:"),
    ("orders", "Orders and fills", ":material/receipt_long:"),
    ("alerts", "Alerts", ":material/notifications:"),
    ("system", "System health", ":material/monitor_heart:"),
    ("backtests", "Backtests", ":material/science:"),
)
"""(file and URL path, title, icon) of every page, in menu order."""

"""Pieces every page uses: ``live`` runs a panel as a fragment that re-runs itself every
``dashboard.refresh_s`` seconds and turns a failing panel into a message instead of a broken
page; ``empty`` says plainly that there is nothing to show yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import streamlit as st

from v6.dashboard import format as fmt
from v6.dashboard.context import DashboardContext

log = logging.getLogger(__name__)

PANEL_FAILED = "panel failed"
"""Prefix of the message a failing panel shows (the tests look for it)."""


def live(ctx: DashboardContext, panel: Callable[..., None], *args: Any) -> None:
    """Draw ``panel(ctx, *args)`` now and again every refresh interval."""

    def guarded(*call_args: Any) -> None:
        try:
            panel(*call_args)
        except Exception as exc:  # one broken panel must not take the page down
            log.exception("dashboard panel %s failed", getattr(panel, "__name__", panel))
            why = fmt.md(f"{guarded.__name__}: {type(exc).__name__}: {exc}")
            st.error(f"{PANEL_FAILED}: {why}")

    guarded.__name__ = getattr(panel, "__name__", "panel")
    guarded.__qualname__ = getattr(panel, "__qualname__", "panel")
    st.fragment(run_every=ctx.refresh_s)(guarded)(ctx, *args)


def scalar(value: object) -> float | None:
    """A polars aggregate (``Series.min()``, ``.mean()``) as a float, None when not a number."""
    return float(value) if isinstance(value, int | float) else None


def empty(what: str) -> None:
    st.info(f"No {what} yet.")

"""The context of the current script run, shared by ``app.py`` and the page it runs: the app
loads it once per run (so an edited config is picked up on the next refresh) and every page
reads it from the session; ``show`` draws a page under the self-refreshing header strip."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from v6.dashboard import auth, header
from v6.dashboard.context import DashboardContext, load_context

CONTEXT_KEY = "_v6_dashboard_context"


def refresh_context() -> DashboardContext:
    ctx = load_context()
    st.session_state[CONTEXT_KEY] = ctx
    return ctx


def context() -> DashboardContext:
    ctx = st.session_state.get(CONTEXT_KEY)
    return ctx if isinstance(ctx, DashboardContext) else refresh_context()


def show(render: Callable[[DashboardContext], None]) -> None:
    """The header strip (a fragment refreshing every ``refresh_s``), then the page. Drawn by
    each page rather than by ``app.py`` so the strip is part of every page's own run."""
    ctx = context()
    if not auth.signed_in(ctx):  # pages never run without app.py's gate; this makes sure
        st.stop()
    st.html(header.STYLE)
    st.fragment(run_every=ctx.refresh_s)(header.render)(ctx)
    render(ctx)

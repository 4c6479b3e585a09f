"""The password gate: with ``dashboard.password`` configured (file or
``V6__DASHBOARD__PASSWORD``), nothing but a sign-in form is shown until the password is given.

The session remembers a digest of the password it was given, so changing the configured
password signs every open session out. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac

import streamlit as st

from v6.dashboard.context import DashboardContext

SESSION_KEY = "v6_dashboard_auth"


def _digest(secret: str) -> str:
    return hashlib.sha256(b"v6-dashboard|" + secret.encode()).hexdigest()


def signed_in(ctx: DashboardContext) -> bool:
    """True when no password is configured or this session gave the right one; otherwise
    draws the sign-in form and returns False (the caller stops the page)."""
    secret = ctx.config.dashboard.password
    if secret is None:
        return True
    expected = _digest(secret.get_secret_value())
    if hmac.compare_digest(str(st.session_state.get(SESSION_KEY, "")), expected):
        return True
    st.title("v6 dashboard")
    with st.form("v6-sign-in"):
        given = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        if hmac.compare_digest(_digest(given), expected):
            st.session_state[SESSION_KEY] = expected
            st.rerun()
        st.error("wrong password")
    return False

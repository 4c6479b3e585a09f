"""The dashboard's Streamlit entry script, run by ``streamlit run`` (``v6 dashboard`` starts it)
and never imported: page setup, config, the password gate and the navigation between the
eight pages; each page draws the self-refreshing header strip above its panels.
"""

from __future__ import annotations

import streamlit as st

from v6.dashboard import auth
from v6.dashboard.app_state import refresh_context
from v6.dashboard.format import md
from v6.dashboard.navigation import PAGE_DIR, PAGES
from v6.errors import V6Error


def main() -> None:
    st.set_page_config(page_title="v6", page_icon=":material/candlestick_chart:", layout="wide")
    try:
        ctx = refresh_context()
    except V6Error as exc:
        st.error(f"v6 dashboard cannot start: {md(str(exc))}")
        st.stop()
    if not auth.signed_in(ctx):
        st.stop()
    pages = [
        st.Page(PAGE_DIR / f"{name}.py", title=title, icon=icon, url_path=name, default=i == 0)
        for i, (name, title, icon) in enumerate(PAGES)
    ]
    st.navigation(pages).run()


main()

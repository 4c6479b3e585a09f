"""Page scripts run by ``st.navigation`` from ``v6.dashboard.app``; each draws one panel module.

Deliberately not named ``pages/``: Streamlit serves a ``pages/`` folder next to the main script
by itself, which would run a page without ``app.py`` (and its password gate) first.
"""

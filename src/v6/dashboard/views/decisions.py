"""The Decisions page (``v6.dashboard.panels.decisions``)."""

from v6.dashboard.app_state import show
from v6.dashboard.panels import decisions

show(decisions.render)

"""The Positions page (``v6.dashboard.panels.positions``)."""

from v6.dashboard.app_state import show
from v6.dashboard.panels import positions

show(positions.render)

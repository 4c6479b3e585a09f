"""The Greeks and risk page (``v6.dashboard.panels.risk``)."""

from v6.dashboard.app_state import show
from v6.dashboard.panels import risk

show(risk.render)

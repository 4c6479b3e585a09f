"""The Alerts page (``v6.dashboard.panels.alerts``)."""

from v6.dashboard.app_state import show
from v6.dashboard.panels import alerts

show(alerts.render)

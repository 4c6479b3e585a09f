"""The System health page (``v6.dashboard.panels.system``)."""

from v6.dashboard.app_state import show
from v6.dashboard.panels import system

show(system.render)

"""The Backtests page (``v6.dashboard.panels.backtests``)."""

from v6.dashboard.app_state import show
from v6.dashboard.panels import backtests

show(backtests.render)

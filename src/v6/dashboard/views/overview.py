"""The Overview page (``v6.dashboard.panels.overview``)."""

from v6.dashboard.app_state import show
from v6.dashboard.panels import overview

show(overview.render)

"""The Orders and fills page (``v6.dashboard.panels.orders``)."""

from v6.dashboard.app_state import show
from v6.dashboard.panels import orders

show(orders.render)

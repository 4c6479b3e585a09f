"""The read-only Streamlit dashboard (``v6 dashboard``): every page reads the journal through
``v6.queries`` and the engine's heartbeat file, and the only thing it ever writes is an alert
acknowledgement request for the engine to apply. Also the engine's Prometheus metrics
(``v6.dashboard.metrics``) and the fixture journal its tests run on (``v6.dashboard.fixtures``).

Importing this package does not import Streamlit; ``v6.dashboard.app`` is the app's script.
"""

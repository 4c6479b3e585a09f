"""Broker adapters behind the ``v6.ports.Broker`` port.

``v6.broker.sim`` is the in-process paper broker used by ``sim`` mode, CI and backtests;
``v6.broker.ib`` (the only place that imports ``ib_async``) talks to Interactive Brokers.
"""
